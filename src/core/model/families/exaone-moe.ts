/**
 * LG AI Research K-EXAONE (`exaone_moe`): K-EXAONE-236B-A23B, whose config also carries the per-layer
 * keys vLLM reads (`sliding_windows`, `mtp_layer_types`), and the K-EXAONE 2.0 keys Megatron-Bridge's
 * bridge tests exercise (windows of two sizes, `swiglu_limits`, `mtp_num_speculative_steps`).
 *
 * Shapes from transformers `models/exaone_moe/modeling_exaone_moe.py` (generated from
 * `modular_exaone_moe.py`: ExaoneMoeAttention = Exaone4Attention, ExaoneMoeMLP = Qwen2MoeMLP,
 * ExaoneMoeTopkRouter = DeepseekV3TopkRouter, ExaoneMoeExperts, ExaoneMoeSparseMoEBlock,
 * ExaoneMoeDecoderLayer = OlmoeDecoderLayer; ExaoneMoeConfig in `configuration_exaone_moe.py`) and
 * vLLM `vllm/model_executor/models/exaone_moe.py` (ExaoneMoeAttention, ExaoneMoe,
 * ExaoneMoeDecoderLayer) and `exaone_moe_mtp.py` (ExaoneMoeMultiTokenPredictor):
 * - attention: q/k/v/o without bias (q_proj h → heads·head_dim: 6144 → 8192 on the 236B), q_norm
 *   and k_norm RMSNorm(head_dim); RoPE on sliding layers only, NoPE on global ones (no parameters);
 * - each layer's kind: `layer_types`; else `sliding_windows` (0 = global; vLLM, Megatron-Bridge);
 *   else `sliding_window_pattern` (a number, or L/G letters) as Exaone4Config. Window: the per-layer
 *   `sliding_windows` vLLM reads, else `sliding_window` (class default 4096);
 * - each layer's MLP: `mlp_layer_types` (dense/sparse); else `is_moe_layer` (Megatron-Bridge);
 *   else the first `first_k_dense_replace` (default 1) dense. Dense: SwiGLU of `intermediate_size`.
 *   Sparse: gate.weight [E, h] and e_score_correction_bias [E] (sigmoid scores, group-limited top-k by
 *   `n_group`/`topk_group`), `num_experts` experts of `moe_intermediate_size` (gate_up_proj
 *   [E, 2I, h], down_proj [E, h, I]), top `num_experts_per_tok`, and one un-gated shared MLP of
 *   moe_intermediate_size × `num_shared_experts`;
 * - pre-norm: input_layernorm and post_attention_layernorm, a final norm; lm_head untied by default.
 * `routed_scaling_factor`, `norm_topk_prob` and `swiglu_limits` (activation clamps) have no parameters.
 * The MTP block (`mtp.*`, which transformers skips on load) is fc (2h → h), pre_fc_norm_embedding,
 * pre_fc_norm_hidden and norm once, shared by its decoder layers (`mtp_layer_types`, else
 * `num_nextn_predict_layers`), each with a dense MLP of `intermediate_size`; embedding and head are
 * shared. With one layer it is an MTP module of that layer (`ModelSpec.mtpModule`, counted apart from the
 * total); several layers sharing one fc are not llmecon's modules: not counted, and a warning gives its size. Checked against the release's tensors: 237,099,669,632
 * parameters with the MTP block (the GGUF tensor inventory of the BF16 release), 236,571,156,352
 * without; the card's 236B total, 23B active, 234B without embeddings.
 */
