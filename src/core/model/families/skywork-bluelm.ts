/**
 * Two remote-code Llama-likes of 2023, both bias-free multi-head attention with SwiGLU MLPs.
 *
 * Skywork (`skywork`: Skywork/Skywork-13B-base, -Chat, -Math; SkyworkForCausalLM). Read from the Hub's
 * configuration_skywork.py (SkyworkConfig, model_type "skywork") and modeling_skywork.py as copied in
 * ssbuild/deep_training `nlp/models/skywork/` (SkyworkRMSNorm, SkyworkAttention, SkyworkMLP,
 * SkyworkDecoderLayer, SkyworkModel, SkyworkForCausalLM); TensorRT-LLM maps SkyworkForCausalLM to its
 * Llama builder. Shape: the SkyworkAI/Skywork model card's table (52 layers of 4608, FFN 12288, 36 heads
 * of 128, vocabulary 65536, 4096 tokens: "thinner and deeper" than Llama-2-13B).
 * - embed_tokens [V, h]; lm_head [V, h] without bias, untied unless `tie_word_embeddings`.
 * - Per layer: input_layernorm and post_attention_layernorm (SkyworkRMSNorm h); SkyworkAttention q_proj
 *   h → heads·d, k_proj and v_proj h → kv·d (`num_key_value_heads`, default one per query head), o_proj
 *   back, all `bias=False` whatever the config says, d = hidden_size / num_attention_heads (no head_dim
 *   key); RoPE on the whole head (`rope_scaling` linear, dynamic or ntk: no weights); SkyworkMLP gate_proj,
 *   up_proj (h → intermediate_size) and down_proj, no bias. `pretraining_tp` only slices the same weights.
 * - model.norm (SkyworkRMSNorm h).
 * Skywork-MoE (`skywork_moe`, skywork-moe.ts) keeps exactly these tensors and swaps each MLP for experts.
 * A GPT-2-style SkyWorkConfig (SkyWorkLMHeadModel: `n_inner`, `activation_function`, LayerNorms) was
 * registered under the same model_type by a vLLM fork; its configs are refused by their `n_inner` key.
 *
 * BlueLM (`BlueLM`, the exact model_type of BlueLMConfig and of vivo-ai-lab/BlueLM's vLLM
 * `_CONFIG_REGISTRY`: vivo-ai/BlueLM-7B-Base, -Chat, -Base-32K, -Chat-32K; BlueLMForCausalLM). Read from
 * the Hub's configuration_bluelm.py and modeling_bluelm.py as copied in ssbuild/deep_training
 * `nlp/models/bluelm/`, and vivo-ai-lab/BlueLM's vLLM port `example/vllm/.../models/bluelm.py`
 * (BlueLMMLP, BlueLMAttention, BlueLMDecoderLayer, BlueLMModel, BlueLMForCausalLM) with its
 * `layers/rotary_embedding.py` (NTKMixedScalingRotaryEmbedding) and `configs/bluelm.py`:
 * - embed_tokens [V, h], then, when `use_stable_embedding` (BlueLMConfig's default true), embed_layer_norm:
 *   an nn.LayerNorm(h) with weight and bias on every token's embedding. The spec holds its weight as
 *   `norm.embedding` and its bias (h) as layer 0's extras (LayerSpec.extras), so the count is exact.
 * - Per layer: input_layernorm and post_attention_layernorm (BlueLMRMSNorm h); BlueLMAttention q/k/v/o
 *   without bias, d = hidden_size / num_attention_heads, K/V heads per `num_key_value_heads` as the vLLM
 *   port reads them (the HF copy always builds one per query head; the releases are MHA); BlueLMMLP
 *   gate/up/down_proj without bias. model.norm (BlueLMRMSNorm h); lm_head [V, h] without bias, untied.
 * - The 32K releases set `rope_scaling` {type "ntkmixed", factor, power}: NTK-mixed RoPE (no weights) whose
 *   cos/sin cache spans max_position_embeddings · int(factor) positions (vLLM's `_get_and_verify_max_len`
 *   and chatllm.cpp's converter multiply likewise): the context read here.
 */
import type { LayerExtrasSpec, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, type GqaOptions, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** Both attentions: q/k/v/o without bias, head_dim = hidden_size / num_attention_heads (no head_dim key). */
const biasFreeAttention = (f: Fields): GqaOptions => ({
  qkvBias: false,
  outputBias: false,
  headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
});

/** SkyworkConfig's `__init__` defaults: LlamaConfig's shape (as skywork-moe.ts starts from), SiLU, untied. */
const SKYWORK_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  hidden_act: 'silu',
  tie_word_embeddings: false,
};

/** SkyworkForCausalLM (see the file comment). */
export const skywork: Family = (top, name) => {
  // The GPT-2-style SkyWorkConfig's MLP width: without this check its config would read as Llama layers
  // of SkyworkConfig's default intermediate_size (11008).
  if (top.has('n_inner')) {
    top.fail(
      'n_inner',
      "is a key of the GPT-2-style SkyWorkConfig (SkyWorkLMHeadModel), not of SkyworkForCausalLM's Llama layers (intermediate_size)",
    );
  }
  const f = withClassDefaults(top, SKYWORK_DEFAULTS);
  return decoder(f, name, { attention: biasFreeAttention(f) });
};

/** BlueLMConfig's `__init__` defaults ("a similar configuration to that of the BlueLM-7B"). */
const BLUELM_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.llama,
  vocab_size: 100_096,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  use_stable_embedding: true,
};

/** Context of an `ntkmixed` rope_scaling: max_position_embeddings · int(factor) (NTKMixedScalingRotaryEmbedding). */
function blueLmContextTokens(f: Fields, positions: number): number {
  const scaling = f.child('rope_scaling');
  if (scaling === null || scaling.string('type', '') !== 'ntkmixed') return positions;
  const factor = scaling.positiveNumber('factor', MAX.positions / positions);
  // BlueLMConfig._rope_scaling_validation: "factor field must be an float > 1".
  if (factor <= 1) scaling.fail('factor', `must be greater than 1 for ntkmixed scaling, got ${factor}`);
  return positions * Math.trunc(factor);
}

/** BlueLMForCausalLM (see the file comment). */
export const bluelm: Family = (top, name) => {
  const f = withClassDefaults(top, BLUELM_DEFAULTS);
  const spec = decoder(f, name, { attention: biasFreeAttention(f) });
  const scaled: ModelSpec = { ...spec, maxContextTokens: blueLmContextTokens(f, spec.maxContextTokens) };
  if (!f.bool('use_stable_embedding', true)) return scaled;
  // embed_layer_norm = nn.LayerNorm(h): weight h (norm.embedding, an RMSNorm-sized h) + bias h (extras).
  const bias: LayerExtrasSpec = {
    modules: 'model.embed_layer_norm.bias (nn.LayerNorm after embed_tokens, before layer 0)',
    params: spec.hiddenSize,
    gemms: [],
  };
  return {
    ...scaled,
    norm: { ...spec.norm, embedding: true },
    layers: spec.layers.map((layer, i): LayerSpec => (i === 0 ? { ...layer, extras: bias } : layer)),
  };
};
