/**
 * Zyphra ZAYA1 (`zaya`: ZAYA1-8B; transformers `models/zaya/modular_zaya.py`, `modeling_zaya.py`,
 * `configuration_zaya.py`; the cache layout from `tests/models/zaya/test_modeling_zaya.py`), the
 * modules ZayaForCausalLM builds:
 * - Each of `num_hidden_layers` layers is "hybrid" (full attention) or "hybrid_sliding" (a window of
 *   `sliding_window`, which ZayaConfig requires then) per `layer_types`, default all hybrid.
 * - ZayaAttention with ZayaCCAProjection (compressed convolutional attention): q_proj h → heads·head_dim,
 *   k_proj h → kv·head_dim, v_proj_current and v_proj_delayed h → kv·head_dim/2 each (the delayed one
 *   run on the previous token), all with bias = `attention_bias`; conv_qk_depthwise, a depthwise Conv1d
 *   over the C = (heads + kv)·head_dim q/k channels of kernel `cca_time0` (C·k0 weights + C biases), and
 *   conv_qk_grouped, a Conv1d of heads + kv groups of head_dim channels and kernel `cca_time1`
 *   (C·head_dim·k1 weights + C biases); ZayaQKNorm, a parameter-free L2 norm with one learned key
 *   temperature per KV head (`temp`); o_proj heads·head_dim → h (bias = `attention_bias`). Partial
 *   rotary per layer kind has no parameters.
 * - The cache (LinearAttentionAnd{Full,SlidingWindow}AttentionLayer) holds per token the keys and
 *   values of kv heads of head_dim — GQA's — and per sequence the conv window (C × (k0 + k1 − 2)) and
 *   the delayed value projection (kv·head_dim/2), which ModelSpec has no field for (a warning).
 * - ZayaSparseMoeBlock: ZayaRouter — down_proj h → `router_hidden_size` r (with bias), on every layer
 *   but the first router_states_scale (r) for the state carried from the previous layer's router,
 *   ZayaRouterMLP (RMSNorm r, fc1 and fc2 r → r with bias, out_proj r → `num_experts` + 1 without: the
 *   last class is a skip expert with no weights), and balancing_biases (num_experts + 1, a persistent
 *   buffer, counted like DeepSeek-V3's e_score_correction_bias) — and ZayaExperts, `num_experts`
 *   SwiGLU experts of `moe_intermediate_size` as 3D gate_up_proj/down_proj, top-1
 *   (`num_experts_per_tok`, which ZayaConfig requires to be 1).
 * - Two RMSNorms per layer and two ZayaResidualScaling modules (four h vectors each), counted as ten
 *   hidden-size norms a layer; the model's input_hidden_states_scale and _bias (h each) as two more on
 *   layer 0; a final RMSNorm; lm_head tied to the embedding by default, with a bias per `lm_head_bias`.
 * The convolutions, key temperatures and the whole router are each layer's `extras` (held and run with
 * the layer; their matmuls in its operation list); lm_head's bias, which ModelSpec has no place for, is
 * counted as a lookup table (in the total and in memory, not in the active parameters), said in a warning.
 */
import { InternalError } from '../../errors.js';
import type { LayerExtrasSpec, LayerMixer, ModelSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readTopK, withClassDefaults } from './readers.js';

