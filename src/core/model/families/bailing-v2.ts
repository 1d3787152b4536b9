/**
 * Ling 2.0 / Ring 2.0 (`bailing_moe_v2`, BailingMoeV2ForCausalLM: Ling-mini-2.0, Ling-flash-2.0,
 * Ling-1T, Ring-1T…; inclusionAI/Ling-V2 `models/modeling_bailing_moe_v2.py` and
 * `configuration_bailing_moe_v2.py`, served by vLLM `models/bailing_moe.py`) and the Ring-linear 2.0
 * hybrids (`bailing_moe_linear`, BailingMoeLinearV2ForCausalLM: Ring-mini-linear-2.0,
 * Ring-flash-linear-2.0; SGLang `srt/models/bailing_moe_linear.py` and `srt/configs/bailing_moe_linear.py`,
 * mlx-lm `models/bailing_moe_linear.py`).
 *
 * Every layer: input_layernorm, attention, post_attention_layernorm, then a bias-free SwiGLU of
 * `intermediate_size` on the first `first_k_dense_replace` layers and a MoE block after them: gate
 * (h → E, no bias) with a per-expert `expert_bias` (sigmoid routing without auxiliary loss, group-limited
 * to `topk_group` of `n_group` groups), E SwiGLU experts of `moe_intermediate_size` and one shared
 * SwiGLU of `num_shared_experts` × its width. Softmax attention is a fused query_key_value
 * (h → (H + 2·K)·d) with per-head q/k RMSNorms (`use_qk_norm`), partial RoPE and `dense`
 * (H·d → h). `num_nextn_predict_layers` MTP layers (BailingMoeV2MTPLayer: enorm, hnorm, eh_proj 2h → h,
 * a MoE decoder layer, final_layernorm) follow the main layers.
 *
 * The hybrids replace every layer but each `layer_group_size`-th (and the trailing remainder) with
 * linear attention (BailingMoeLinearAttention): query_key_value with one key and value head per query
 * head (h → 3·H·d), the same q/k RMSNorms, a linear-attention recurrence with a fixed ALiBi-slope
 * decay per head (a buffer: no parameters) and a d × d state per head, a group RMSNorm of H·d gated by
 * sigmoid(g_proj(x)) (h → H·d), and `dense` — MiniMax's lightning attention (`projections: 'lightning'`)
 * plus the q/k norms, held as each linear layer's extras (see {@link lightningLayerExtras}).
 */

import type {
  GatedDeltaNetSpec,
  LayerExtrasSpec,
  LayerMixer,
  LayerMlp,
  ModelSpec,
  MoeSpec,
} from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, HF_KEYS, readRoutingGroups, readTopK, withClassDefaults } from './readers.js';

/**
 * BailingMoeV2Config's `__init__` defaults (Ling-V2 `configuration_bailing_moe_v2.py`; SGLang's
 * BailingMoeLinearConfig has the same ones) for the keys whose absence changes the structure. The
 * sizes (vocabulary, width, depth, heads, experts and their widths) are required: a config without
 * them is malformed, not Ling-mini-2.0.
 */
const BAILING_V2_DEFAULTS: Json = {
  num_key_value_heads: 4,
  head_dim: 128,
  use_qkv_bias: false,
  use_bias: false,
  use_qk_norm: true,
  num_shared_experts: 1,
  n_group: 8,
  topk_group: 4,
  first_k_dense_replace: 1,
  moe_router_enable_expert_bias: true,
  num_nextn_predict_layers: 0,
};

/** fla `chunk_simple_gla` chunk length (the model card's flash-linear-attention 0.3.2 kernels). */
const SIMPLE_GLA_CHUNK_TOKENS = 64;

/**
 * `head_dim` (BailingMoeV2Config: `head_dim or hidden_size // num_attention_heads`, so an explicit null
 * means hidden / heads), with the heads it divides.
 */
export function readHeads(f: Fields): { heads: number; headDim: number } {
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const headDim = f.has('head_dim')
    ? f.positiveInt('head_dim', { max: MAX.headDim })
    : f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  return { heads, headDim };
}

/**
 * BailingMoeV2SparseMoeBlock / SGLang BailingMoE: `num_experts` experts of `moe_intermediate_size`,
 * top `num_experts_per_tok`; shared_experts one SwiGLU of `num_shared_experts` ×
 * `moe_shared_expert_intermediate_size` (vLLM `BailingMoE`; absent: `moe_intermediate_size`, as the
 * Ling-V2 code always sizes it); the gate's per-expert bias when `routerBias`.
 */
