/**
 * GLM-5.3-Flash (`glm5_next`, zai-org/GLM-5.3-Flash) and its language model (`glm5_next_text`):
 * transformers `models/glm5_next/configuration_glm5_next.py`, `modular_glm5_next.py` and
 * `modeling_glm5_next.py`. Glm5NextTextDecoderLayer holds, per `layer_types`, either
 * Glm5NextTextLinearAttention (Kimi Delta Attention: q/k/v_proj, one depthwise conv1d over q, k, v
 * without bias, the low-rank forget gate f_a_proj → f_b_proj with dt_bias and A_log, b_proj, the
 * low-rank output gate g_a_proj → g_b_proj, o_norm RMSNormGated(head_dim), o_proj; all bias-free) or
 * Glm5NextTextAttention (DeepSeek-V3 MLA without RoPE, `qk_rope_head_dim` 0: q_a_proj, q_a_layernorm,
 * q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj, biases only per `attention_bias`)
 * with a DSA indexer (wq_b, wk, k_norm LayerNorm, weights_proj, plus the k-pool compression
 * index_kpool_compress_ape [kpool × d] and index_kpool_compress_gate [d × h]) unless `indexer_types`
 * (or index_topk_pattern, index_topk_freq: deepseek.ts readIndexerTypes) marks the layer `shared`
 * (`indexerShared`: no indexer or indexer keys; it attends to the previous indexer's top-k); then Glm5NextTextMLP (clamped SwiGLU of `intermediate_size`) on
 * `mlp_layer_types` dense layers, else Glm5NextTextMoE (Glm5NextTextExperts: gate_up_proj [E, 2I, h]
 * and down_proj [E, h, I]; Glm5NextTextTopkRouter: weight [E, h] and e_score_correction_bias;
 * shared_experts: a SwiGLU of moe_intermediate_size · n_shared_experts); two RMSNorms; mHC
 * (Glm5NextTextHyperConnection = DeepseekV4HyperConnection: fn, base, scale) around both blocks.
 * Glm5NextTextModel: embed_tokens, the layers, hc_head (an unweighted mean, no weights), norm;
 * Glm5NextForConditionalGeneration adds an untied lm_head. The vision tower: readGlm5NextVision.
 *
 * Not in the spec, said in warnings (llmecon's ModelSpec has no field for them): the k-pool
 * compression weights (not counted), the parameter-free hc_head (the spec's mHC counts DeepSeek-V4's
 * hc_fn, hc_base and hc_scale), and the checkpoint's MTP layer (`layers.45`, which transformers
 * drops on load: not counted).
 */
import { plural } from '../../format.js';
import type {
  GatedDeltaNetSpec,
  LayerMixer,
  LayerMlp,
  MlaAttention,
  ModelSpec,
  SparseAttentionSpec,
  VisionTowerSpec,
} from '../spec.js';
import { readIndexerTypes, withSharedIndexers } from './deepseek.js';
import { type Fields, MAX } from './fields.js';
import { GLM_OCR_VISION_DEFAULTS, readGlmOcrStyleVision } from './glm-ocr.js';
import { decoder, type Family, readGatedMlp, readMlpLayerTypes, withClassDefaults } from './readers.js';
import { builtSubConfig, wrapped } from './wrappers.js';

/** Glm5NextTextConfig's defaults for the keys read here. */
const TEXT_DEFAULTS = {
  vocab_size: 154_880,
  hidden_size: 4096,
  intermediate_size: 12_288,
  moe_intermediate_size: 2048,
  num_hidden_layers: 45,
  num_attention_heads: 64,
  num_key_value_heads: 64,
  n_shared_experts: 1,
  n_routed_experts: 288,
  kv_lora_rank: 512,
  q_lora_rank: 1536,
  qk_rope_head_dim: 0,
  v_head_dim: 256,
  qk_nope_head_dim: 256,
  n_group: 1,
  topk_group: 1,
  num_experts_per_tok: 8,
  hidden_act: 'silu',
  max_position_embeddings: 1_048_576,
  attention_bias: false,
  index_topk: 2048,
  index_head_dim: 128,
  index_n_heads: 32,
  linear_head_dim: 128,
  linear_num_heads: 64,
  linear_conv_kernel_dim: 4,
  hc_mult: 4,
  index_kpool: 16,
  index_kpool_always_select_tail: true,
};

