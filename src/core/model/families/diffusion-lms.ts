/**
 * Masked-diffusion language models: one bidirectional pass predicts every masked position, and a
 * sampler unmasks the generation canvas over many such passes.
 *
 * - LLaDA (`llada`: GSAI-ML/LLaDA-8B-Base, -Instruct, LLaDA-1.5), OLMo-derived remote code
 *   `configuration_llada.py` (ModelConfig's dataclass defaults under LLaDAConfig) and
 *   `modeling_llada.py`. LLaDAModel: transformer.wte [embedding_size or vocab_size, d]; wpe
 *   [max_sequence_length, d] only without `rope` or `alibi`; `n_layers` blocks; ln_f; transformer.ff_out
 *   [rows, d] unless `weight_tying`. LLaDALlamaBlock (`block_type` "llama"): attn_norm, q_proj
 *   (d → d), k_proj and v_proj (d → kv·d/heads) biased with `include_bias` or `include_qkv_bias`,
 *   attn_out (d → d), ff_norm, ff_proj and up_proj (d → hidden), ff_out (hidden → d); hidden =
 *   `mlp_hidden_size` or `mlp_ratio`·d; act(ff_proj(x))·up_proj(x). LLaDASequentialBlock
 *   ("sequential"): one att_proj (d → d + 2·kv·d/heads) and one ff_proj (d → hidden), ff_out from
 *   hidden/2 when `activation_type` is "swiglu" (its gate and up halves), else from hidden. With
 *   `attention_layer_norm`, q_norm over d and k_norm over kv·d/heads. Norms: "rms"/"gemma_rms" an
 *   RMSLayerNorm weight, "default"/"low_precision" a LayerNorm weight and (`bias_for_layer_norm`) bias;
 *   none with `layer_norm_with_affine` false. kv heads: `n_kv_heads`, else 1 with
 *   `multi_query_attention`, else `n_heads` (ModelConfig.effective_n_kv_heads).
 * - Dream (`Dream`: Dream-org/Dream-v0-Base-7B, -Instruct-7B), remote code `configuration_dream.py`
 *   (DreamConfig) and `modeling_dream.py`: Qwen2's layout. DreamModel: model.embed_tokens, per
 *   DreamDecoderLayer input_layernorm, q_proj/k_proj/v_proj (biased, whatever the config says),
 *   o_proj (no bias) with head_dim = hidden / heads, post_attention_layernorm, DreamMLP (gate, up,
 *   down, bias-free); model.norm; lm_head (tied per `tie_word_embeddings`). DreamAttention never
 *   applies a sliding window (`use_sliding_window` only warns in DreamDecoderLayer), so every layer is full.
 * - LLaDA 2.0 (`llada2_moe`: inclusionAI/LLaDA2.0-mini, -flash), remote code
 *   `configuration_llada2_moe.py` and `modeling_llada2_moe.py`: LLaDA2MoeAttention (query_key_value
 *   biased per `use_qkv_bias`, per-head query_layernorm and key_layernorm, dense biased per
 *   `use_bias`), LLaDA2MoeSparseMoeBlock (gate weight and its expert_bias buffer, `num_experts`
 *   SwiGLU experts, one shared SwiGLU of `num_shared_experts` × `moe_intermediate_size`) after
 *   `first_k_dense_replace` dense layers: BailingMoeV2's modules (bailing-v2.ts) under
 *   LLaDA2MoeConfig's own defaults.
 * None of them generates one token per pass; each reading carries a warning saying how it decodes.
 */
