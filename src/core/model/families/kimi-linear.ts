/**
 * Kimi Linear (`kimi_linear`, moonshotai/Kimi-Linear-48B-A3B: remote `modeling_kimi.py`, transformers
 * `models/kimi_linear/`): Kimi Delta Attention (KDA) on most layers and MLA (DeepSeek-V3 attention,
 * NoPE) on `linear_attn_config.full_attn_layers`, layer 0 a dense SwiGLU and the rest MoE with a
 * sigmoid router and shared experts. KDA keeps Gated DeltaNet's state (per head d_k × d_v, a conv
 * window over q, k, v) with a channel-wise forget gate, so it is a `linear` layer with `kda` projections.
 * Kimi K3's text model (`text_config` of `kimi_k3`) is this family with a full-rank KDA output gate,
 * MLA output gates, LatentMoE and Attention Residuals (below).
 */
import type { GatedDeltaNetSpec, LayerMixer } from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readLayerTypes, readStateDtypeBytes } from './readers.js';

/** fla `chunk_kda` chunk length (the chunked training/prefill form). */
const KDA_CHUNK_TOKENS = 64;

/** 1-based layer lists `kda_layers` and `full_attn_layers`, which must partition the layers. */
function readLayerLists(lac: Fields, numLayers: number): LayerMixer[] | null {
  if (!lac.has('kda_layers') && !lac.has('full_attn_layers')) return null;
  const mixers: (LayerMixer | undefined)[] = Array(numLayers).fill(undefined);
  for (const [key, mixer] of [
    ['kda_layers', 'linear'],
    ['full_attn_layers', 'full'],
  ] as const) {
    for (const layer of lac.intList(key, MAX.layers)) {
      if (layer < 1 || layer > numLayers) lac.fail(key, `lists layer ${layer}; layers are 1 to ${numLayers}`);
      if (mixers[layer - 1] !== undefined) lac.fail(key, `lists layer ${layer} twice`);
      mixers[layer - 1] = mixer;
    }
  }
  const missing = mixers.indexOf(undefined);
  if (missing >= 0) lac.fail('kda_layers', `and full_attn_layers leave layer ${missing + 1} unassigned`);
  return mixers as LayerMixer[];
}

/** KimiDeltaAttention from `linear_attn_config` (num_heads, head_dim, short_conv_kernel_size). */
function readKda(f: Fields, lac: Fields | null): GatedDeltaNetSpec {
  const g = lac ?? f;
  const heads = g.positiveInt(lac ? 'num_heads' : 'linear_num_heads', { fallback: 32, max: MAX.heads });
  const headDim = g.positiveInt(lac ? 'head_dim' : 'linear_head_dim', { fallback: 128, max: MAX.headDim });
  // Kimi K3: `use_full_rank_gate` makes the output gate one g_proj (h → H·d); the forget gate keeps
  // f_a → f_b (sglang kimi_k3.py, mlx-lm kimi_k3.py KimiDeltaAttention).
  const fullRank = lac?.bool('use_full_rank_gate', false) ?? false;
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headDim,
    valueHeadDim: headDim,
    convKernel: g.positiveInt(lac ? 'short_conv_kernel_size' : 'linear_conv_kernel_dim', {
      fallback: 4,
      max: 1024,
    }),
    chunkTokens: KDA_CHUNK_TOKENS,
    stateBytesPerElement: readStateDtypeBytes(f, 'mamba_ssm_dtype'),
    projections: 'kda',
    gateRank: headDim,
    ...(fullRank ? { fullRankOutputGate: true } : {}),
  };
}

export const kimiLinear: Family = (top, name) => {
  // The checkpoint's names (KimiLinearConfig attribute_map): model_max_length, num_experts,
  // num_experts_per_token, num_shared_experts, num_expert_group.
  const renamed: Record<string, unknown> = {};
  for (const [from, to] of [
    ['model_max_length', 'max_position_embeddings'],
    ['num_experts', 'n_routed_experts'],
    ['num_experts_per_token', 'num_experts_per_tok'],
    ['num_shared_experts', 'n_shared_experts'],
    ['num_expert_group', 'n_group'],
  ] as const) {
    if (!top.has(to) && top.has(from)) renamed[to] = top.raw(from);
  }
  const f = top.with(renamed);
  const lac = f.child('linear_attn_config');
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers =
    (lac && readLayerLists(lac, numLayers)) ??
    readLayerTypes(f, numLayers, ['linear_attention', 'full_attention']) ??
    Array.from({ length: numLayers }, (_, i): LayerMixer => ((i + 1) % 4 === 0 ? 'full' : 'linear'));
  // KimiDecoderLayer: MoE when num_experts and layer_idx >= first_k_dense_replace and
  // layer_idx % moe_layer_freq == 0 (vLLM kimi_linear.py).
  const hasMoe = f.has('n_routed_experts');
  const firstDense = f.int('first_k_dense_replace', { fallback: 1, max: MAX.layers });
  const freq = f.positiveInt('moe_layer_freq', { fallback: 1, max: MAX.layers });
  const spec = decoder(f, name, {
    keys: {
      vocab: 'vocab_size',
      hidden: 'hidden_size',
      layers: 'num_hidden_layers',
      positions: 'max_position_embeddings',
      defaultPositions: 1_048_576,
    },
    attention: readMla,
    layout: () => ({ window: null, kinds: mixers }),
    layerMlp: (i) => (hasMoe && i >= firstDense && i % freq === 0 ? 'moe' : 'dense'),
    // KimiSparseMoeBlock: experts, KimiMoEGate (sigmoid with e_score_correction_bias), shared_experts
    // = MLP(moe_intermediate_size · num_shared_experts).
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      routerBias: f.string('moe_router_activation_func', 'sigmoid') === 'sigmoid',
      groupRouting: true,
    },
    mtpKey: 'num_nextn_predict_layers',
  });
  // Kimi K3 (sglang `models/kimi_k3.py`, mlx-lm `kimi_k3.py`): MLA's sigmoid output gate
  // (`mla_use_output_gate`), LatentMoE (`routed_expert_hidden_size`: routed experts in a latent
  // reached by routed_expert_down_proj / up_proj, an RMSNorm of it when `latent_moe_use_norm`) and
  // Attention Residuals (`attn_res_block_size`).
  const latent = f.optionalPositiveInt('routed_expert_hidden_size', MAX.hidden);
  const blockLayers = f.optionalPositiveInt('attn_res_block_size', MAX.layers);
  return {
    ...spec,
    attention:
      spec.attention.kind === 'mla' && f.bool('mla_use_output_gate', false)
        ? { ...spec.attention, outputGate: true }
        : spec.attention,
    moe:
      spec.moe && latent !== null
        ? {
            ...spec.moe,
            latentSize: latent,
            ...(f.bool('latent_moe_use_norm', false) ? { latentNorm: true } : {}),
          }
        : spec.moe,
    linearAttention: mixers.includes('linear') ? readKda(f, lac) : null,
    ...(blockLayers === null ? {} : { attentionResiduals: { blockLayers } }),
  };
};
