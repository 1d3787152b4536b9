/**
 * JetBrains Mellum 2 (`mellum`: Mellum2-12B-A2.5B Base/Instruct/Thinking, Mellum2.1; MellumForCausalLM).
 * transformers `models/mellum/configuration_mellum.py` (MellumConfig, flattened from Qwen3MoeConfig),
 * `modular_mellum.py` and `modeling_mellum.py` (MellumAttention = Qwen3MoeAttention, MellumDecoderLayer
 * = LagunaDecoderLayer's dense/sparse choice, MellumSparseMoeBlock = Qwen3MoeSparseMoeBlock); SGLang's
 * and MLX's MellumDecoderLayer ports build the same modules:
 * - MellumAttention on every layer: q_proj h → heads·head_dim, k_proj and v_proj h → kv_heads·head_dim,
 *   o_proj back, all with bias = `attention_bias`; q_norm and k_norm RMSNorm(head_dim). The same heads on
 *   both kinds; `layer_types` (default all full_attention) picks full or sliding, a sliding layer attending
 *   over the last `sliding_window` tokens (default 1024; null: no window, so those layers see everything).
 *   Older transformers gated sliding on `use_sliding_window`; the current class drops that key.
 * - MLP per `mlp_layer_types` (default all sparse): "dense" a bias-free SwiGLU of `intermediate_size`
 *   (MellumMLP), "sparse" a softmax router gate (h → `num_experts`, no bias) and `num_experts` SwiGLU
 *   experts of `moe_intermediate_size` (gate_up_proj and down_proj packed, no bias), top
 *   `num_experts_per_tok`, no shared expert; `norm_topk_prob` has no parameters.
 * - input_layernorm and post_attention_layernorm RMSNorms, a final RMSNorm, an untied lm_head by default.
 *   The per-kind RoPE (YaRN on full layers in the releases) has no parameters.
 */
import type { LayerMixer } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import {
  decoder,
  type Family,
  readLayerTypes,
  readMlpLayerTypes,
  type SlidingLayout,
  withClassDefaults,
} from './readers.js';

/** MellumConfig's defaults for the keys llmecon reads (the Mellum2-12B-A2.5B shape). */
const MELLUM_DEFAULTS: Json = {
  vocab_size: 98_304,
  hidden_size: 2304,
  intermediate_size: 7168,
  num_hidden_layers: 28,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  hidden_act: 'silu',
  max_position_embeddings: 131_072,
  tie_word_embeddings: false,
  attention_bias: false,
  sliding_window: 1024,
  moe_intermediate_size: 896,
  num_experts_per_tok: 8,
  num_experts: 64,
};

/** `layer_types` (default all full); sliding layers without a window attend to everything. */
function mellumLayout(f: Fields, n: number): SlidingLayout {
  const types: LayerMixer[] = readLayerTypes(f, n) ?? Array(n).fill('full');
  const window = types.includes('sliding') ? f.optionalPositiveInt('sliding_window') : null;
  return { window, kinds: window === null ? types.map((t) => (t === 'sliding' ? 'full' : t)) : types };
}

/** Mellum: Qwen3-MoE attention (q/k RMSNorms) on full or sliding layers, dense or sparse MLP per layer. */
export const mellum: Family = (config, name) => {
  const f = withClassDefaults(config, MELLUM_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mlpTypes = readMlpLayerTypes(f, n);
  return decoder(f, name, {
    attention: { qkNorm: 'per-head' },
    layout: mellumLayout,
    layerMlp: (i) => mlpTypes?.[i] ?? 'moe',
    moe: { experts: 'num_experts', expertSize: 'moe_intermediate_size' },
  });
};
