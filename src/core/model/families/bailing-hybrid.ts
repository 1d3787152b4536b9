/**
 * Ling 2.5 / Ring 2.5 / Ling 2.6 and Ling 3.0 (`bailing_hybrid`). Two architectures share the type:
 *
 * - BailingMoeV2_5ForCausalLM (Ling-2.5-1T, Ring-2.5-1T, Ling-2.6-flash): the checkpoint's own
 *   inclusionAI/Ring-V2.5 `models/modeling_bailing_moe_v2_5.py` (with `configuration_bailing_moe_v2_5.py`),
 *   transformers `models/bailing_hybrid/` (BailingHybridConfig, documented on inclusionAI/Ring-2.5-1T),
 *   mlx-lm `mlx_lm/models/bailing_hybrid.py`, SGL-JAX `sgl_jax/srt/models/bailing_moe_linear.py`. Ling 2.0's
 *   MoE decoder (bailing-v2.ts) whose softmax layers are MLA (BailingMoeV2_5MultiLatentAttention: DeepSeek-V3
 *   MLA, q_proj or q_a_proj → q_a_layernorm → q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, dense)
 *   and whose other layers are lightning attention (BailingMoeV2_5LinearAttention: query_key_value h → 3·H·d,
 *   per-head query_layernorm and key_layernorm, a fixed ALiBi-slope decay buffer, g_norm over H·d gated by
 *   sigmoid(g_proj(x)), dense) — bailing-v2.ts's `projections: 'lightning'`, with the q/k norms (2·d a layer)
 *   as layer extras. MTP layers (BailingMoeV2_5MTPLayer: enorm, hnorm, eh_proj 2h → h, an MLA + MoE layer,
 *   final_layernorm) are llmecon's MTP module exactly; Ling 3.0's carry the MLA layers' head-wise gate too
 *   (`ModelSpec.mtpModule`, its layer with the gate as an extra).
 * - BailingMoeV3ForCausalLM (Ling-3.0-flash, Ling-3.0-tiny): SGLang `srt/models/bailing_moe_v3.py` and
 *   `srt/configs/bailing_hybrid.py`, mlx-lm `mlx_lm/models/bailing_moe_v3.py`. The linear layers are Kimi Delta
 *   Attention (BailingKDA = SGLang KimiDeltaAttention: q/k/v_proj, q/k/v_conv1d of `short_conv_kernel_size`,
 *   A_log, dt_bias, b_proj, o_norm, o_proj) and the MLA layers carry a sigmoid output gate g_proj
 *   (`gated_attention_proj_granularity_type`: "head_wise" h → H, one scalar a head, as layer extras;
 *   "element_wise" h → H·v_head_dim, MLA's outputGate). With `no_kda_lora` true — every release — KDA's forget
 *   gate is one full-rank f_proj (h → H·d) and its output gate one g_proj (mlx-lm BailingKDA:
 *   `fullRankForgetGate` and `fullRankOutputGate`); with it false both are Kimi's low-rank pairs of rank
 *   head_dim (SGLang KimiDeltaAttention).
 *
 * The variant comes from `architectures` or, without a known one, from the KDA keys; a config that names one
 * and carries the other's keys is refused. The layer kinds come from `layer_group_size` (an int: MLA when
 * (i + 1) % size == 0 or past the last whole group, the checkpoint's BailingMoeV2_5DecoderLayer and mlx-lm;
 * a list: SGLang's per-layer schedule, 1 = linear), `layer_types` (transformers) or `layers_block_type`
 * (SGLang's VL config); given together they must agree. Every layer: input_layernorm, the mixer,
 * post_attention_layernorm, a SwiGLU of `intermediate_size` below `first_k_dense_replace` and a MoE block
 * after it (BailingMoeV2_5SparseMoeBlock: gate with expert_bias, experts of `moe_intermediate_size`, one
 * shared expert).
 */

import { mtpLayer } from '../param-count.js';
import type { GatedDeltaNetSpec, LayerExtrasSpec, LayerMixer, LayerSpec, ModelSpec } from '../spec.js';
import {
  lightningLayerExtras,
  readBailingMoe,
  readHeads,
  readHybridMixers,
  readLayerMlp,
  readLinearAttention,
  readMtp,
} from './bailing-v2.js';
import { readMla } from './deepseek.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, readLayerTypes, readStateDtypeBytes, withClassDefaults } from './readers.js';

