/**
 * Huawei openPangu (2025): openPangu-Ultra-MoE-718B (`pangu_ultra_moe`) and openPangu-Embedded-1B/7B
 * (`PanguEmbedded`, as their config.json spells it; `openpangu_dense` in transformers' port).
 *
 * Sources: the Hub remote code (configuration_openpangu_moe.py `PanguUltraMoEConfig`,
 * modeling_openpangu_moe.py; configuration_openpangu_dense.py `PanguEmbeddedConfig`,
 * modeling_openpangu_dense.py), transformers `models/openpangu_moe/modeling_openpangu_moe.py` and
 * `configuration_openpangu_moe.py` (`OpenPanguMoEConfig`), `models/openpangu_dense/`, and vLLM
 * `vllm/model_executor/models/openpangu.py` (OpenPanguDecoderLayer, OpenPanguMoE,
 * OpenPanguMLAAttention, OpenPanguEmbeddedAttention) with `openpangu_mtp.py` (OpenPanguMTP).
 *
 * Ultra-MoE modules, per layer: DeepSeek-V3's MLA (q_a_proj h → q_lora_rank, q_a_layernorm, q_b_proj
 * → heads·(nope + rope); kv_a_proj_with_mqa h → kv_lora_rank + rope, kv_a_layernorm, kv_b_proj →
 * heads·(nope + v); o_proj; no biases); input_layernorm and post_attention_layernorm, plus
 * pre_mlp_layernorm and post_mlp_layernorm under `sandwich_norm` (the release's Depth-Scaled
 * Sandwich-Norm: the depth scaling is an initialisation, no parameter); the first
 * `first_k_dense_replace` layers a SwiGLU of `intermediate_size`, the rest OpenPanguMoE: gate (h →
 * n_routed_experts, no bias; sigmoid scores, one expert group), SwiGLU experts of
 * `moe_intermediate_size`, shared_experts of moe_intermediate_size · n_shared_experts, and an
 * e_score_correction_bias only under `router_enable_expert_bias` (vLLM). Final norm, untied head.
 * MTP (`num_nextn_predict_layers`): enorm, hnorm, eh_proj (2h → h) and one OpenPanguDecoderLayer
 * (sandwich norms included) with its shared_head norm, as DeepSeek-V3's.
 *
 * Embedded modules, per layer: Llama's q/k/v/o with a bias on all four (`bias`, default True),
 * head_dim (default hidden / heads), a bias-free SwiGLU, two RMSNorms; final norm, head (untied).
 */
import type { MlaAttention } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';

/**
 * DeepSeek-V3's key (the V1.1 config.json, vLLM) → openPangu's own spelling of it (OpenPanguMoEConfig,
 * the omni-npu / vllm-ascend ports); a config may use either.
 */
const PANGU_SPELLING: Readonly<Record<string, string>> = {
  q_lora_rank: 'attention_q_lora_dim',
  kv_lora_rank: 'attention_kv_lora_dim',
  qk_nope_head_dim: 'attention_qk_dim',
  qk_rope_head_dim: 'attention_qk_rope_dim',
  v_head_dim: 'attention_v_dim',
  n_routed_experts: 'num_routed_experts',
  n_shared_experts: 'num_shared_experts',
  first_k_dense_replace: 'num_dense_layers',
  num_nextn_predict_layers: 'num_mtp_layers',
};

/** OpenPanguMoEConfig's `__init__` defaults (transformers configuration_openpangu_moe.py): the 718B shape. */
const ULTRA_MOE_DEFAULTS = {
  vocab_size: 153_600,
  hidden_size: 7680,
  intermediate_size: 18_432,
  moe_intermediate_size: 2048,
  num_hidden_layers: 61,
  num_mtp_layers: 1,
  num_attention_heads: 128,
  num_shared_experts: 1,
  num_routed_experts: 256,
  attention_kv_lora_dim: 512,
  attention_q_lora_dim: 1536,
  attention_qk_rope_dim: 64,
  attention_v_dim: 128,
  attention_qk_dim: 128,
  num_experts_per_tok: 8,
  num_dense_layers: 3,
  max_position_embeddings: 131_072,
} as const;

