/**
 * DeepSeek-V4 (`deepseek_v4`, DeepSeek-V4-Flash and -Pro; transformers
 * `models/deepseek_v4/modeling_deepseek_v4.py` and `configuration_deepseek_v4.py`): every layer is
 * DeepseekV4Attention (shared-KV MQA over a sliding window, low-rank queries, a grouped low-rank
 * output, sinks) with, per `layer_types` or the legacy per-layer `compress_ratios` (0 sliding, 4
 * CSA, 128 HCA; as transformers, the list is cut to the depth), a CSA compressor and lightning
 * indexer or an HCA compressor; then DeepseekV4SparseMoeBlock (`n_routed_experts` SwiGLU experts of
 * `moe_intermediate_size`, top-`num_experts_per_tok`, and one shared expert of the same width: the
 * code builds one whatever `n_shared_experts` says); two RMSNorms; mHC around both blocks
 * (`hc_mult` streams) and hc_head before the final norm; untied head. Shapes: compressed-attention.ts.
 *
 * Not in the spec, said in warnings: the first `num_hash_layers` layers route by a frozen token →
 * expert table (`tid2eid`, vocab × top-k ids, not weights) and hold no e_score_correction_bias, which
 * the spec's router counts (n_routed_experts too many per hash layer); the checkpoint's MTP layers
 * (`num_nextn_predict_layers`), which transformers drops on load, are not counted.
 */
import type { LayerSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readUnusedMlp, withClassDefaults } from './readers.js';

/** DeepseekV4Config's defaults (the V4-Flash values) for the keys read here. */
const V4_DEFAULTS = {
  num_key_value_heads: 1,
  head_dim: 512,
  qk_rope_head_dim: 64,
  q_lora_rank: 1024,
  o_groups: 8,
  o_lora_rank: 1024,
  index_n_heads: 64,
  index_head_dim: 128,
  index_topk: 512,
  sliding_window: 128,
  hc_mult: 4,
  num_hash_layers: 3,
  n_shared_experts: 1,
  num_nextn_predict_layers: 1,
} as const;

const LAYER_TYPES = [
  'sliding_attention',
  'compressed_sparse_attention',
  'heavily_compressed_attention',
] as const;
type V4LayerType = (typeof LAYER_TYPES)[number];
/** `_COMPRESS_RATIO_TO_LAYER_TYPE`: the legacy per-layer ratios transformers accepts. */
const BY_RATIO: Readonly<Record<number, V4LayerType>> = {
  0: 'sliding_attention',
  4: 'compressed_sparse_attention',
  128: 'heavily_compressed_attention',
};

/** Each layer's attention type: `layer_types`, else `compress_ratios` (cut to the depth), else V4-Pro's default. */
function readLayerTypes(f: Fields, n: number): V4LayerType[] {
  const types = f.has('layer_types') ? f.enumList('layer_types', n, LAYER_TYPES) : null;
  if (types) return types;
  if (f.has('compress_ratios')) {
    const ratios = f.intList('compress_ratios', 128);
    if (ratios.length < n)
      f.fail(
        'compress_ratios',
        `has ${ratios.length} entries for num_hidden_layers ${n}; it needs one per layer`,
      );
    // Every entry maps to a type before the list is cut (DeepseekV4Config.__post_init__).
    const all = ratios.map((r, i) => {
      const type = BY_RATIO[r];
      if (type === undefined) f.fail('compress_ratios', `entry ${i} is ${r}; allowed: 0, 4, 128`);
      return type;
    });
    return all.slice(0, n);
  }
  // DeepseekV4Config.__post_init__: two HCA layers, then CSA and HCA alternating.
  return Array.from({ length: n }, (_, i) =>
    i < 2 || i % 2 === 0 ? 'heavily_compressed_attention' : 'compressed_sparse_attention',
  );
}

/** The legacy `compress_rate_csa` / `compress_rate_hca` (folded in last, so they win), `compress_rates`, 4 and 128. */
function readRates(f: Fields): { readonly csa: number; readonly hca: number } {
  const rates = f.child('compress_rates');
  const rate = (name: V4LayerType, legacy: string, fallback: number) =>
    f.has(legacy) || !rates?.has(name)
      ? f.positiveInt(legacy, { fallback, max: MAX.positions })
      : rates.positiveInt(name, { max: MAX.positions });
  return {
    csa: rate('compressed_sparse_attention', 'compress_rate_csa', 4),
    hca: rate('heavily_compressed_attention', 'compress_rate_hca', 128),
  };
}

