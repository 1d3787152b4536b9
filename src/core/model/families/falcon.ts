/** Falcon: multi-query or grouped attention, LayerNorm, parallel attention/MLP (modeling_falcon.py). */

import { MAX } from './fields.js';
import { fused } from './fused-projections.js';
import {
  baseSpec,
  type Family,
  HF_KEYS,
  readCommon,
  readKvHeads,
  readPlainMlp,
  uniformLayers,
} from './readers.js';

export const falcon: Family = (f, name) => {
  const c = readCommon(f, name, { ...HF_KEYS, defaultPositions: 2048 });
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const newArch = f.bool('new_decoder_architecture', false);
  // FalconAttention: new architecture uses num_kv_heads; otherwise multi_query (default true) means one KV head.
  const numKvHeads = newArch
    ? readKvHeads(f, numHeads, 'num_kv_heads')
    : f.bool('multi_query', true)
      ? 1
      : numHeads;
  const bias = f.bool('bias', false);
  const parallelAttn = f.bool('parallel_attn', true);
  // FalconDecoderLayer: ln_attn + ln_mlp when new_decoder_architecture (num_ln_in_parallel_attn
  // defaults to 2 there); otherwise input_layernorm, plus post_attention_layernorm when not parallel.
  const lnPerLayer = newArch
    ? f.positiveInt('num_ln_in_parallel_attn', { fallback: 2, max: 8 })
    : parallelAttn
      ? 1
      : 2;
  const base = baseSpec(f, c, {
    attention: {
      kind: 'gqa',
      numHeads,
      numKvHeads,
      headDim: f.divide('hidden_size', 'num_attention_heads', MAX.hidden),
      qkvBias: bias,
      outputBias: bias,
      qkNorm: 'none',
      sinks: false,
    },
    mlp: readPlainMlp(f, bias, 'ffn_hidden_size', 4 * c.hiddenSize),
    layers: uniformLayers(c.numLayers, 'dense'),
  });
  return {
    ...fused(base, { qkv: true }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'layernorm', perLayer: lnPerLayer },
    activation: f.string('activation', 'gelu'),
  };
};