/**
 * Defaults on which the checkpoint's BailingMoeV2_5Config, transformers' BailingHybridConfig and SGLang's
 * BailingHybridConfig agree (mlx-lm bailing_moe_v3.py's ModelArgs too). `moe_router_enable_expert_bias`
 * follows the checkpoint's code, whose gate always holds expert_bias (transformers: e_score_correction_bias;
 * SGLang defaults it false). Keys they disagree on (`layer_group_size` 5/8/1/4, `first_k_dense_replace` 1/4,
 * `q_lora_rank` None/1536/None/256, `max_position_embeddings`) are required.
 */
const HYBRID_DEFAULTS: Json = {
  head_dim: 128,
  use_qk_norm: true,
  num_shared_experts: 1,
  n_group: 8,
  topk_group: 4,
  moe_router_enable_expert_bias: true,
  num_nextn_predict_layers: 0,
  kv_lora_rank: 512,
  qk_rope_head_dim: 64,
  qk_nope_head_dim: 128,
  v_head_dim: 128,
};

const LIGHTNING_ARCHITECTURES = ['BailingMoeV2_5ForCausalLM', 'BailingHybridForCausalLM'];
const KDA_ARCHITECTURE = 'BailingMoeV3ForCausalLM';
/** The Ling 3.0 keys (SGLang BailingHybridConfig: `use_kda = short_conv_kernel_size is not None`). */
const KDA_KEYS = ['short_conv_kernel_size', 'no_kda_lora', 'kda_safe_gate', 'kda_lower_bound'];
/** fla `chunk_kda` chunk length, as kimi-linear.ts. */
const KDA_CHUNK_TOKENS = 64;

type Variant = 'lightning' | 'kda';

/** Lightning (Ling 2.5/2.6) or KDA (Ling 3.0), from `architectures[0]` or else the KDA keys. */
function readVariant(f: Fields): Variant {
  const listed = f.raw('architectures');
  const arch = Array.isArray(listed) && typeof listed[0] === 'string' ? listed[0] : null;
  const kdaKey = KDA_KEYS.find((k) => f.has(k));
  if (arch === KDA_ARCHITECTURE) return 'kda';
  const lightningArch = arch !== null && LIGHTNING_ARCHITECTURES.includes(arch);
  if (lightningArch && kdaKey !== undefined) {
    f.fail(
      kdaKey,
      `is a Ling 3.0 (KDA) key, but architectures names ${arch}, whose linear layers are lightning attention: the config mixes the two architectures`,
    );
  }
  return lightningArch || kdaKey === undefined ? 'lightning' : 'kda';
}

/** Keys whose absence the implementations fill differently (see {@link HYBRID_DEFAULTS}). */
function requireKeys(f: Fields): void {
  for (const key of ['first_k_dense_replace', 'q_lora_rank']) {
    if (f.raw(key) === undefined) {
      f.fail(
        key,
        `is required: the checkpoint's BailingMoeV2_5Config, transformers' and SGLang's BailingHybridConfig and mlx-lm default it differently${key === 'q_lora_rank' ? ' (null for a full-rank q_proj)' : ''}`,
      );
    }
  }
}

/** `use_qkv_bias`, `use_bias`, `attention_bias`: biases every release leaves out and each implementation places elsewhere. */
function refuseBiases(f: Fields): void {
  for (const key of ['use_qkv_bias', 'use_bias', 'attention_bias']) {
    if (f.bool(key, false)) {
      f.fail(
        key,
        `true is not supported: the implementations place this bias differently (modeling_bailing_moe_v2_5.py: use_qkv_bias on query_key_value, q_a_proj, kv_a_proj_with_mqa and MLA's dense, use_bias on the linear layers' dense; transformers: attention_bias on every attention projection; mlx-lm: use_bias on the MLPs too); every release sets it false`,
      );
    }
  }
}

/**
 * One shared expert at most, and for lightning releases `moe_shared_expert_intermediate_size` equal to
 * `moe_intermediate_size`: the checkpoint's BailingMoeV2_5SparseMoeBlock sizes it moe_intermediate_size ×
 * num_shared_experts and ignores the key, transformers multiplies the key, mlx-lm and SGLang take it alone.
 */
