/**
 * Dense decoders with DeepSeek-V2's multi-head latent attention (MLA) and a SwiGLU MLP on every layer:
 * Tencent Youtu-LLM (`youtu`) and OpenBMB MiniCPM3 (`minicpm3`). Neither has q/k/v projections of
 * Llama's shape, so neither may be read as llama-like.
 *
 * Youtu-LLM (tencent/Youtu-LLM-2B, -2B-Base): transformers `models/youtu/modular_youtu.py` —
 * YoutuAttention(DeepseekV3Attention), YoutuMLP(Qwen3MLP), YoutuDecoderLayer(LlamaDecoderLayer),
 * YoutuModel(LlamaModel), YoutuForCausalLM(LlamaForCausalLM) — and `configuration_youtu.py`
 * (YoutuConfig: defaults are the 2B's shape, `tie_word_embeddings` true, `mlp_bias` forced false).
 *
 * MiniCPM3 (openbmb/MiniCPM3-4B): the checkpoint's remote code `modeling_minicpm.py`
 * (MiniCPM3ForCausalLM, MiniCPM3Model, MiniCPMDecoderLayer, MiniCPMAttention, MiniCPMMLP,
 * MiniCPMRMSNorm) and `configuration_minicpm.py` (MiniCPM3Config: `tie_word_embeddings` true), checked
 * against transformers' port `models/minicpm3/modular_minicpm3.py` (MiniCPM3Attention, MiniCPM3MLP(Qwen3MLP),
 * MiniCPM3DecoderLayer, MiniCPM3ForCausalLM; `configuration_minicpm3.py`). Its μP multipliers —
 * `scale_emb` on the embeddings, `scale_depth / √num_hidden_layers` on each residual branch, hidden /
 * `dim_model_base` before the head — are scalars with no parameters.
 *
 * Both: embed_tokens [V, h] (tied head unless `tie_word_embeddings` is false), model.norm; per layer
 * input_layernorm and post_attention_layernorm (RMSNorm h), then MLA — q_a_proj h → `q_lora_rank`,
 * q_a_layernorm, q_b_proj → heads·(qk_nope + qk_rope) (a direct q_proj when `q_lora_rank` is null, in
 * transformers), kv_a_proj_with_mqa h → kv_lora_rank + qk_rope, kv_a_layernorm, kv_b_proj kv_lora_rank →
 * heads·(qk_nope + v_head_dim), o_proj heads·v_head_dim → h; bias on q_a, kv_a and o per
 * `attention_bias` — and a bias-free SwiGLU (gate_proj, up_proj, down_proj) of `intermediate_size`.
 * No MoE, no MTP, no sliding window. `num_key_value_heads` sizes no tensor (kv_b_proj emits every head).
 */