export function readBailingMoe(f: Fields, routerBias: boolean): MoeSpec {
  const numExperts = f.positiveInt('num_experts', { max: MAX.experts });
  const expertIntermediateSize = f.positiveInt('moe_intermediate_size', { max: MAX.intermediate });
  const topK = readTopK(f, 'num_experts_per_tok', numExperts);
  const numSharedExperts = f.int('num_shared_experts', { fallback: 0, max: MAX.experts });
  const sharedWidth = f.positiveInt('moe_shared_expert_intermediate_size', {
    fallback: expertIntermediateSize,
    max: MAX.intermediate,
  });
  return {
    numExperts,
    topK,
    expertIntermediateSize,
    gated: true,
    expertBias: false,
    numSharedExperts,
    sharedIntermediateSize: numSharedExperts > 0 ? sharedWidth : 0,
    routerBias,
    sharedExpertGate: false,
    routingGroups: readRoutingGroups(f, numExperts, { expertsKey: 'num_experts', topK }),
  };
}

/**
 * BailingMoeV2DecoderLayer: MoE when `num_experts` is not None and layer_idx ≥ first_k_dense_replace;
 * `num_experts: null` is a dense model (an absent one is an error, not the class default). SGLang's
 * hybrid also builds dense layers throughout for a single expert (`minExperts` 2).
 */
export function readLayerMlp(f: Fields, numLayers: number, minExperts: number): (i: number) => LayerMlp {
  const firstDense = f.int('first_k_dense_replace', { fallback: 0, max: MAX.layers });
  if (firstDense > numLayers)
    f.fail('first_k_dense_replace', `(${firstDense}) exceeds num_hidden_layers (${numLayers})`);
  const moe =
    f.raw('num_experts') !== null && f.positiveInt('num_experts', { max: MAX.experts }) >= minExperts;
  return (i) => (moe && i >= firstDense ? 'moe' : 'dense');
}

/** The checkpoint's MTP layers (`num_nextn_predict_layers`), which need the MoE block they carry. */
export function readMtp(f: Fields, spec: ModelSpec): number {
  const n = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  if (n > 0 && spec.moe === null) {
    f.fail('num_nextn_predict_layers', `(${n}) needs num_experts: each MTP layer holds a MoE block`);
  }
  return n;
}

/** The shared reading of both model types: common fields, GQA attention, MLP, MoE and MTP. */
function bailingDecoder(
  f: Fields,
  name: string,
  options: {
    readonly qkvBias: boolean;
    readonly routerBias: boolean;
    readonly minExperts: number;
    readonly mixers: (numLayers: number) => LayerMixer[];
  },
): ModelSpec {
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const { headDim } = readHeads(f);
  const layerMlp = readLayerMlp(f, numLayers, options.minExperts);
  const spec = decoder(f, name, {
    keys: { ...HF_KEYS, defaultPositions: 32_768 },
    // BailingMoeV2Attention: query_key_value (bias per the family), per-head query_layernorm and
    // key_layernorm RMSNorm(head_dim), dense with bias per `use_bias`.
    attention: {
      qkvBias: options.qkvBias,
      outputBias: f.bool('use_bias', false),
      qkNorm: f.bool('use_qk_norm', true) ? 'per-head' : 'none',
      headDim,
    },
    layout: (_g, n) => ({ window: null, kinds: options.mixers(n) }),
    layerMlp,
  });
  const moe = spec.layers.some((l) => l.mlp === 'moe') ? readBailingMoe(f, options.routerBias) : null;
  const withMoe: ModelSpec = { ...fused(spec, { qkv: true }), moe };
  return { ...withMoe, numMtpModules: readMtp(f, withMoe) };
}

/**
 * BailingMoeV2ForCausalLM. query_key_value's bias is `use_qkv_bias` alone in the Ling-V2 code (vLLM
 * adds `use_bias`; every release sets both false); the gate always holds `expert_bias` (a buffer,
 * saved with the weights).
 */
export const bailingMoeV2: Family = (top, name) => {
  const f = withClassDefaults(top, BAILING_V2_DEFAULTS);
  return bailingDecoder(f, name, {
    qkvBias: f.bool('use_qkv_bias', false),
    routerBias: true,
    minExperts: 1,
    mixers: (n) => Array<LayerMixer>(n).fill('full'),
  });
};

/**
 * The hybrid's layer kinds (BailingMoeLinearDecoderLayer in mlx-lm, as the checkpoint's remote code
 * has it): softmax attention when (i + 1) % layer_group_size == 0 or i is past the last whole
 * group, linear attention otherwise. SGLang and vLLM require whole groups, where both rules agree.
 */