import type { LayerMixer, LayerMlp, ModelSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import {
  decoder,
  type Family,
  readLayerTypes,
  readMlpLayerTypes,
  readPatternSliding,
  type SlidingLayout,
} from './readers.js';

const count = (n: number) => n.toLocaleString('en-US');

/** Exaone4Config's `sliding_window_pattern`: layer i slides unless (i + 1) % p == 0, or an L/G string. */
function patternSlides(f: Fields): (i: number) => boolean {
  const raw = f.raw('sliding_window_pattern');
  if (typeof raw === 'string') {
    if (!/^[LG]+$/.test(raw))
      f.fail('sliding_window_pattern', `must be a number or a string of L and G, got '${raw}'`);
    return (i) => raw[i % raw.length] === 'L';
  }
  const pattern = f.positiveInt('sliding_window_pattern', { fallback: 4, max: MAX.layers });
  return (i) => (i + 1) % pattern !== 0;
}

interface Layout extends SlidingLayout {
  readonly notes: readonly string[];
}

/**
 * Per-layer `sliding_windows` (vLLM ExaoneMoeAttention: `sliding_windows[i]`, None on full layers):
 * kinds from `layer_types` or from the windows (0 = global); one window per model in llmecon, so
 * layers of different windows are read at the largest, said in a note.
 */
function readWindowList(f: Fields, n: number): Layout {
  const windows = f.intList('sliding_windows');
  if (windows.length !== n) {
    f.fail(
      'sliding_windows',
      `must list one window per layer (${n}; 0 for global attention), got ${windows.length}`,
    );
  }
  const kinds = readLayerTypes(f, n) ?? windows.map((w): LayerMixer => (w > 0 ? 'sliding' : 'full'));
  const sliding = kinds.flatMap((k, i) => (k === 'sliding' ? [i] : []));
  for (const i of sliding) {
    if (windows[i] === 0)
      f.fail('sliding_windows', `is 0 for layer ${i}, which layer_types makes sliding_attention`);
  }
  const sizes = [...new Set(sliding.map((i) => windows[i]!))].sort((a, b) => b - a);
  if (sizes.length === 0) return { window: null, kinds, notes: [] };
  const window = sizes[0]!;
  const notes: string[] = [];
  if (sizes.length > 1) {
    const layers = (w: number) => sliding.filter((i) => windows[i] === w).length;
    const narrower = sizes.slice(1).map((w) => `${count(w)} (${layers(w)} layers)`);
    notes.push(
      `sliding_windows gives the sliding layers windows of ${count(window)} (${layers(window)} layers) and ${narrower.join(', ')}; llmecon has one window per model, so all are read at ${count(window)}: the KV cache and attention FLOPs of the narrower layers are overstated once the context passes their window`,
    );
  }
  const scalar = f.optionalPositiveInt('sliding_window');
  if (scalar !== null && !sizes.includes(scalar)) {
    notes.push(
      `sliding_window (${count(scalar)}) differs from the per-layer sliding_windows (${sizes.map(count).join(', ')}): read by sliding_windows as vLLM and Megatron-Bridge do (transformers reads sliding_window)`,
    );
  }
  return { window, kinds, notes };
}

function readLayout(f: Fields, n: number): Layout {
  if (f.has('sliding_windows')) return readWindowList(f, n);
  // ExaoneMoeConfig's sliding_window defaults to 4096; an explicit null makes every layer global.
  return { ...readPatternSliding(f, n, patternSlides(f), 4096), notes: [] };
}

/** `is_moe_layer`: one boolean per layer (Megatron-Bridge, TensorRT-LLM), or null when absent. */
function readMoeFlags(f: Fields, n: number): LayerMlp[] | null {
  const raw = f.raw('is_moe_layer');
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length !== n || !raw.every((b) => typeof b === 'boolean')) {
    return f.fail(
      'is_moe_layer',
      `must list one true (MoE) or false (dense MLP) per layer (${n}), got ${shown(raw)}`,
    );
  }
  return raw.map((b) => (b ? 'moe' : 'dense'));
}

/**
 * Each layer's MLP: `mlp_layer_types` (transformers, vLLM), else `is_moe_layer` (Megatron-Bridge,
 * TensorRT-LLM), else the first `first_k_dense_replace` dense (default 1: ExaoneMoeConfig). The
 * release states all three; one that disagrees with the one read is said in a note.
 */
function readMlpKinds(f: Fields, n: number): { kinds: LayerMlp[]; notes: string[] } {
  const firstDense = (dense: number): LayerMlp[] =>
    Array.from({ length: n }, (_, i) => (i < dense ? 'dense' : 'moe'));
  const given = [
    {
      key: 'mlp_layer_types',
      kinds: readMlpLayerTypes(f, n),
    },
    { key: 'is_moe_layer', kinds: readMoeFlags(f, n) },
    {
      key: 'first_k_dense_replace',
      kinds: f.has('first_k_dense_replace')
        ? firstDense(f.int('first_k_dense_replace', { max: MAX.layers }))
        : null,
    },
  ].flatMap((g) => (g.kinds ? [{ key: g.key, kinds: g.kinds }] : []));
  const read = given[0] ?? { key: 'first_k_dense_replace', kinds: firstDense(1) };
  const notes = given
    .slice(1)
    .filter((g) => g.kinds.some((k, i) => k !== read.kinds[i]))
    .map(
      (g) =>
        `${g.key} disagrees with ${read.key}, which is read (transformers reads mlp_layer_types, else first_k_dense_replace)`,
    );
  return { kinds: read.kinds, notes };
}

