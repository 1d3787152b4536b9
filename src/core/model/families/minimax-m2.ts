/**
 * MiniMax-M2 (`minimax_m2`): GQA with q/k RMSNorm over all heads (`qk_norm_type: per_layer`), every
 * layer a top-k MoE of SwiGLU experts with a sigmoid router and e_score_correction_bias
 * (transformers `models/minimax_m2/modeling_minimax_m2.py`). The checkpoints' MTP modules
 * (`use_mtp`, `num_mtp_modules` of `mtp_transformer_layers` layers) are not built by the modelling
 * code; they are counted apart as DeepSeek-V3-style modules (Sec. 2.2: two norms, a 2h → h
 * projection and one decoder layer each, embedding and head shared), like DeepSeek's MTP.
 */
import type { GqaAttention, SparseAttentionSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, readMlpLayerTypes, readUnusedMlp } from './readers.js';

/** q/k RMSNorms: over all heads (`qk_norm_type: per_layer`), per head (`per_head`), or none. */
function minimaxQkNorm(f: Fields, fallback: 'per_layer' | 'per_head'): GqaAttention['qkNorm'] {
  if (!f.bool('use_qk_norm', true)) return 'none';
  const type = f.string('qk_norm_type', fallback);
  if (type !== 'per_layer' && type !== 'per_head')
    f.fail('qk_norm_type', `must be 'per_layer' or 'per_head', got '${type}'`);
  return type === 'per_layer' ? 'full' : 'per-head';
}

export const minimaxM2: Family = (f, name) => {
  const spec = decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm: minimaxQkNorm(f, 'per_layer') },
    mlp: readUnusedMlp(f, 'shared_intermediate_size'),
    layerMlp: 'moe',
    moe: {
      experts: 'num_local_experts',
      expertSize: 'intermediate_size',
      shared: { sizeKey: 'shared_intermediate_size', count: 1 },
      routerBias: f.bool('use_routing_bias', true),
    },
  });
  const mtpLayers = f.positiveInt('mtp_transformer_layers', { fallback: 1, max: MAX.layers });
  return {
    ...spec,
    numMtpModules: f.bool('use_mtp', false) ? f.int('num_mtp_modules', { fallback: 0, max: MAX.layers }) : 0,
    ...(mtpLayers === 1
      ? {}
      : {
          warnings: [
            `mtp_transformer_layers is ${mtpLayers}: each MTP module is counted with one decoder layer`,
          ],
        }),
  };
};

/** Per-layer on/off list of MiniMax-M3 (`moe_layer_freq`, `sparse_attention_freq`): nonzero = on. */
function layerFlags(f: Fields, key: string, numLayers: number): boolean[] | null {
  if (!f.has(key)) return null;
  const list = f.intList(key);
  if (list.length !== numLayers)
    f.fail(key, `must list one entry per layer (${numLayers}), got ${list.length}`);
  return list.map((v) => v !== 0);
}

/**
 * MiniMax-M3's block indexer: transformers' flat keys (`index_n_heads`, `index_head_dim`,
 * `index_block_size`, `index_topk_blocks`) or the checkpoint's `sparse_attention_config` (`sparse_*`),
 * with MiniMaxM3VLTextConfig's defaults (4, 128, 128, 16).
 */
function readBlockIndexer(f: Fields, sac: Fields | null): SparseAttentionSpec {
  const read = (flat: string, legacy: string, fallback: number, max: number) =>
    f.has(flat) || !sac ? f.positiveInt(flat, { fallback, max }) : sac.positiveInt(legacy, { fallback, max });
  const blockTokens = read('index_block_size', 'sparse_block_size', 128, MAX.positions);
  const topKBlocks = read('index_topk_blocks', 'sparse_topk_blocks', 16, MAX.positions);
  return {
    numHeads: read('index_n_heads', 'sparse_num_index_heads', 4, MAX.heads),
    headDim: read('index_head_dim', 'sparse_index_dim', 128, MAX.headDim),
    topKTokens: topKBlocks * blockTokens,
    blockTokens,
  };
}

