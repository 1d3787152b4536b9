/**
 * Hunyuan dense (`hunyuan_v1_dense`, Hunyuan-0.5B … 7B,
 * `models/hunyuan_v1_dense/modular_hunyuan_v1_dense.py`): the same attention with a Llama MLP (bias =
 * mlp_bias) on every layer. Hunyuan-A13B (`hunyuan_v1_moe`, transformers
 * `models/hunyuan_v1_moe/modular_hunyuan_v1_moe.py`): LlamaAttention (bias = attention_bias) with query_layernorm/key_layernorm of head_dim; every layer
 * an MoE block — a bias-free router `wg`, `num_experts` gated experts (MixtralExperts) and one shared
 * MLP, both of `intermediate_size` — top `moe_topk`. `num_experts` and `moe_topk` may be per-layer
 * lists; llmecon needs them uniform.
 */
import type { Fields, Json } from './fields.js';
import { decoder, type Family, HF_KEYS, readGatedMlp } from './readers.js';

/** A per-layer list with one value, as that value; a mixed list is an error naming the field. */
export function uniform(f: Fields, key: string): Json {
  const value = f.raw(key);
  if (!Array.isArray(value)) return {};
  const first = value[0];
  if (value.length === 0 || value.some((v) => v !== first)) {
    f.fail(key, 'must be one number or a list of equal numbers (its per-layer values differ)');
  }
  return { [key]: first };
}

export const hunyuanV1Moe: Family = (top, name) => {
  const f = top.with({ ...uniform(top, 'num_experts'), ...uniform(top, 'moe_topk') });
  return decoder(f, name, {
    // HunYuanMoEV1Config: max_position_embeddings 2048 when the config leaves it out.
    keys: { ...HF_KEYS, defaultPositions: 2048 },
    attention: { qkNorm: 'per-head' },
    layerMlp: 'moe',
    moe: {
      experts: 'num_experts',
      topK: 'moe_topk',
      expertSize: 'intermediate_size',
      shared: { sizeKey: 'intermediate_size', count: 1 },
    },
  });
};

export const hunyuanV1Dense: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkNorm: 'per-head' },
    mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
  });