/** Glm5NextVisionConfig's defaults: GlmOcrVisionConfig's, plus projection_intermediate_size. */
const VISION_DEFAULTS = { ...GLM_OCR_VISION_DEFAULTS, projection_intermediate_size: 10_240 };

/** fla `chunk_kda` chunk length (chunk_kimi_delta_attention's chunk_size). */
const KDA_CHUNK_TOKENS = 64;

/** `layer_types`, else Glm5NextTextConfig's default: MLA (DSA) on every 4th layer, KDA elsewhere. */
function readMixers(f: Fields, n: number): LayerMixer[] {
  const allowed = ['linear_attention', 'deepseek_sparse_attention', 'full_attention'] as const;
  const types = f.enumList('layer_types', n, allowed);
  // __post_init__ renames full_attention to deepseek_sparse_attention.
  if (types) return types.map((t) => (t === 'linear_attention' ? 'linear' : 'sparse'));
  return Array.from({ length: n }, (_, i) => (i % 4 === 3 ? 'sparse' : 'linear'));
}

/** `mlp_layer_types`, else the first min(3, layers) dense and the rest MoE (first_k_dense_replace is ignored). */
function readMlpKinds(f: Fields, n: number): LayerMlp[] {
  return readMlpLayerTypes(f, n) ?? Array.from({ length: n }, (_, i) => (i < 3 ? 'dense' : 'moe'));
}

/** Glm5NextTextAttention: NoPE MLA with low-rank queries and no biases; MHA (key heads = query heads). */
function readNopeMla(f: Fields): MlaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  if (f.positiveInt('num_key_value_heads', { max: MAX.heads }) !== numHeads)
    f.fail('num_key_value_heads', `must equal num_attention_heads (${numHeads})`);
  if (f.int('qk_rope_head_dim', { max: MAX.headDim }) !== 0)
    f.fail(
      'qk_rope_head_dim',
      'must be 0: the DSA layers are NoPE (Glm5NextTextConfig.validate_architecture)',
    );
  if (f.bool('attention_bias', false))
    f.fail('attention_bias', 'true is not supported (q_a_proj, kv_a_proj_with_mqa and o_proj biases)');
  return {
    kind: 'mla',
    numHeads,
    qLoraRank: f.positiveInt('q_lora_rank', { max: MAX.hidden }),
    kvLoraRank: f.positiveInt('kv_lora_rank', { max: MAX.hidden }),
    qkNopeHeadDim: f.positiveInt('qk_nope_head_dim', { max: MAX.headDim }),
    qkRopeHeadDim: 0,
    vHeadDim: f.positiveInt('v_head_dim', { max: MAX.headDim }),
  };
}

/**
 * Glm5NextTextLinearAttention (KDA) from `linear_num_heads`, `linear_head_dim` and
 * `linear_conv_kernel_dim`, which `linear_attn_config` (num_heads, head_dim, short_conv_kernel_size)
 * overrides; the recurrent state is kept in float32 (`update_recurrent_state(....to(torch.float32))`).
 */
function readKda(f: Fields): GatedDeltaNetSpec {
  const lac = f.child('linear_attn_config');
  const pick = (key: string, lacKey: string, max: number) =>
    lac?.has(lacKey) ? lac.positiveInt(lacKey, { max }) : f.positiveInt(key, { max });
  const heads = pick('linear_num_heads', 'num_heads', MAX.heads);
  const headDim = pick('linear_head_dim', 'head_dim', MAX.headDim);
  return {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: headDim,
    valueHeadDim: headDim,
    convKernel: pick('linear_conv_kernel_dim', 'short_conv_kernel_size', 1024),
    chunkTokens: KDA_CHUNK_TOKENS,
    stateBytesPerElement: 4,
    projections: 'kda',
    gateRank: headDim,
  };
}

/**
 * The DSA indexer; the main attention reads the `index_topk` keys of the selected pools plus, with
 * `index_kpool_always_select_tail`, up to index_kpool − 1 keys of the open pool.
 */