import type { MlaAttention, ModelSpec } from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * YoutuConfig `__init__` defaults (transformers `configuration_youtu.py`) for the attention keys, the
 * context and the tie: an omitted key is read as the class builds it (Youtu-LLM-2B's value). An
 * omitted `q_lora_rank` is 1536, not the direct-query path, which only an explicit null selects. The
 * sizes (vocabulary, width, depth, heads, MLP) are required.
 */
const YOUTU_DEFAULTS: Json = {
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_rope_head_dim: 64,
  qk_nope_head_dim: 128,
  v_head_dim: 128,
  max_position_embeddings: 131_072,
  attention_bias: false,
  tie_word_embeddings: true,
};

/**
 * MiniCPM3Config `__init__` defaults where the remote class and transformers' agree (the MLA ranks and
 * dims, the tie, no bias). The sizes and `max_position_embeddings` (2048 in the remote class, 4096 or
 * 32768 in transformers' versions) are required.
 */
const MINICPM3_DEFAULTS: Json = {
  qk_nope_head_dim: 64,
  qk_rope_head_dim: 32,
  q_lora_rank: 768,
  kv_lora_rank: 256,
  attention_bias: false,
  tie_word_embeddings: true,
};

/** `qk_head_dim` (YoutuConfig writes it) only restates qk_nope + qk_rope: it must agree when given. */
function checkQkHeadDim(f: Fields, a: MlaAttention): void {
  if (!f.has('qk_head_dim')) return;
  const given = f.positiveInt('qk_head_dim', { max: MAX.headDim });
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
  if (given !== qk)
    f.fail('qk_head_dim', `(${given}) must equal qk_nope_head_dim + qk_rope_head_dim (${qk})`);
}

/**
 * `attention_bias` true: q_a_proj (q_proj has none), kv_a_proj_with_mqa and o_proj carry biases that
 * llmecon's MLA spec has no place for; their size, for the warning, else null.
 */
function attentionBiasNote(f: Fields, spec: ModelSpec): string | null {
  if (!f.bool('attention_bias', false) || spec.attention.kind !== 'mla') return null;
  const a = spec.attention;
  // DeepseekV3Attention: q_a_proj (q_lora_rank), kv_a_proj_with_mqa (kv_lora_rank + qk_rope), o_proj (h).
  const each = (a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeHeadDim + spec.hiddenSize;
  return `attention_bias is true: the biases of ${a.qLoraRank === null ? '' : 'q_a_proj, '}kv_a_proj_with_mqa and o_proj (${fmt(each)} a layer, ${fmt(each * spec.numLayers)} in all) are not counted`;
}

/** Youtu-LLM: DeepseekV3Attention over Llama's layer and Qwen3's MLP, every layer dense; tied by default. */
export const youtu: Family = (top, name) => {
  const f = withClassDefaults(top, YOUTU_DEFAULTS);
  const spec = decoder(f, name, { attention: readMla, mlp: readGatedMlp(f) });
  if (spec.attention.kind === 'mla') checkQkHeadDim(f, spec.attention);
  const notes: string[] = [];
  const bias = attentionBiasNote(f, spec);
  if (bias) notes.push(bias);
  // YoutuConfig sets mlp_bias = False whatever the config says; Qwen3MLP builds no bias.
  if (f.bool('mlp_bias', false)) notes.push('mlp_bias true is ignored: YoutuConfig forces it false');
  const read: ModelSpec = { ...spec, tieWordEmbeddings: f.bool('tie_word_embeddings', true) };
  return notes.length > 0 ? { ...read, warnings: notes.map((n) => `youtu: ${n}`) } : read;
};

/**
 * MiniCPM3's value head width: `v_head_dim` when given (transformers' MiniCPM3Attention reads it),
 * else hidden_size / num_attention_heads, which the remote MiniCPMAttention always uses
 * (`config.hidden_size // config.num_attention_heads`); a given width that differs is a warning.
 */
function readMiniCpm3ValueDim(f: Fields): { readonly value: number; readonly note: string | null } {
  if (!f.has('v_head_dim')) {
    return { value: f.divide('hidden_size', 'num_attention_heads', MAX.hidden), note: null };
  }
  const given = f.positiveInt('v_head_dim', { max: MAX.headDim });
  // Python's floor division, as the remote code computes it.
  const fromWidth = Math.floor(
    f.positiveInt('hidden_size', { max: MAX.hidden }) /
      f.positiveInt('num_attention_heads', { max: MAX.heads }),
  );
  return {
    value: given,
    note:
      given === fromWidth
        ? null
        : `v_head_dim (${given}) is read as transformers' MiniCPM3Attention reads it; the checkpoint's remote MiniCPMAttention ignores it and sizes values hidden_size / num_attention_heads (${fromWidth})`,
  };
}

/** The μP scalars, when given, must be positive numbers (MiniCPM3Model, MiniCPMDecoderLayer, the head). */
function checkMupScalars(f: Fields): void {
  for (const key of ['scale_emb', 'scale_depth', 'dim_model_base']) {
    if (f.has(key)) f.positiveNumber(key);
  }
}

/** MiniCPM3: MLA with μP scalars, every layer a dense SwiGLU; tied by default. */
export const minicpm3: Family = (top, name) => {
  const defaulted = withClassDefaults(top, MINICPM3_DEFAULTS);
  checkMupScalars(defaulted);
  const valueDim = readMiniCpm3ValueDim(defaulted);
  const f = defaulted.has('v_head_dim') ? defaulted : defaulted.with({ v_head_dim: valueDim.value });
  const spec = decoder(f, name, { attention: readMla, mlp: readGatedMlp(f) });
  if (spec.attention.kind === 'mla') checkQkHeadDim(f, spec.attention);
  const notes: string[] = [];
  if (valueDim.note) notes.push(valueDim.note);
  if (spec.attention.kind === 'mla' && spec.attention.qLoraRank === null) {
    notes.push(
      "q_lora_rank is null: read as transformers' MiniCPM3Attention builds it (one q_proj h → heads·(qk_nope + qk_rope)); the checkpoint's remote MiniCPMAttention always builds q_a_proj and cannot load such a config",
    );
  }
  const bias = attentionBiasNote(f, spec);
  if (bias) notes.push(bias);
  const read: ModelSpec = { ...spec, tieWordEmbeddings: f.bool('tie_word_embeddings', true) };
  return notes.length > 0 ? { ...read, warnings: notes.map((n) => `minicpm3: ${n}`) } : read;
};