import type { GqaAttention, ModelSpec } from '../spec.js';
import { bailingMoeV2 } from './bailing-v2.js';
import { type Fields, type Json, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, HF_KEYS, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** ModelConfig's dataclass defaults (configuration_llada.py) that change the structure when a key is absent. */
const LLADA_DEFAULTS: Json = {
  d_model: 768,
  n_heads: 12,
  n_layers: 12,
  mlp_ratio: 4,
  activation_type: 'swiglu',
  block_type: 'sequential',
  alibi: false,
  rope: false,
  attention_layer_norm: false,
  attention_layer_norm_with_affine: true,
  layer_norm_type: 'default',
  layer_norm_with_affine: true,
  include_bias: false,
  include_qkv_bias: false,
  max_sequence_length: 1024,
  vocab_size: 50_257,
  embedding_size: 50_304,
  weight_tying: true,
};

/** DreamConfig's `__init__` defaults (configuration_dream.py): Qwen2Config's, untied, for the keys that shape the model. */
const DREAM_DEFAULTS: Json = { ...SUB_CONFIG_DEFAULTS.qwen2, hidden_act: 'silu', tie_word_embeddings: false };

/**
 * LLaDA2MoeConfig's `__init__` defaults (configuration_llada2_moe.py) where they differ from
 * BailingMoeV2Config's: `use_bias` true, no shared expert, no leading dense layer, one KV head per
 * query head, head_dim hidden / heads, 16,384 positions. `num_key_value_heads` 0 means one per head.
 */
const LLADA2_DEFAULTS: Json = {
  use_qkv_bias: false,
  use_bias: true,
  use_qk_norm: true,
  num_shared_experts: 0,
  first_k_dense_replace: 0,
  n_group: 8,
  topk_group: 4,
  max_position_embeddings: 16_384,
  tie_word_embeddings: false,
};

/** Why llmecon's per-token decode figures do not describe a masked-diffusion model's generation. */
function diffusionWarning(type: string, how: string): string {
  return (
    `${type} is a masked-diffusion model: ${how}. Attention is bidirectional and the released code keeps no KV cache, ` +
    'so the KV cache counted here is what a causal decoder of this shape would hold, and decode figures that assume one ' +
    'pass per generated token (weight reads, FLOPs and latency per token) do not hold'
  );
}

/** LLaDA's rows of wte and ff_out: `embedding_size`, or `vocab_size` when it is null (LLaDAModel). */
function readLladaRows(f: Fields): number {
  const vocab = f.positiveInt('vocab_size', { max: MAX.vocab });
  if (f.raw('embedding_size') === null) return vocab;
  const rows = f.positiveInt('embedding_size', { max: MAX.vocab });
  if (rows < vocab) f.fail('embedding_size', `(${rows}) must be at least vocab_size (${vocab})`);
  return rows;
}

/** ModelConfig.effective_n_kv_heads: `n_kv_heads`, else per `multi_query_attention`; both must agree. */
function readLladaKvHeads(f: Fields, heads: number): number {
  const mqa = f.raw('multi_query_attention');
  const implied = mqa === true ? 1 : heads;
  if (!f.has('n_kv_heads')) return implied;
  const kv = f.positiveInt('n_kv_heads', { max: MAX.heads });
  if (mqa !== null && mqa !== undefined && kv !== implied) {
    f.fail(
      'n_kv_heads',
      `(${kv}) contradicts multi_query_attention (${String(mqa)}), which implies ${implied}`,
    );
  }
  if (heads % kv !== 0) f.fail('n_kv_heads', `(${kv}) must divide n_heads (${heads})`);
  return kv;
}

/** LayerNormBase.build: the norm kind, its bias and affinity, with what LLaDA cannot express refused. */
function readLladaNorm(f: Fields): ModelSpec['norm'] {
  const type = f.string('layer_norm_type', 'default');
  const affine = f.bool('layer_norm_with_affine', true);
  const bias = f.bool('bias_for_layer_norm', f.bool('include_bias', false));
  if (f.bool('attention_layer_norm', false) && f.bool('attention_layer_norm_with_affine', true) !== affine) {
    f.fail(
      'attention_layer_norm_with_affine',
      "must equal layer_norm_with_affine: llmecon gives the q/k norms the layers' norm parameters",
    );
  }
  if (type === 'rms' || type === 'gemma_rms') {
    if (bias && affine) {
      f.fail(
        'bias_for_layer_norm',
        "is true: an RMSLayerNorm with a bias, which llmecon's RMSNorm has no field for",
      );
    }
    return { kind: 'rmsnorm', perLayer: 2, ...(affine ? {} : { affine: false }) };
  }
  if (type === 'default' || type === 'low_precision') {
    return {
      kind: 'layernorm',
      perLayer: 2,
      ...(bias ? {} : { bias: false }),
      ...(affine ? {} : { affine: false }),
    };
  }
  return f.fail(
    'layer_norm_type',
    `is '${type}'; LLaDA builds 'default', 'low_precision', 'rms' or 'gemma_rms'`,
  );
}

/** LLaDAModelLM (see the file comment), with its generation caveat. */
export const llada: Family = (top, name) => {
  const f = withClassDefaults(top, LLADA_DEFAULTS);
  const block = f.string('block_type', 'sequential');
  if (block !== 'llama' && block !== 'sequential') {
    f.fail('block_type', `is '${block}'; LLaDABlock.build makes 'llama' or 'sequential' blocks`);
  }
  const activation = f.string('activation_type', 'swiglu');
  if (!['gelu', 'relu', 'silu', 'swiglu'].includes(activation)) {
    f.fail(
      'activation_type',
      `is '${activation}'; LLaDA's Activation.build knows gelu, relu, silu and swiglu`,
    );
  }
  if (block === 'llama' && activation === 'swiglu') {
    f.fail(
      'activation_type',
      "'swiglu' halves ff_proj's output, which the llama block then multiplies by up_proj's full width: the model cannot run",
    );
  }
  if (f.bool('include_bias', false)) {
    f.fail(
      'include_bias',
      "is true: it biases the output head (transformer.ff_out), which llmecon's spec has no field for",
    );
  }
  const rope = f.bool('rope', false);
  if (rope && f.bool('alibi', false)) f.fail('alibi', 'and rope are mutually exclusive (LLaDAModel)');
  const d = f.positiveInt('d_model', { max: MAX.hidden });
  const heads = f.positiveInt('n_heads', { max: MAX.heads });
  const headDim = f.divide('d_model', 'n_heads', MAX.hidden);
  const hidden = f.has('mlp_hidden_size')
    ? f.positiveInt('mlp_hidden_size', { max: MAX.intermediate })
    : f.positiveInt('mlp_ratio', { max: MAX.intermediate }) * d;
  const halves = block === 'sequential' && activation === 'swiglu';
  if (halves && hidden % 2 !== 0) {
    f.fail(
      'mlp_hidden_size',
      `(${hidden}) must be even: the sequential block's SwiGLU splits ff_proj in halves`,
    );
  }
  const attention: GqaAttention = {
    kind: 'gqa',
    numHeads: heads,
    numKvHeads: readLladaKvHeads(f, heads),
    headDim,
    qkvBias: f.bool('include_qkv_bias', false),
    outputBias: false,
    qkNorm: f.bool('attention_layer_norm', false) ? 'full' : 'none',
    sinks: false,
  };
  const rows = readLladaRows(f);
  const spec = decoder(f.with({ embedding_size: rows }), name, {
    keys: {
      vocab: 'embedding_size',
      hidden: 'd_model',
      layers: 'n_layers',
      positions: 'max_sequence_length',
    },
    attention: () => attention,
    mlp: halves
      ? { intermediateSize: hidden / 2, gated: true, bias: false }
      : { intermediateSize: hidden, gated: block === 'llama', bias: false },
  });
  const positions = rope || f.bool('alibi', false) ? 0 : spec.maxContextTokens;
  const read: ModelSpec = {
    ...spec,
    tieWordEmbeddings: f.bool('weight_tying', true),
    learnedPositionEmbeddings: positions,
    norm: readLladaNorm(f),
    activation,
    warnings: [
      diffusionWarning(
        'llada',
        'generate() fills a canvas of gen_length masked tokens over `steps` denoising passes (semi-autoregressively in ' +
          'blocks of block_length), and every pass runs the whole prompt and canvas through the model with no causal mask',
      ),
    ],
  };
  return block === 'sequential' ? fused(read, { qkv: true, gateUp: true }) : read;
};

/** DreamModel (see the file comment), with its generation caveat. */
export const dream: Family = (top, name) => {
  const f = withClassDefaults(top, DREAM_DEFAULTS);
  const spec = decoder(f, name, {
    keys: HF_KEYS,
    attention: {
      qkvBias: true,
      outputBias: false,
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
    },
  });
  return {
    ...spec,
    warnings: [
      diffusionWarning(
        'Dream',
        'diffusion_generate() fills max_new_tokens masked tokens over `steps` denoising passes, and every pass runs the ' +
          'whole prompt and canvas through the model with no causal mask',
      ),
    ],
  };
};

/** LLaDA2MoeModelLM: BailingMoeV2's reading under LLaDA2MoeConfig's defaults, with its generation caveat. */
export const llada2Moe: Family = (top, name) => {
  const f = withClassDefaults(top, LLADA2_DEFAULTS);
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kv = f.int('num_key_value_heads', { fallback: 0, max: MAX.heads });
  // head_dim None is hidden / heads here, where BailingMoeV2Config's default is 128.
  const headDim = f.has('head_dim')
    ? f.positiveInt('head_dim', { max: MAX.headDim })
    : f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const spec = bailingMoeV2(f.with({ num_key_value_heads: kv === 0 ? heads : kv, head_dim: headDim }), name);
  return {
    ...spec,
    warnings: [
      ...(spec.warnings ?? []),
      diffusionWarning(
        'llada2_moe',
        'generate() denoises blocks of block_length (32) masked tokens, up to `steps` passes a block, and every pass ' +
          're-runs the whole sequence so far under a block-causal mask (a cache of finished blocks is possible, but not kept)',
      ),
    ],
  };
};
