/**
 * DeepSeek-V2/V3, Kimi K2 (DeepSeek-V3 architecture), DeepSeek-V3.2 and GLM-5 (`glm_moe_dsa`):
 * MLA, shared + routed experts, dense first layers, MTP (modeling_deepseek_v3.py); V3.2 and GLM-5
 * add the DSA lightning indexer on every layer (modeling_deepseek_v32.py, modular_glm_moe_dsa.py),
 * except GLM-5.2's `shared` layers (`indexer_types`, or `index_topk_freq` / `index_skip_topk_offset`),
 * which reuse the last full layer's top-k and build no indexer (GlmMoeDsaAttention).
 */
import type { LayerMlp, LayerSpec, MlaAttention, SparseAttentionSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, type MoeKeys, readGatedMlp, readMlpLayerTypes } from './readers.js';

export function readMla(f: Fields): MlaAttention {
  return {
    kind: 'mla',
    numHeads: f.positiveInt('num_attention_heads', { max: MAX.heads }),
    qLoraRank: f.optionalPositiveInt('q_lora_rank', MAX.hidden),
    kvLoraRank: f.positiveInt('kv_lora_rank', { max: MAX.hidden }),
    qkNopeHeadDim: f.positiveInt('qk_nope_head_dim', { max: MAX.headDim }),
    qkRopeHeadDim: f.positiveInt('qk_rope_head_dim', { max: MAX.headDim }),
    vHeadDim: f.positiveInt('v_head_dim', { max: MAX.headDim }),
  };
}

/** The DSA lightning indexer (DeepseekV32Indexer): `index_n_heads`, `index_head_dim`, `index_topk`. */
export function readIndexer(f: Fields): SparseAttentionSpec {
  return {
    numHeads: f.positiveInt('index_n_heads', { max: MAX.heads }),
    headDim: f.positiveInt('index_head_dim', { max: MAX.headDim }),
    topKTokens: f.positiveInt('index_topk', { max: MAX.positions }),
  };
}

/**
 * Whether each layer runs its own DSA indexer (GlmMoeDsaConfig / Glm5NextTextConfig `__post_init__`):
 * `indexer_types` ('full' or 'shared'), else `index_topk_pattern` (a string of F/S or a list), else
 * full when max(i − index_skip_topk_offset + 1, 0) % index_topk_freq == 0 (offset 2, freq 1: every
 * layer); with the key it came from.
 */
export function readIndexerTypes(f: Fields, n: number): { readonly own: boolean[]; readonly key: string } {
  const modes = ['full', 'shared'] as const;
  const types = f.enumList('indexer_types', n, modes);
  if (types) return { own: types.map((t) => t === 'full'), key: 'indexer_types' };
  const pattern = f.raw('index_topk_pattern');
  if (typeof pattern === 'string') {
    if (pattern.length < n || /[^FS]/.test(pattern))
      f.fail('index_topk_pattern', `must be ${n} letters F (full) or S (shared), got '${pattern}'`);
    return { own: Array.from(pattern.slice(0, n), (c) => c === 'F'), key: 'index_topk_pattern' };
  }
  const listed = f.enumList('index_topk_pattern', n, modes);
  if (listed) return { own: listed.map((t) => t === 'full'), key: 'index_topk_pattern' };
  const freq = Math.max(f.int('index_topk_freq', { fallback: 1, max: MAX.layers }), 1);
  const offset = f.int('index_skip_topk_offset', { fallback: 2, max: MAX.layers });
  const own = Array.from({ length: n }, (_, i) => Math.max(i - offset + 1, 0) % freq === 0);
  return { own, key: 'index_topk_freq' };
}

/**
 * The sparse layers without their own indexer (`own[i]` false) marked `indexerShared`: `self.indexer =
 * None if self.skip_topk` (modeling_glm_moe_dsa.py, modeling_hy_v4.py). The first sparse layer must
 * run one ("Shared DSA layers require top-k indices from a previous full indexer layer"): else `key` fails.
 */
export function withSharedIndexers(
  f: Fields,
  layers: readonly LayerSpec[],
  own: readonly boolean[],
  key: string,
): LayerSpec[] {
  const first = layers.findIndex((l) => l.attention === 'sparse');
  if (first >= 0 && !own[first])
    f.fail(key, `makes the first sparse layer (${first}) 'shared': there is no earlier indexer to reuse`);
  return layers.map((l, i) => (l.attention === 'sparse' && !own[i] ? { ...l, indexerShared: true } : l));
}

