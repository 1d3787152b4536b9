/**
 * JetMoE (`jetmoe`: jetmoe/jetmoe-8b; Shen et al. 2024, "JetMoE: Reaching Llama2 Performance with 0.1M
 * Dollars", arXiv:2404.07413). Shapes from transformers `models/jetmoe/configuration_jetmoe.py`,
 * `modeling_jetmoe.py` and `modular_jetmoe.py`; the modules JetMoeForCausalLM builds:
 * - JetMoeAttention, a mixture of attention heads: JetMoeMoA holds `num_local_experts` E experts, each a
 *   query projection (input_linear, a JetMoeParallelExperts [E, kv·d, h]) and an output projection
 *   (output_linear [E, h, kv·d]), where kv = `num_key_value_heads` and d = `kv_channels`; a
 *   JetMoeTopKGating router (layer: h → E, no bias) sends each token to `num_experts_per_tok` k
 *   experts, softmax over their k logits; one bias vector (h) added after the gated sum. kv_proj (h →
 *   2·kv·d, no bias) gives keys and values shared by every expert. The k experts' queries are k·kv
 *   heads of d (config.num_attention_heads = kv·k) over kv KV heads (the keys and values repeated k
 *   times): GQA, RoPE; the cache holds kv heads of d keys and values per layer.
 * - JetMoeMoE: E experts, input_linear [E, 2·I, h] (the GLU's gate and up halves, I =
 *   `intermediate_size`, activation `activation_function`) and output_linear [E, h, I], no expert bias;
 *   a JetMoeTopKGating router (h → E, no bias), top-k with softmax over the k logits; one bias vector
 *   (h) added after the gated sum.
 * - JetMoeBlock: input_layernorm and post_attention_layernorm (RMSNorm h); JetMoeModel: embed_tokens
 *   V × h, a final RMSNorm; lm_head (no bias) tied to the embedding by default.
 * Read as GQA of k·kv query heads (the q and o weights a token runs: its k experts'), the MoE block of
 * E SwiGLU experts (gate and up one matrix) with its router; each layer's `extras` hold the attention
 * router (a matmul every token runs), the two bias vectors and the E − k attention experts' q and o
 * weights a token is not routed to (idle: in the total, not the active count).
 */
import type { GqaAttention, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, readTopK, withClassDefaults } from './readers.js';

/** JetMoeConfig's class defaults (its docstring's JetMoE-4B: jetmoe-8b's shape with 12 layers). */
const JETMOE_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 2048,
  num_hidden_layers: 12,
  num_key_value_heads: 16,
  kv_channels: 128,
  intermediate_size: 5632,
  max_position_embeddings: 4096,
  activation_function: 'silu',
  num_local_experts: 8,
  num_experts_per_tok: 2,
  tie_word_embeddings: true,
};

/** The MoA's attention as GQA: each of a token's k experts queries with kv heads of kv_channels. */
function moaAttention(f: Fields, topK: number): GqaAttention {
  const numKvHeads = f.positiveInt('num_key_value_heads', { max: MAX.heads });
  const numHeads = numKvHeads * topK;
  // JetMoeConfig sets num_attention_heads to kv · k; a saved config repeats it, and any other value
  // would not fit the attention's view of the experts' queries.
  const heads = f.int('num_attention_heads', { fallback: numHeads, max: MAX.heads });
  if (heads !== numHeads)
    f.fail(
      'num_attention_heads',
      `(${heads}) must be num_key_value_heads × num_experts_per_tok (${numKvHeads} × ${topK}): each of a token's attention experts queries with num_key_value_heads heads`,
    );
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads,
    headDim: f.positiveInt('kv_channels', { max: MAX.headDim }),
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
  };
}

/** JetMoE: a mixture of attention heads (shared kv_proj) and a mixture of GLU MLP experts, both top-k. */
export const jetmoe: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, JETMOE_DEFAULTS);
  const numExperts = f.positiveInt('num_local_experts', { max: MAX.experts });
  const topK = readTopK(f, 'num_experts_per_tok', numExperts);
  const spec = decoder(f, name, {
    attention: () => moaAttention(f, topK),
    layerMlp: 'moe',
    moe: { experts: 'num_local_experts', expertSize: 'intermediate_size' },
  });
  const a = spec.attention as GqaAttention;
  const h = spec.hiddenSize;
  const expertWidth = a.numKvHeads * a.headDim;
  // The MoA router's h × E; experts.bias and mlp.bias (h each); the q and o of the E − k experts idle.
  const idleParams = (numExperts - topK) * 2 * h * expertWidth;
  const extras = {
    modules:
      'self_attention.experts (router, bias, and the input_linear and output_linear of the experts a token is not routed to), mlp.bias',
    params: h * numExperts + 2 * h + idleParams,
    idleParams,
    gemms: [{ name: 'self_attention.experts.router', n: numExperts, k: h }],
  };
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    activation: f.string('activation_function', 'silu'),
    layers: spec.layers.map((layer) => ({ ...layer, extras })),
    moe: { ...spec.moe!, fusedGateUp: true },
  };
};
