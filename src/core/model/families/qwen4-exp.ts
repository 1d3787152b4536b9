/**
 * Qwen4-Exp (`qwen4_exp`, checkpoint Qwen/Qwen4-Exp; its text model `qwen4_exp_text`). transformers
 * `models/qwen4_exp/configuration_qwen4_exp.py` and `modular_qwen4_exp.py` (Qwen4ExpTextConfig,
 * Qwen4ExpVisionConfig, Qwen4ExpTextModel, Qwen4ExpTextDecoderLayer, Qwen4ExpTextAttention,
 * Qwen4ExpTextQSAIndexer, Qwen4ExpTextGatedResidual, Qwen4ExpTextPLELayer, Qwen4ExpTextNGramEmbedding):
 * - Qwen3.5's layers: Gated DeltaNet with split projections (Qwen3_5GatedDeltaNet: in_proj_qkv, in_proj_z,
 *   in_proj_b, in_proj_a, conv1d, dt_bias, A_log, a gated RMSNorm of the value head, out_proj) on
 *   `linear_attention` layers; on the others (`full_attention` in the released config, read as
 *   `qwen_sparse_attention`) Qwen3_5Attention (q_proj → queries and the sigmoid output gate, k, v, o,
 *   no bias, per-head q/k RMSNorms) behind the QSA block indexer: index_qk_proj (h → (heads + 1)·d),
 *   q_layernorm and k_layernorm RMSNorm(d); one d-wide key cached per token, mean-pooled per
 *   `indexer_compress_ratio` tokens; each query reads the best `indexer_budget / ratio` blocks.
 * - Every layer's MLP is Qwen3NextSparseMoeBlock: router (h → E), experts, shared_expert and
 *   shared_expert_gate (h → 1).
 * - No input, post-attention or final RMSNorm: hyper-connections replace them. The embedding is repeated
 *   over `hc_count` streams; before its mixer and before its MLP each layer runs a gated residual
 *   (hc_norm RMSNorm(n·h), input_mix_weight_down n·h → `hc_lowrank`, input_mix_weight_up back,
 *   block_inject_weight n·h → n), the model a last one without block_inject (hyper_connection_mixer).
 * - PLE on the one-indexed `ple_layer_ids` (linear layers only): a hashed n-gram embedding of
 *   (ngram_size − 1)·heads_per_ngram heads, each a table of a distinct prime ≥ `ngram_vocab_size_base`
 *   rows (all padded to `make_ngram_vocab_size_divisible_by`) × ple_embed_dim / heads; key_proj
 *   (E → n·h), value_proj (E → h), norm_key, norm_query, norm_conv RMSNorm(n·h), a bias-free depthwise
 *   conv1d of n·h × `ple_conv_kernel_size`.
 * - The checkpoint's MTP block (`mtp_num_hidden_layers`, mtp.*: fc_embedding and fc_hidden h → h,
 *   pre_fc_norm_embedding and pre_fc_norm_hidden, one QSA + MoE layer, a hyper_connection_mixer) is not
 *   built by transformers; it is counted apart as llmecon's MTP module.
 * - The vision tower is Qwen3.5's (Qwen3_5MoeVisionModel: the Qwen3-VL tower without deepstack mergers),
 *   read by `readQwenVision` and counted apart.
 * The hyper-connections have no ModelSpec field of their shape (`hyperConnections` is DeepSeek-V4's
 * mHC): they are not counted, and a warning gives their size. The PLE layers' tables and projections are
 * `lookupTableParams` (held like the input embedding; their projections' FLOPs not counted), said.
 */