export const deepseekV4: Family = (raw, name) => {
  const f = withClassDefaults(raw, V4_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const types = readLayerTypes(f, n);
  const rates = readRates(f);
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const headDim = f.positiveInt('head_dim', { max: MAX.headDim });
  if (f.positiveInt('num_key_value_heads', { max: MAX.heads }) !== 1)
    f.fail('num_key_value_heads', 'must be 1: DeepseekV4Attention has one shared key/value head');
  if (f.bool('attention_bias', false))
    f.fail('attention_bias', 'true is not supported (V4 attention has no biases)');
  if (f.bool('mlp_bias', false))
    f.fail('mlp_bias', 'true is not supported (the shared expert without biases)');
  const ropeHeadDim = f.positiveInt('qk_rope_head_dim', { max: MAX.headDim });
  if (ropeHeadDim > headDim) f.fail('qk_rope_head_dim', `(${ropeHeadDim}) exceeds head_dim (${headDim})`);
  const outputGroups = f.positiveInt('o_groups', { max: MAX.heads });
  if ((numHeads * headDim) % outputGroups !== 0)
    f.fail(
      'o_groups',
      `(${outputGroups}) must divide num_attention_heads × head_dim (${numHeads * headDim})`,
    );
  const layers: LayerSpec[] = types.map((type) =>
    type === 'sliding_attention'
      ? { attention: 'sliding', mlp: 'moe' }
      : type === 'compressed_sparse_attention'
        ? { attention: 'sparse', mlp: 'moe', compressRatio: rates.csa }
        : { attention: 'full', mlp: 'moe', compressRatio: rates.hca },
  );
  const spec = decoder(f, name, {
    attention: () => ({
      kind: 'compressed',
      numHeads,
      headDim,
      ropeHeadDim,
      qLoraRank: f.positiveInt('q_lora_rank', { max: MAX.hidden }),
      outputGroups,
      outputLoraRank: f.positiveInt('o_lora_rank', { max: MAX.hidden }),
    }),
    mlp: readUnusedMlp(f),
    layerMlp: 'moe',
    // DeepseekV4TopKRouter carries e_score_correction_bias; one shared expert of the experts' width.
    moe: { experts: 'n_routed_experts', expertSize: 'moe_intermediate_size', routerBias: true },
  });
  const moe = spec.moe!;
  // `mlp_layer_types` (hash_moe | moe per layer), else the first `num_hash_layers`.
  const mlpTypes = f.has('mlp_layer_types')
    ? f.enumList('mlp_layer_types', n, ['hash_moe', 'moe'] as const)
    : null;
  const hashLayers = mlpTypes
    ? mlpTypes.filter((t) => t === 'hash_moe').length
    : Math.min(n, f.int('num_hash_layers', { max: MAX.layers }));
  const mtp = f.int('num_nextn_predict_layers', { max: MAX.layers });
  const shared = f.int('n_shared_experts', { max: MAX.experts });
  const warnings = [
    ...(hashLayers > 0
      ? [
          `${hashLayers} hash_moe layer${hashLayers === 1 ? '' : 's'} route by a frozen token → expert table (tid2eid, not counted) and hold no e_score_correction_bias: ${hashLayers * moe.numExperts} router parameters too many`,
        ]
      : []),
    ...(mtp > 0
      ? [
          `the checkpoint's ${mtp} MTP layer${mtp === 1 ? '' : 's'} (num_nextn_predict_layers) ${mtp === 1 ? 'is' : 'are'} not counted: transformers drops them on load and the config does not give their shape`,
        ]
      : []),
    ...(shared !== 1
      ? [`n_shared_experts is ${shared}, but DeepseekV4SparseMoeBlock builds one shared expert: read as one`]
      : []),
  ];
  const csa = layers.some((l) => l.attention === 'sparse');
  return {
    ...spec,
    layers,
    slidingWindow: f.positiveInt('sliding_window', { max: MAX.positions }),
    sparseAttention: csa
      ? {
          numHeads: f.positiveInt('index_n_heads', { max: MAX.heads }),
          headDim: f.positiveInt('index_head_dim', { max: MAX.headDim }),
          topKTokens: f.positiveInt('index_topk', { max: MAX.positions }),
        }
      : null,
    moe: { ...moe, numSharedExperts: 1, sharedIntermediateSize: moe.expertIntermediateSize },
    hyperConnections: { streams: f.positiveInt('hc_mult', { max: 64 }) },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
};