export function readHybridMixers(f: Fields, numLayers: number): LayerMixer[] {
  const group = f.positiveInt('layer_group_size', { max: MAX.layers });
  const lastWhole = Math.floor(numLayers / group) * group;
  return Array.from({ length: numLayers }, (_, i) =>
    (i + 1) % group === 0 || i >= lastWhole ? 'full' : 'linear',
  );
}

/**
 * BailingMoeLinearAttention as lightning attention: H = num_attention_heads heads of d for queries,
 * keys and values alike (the hybrid's linear layers are multi-head, not GQA), no conv. SGLang sizes
 * the heads by `head_dim`, mlx-lm by hidden / heads: a config where they differ is refused.
 */
export function readLinearAttention(f: Fields): GatedDeltaNetSpec {
  const { heads, headDim } = readHeads(f);
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  if (headDim * heads !== hidden) {
    f.fail(
      'head_dim',
      `(${headDim}) × num_attention_heads (${heads}) must equal hidden_size (${hidden}): the linear-attention layers' head width is read as one or the other by different implementations`,
    );
  }
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headDim,
    valueHeadDim: headDim,
    convKernel: 0,
    chunkTokens: SIMPLE_GLA_CHUNK_TOKENS,
    // vLLM keeps linear-attention state at the model's dtype (MambaStateDtypeCalculator.linear_attention_state_dtype).
    stateBytesPerElement: 2,
    projections: 'lightning',
  };
}

/**
 * The linear layers' parameters lightning attention has no place for, as each linear layer's extras:
 * query_layernorm and key_layernorm (d each, with `use_qk_norm`), query_key_value's bias (3·H·d, with
 * `use_bias` or `use_qkv_bias`) and dense's (h, with `use_bias`); weights applied element-wise, no
 * matmul of their own. Undefined when there are none.
 */
export function lightningLayerExtras(
  f: Fields,
  g: GatedDeltaNetSpec,
  hidden: number,
): LayerExtrasSpec | undefined {
  const width = g.numValueHeads * g.valueHeadDim;
  const parts: [string, number][] = [];
  if (f.bool('use_qk_norm', true)) parts.push(['query_layernorm, key_layernorm', 2 * g.keyHeadDim]);
  if (f.bool('use_bias', false) || f.bool('use_qkv_bias', false))
    parts.push(['query_key_value.bias', 3 * width]);
  if (f.bool('use_bias', false)) parts.push(['dense.bias', hidden]);
  if (parts.length === 0) return undefined;
  return {
    modules: parts.map(([what]) => what).join(', '),
    params: parts.reduce((a, [, n]) => a + n, 0),
    gemms: [],
  };
}

/**
 * The MTP layers of a hybrid are counted as Ling 2.0's (softmax attention and MoE): SGLang's hybrid
 * skips the checkpoint's `model.mtp` weights, so no code read here gives their structure.
 */
function hybridMtpWarning(spec: ModelSpec): string | null {
  return spec.numMtpModules > 0
    ? `the ${spec.numMtpModules} MTP layer(s) are counted as Ling 2.0's BailingMoeV2MTPLayer (softmax attention and a MoE block), not from the hybrid's own code (SGLang skips its model.mtp weights)`
    : null;
}

/**
 * BailingMoeLinearV2ForCausalLM (SGLang BailingMoELinearForCausalLM): query_key_value's bias is
 * `use_bias` or `use_qkv_bias`; the gate's expert_bias per `moe_router_enable_expert_bias`
 * (BailingMoeLinearConfig default true).
 */
export const bailingMoeLinear: Family = (top, name) => {
  const f = withClassDefaults(top, BAILING_V2_DEFAULTS);
  const spec = bailingDecoder(f, name, {
    qkvBias: f.bool('use_bias', false) || f.bool('use_qkv_bias', false),
    routerBias: f.bool('moe_router_enable_expert_bias', true),
    minExperts: 2,
    mixers: (n) => readHybridMixers(f, n),
  });
  const linear = spec.layers.some((l) => l.attention === 'linear') ? readLinearAttention(f) : null;
  const extras = linear ? lightningLayerExtras(f, linear, spec.hiddenSize) : undefined;
  const layers = spec.layers.map((l) => (l.attention === 'linear' && extras ? { ...l, extras } : l));
  const warning = hybridMtpWarning(spec);
  return { ...spec, layers, linearAttention: linear, ...(warning ? { warnings: [warning] } : {}) };
};