function checkSharedExperts(f: Fields, variant: Variant): void {
  const shared = f.int('num_shared_experts', { fallback: 1, max: MAX.experts });
  if (shared > 1) {
    f.fail(
      'num_shared_experts',
      `(${shared}) must be 0 or 1: the implementations size several shared experts differently (transformers and the checkpoint's code: width × count; mlx-lm and SGLang: moe_shared_expert_intermediate_size alone)`,
    );
  }
  if (variant === 'lightning' && f.has('moe_shared_expert_intermediate_size')) {
    const width = f.positiveInt('moe_shared_expert_intermediate_size', { max: MAX.intermediate });
    const expert = f.positiveInt('moe_intermediate_size', { max: MAX.intermediate });
    if (width !== expert) {
      f.fail(
        'moe_shared_expert_intermediate_size',
        `(${width}) must equal moe_intermediate_size (${expert}): the checkpoint's BailingMoeV2_5SparseMoeBlock sizes the shared expert by moe_intermediate_size, transformers and mlx-lm by this key`,
      );
    }
  }
}

/** SGLang's list form of `layer_group_size`: one entry a layer, 1 = linear attention, anything else MLA. */
function readGroupList(f: Fields, n: number): LayerMixer[] {
  const list = f.intList('layer_group_size', MAX.layers);
  if (list.length !== n)
    f.fail('layer_group_size', `as a list must have one entry per layer (${n}), got ${list.length}`);
  return list.map((v) => (v === 1 ? 'linear' : 'full'));
}

/** Each layer's mixer from `layer_group_size`, `layer_types` and `layers_block_type`, which must agree. */
function readMixers(f: Fields, n: number): LayerMixer[] {
  const sources: [string, LayerMixer[]][] = [];
  const group = f.raw('layer_group_size');
  if (Array.isArray(group)) sources.push(['layer_group_size', readGroupList(f, n)]);
  else if (group !== undefined && group !== null) sources.push(['layer_group_size', readHybridMixers(f, n)]);
  const types = readLayerTypes(f, n, ['linear_attention', 'full_attention']);
  if (types) sources.push(['layer_types', types]);
  const blocks = f.enumList('layers_block_type', n, [
    'attention',
    'full_attention',
    'linear_attention',
  ] as const);
  if (blocks)
    sources.push(['layers_block_type', blocks.map((b) => (b === 'linear_attention' ? 'linear' : 'full'))]);
  const [first, ...rest] = sources;
  if (!first) return readHybridMixers(f, n);
  for (const [key, kinds] of rest) {
    const i = kinds.findIndex((k, j) => k !== first[1][j]);
    if (i >= 0) {
      f.fail(
        key,
        `makes layer ${i} ${kinds[i] === 'linear' ? 'linear attention' : 'MLA'}, but ${first[0]} makes it ${first[1][i] === 'linear' ? 'linear attention' : 'MLA'}: the layer kinds are ambiguous`,
      );
    }
  }
  return first[1];
}

/** `num_kv_heads_for_linear_attn` (transformers' head count for the linear layers): 0, absent or num_attention_heads. */
function checkLinearHeads(f: Fields, heads: number): void {
  const linearHeads = f.int('num_kv_heads_for_linear_attn', { fallback: 0, max: MAX.heads });
  if (linearHeads !== 0 && linearHeads !== heads) {
    f.fail(
      'num_kv_heads_for_linear_attn',
      `(${linearHeads}) must be 0 or num_attention_heads (${heads}): transformers sizes the linear layers by it, the checkpoint's code, mlx-lm and SGLang by num_attention_heads`,
    );
  }
}

/**
 * BailingKDA: with `no_kda_lora` true (every release; mlx-lm bailing_moe_v3.py) a full-rank forget gate f_proj
 * (h → H·d) and output gate g_proj (h → H·d); with it false, Kimi's low-rank pairs of rank head_dim (SGLang
 * KimiDeltaAttention). Queries, keys and values are H heads of `head_dim`. An absent key is refused: the two
 * implementations default it differently.
 */