/** ZayaConfig's defaults (configuration_zaya.py), the ZAYA1-8B shape. */
const ZAYA_DEFAULTS = {
  vocab_size: 262_272,
  hidden_size: 2048,
  num_hidden_layers: 40,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  head_dim: 128,
  hidden_act: 'silu',
  max_position_embeddings: 131_072,
  tie_word_embeddings: true,
  attention_bias: false,
  moe_intermediate_size: 2048,
  num_experts: 16,
  num_experts_per_tok: 1,
  lm_head_bias: false,
  router_hidden_size: 256,
  cca_time0: 2,
  cca_time1: 2,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * What each ZAYA layer holds beyond the spec's GQA attention and MoE experts, as the layer's extras (its
 * router among them: MoeSpec.routerInExtras), and the state per sequence the cache keeps beside K and V.
 */
function zayaExtras(
  f: Fields,
  spec: ModelSpec,
): { extras: (layer: number) => LayerExtrasSpec; convState: number } {
  const a = spec.attention;
  if (a.kind !== 'gqa' || spec.moe === null) throw new InternalError('zaya reads as GQA attention with MoE');
  const h = spec.hiddenSize;
  const k0 = f.positiveInt('cca_time0', { max: MAX.other });
  const k1 = f.positiveInt('cca_time1', { max: MAX.other });
  const r = f.positiveInt('router_hidden_size', { max: MAX.hidden });
  const groups = a.numHeads + a.numKvHeads;
  const channels = groups * a.headDim;
  const classes = spec.moe.numExperts + 1;
  // Each token's matmuls: the depthwise conv (C channels, k0 taps), the grouped conv (a head_dim ×
  // head_dim·k1 matrix per group) and the router: down_proj h → r, fc1 and fc2 r → r, out_proj r → classes.
  const gemms = [
    { name: 'conv_qk_depthwise', n: channels, k: k0 },
    { name: 'conv_qk_grouped', n: a.headDim, k: a.headDim * k1, count: groups },
    { name: 'router.down_proj', n: r, k: h },
    { name: 'router.fc1', n: r, k: r },
    { name: 'router.fc2', n: r, k: r },
    { name: 'router.out_proj', n: classes, k: r },
  ];
  const matmuls = gemms.reduce((sum, g) => sum + g.n * g.k * (g.count ?? 1), 0);
  // Beside them: the convs' biases (C each), the key temperatures (kv), down_proj, fc1 and fc2's biases,
  // the router MLP's RMSNorm (r), balancing_biases (classes, a persistent buffer counted like DeepSeek-V3's
  // e_score_correction_bias) and router_states_scale (r, on every layer but the first).
  const vectors = 2 * channels + a.numKvHeads + 4 * r + classes;
  const modules =
    'conv_qk_depthwise, conv_qk_grouped, the key temperatures, the router (down_proj, router_states_scale, RMSNorm, fc1, fc2, out_proj, balancing_biases)';
  return {
    extras: (layer) => ({ modules, params: matmuls + vectors + (layer === 0 ? 0 : r), gemms }),
    convState: channels * (k0 + k1 - 2) + (a.numKvHeads * a.headDim) / 2,
  };
}

/** ZAYA1: CCA attention (GQA with q/k convolutions), an MLP-routed top-1 MoE, residual scaling. */
export const zaya: Family = (top, name) => {
  const f = withClassDefaults(top, ZAYA_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const types =
    f.enumList('layer_types', n, ['hybrid', 'hybrid_sliding'] as const) ?? Array<'hybrid'>(n).fill('hybrid');
  const kinds: LayerMixer[] = types.map((t) => (t === 'hybrid_sliding' ? 'sliding' : 'full'));
  // ZayaConfig.validate_architecture: sliding_window must be set when a layer is hybrid_sliding.
  const window = kinds.includes('sliding') ? f.positiveInt('sliding_window', { max: MAX.positions }) : null;
  // ZayaConfig.validate_architecture: ZAYA supports num_experts_per_tok = 1 only.
  const topK = readTopK(f, 'num_experts_per_tok', f.positiveInt('num_experts', { max: MAX.experts }));
  if (topK !== 1) f.fail('num_experts_per_tok', `(${topK}) must be 1: ZAYA routes each token to one expert`);
  // GQA's q/k/v/o (bias = attention_bias): v_proj_current and v_proj_delayed are one h → kv·head_dim.
  const spec = decoder(f, name, {
    layout: () => ({ window, kinds }),
    layerMlp: 'moe',
    moe: { experts: 'num_experts', expertSize: 'moe_intermediate_size' },
  });
  const { extras, convState } = zayaExtras(f, spec);
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'rmsnorm', perLayer: 10 },
    layers: spec.layers.map((layer, i) => ({
      ...layer,
      ...(i === 0 ? { norms: 12 } : {}),
      extras: extras(i),
    })),
    moe: { ...spec.moe!, fusedGateUp: true, routerInExtras: true },
    ...(f.bool('lm_head_bias', false) ? { headBias: true } : {}),
    warnings: [
      `zaya: each layer also keeps ${fmt(convState)} elements of state per sequence beside its keys and values (the CCA conv window and the delayed value projection), not in the KV cache figures`,
    ],
  };
};