/** PanguEmbeddedConfig's `__init__` defaults (configuration_openpangu_dense.py): the 7B shape. */
const EMBEDDED_DEFAULTS = {
  vocab_size: 153_376,
  hidden_size: 4096,
  intermediate_size: 12_800,
  num_hidden_layers: 34,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  max_position_embeddings: 32_768,
  bias: true,
} as const;

/** The key a config spells `deepseekKey` with: DeepSeek-V3's when present, else openPangu's when present. */
function spelling(f: Fields, deepseekKey: string): string {
  const pangu = PANGU_SPELLING[deepseekKey];
  return pangu !== undefined && f.raw(deepseekKey) === undefined && f.raw(pangu) !== undefined
    ? pangu
    : deepseekKey;
}

/** OpenPanguMLAAttention's shape under either spelling (q_lora_rank null: a direct q_proj). */
function readPanguMla(f: Fields): MlaAttention {
  return {
    kind: 'mla',
    numHeads: f.positiveInt('num_attention_heads', { max: MAX.heads }),
    qLoraRank: f.optionalPositiveInt(spelling(f, 'q_lora_rank'), MAX.hidden),
    kvLoraRank: f.positiveInt(spelling(f, 'kv_lora_rank'), { max: MAX.hidden }),
    qkNopeHeadDim: f.positiveInt(spelling(f, 'qk_nope_head_dim'), { max: MAX.headDim }),
    qkRopeHeadDim: f.positiveInt(spelling(f, 'qk_rope_head_dim'), { max: MAX.headDim }),
    vHeadDim: f.positiveInt(spelling(f, 'v_head_dim'), { max: MAX.headDim }),
  };
}

/** openPangu-Ultra-MoE-718B (`pangu_ultra_moe`): DeepSeek-V3's MLA and MoE with sandwich norms. */
export const openPanguUltraMoe: Family = (top, name) => {
  // A default fills a key only when the config spells it neither way.
  const spelled = new Set(
    Object.entries(PANGU_SPELLING)
      .filter(([deepseekKey]) => top.raw(deepseekKey) !== undefined)
      .map(([, pangu]) => pangu),
  );
  const f = withClassDefaults(
    top,
    Object.fromEntries(Object.entries(ULTRA_MOE_DEFAULTS).filter(([key]) => !spelled.has(key))),
  );
  // OpenPanguDecoderLayer: OpenPanguMoE when layer_idx >= first_k_dense_replace, else OpenPanguMLP.
  const firstDense = f.int(spelling(f, 'first_k_dense_replace'), { max: MAX.layers });
  const spec = decoder(f, name, {
    attention: readPanguMla,
    layerMlp: (i) => (i >= firstDense ? 'moe' : 'dense'),
    moe: {
      experts: spelling(f, 'n_routed_experts'),
      expertSize: 'moe_intermediate_size',
      shared: { countKey: spelling(f, 'n_shared_experts') },
      routerBias: f.bool('router_enable_expert_bias', false),
    },
    mtpKey: spelling(f, 'num_nextn_predict_layers'),
  });
  // input/post_attention layernorms, and pre_mlp/post_mlp layernorms when sandwich_norm is set.
  return { ...spec, norm: { kind: 'rmsnorm', perLayer: f.bool('sandwich_norm', false) ? 4 : 2 } };
};

/** openPangu-Embedded-1B/7B (`PanguEmbedded`): Llama with a bias on q, k, v and o (`bias`). */
export const openPanguEmbedded: Family = (top, name) => {
  const f = withClassDefaults(top, EMBEDDED_DEFAULTS);
  const bias = f.bool('bias', EMBEDDED_DEFAULTS.bias);
  return decoder(f, name, { attention: { qkvBias: bias, outputBias: bias } });
};