import type { GatedDeltaNetSpec, LayerMixer, ModelSpec, SparseAttentionSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { readGatedDeltaNet } from './qwen3-next.js';
import { QWEN3_OMNI_VISION_DEFAULTS } from './qwen3-omni.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { readQwenVision } from './vision.js';
import { builtSubConfig, type FamilyOf, wrapped } from './wrappers.js';

/** Qwen4ExpTextConfig's defaults for the keys a text config omits. */
export const QWEN4_EXP_TEXT_DEFAULTS: Json = {
  vocab_size: 248_320,
  hidden_size: 2048,
  num_hidden_layers: 40,
  num_attention_heads: 16,
  num_key_value_heads: 2,
  hidden_act: 'silu',
  max_position_embeddings: 32_768,
  tie_word_embeddings: false,
  attention_bias: false,
  head_dim: 256,
  linear_conv_kernel_dim: 4,
  linear_key_head_dim: 128,
  linear_value_head_dim: 128,
  linear_num_key_heads: 16,
  linear_num_value_heads: 32,
  moe_intermediate_size: 512,
  shared_expert_intermediate_size: 512,
  num_experts_per_tok: 10,
  num_experts: 512,
  hc_count: 4,
  hc_lowrank: 320,
  ple_conv_kernel_size: 4,
  ngram_size: 3,
  heads_per_ngram: 8,
  ngram_vocab_size_base: 20_000_000,
  make_ngram_vocab_size_divisible_by: 128,
};

/** Qwen4ExpVisionConfig's defaults (Qwen3_5MoeVisionConfig's). */
const QWEN4_EXP_VISION_DEFAULTS: Json = {
  ...QWEN3_OMNI_VISION_DEFAULTS,
  num_heads: 16,
  deepstack_visual_indexes: [],
};

/** Most n-gram heads over all PLE layers (each a prime searched for): far above any release. */
const MAX_NGRAM_HEADS = 65_536;

const fmt = (n: number): string => n.toLocaleString('en-US');
/** Bytes as decimal gigabytes, one decimal. */
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** `layer_types` (linear, full or qwen_sparse attention), else QSA on every `full_attention_interval`-th layer. */
function readMixers(f: Fields, n: number): LayerMixer[] {
  const types = f.enumList('layer_types', n, ['linear_attention', 'full_attention', 'qwen_sparse_attention']);
  if (types) return types.map((t) => (t === 'linear_attention' ? 'linear' : 'sparse'));
  const interval = f.positiveInt('full_attention_interval', { fallback: 4, max: MAX.layers });
  return Array.from({ length: n }, (_, i) => ((i + 1) % interval === 0 ? 'sparse' : 'linear'));
}

/** Qwen4ExpTextQSAIndexer: required on every attention layer, one key head, a budget of whole blocks. */
function readQsa(f: Fields): SparseAttentionSpec {
  const numHeads = f.positiveInt('indexer_n_heads', { max: MAX.heads });
  if (f.positiveInt('indexer_kv_heads', { max: MAX.heads }) !== 1) {
    f.fail('indexer_kv_heads', 'must be 1 (Qwen4-Exp QSA has one key head)');
  }
  const headDim = f.positiveInt('indexer_head_dim', { max: MAX.headDim });
  const topKTokens = f.positiveInt('indexer_budget', { max: MAX.positions });
  const blockTokens = f.positiveInt('indexer_compress_ratio', { max: MAX.positions });
  if (topKTokens % blockTokens !== 0) {
    f.fail('indexer_budget', `(${topKTokens}) must be divisible by indexer_compress_ratio (${blockTokens})`);
  }
  return { numHeads, headDim, topKTokens, blockTokens };
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** The first `count` primes ≥ `from` (`_find_nth_prime_after(from − 1, k)` for k = 1…count). */
function primesFrom(from: number, count: number): number[] {
  const primes: number[] = [];
  for (let p = from; primes.length < count; p++) if (isPrime(p)) primes.push(p);
  return primes;
}

/** Parameters of each PLE layer (Qwen4ExpTextPLELayer, see the file comment), in `ple_layer_ids` order. */
function plePerLayer(f: Fields, layers: readonly LayerMixer[], h: number, n: number): number[] {
  const ids = [...new Set(f.intList('ple_layer_ids', MAX.layers))].sort((a, b) => a - b);
  if (ids.length === 0) return [];
  for (const id of ids) {
    if (id < 1 || id > layers.length)
      f.fail('ple_layer_ids', `must be one-indexed layers in [1, ${layers.length}], got ${id}`);
    if (layers[id - 1] !== 'linear')
      f.fail('ple_layer_ids', `names layer ${id}, not a linear_attention layer`);
  }
  const heads =
    (f.positiveInt('ngram_size', { max: 64 }) - 1) * f.positiveInt('heads_per_ngram', { max: 4096 });
  const width = f.positiveInt('ple_embed_dim', { fallback: h, max: MAX.hidden });
  if (heads === 0 || width % heads !== 0) {
    f.fail(
      'ple_embed_dim',
      `(${width}) must be a multiple of the n-gram heads ((ngram_size − 1) · heads_per_ngram = ${heads})`,
    );
  }
  if (heads * ids.length > MAX_NGRAM_HEADS)
    f.fail('heads_per_ngram', `gives more than ${fmt(MAX_NGRAM_HEADS)} n-gram heads`);
  const primes = primesFrom(f.positiveInt('ngram_vocab_size_base', { max: MAX.vocab }), heads * ids.length);
  const divisor = f.positiveInt('make_ngram_vocab_size_divisible_by', { max: MAX.vocab });
  const kernel = f.positiveInt('ple_conv_kernel_size', { max: 1024 });
  return ids.map((_, j) => {
    const rows = primes.slice(j * heads, (j + 1) * heads).reduce((a, b) => a + b, 0);
    const table = Math.ceil(rows / divisor) * divisor * (width / heads);
    return table + width * n * h + width * h + 3 * n * h + n * h * kernel;
  });
}

/** The Qwen4-Exp text model (see the file comment). */
export const qwen4ExpText: Family = (config, name) => {
  const f = withClassDefaults(config, QWEN4_EXP_TEXT_DEFAULTS);
  const spec = decoder(f, name, {
    attention: { qkNorm: 'per-head', defaultHeadDim: 256, outputGate: true },
    layout: (g, n) => ({ window: null, kinds: readMixers(g, n) }),
    layerMlp: 'moe',
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'shared_expert_intermediate_size', count: 1 },
      sharedExpertGate: true,
    },
  });
  const h = spec.hiddenSize;
  const n = f.positiveInt('hc_count', { max: 1024 });
  if (n < 2) f.fail('hc_count', `must be greater than 1, got ${n}`);
  const r = f.positiveInt('hc_lowrank', { max: MAX.hidden });
  const kinds = spec.layers.map((l) => l.attention);
  const linear: GatedDeltaNetSpec | null = kinds.includes('linear') ? readGatedDeltaNet(f, 'split') : null;
  const sparse = kinds.includes('sparse') ? readQsa(f) : null;
  // Qwen4ExpTextGatedResidual: hc_norm, input_mix_weight_down and _up, block_inject_weight (not in the mixer).
  const mixer = n * h + 2 * n * h * r;
  const residuals = 2 * (mixer + n * h * n);
  const ple = plePerLayer(f, kinds, h, n);
  const mtp = f.int('mtp_num_hidden_layers', { fallback: 0, max: MAX.layers });
  const hc = spec.numLayers * residuals + mixer;
  const pleTotal = ple.reduce((a, b) => a + b, 0);
  const warnings = [
    `qwen4_exp: the ${n}-stream hyper-connections (two gated residuals a layer, ${fmt(residuals)} parameters each layer, and the final hyper_connection_mixer, ${fmt(mixer)}) are not counted: ${fmt(hc)} parameters, ${gb(2 * hc)} in BF16; the spec has no field of their shape, and no layer or final norm stands in for them`,
    ...(ple.length > 0
      ? [
          `qwen4_exp: the PLE n-gram embeddings and projections of the ${ple.length} ple_layer_ids layer${ple.length === 1 ? '' : 's'} (${fmt(pleTotal)} parameters${ple.length === 1 ? '' : `: ${ple.map(fmt).join(', ')}`}, ${gb(2 * pleTotal)} in BF16) are counted as lookup tables: in the total and in memory like the input embedding; the FLOPs of their key and value projections are not counted`,
        ]
      : []),
    ...(mtp > 0
      ? [
          `qwen4_exp: each MTP module's hyper-connections (${fmt(residuals + mixer)} parameters) are not in the MTP count, which holds a final norm (${fmt(h)}) the checkpoint's module does not`,
        ]
      : []),
  ];
  return {
    ...spec,
    norm: { kind: 'rmsnorm', perLayer: 0, final: false },
    linearAttention: linear,
    sparseAttention: sparse,
    numMtpModules: mtp,
    ...(pleTotal > 0 ? { lookupTableParams: pleTotal } : {}),
    warnings,
  } satisfies ModelSpec;
};

/** The `qwen4_exp` family: its text model (Qwen4ExpTextConfig's defaults) and the vision tower counted apart. */
export function qwen4ExpWrapper(familyOf: FamilyOf): Family {
  return wrapped((t) => (t === 'qwen4_exp_text' ? qwen4ExpText : familyOf(t)), {
    textType: 'qwen4_exp_text',
    vision: (top) =>
      readQwenVision(builtSubConfig(top, 'vision_config', 'qwen4_exp_vision', QWEN4_EXP_VISION_DEFAULTS)),
  });
}