/** DeepseekV3MoE: shared_experts = MLP(moe_intermediate_size · n_shared_experts); noaux_tc router bias. */
export function deepseekMoeKeys(f: Fields, routerBias?: boolean): MoeKeys {
  return {
    experts: 'n_routed_experts',
    expertSize: 'moe_intermediate_size',
    shared: { countKey: 'n_shared_experts' },
    // topk_method 'noaux_tc' carries e_score_correction_bias (DeepSeek-V3 Sec. 2.1.2).
    routerBias: routerBias ?? f.string('topk_method', 'greedy') === 'noaux_tc',
    groupRouting: true,
  };
}

/**
 * Which layers are MoE: `mlp_layer_types` ('dense'/'sparse' per layer, Glm4MoeLiteConfig) when
 * given, else DeepseekV3DecoderLayer's rule — MoE when n_routed_experts and layer_idx >=
 * first_k_dense_replace and layer_idx % moe_layer_freq == 0.
 */
function readMoeLayers(f: Fields, defaultFirstDense: number): (i: number) => LayerMlp {
  const hasMoe = f.has('n_routed_experts');
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const kinds = readMlpLayerTypes(f, n);
  if (kinds) return (i) => (hasMoe ? kinds[i]! : 'dense');
  const firstDense = f.int('first_k_dense_replace', { fallback: defaultFirstDense, max: MAX.layers });
  const freq = f.positiveInt('moe_layer_freq', { fallback: 1, max: MAX.layers });
  return (i) => (hasMoe && i >= firstDense && i % freq === 0 ? 'moe' : 'dense');
}

function deepseekFamily(options: {
  readonly sparse: boolean;
  readonly routerBias?: boolean;
  readonly defaultFirstDense?: number;
  /** Layers may reuse an earlier layer's indexer (GlmMoeDsaConfig `indexer_types`). */
  readonly sharedIndexers?: boolean;
}): Family {
  return (f, name) => {
    const sparse = options.sparse ? readIndexer(f) : null;
    const spec = decoder(f, name, {
      attention: readMla,
      mlp: readGatedMlp(f),
      layout: (_g, n) => ({ window: null, kinds: Array(n).fill(sparse ? 'sparse' : 'full') }),
      layerMlp: readMoeLayers(f, options.defaultFirstDense ?? 0),
      moe: deepseekMoeKeys(f, options.routerBias),
      mtpKey: 'num_nextn_predict_layers',
    });
    if (sparse && spec.attention.kind === 'mla' && spec.attention.qLoraRank === null) {
      f.fail('q_lora_rank', 'is required by the DSA indexer (its queries are projected from the q latent)');
    }
    if (!options.sharedIndexers) return { ...spec, sparseAttention: sparse };
    const { own, key } = readIndexerTypes(f, spec.numLayers);
    return { ...spec, sparseAttention: sparse, layers: withSharedIndexers(f, spec.layers, own, key) };
  };
}

export const deepseek = deepseekFamily({ sparse: false });
export const deepseekV32 = deepseekFamily({ sparse: true });
/**
 * GLM-5: DeepSeek-V3.2's layout; its GlmMoeDsa router always carries e_score_correction_bias; GLM-5.2's
 * `shared` layers run no indexer.
 */
export const glmMoeDsa = deepseekFamily({ sparse: true, routerBias: true, sharedIndexers: true });
/**
 * GLM-4.7-Flash (`glm4_moe_lite`, transformers `models/glm4_moe_lite/modular_glm4_moe_lite.py`):
 * DeepseekV3Attention (MLA) with GLM-4.5's MoE (Glm4MoeTopkRouter with e_score_correction_bias,
 * shared experts of n_shared_experts × moe_intermediate_size), layer 0 dense by default
 * (`mlp_layer_types` = dense + sparse…), and the checkpoint's MTP layer (`num_nextn_predict_layers`).
 */
export const glm4MoeLite = deepseekFamily({ sparse: false, routerBias: true, defaultFirstDense: 1 });