/**
 * MiniMax-M3 (`minimax_m3`; the text model of `minimax_m3_vl`): transformers
 * `models/minimax_m3_vl/modular_minimax_m3_vl.py` (MiniMaxM3VLTextModel) and vLLM
 * `models/minimax_m3` (MiniMaxM3SparseForCausalLM). M2's attention with per-head Gemma q/k
 * RMSNorms and partial RoPE; per layer a dense SwiGLU-OAI MLP of `dense_intermediate_size` or a MoE
 * (`moe_layer_freq` / `mlp_layer_types`) of `intermediate_size` experts with a sigmoid router,
 * e_score_correction_bias and one shared expert of `shared_intermediate_size`; per layer full or
 * block-sparse attention (`sparse_attention_freq` / `layer_types`) whose indexer adds index_q/index_k
 * projections and norms and caches one index key per token. MTP modules (`num_mtp_modules`, vLLM
 * `MiniMaxM3MultiTokenPredictorLayer`): enorm, hnorm, eh_proj (2h → h), one sparse-attention MoE
 * decoder layer and a final norm each, counted apart. Gemma norms, swigluoai and the partial
 * rotary change no parameter or matmul.
 */
export const minimaxM3: Family = (f, name) => {
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  if (f.bool('attention_output_gate', false)) {
    f.fail(
      'attention_output_gate',
      'true is not supported: the MiniMax-M3 modelling code builds no output gate',
    );
  }
  const sac = f.child('sparse_attention_config');
  const moeLayers =
    readMlpLayerTypes(f, n)?.map((t) => t === 'moe') ??
    layerFlags(f, 'moe_layer_freq', n) ??
    Array<boolean>(n).fill(true);
  const sparseLayers =
    f
      .enumList('layer_types', n, ['full_attention', 'minimax_m3_sparse'] as const)
      ?.map((t) => t === 'minimax_m3_sparse') ??
    (sac ? layerFlags(sac, 'sparse_attention_freq', n) : null) ??
    Array<boolean>(n).fill(false);
  const indexValue = sac ? layerFlags(sac, 'sparse_disable_index_value', n)?.map((d) => !d) : undefined;
  const withValue = sparseLayers.findIndex((s, i) => s && indexValue?.[i] === true);
  if (sac && withValue >= 0) {
    sac.fail(
      'sparse_disable_index_value',
      `is 0 on sparse layer ${withValue}: the index value/output projections it enables are not built by the MiniMax-M3 modelling code (every checkpoint disables them), so their shapes are unknown`,
    );
  }
  const expertSize = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  if (
    f.has('moe_intermediate_size') &&
    f.positiveInt('moe_intermediate_size', { max: MAX.intermediate }) !== expertSize
  ) {
    f.fail(
      'moe_intermediate_size',
      `must equal intermediate_size (${expertSize}): the MiniMax-M3 experts are of intermediate_size`,
    );
  }
  // transformers builds one shared expert of shared_intermediate_size; vLLM n_shared_experts ×
  // intermediate_size. Refused where the two differ.
  const sharedSize = f.positiveInt('shared_intermediate_size', { max: MAX.intermediate });
  const nShared = f.int('n_shared_experts', { fallback: 1, max: MAX.experts });
  if (nShared * expertSize !== sharedSize) {
    f.fail(
      'n_shared_experts',
      `(${nShared}) × intermediate_size (${expertSize}) must equal shared_intermediate_size (${sharedSize}): transformers builds one shared expert of shared_intermediate_size, vLLM one of n_shared_experts × intermediate_size`,
    );
  }
  const spec = decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm: minimaxQkNorm(f, 'per_head') },
    mlp: moeLayers.every(Boolean)
      ? readUnusedMlp(f, 'dense_intermediate_size')
      : readGatedMlp(f, 'dense_intermediate_size'),
    layout: () => ({ window: null, kinds: sparseLayers.map((s) => (s ? 'sparse' : 'full')) }),
    layerMlp: (i) => (moeLayers[i] ? 'moe' : 'dense'),
    moe: {
      experts: 'num_local_experts',
      expertSize: 'intermediate_size',
      shared: { sizeKey: 'shared_intermediate_size', count: 1 },
      routerBias: f.bool('use_routing_bias', true),
    },
    mtpKey: 'num_mtp_modules',
  });
  return {
    ...spec,
    sparseAttention: sparseLayers.some(Boolean) || spec.numMtpModules > 0 ? readBlockIndexer(f, sac) : null,
  };
};