function readKda(f: Fields): GatedDeltaNetSpec {
  if (f.raw('no_kda_lora') === undefined || f.raw('no_kda_lora') === null) {
    f.fail(
      'no_kda_lora',
      'is required: SGLang defaults it to false (low-rank KDA gates), mlx-lm bailing_moe_v3.py to true (full-rank f_proj and g_proj)',
    );
  }
  const fullRank = f.bool('no_kda_lora', false);
  const { heads, headDim } = readHeads(f);
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headDim,
    valueHeadDim: headDim,
    convKernel: f.positiveInt('short_conv_kernel_size', { max: 1024 }),
    chunkTokens: KDA_CHUNK_TOKENS,
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_dtype'),
    projections: 'kda',
    ...(fullRank ? { fullRankForgetGate: true, fullRankOutputGate: true } : { gateRank: headDim }),
  };
}

/** `gated_attention_proj_granularity_type` on the MLA layers (SGLang DsV3MLA g_proj): head-wise, element-wise or none. */
function readMlaGate(f: Fields): 'head' | 'element' | null {
  const key = 'gated_attention_proj_granularity_type';
  const value = f.raw(key);
  if (value === undefined || value === null) return null;
  if (value === 'head_wise') return 'head';
  if (value === 'element_wise') return 'element';
  return f.fail(
    key,
    `must be 'head_wise' or 'element_wise' (SGLang bailing_moe_v3.py DsV3MLA), got ${shown(value)}`,
  );
}

/** MTP layers built as KDA (`mtp_use_kda`) have no place in llmecon's MTP module (softmax attention + MoE). */
function checkMtp(f: Fields): void {
  const layers = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  if (layers > 0 && f.bool('mtp_use_kda', false)) {
    f.fail(
      'mtp_use_kda',
      `true with ${layers} MTP layer(s) is not supported: llmecon's MTP layer is softmax attention`,
    );
  }
}

/** A layer with `extras` added, when there are any. */
const withExtras = (layer: LayerSpec, extras: LayerExtrasSpec | undefined): LayerSpec =>
  extras === undefined ? layer : { ...layer, extras };

export const bailingHybrid: Family = (top, name) => {
  const f = withClassDefaults(top, HYBRID_DEFAULTS);
  const variant = readVariant(f);
  requireKeys(f);
  refuseBiases(f);
  checkSharedExperts(f, variant);
  checkMtp(f);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers = readMixers(f, n);
  const { heads } = readHeads(f);
  checkLinearHeads(f, heads);
  const hasLinear = mixers.includes('linear');
  const linear = hasLinear ? (variant === 'kda' ? readKda(f) : readLinearAttention(f)) : null;
  const gate = readMlaGate(f);
  const spec = decoder(f, name, {
    attention: (g) => (gate === 'element' ? { ...readMla(g), outputGate: true } : readMla(g)),
    layout: () => ({ window: null, kinds: mixers }),
    // SGLang's BailingMoELinearDecoderLayer builds dense MLPs throughout for a single expert.
    layerMlp: readLayerMlp(f, n, variant === 'kda' ? 2 : 1),
  });
  const moe = spec.layers.some((l) => l.mlp === 'moe')
    ? readBailingMoe(f, f.bool('moe_router_enable_expert_bias', true))
    : null;
  // Lightning layers' query_layernorm and key_layernorm (RMSNorm of head_dim each); KDA's q/k are
  // L2-normalised without weights (mlx-lm _normalize_kda_qk).
  const linearExtras =
    linear?.projections === 'lightning' ? lightningLayerExtras(f, linear, spec.hiddenSize) : undefined;
  const gateExtras: LayerExtrasSpec | undefined =
    gate === 'head'
      ? {
          modules: 'g_proj',
          params: spec.hiddenSize * heads,
          gemms: [{ name: 'g_proj', n: heads, k: spec.hiddenSize }],
        }
      : undefined;
  const layers = spec.layers.map((l) => withExtras(l, l.attention === 'linear' ? linearExtras : gateExtras));
  const withMoe: ModelSpec = { ...spec, moe, layers, linearAttention: linear };
  const result: ModelSpec = { ...withMoe, numMtpModules: readMtp(f, withMoe) };
  // The MTP layers' MLA carries the same head-wise gate (SGLang bailing_moe_v3.py builds DsV3MLA alike).
  return gateExtras && result.numMtpModules > 0
    ? { ...result, mtpModule: { layer: { ...mtpLayer(result), extras: gateExtras } } }
    : result;
};
