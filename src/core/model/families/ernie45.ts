/**
 * ERNIE 4.5 (`ernie4_5`, the dense 0.3B: the same reader, every layer dense without
 * `moe_num_experts`) and ERNIE 4.5 MoE (`ernie4_5_moe`, transformers
 * `models/ernie4_5_moe/modular_ernie4_5_moe.py`): q/k/v/o and the MLPs with bias = use_bias; layer i is MoE when (i + 1) % moe_layer_interval == 0
 * and moe_layer_start_index ≤ i ≤ moe_layer_end_index (−1 = the last layer); the MoE block is a
 * bias-free gate with moe_statics (one correction bias per expert), moe_num_experts gated experts of
 * moe_intermediate_size, top moe_k, and shared experts MLP(moe_intermediate_size ×
 * moe_num_shared_experts); the checkpoint's MTP layers (num_nextn_predict_layers) are counted apart.
 * A field the config omits takes Ernie4_5_MoeConfig's / Ernie4_5Config's default, as transformers
 * reads it: max_position_embeddings 131072, tie_word_embeddings true, moe_layer_start_index 1.
 */
import { MAX } from './fields.js';
import { decoder, type Family, HF_KEYS, readGatedMlp } from './readers.js';

export const ernie45Moe: Family = (f, name) => {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const bias = f.bool('use_bias', false);
  const interval = f.positiveInt('moe_layer_interval', { fallback: 1, max: MAX.layers });
  const start = f.int('moe_layer_start_index', { fallback: 1, max: MAX.layers });
  const rawEnd = f.raw('moe_layer_end_index');
  const end =
    rawEnd === -1 || rawEnd === undefined || rawEnd === null
      ? numLayers - 1
      : f.int('moe_layer_end_index', { max: MAX.layers });
  const hasMoe = f.int('moe_num_experts', { fallback: 0, max: MAX.experts }) > 0;
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 131_072 },
    attention: { qkvBias: bias, outputBias: bias },
    mlp: readGatedMlp(f, 'intermediate_size', bias),
    layerMlp: (i) => (hasMoe && (i + 1) % interval === 0 && i >= start && i <= end ? 'moe' : 'dense'),
    moe: {
      experts: 'moe_num_experts',
      topK: 'moe_k',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'moe_num_shared_experts' },
      expertBias: bias,
      routerBias: true,
    },
    mtpKey: 'num_nextn_predict_layers',
  });
  return { ...spec, tieWordEmbeddings: f.bool('tie_word_embeddings', true) };
};