/** The MTP block's decoder layers: `mtp_layer_types` (their kinds), else `num_nextn_predict_layers`. */
function readMtpLayers(f: Fields): { readonly layers: number; readonly kinds: readonly LayerMixer[] | null } {
  const raw = f.raw('mtp_layer_types');
  if (raw === undefined || raw === null) {
    return { layers: f.int('num_nextn_predict_layers', { fallback: 0, max: MAX.layers }), kinds: null };
  }
  if (!Array.isArray(raw)) {
    return f.fail(
      'mtp_layer_types',
      `must list each MTP layer's kind (full_attention or sliding_attention), got ${shown(raw)}`,
    );
  }
  const length = raw.length;
  const kinds = f.enumList('mtp_layer_types', length, ['full_attention', 'sliding_attention'] as const) ?? [];
  return {
    layers: length,
    kinds: kinds.map((k): LayerMixer => (k === 'full_attention' ? 'full' : 'sliding')),
  };
}

/**
 * The MTP block (vLLM ExaoneMoeMultiTokenPredictor): fc 2h → h and three norms once, then per layer
 * the model's attention, two norms and a dense MLP of `intermediate_size`.
 */
function mtpBlockParams(f: Fields, spec: ModelSpec, layers: number): number {
  const h = spec.hiddenSize;
  const a = spec.attention;
  if (a.kind !== 'gqa') return 0;
  const attention = 2 * h * a.numHeads * a.headDim + 2 * h * a.numKvHeads * a.headDim + 2 * a.headDim;
  const dense = 3 * h * f.positiveInt('intermediate_size', { max: MAX.intermediate });
  return 2 * h * h + 3 * h + layers * (attention + 2 * h + dense);
}

function mtpNote(f: Fields, spec: ModelSpec, mtp: ReturnType<typeof readMtpLayers>): string {
  const ffn = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const kinds = mtp.kinds
    ? [...new Set(mtp.kinds)].map((k) => (k === 'full' ? 'full' : 'sliding-window')).join('/')
    : null;
  const layer = `${kinds ? `${kinds}-attention ` : ''}decoder layer${mtp.layers > 1 ? 's' : ''} with a dense MLP of ${count(ffn)}`;
  const steps = f.optionalPositiveInt('mtp_num_speculative_steps');
  const repeat = steps === null ? '' : `, run for mtp_num_speculative_steps = ${steps} draft steps`;
  return `the checkpoint's MTP block (mtp.*: fc 2h → h, pre_fc_norm_embedding, pre_fc_norm_hidden and norm, shared by ${mtp.layers} ${layer}${repeat}) holds ${count(mtpBlockParams(f, spec, mtp.layers))} parameters; it is not counted and not used for speculative decoding: llmecon's MTP modules each hold their own fc and norms`;
}

/** K-EXAONE: hybrid sliding/global GQA with per-head q/k norms, dense first layer(s), sigmoid-routed MoE with a shared expert. */
export const exaoneMoe: Family = (f, name) => {
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const layout = readLayout(f, n);
  const mlp = readMlpKinds(f, n);
  if (mlp.kinds.includes('moe')) {
    const experts = f.positiveInt('num_experts', { max: MAX.experts });
    const groups = f.int('n_group', { fallback: 1, max: MAX.experts });
    if (groups > 1 && experts % groups !== 0)
      f.fail('n_group', `(${groups}) must divide num_experts (${experts})`);
  }
  const spec = decoder(f, name, {
    attention: { qkvBias: false, outputBias: false, qkNorm: 'per-head' },
    layout: () => layout,
    layerMlp: (i) => mlp.kinds[i]!,
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      // ExaoneMoeTopkRouter: e_score_correction_bias beside the router weight (noaux_tc).
      routerBias: true,
      groupRouting: true,
    },
  });
  // One shared ExaoneMoeMLP of moe_intermediate_size × num_shared_experts (default 1).
  const shared = spec.moe ? f.int('num_shared_experts', { fallback: 1, max: MAX.experts }) : 0;
  const moe = spec.moe && {
    ...spec.moe,
    numSharedExperts: shared > 0 ? 1 : 0,
    sharedIntermediateSize: shared * spec.moe.expertIntermediateSize,
  };
  const mtp = readMtpLayers(f);
  // One MTP layer is an MTP module of that layer with a dense MLP (ModelSpec.mtpModule); several share one fc.
  const mtpIsModule = mtp.layers === 1;
  const notes = [
    ...layout.notes,
    ...mlp.notes,
    ...(mtp.layers > 0 && !mtpIsModule ? [mtpNote(f, spec, mtp)] : []),
  ];
  return {
    ...spec,
    moe,
    numMtpModules: mtpIsModule ? 1 : 0,
    ...(mtpIsModule ? { mtpModule: { layer: { attention: mtp.kinds?.[0] ?? 'full', mlp: 'dense' } } } : {}),
    ...(notes.length > 0 ? { warnings: notes.map((note) => `exaone_moe: ${note}`) } : {}),
  };
};