function readIndexer(f: Fields): { readonly indexer: SparseAttentionSpec; readonly pool: number } {
  const topK = f.positiveInt('index_topk', { max: MAX.positions });
  const pool = f.positiveInt('index_kpool', { max: MAX.positions });
  if (topK % pool !== 0) f.fail('index_topk', `(${topK}) must be divisible by index_kpool (${pool})`);
  const tail = f.bool('index_kpool_always_select_tail', true) ? pool - 1 : 0;
  return {
    indexer: {
      numHeads: f.positiveInt('index_n_heads', { max: MAX.heads }),
      headDim: f.positiveInt('index_head_dim', { max: MAX.headDim }),
      topKTokens: topK + tail,
    },
    pool,
  };
}

export const glm5NextText: Family = (raw, name) => {
  const f = withClassDefaults(raw, TEXT_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mixers = readMixers(f, n);
  const mlpKinds = readMlpKinds(f, n);
  const indexerTypes = readIndexerTypes(f, n);
  const spec = decoder(f, name, {
    attention: readNopeMla,
    mlp: readGatedMlp(f),
    layout: () => ({ window: null, kinds: mixers }),
    layerMlp: (i) => mlpKinds[i]!,
    moe: {
      experts: 'n_routed_experts',
      expertSize: 'moe_intermediate_size',
      shared: { countKey: 'n_shared_experts' },
      routerBias: true,
      groupRouting: true,
    },
  });
  const sparseLayers = mixers.filter((m) => m === 'sparse').length;
  const { indexer, pool } = readIndexer(f);
  const streams = f.positiveInt('hc_mult', { max: 64 });
  const full: ModelSpec = {
    ...spec,
    layers: withSharedIndexers(f, spec.layers, indexerTypes.own, indexerTypes.key),
    sparseAttention: sparseLayers > 0 ? indexer : null,
    linearAttention: mixers.includes('linear') ? readKda(f) : null,
    moe: spec.moe && { ...spec.moe, fusedGateUp: true },
    hyperConnections: { streams },
  };
  const h = full.hiddenSize;
  const indexers = full.layers.filter((l) => l.attention === 'sparse' && !l.indexerShared).length;
  const mtp = f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers });
  const warnings = [
    `hc_head is an unweighted mean of the ${streams} streams (Glm5NextTextHyperHead), but llmecon's mHC counts DeepSeek-V4's hc_fn, hc_base and hc_scale: ${streams * streams * h + streams + 1} parameters too many`,
    ...(indexers > 0
      ? [
          `the DSA indexers' k-pool compression (index_kpool ${pool}: index_kpool_compress_ape ${pool} × ${indexer.headDim} and index_kpool_compress_gate ${indexer.headDim} × ${h}) is not counted: ${indexers * (pool * indexer.headDim + indexer.headDim * h)} parameters over ${plural(indexers, 'layer')}; the indexer is read as scoring every key, not one pooled key per ${pool} tokens`,
        ]
      : []),
    ...(mtp > 0
      ? [
          `the checkpoint's ${plural(mtp, 'MTP layer')} (num_nextn_predict_layers) ${mtp === 1 ? 'is' : 'are'} not counted: transformers drops ${mtp === 1 ? 'it' : 'them'} on load`,
        ]
      : []),
  ];
  return { ...full, warnings };
};

/**
 * The GLM-5.3-Flash vision tower (Glm5NextVisionModel): GLM-OCR's (glm-ocr.ts readGlmOcrStyleVision)
 * with clamped SwiGLUs (no weights) and a patch merger SwiGLU of `projection_intermediate_size`.
 */
export const readGlm5NextVision = (f: Fields): VisionTowerSpec =>
  readGlmOcrStyleVision(f, 'GLM-5.3 ViT', () =>
    f.positiveInt('projection_intermediate_size', { max: MAX.intermediate }),
  );

/**
 * Glm5NextForConditionalGeneration: Glm5NextTextModel over `text_config` (or, in a flat text-only
 * config, the top-level fields), whatever its model_type says, and the vision tower over
 * `vision_config` (its class defaults when absent).
 */
export const glm5Next: Family = wrapped(() => glm5NextText, {
  textType: 'glm5_next_text',
  vision: (top) =>
    readGlm5NextVision(builtSubConfig(top, 'vision_config', 'glm5_next_vision', VISION_DEFAULTS)),
});
