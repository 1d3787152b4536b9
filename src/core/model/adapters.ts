/**
 * LoRA-family adapters (Hu et al. 2021, Eq. 3: W + B·A with A ∈ R^{r×in}, B ∈ R^{out×r}): which
 * matrices a target list selects, and the exact number of trainable parameters, per module.
 * DoRA (Liu et al. 2024, Eq. 5) adds one magnitude per output feature of each adapted matrix.
 */
import { inputError } from '../errors.js';
import { formatCount } from '../format.js';
import { attentionMatrices } from './adapters-attention.js';
import { linearMixerMatrices } from './adapters-linear.js';
import { layerKey, layerView } from './layer-view.js';
import { embeddingTableParams, isAttentionMixer, type LayerSpec, type ModelSpec } from './spec.js';

/**
 * Module names as in Hugging Face PEFT's target_modules, plus groups. `in_proj`/`out_proj` are the
 * input and output projections of linear-attention (Gated DeltaNet, KDA, lightning attention, mLSTM; see
 * adapters-linear.ts) and Mamba mixers.
 */
export const TARGET_MODULES = [
  'q',
  'k',
  'v',
  'o',
  'in_proj',
  'out_proj',
  'gate',
  'up',
  'down',
  'shared',
  'experts',
] as const;
export type TargetModule = (typeof TARGET_MODULES)[number];
export const TARGET_GROUPS: Readonly<Record<string, readonly TargetModule[]>> = {
  attn: ['q', 'k', 'v', 'o'],
  mixer: ['in_proj', 'out_proj'],
  mlp: ['gate', 'up', 'down', 'shared'],
  all: TARGET_MODULES,
};

export type AdapterMethod = 'lora' | 'qlora' | 'dora';

/**
 * QLoRA's 4-bit frozen bases, by the library that dequantises them for each GEMM:
 * - `nf4`: bitsandbytes NF4 with double quantisation (Dettmers et al. 2023), one fused dequantising
 *   kernel per matrix in every forward and backward pass (bitsandbytes MatMul4Bit);
 * - `gptq`: a GPTQ INT4 checkpoint (Frantar et al. 2023; group size 128) under PEFT, run by AutoGPTQ's
 *   QuantLinear (qlinear_cuda_old) whose PyTorch fallback, taken at 128 tokens or more, unpacks the
 *   weight in five eager kernels per matrix and forward pass; autograd keeps the FP16 result for the
 *   backward GEMM (AutoGPTQ v0.4.2, auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py forward).
 */
export const QUANTIZED_BASES = ['nf4', 'gptq'] as const;
export type QuantizedBase = (typeof QUANTIZED_BASES)[number];

export interface AdapterSpec {
  readonly method: AdapterMethod;
  readonly rank: number;
  readonly targets: readonly TargetModule[];
  /**
   * The adapters' optimizer states live in paged (unified) memory, off the GPU outside the optimizer
   * step: QLoRA's recipe (default for qlora, Dettmers et al. 2023 Sec. 3); false for a QLoRA run under
   * another optimizer (DeepSpeed's AdamW keeps its states and FP32 master weights on the GPU).
   */
  readonly pagedOptimizer?: boolean;
  /**
   * The input embedding and the output head train in full beside the adapters: PEFT's
   * `modules_to_save` (ModulesToSaveWrapper: a trainable copy of each module beside the frozen
   * original), as Qwen's finetune.py sets `["wte", "lm_head"]` for a base model (new tokens).
   */
  readonly trainEmbeddings?: boolean;
}

/**
 * The part of a layer an adapted matrix lives in; it exists only on the layers that have that part:
 * softmax attention, a Gated DeltaNet (`linear`) or Mamba (`mamba`) mixer, a dense MLP, or an MoE
 * block's shared or routed experts.
 */
export type AdapterPart =
  | 'attention'
  | 'keyValue'
  | 'fullAttention'
  | 'fullKeyValue'
  | 'linear'
  | 'mamba'
  | 'conv'
  | 'dense'
  | 'shared'
  | 'experts';

export interface AdaptedMatrix {
  /** Hugging Face module name(s), e.g. `q_proj`, `mlp.experts.*.down_proj`. */
  readonly module: string;
  readonly part: AdapterPart;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** How many such matrices the model has (layers with the part × experts). */
  readonly count: number;
  readonly trainableParams: number;
}

/** Whether a layer has `part`. */
export function layerHasPart(spec: ModelSpec, layer: LayerSpec, part: AdapterPart): boolean {
  // A layer running an earlier layer's weights (Zamba2) runs that layer's adapters: none of its own.
  if (layer.reusesWeights !== undefined) return false;
  return layerRunsPart(spec, layer, part);
}

/** Whether a layer runs `part`'s matrices (its own, or an earlier layer's it reuses). */
function layerRunsPart(spec: ModelSpec, layer: LayerSpec, part: AdapterPart): boolean {
  switch (part) {
    case 'attention':
      // Softmax and cross-attention layers, less the `full` ones when those have their own attention (Gemma 4).
      return (
        (isAttentionMixer(layer.attention) || layer.attention === 'cross') &&
        !layerRunsPart(spec, layer, 'fullAttention')
      );
    case 'keyValue':
      // k/v projections: not on KV-shared layers (Gemma 4 num_kv_shared_layers), unless the layers
      // keep the modules (Gemma 3n), which PEFT then adapts like any other.
      return (
        layerRunsPart(spec, layer, 'attention') && (!layer.kvShared || spec.kvSharedWeightsKept === true)
      );
    case 'fullAttention':
      return layer.attention === 'full' && spec.fullAttention !== undefined;
    case 'fullKeyValue':
      return layerRunsPart(spec, layer, 'fullAttention') && !layer.kvShared;
    case 'linear':
    case 'mamba':
    case 'conv':
      return layer.attention === part;
    case 'dense':
      return layer.mlp === 'dense';
    case 'shared':
    case 'experts':
      return layer.mlp === 'moe' && spec.moe !== null;
  }
}

/** Parses `attn,mlp` / `q,v` into target modules; unknown names are an InputError listing the allowed ones. */
export function parseTargets(text: string, field = '--targets'): TargetModule[] {
  const out = new Set<TargetModule>();
  for (const raw of text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const group = TARGET_GROUPS[raw];
    if (group) for (const t of group) out.add(t);
    else if ((TARGET_MODULES as readonly string[]).includes(raw)) out.add(raw as TargetModule);
    else {
      inputError(
        'invalid_value',
        [field],
        `unknown target module '${raw}'; allowed: ${[...Object.keys(TARGET_GROUPS), ...TARGET_MODULES].join(', ')}`,
      );
    }
  }
  if (out.size === 0) inputError('invalid_value', [field], 'give at least one target module, e.g. attn,mlp');
  return [...out];
}

/** The width a layer's k_proj and v_proj read: a cross layer's vision width (IDEFICS `contextWidth`), else h. */
const keyValueInput = (spec: ModelSpec, layer: LayerSpec): number =>
  (layer.attention === 'cross' ? spec.crossAttention?.contextWidth : undefined) ?? spec.hiddenSize;

/**
 * One layer's adapted matrices of each part (routed experts once per expert kind), at the shapes of
 * `spec`: the model-wide ones, or one layer's when `spec` is its layerView (its own attention, KV
 * heads and MLP width) and `kvIn` its k/v input width. Global layers' own attention (Gemma 4) is
 * listed apart as `fullAttention`.
 */
function layerMatrices(
  spec: ModelSpec,
  wants: (t: TargetModule) => boolean,
  kvIn: number = spec.hiddenSize,
): { module: string; part: AdapterPart; inFeatures: number; outFeatures: number }[] {
  const h = spec.hiddenSize;
  const out: { module: string; part: AdapterPart; inFeatures: number; outFeatures: number }[] = [];
  const add = (part: AdapterPart, module: string, inFeatures: number, outFeatures: number) =>
    out.push({ module, part, inFeatures, outFeatures });
  attentionMatrices(spec.attention, 'attention', 'keyValue', h, wants, add, kvIn);
  if (spec.fullAttention)
    attentionMatrices(spec.fullAttention, 'fullAttention', 'fullKeyValue', h, wants, add);
  if (spec.linearAttention) linearMixerMatrices(spec.linearAttention, h, wants, add);
  const ssm = spec.stateSpace;
  if (ssm) {
    // NemotronHMamba2Mixer: in_proj h → (z, x, B, C, dt) = 2·inner + 2·groups·state + heads; MambaMixer
    // (Mamba-1): in_proj h → (x, z) = 2·inner; out_proj inner → h.
    const inner = ssm.numHeads * ssm.headDim;
    const inProj = ssm.selective ? 2 * inner : 2 * inner + 2 * ssm.numGroups * ssm.stateSize + ssm.numHeads;
    if (wants('in_proj')) add('mamba', 'mixer.in_proj', h, inProj);
    // Hymba's out_proj is the attention's o_proj (outputProjection false): adapted as 'o'.
    if (wants('out_proj') && ssm.outputProjection !== false) add('mamba', 'mixer.out_proj', inner, h);
  }
  if (spec.shortConv) {
    // Lfm2ShortConv: conv.in_proj (h → 3h), conv.out_proj (h → h).
    if (wants('in_proj')) add('conv', 'conv.in_proj', h, 3 * h);
    if (wants('out_proj')) add('conv', 'conv.out_proj', h, h);
  }
  const denseMatrices = (part: AdapterPart, I: number) => {
    // Gate and up as one matrix (gate_up_proj, dense_h_to_4h): naming either adapts it whole.
    if (spec.mlp.gated && spec.mlp.fusedGateUp) {
      if (wants('gate') || wants('up')) add(part, 'mlp.gate_up_proj', h, 2 * I);
    } else {
      if (wants('gate') && spec.mlp.gated) add(part, 'mlp.gate_proj', h, I);
      if (wants('up')) add(part, 'mlp.up_proj', h, I);
    }
    if (wants('down')) add(part, 'mlp.down_proj', I, h);
  };
  // At the layer's own width when `spec` is its layerView (Nemotron-NAS, Gemma 4 double-wide MLPs).
  denseMatrices('dense', spec.mlp.intermediateSize);
  const moe = spec.moe;
  if (moe && moe.numSharedExperts > 0) {
    const Is = moe.numSharedExperts * moe.sharedIntermediateSize;
    // Gemma 4: the always-active expert is the layer's dense MLP (mlp.gate_proj, …), which the
    // gate/up/down targets name too.
    const asMlp = moe.sharedIsDenseMlp === true;
    const pick = (t: TargetModule) => wants('shared') || (asMlp && wants(t));
    const prefix = asMlp ? 'mlp' : 'mlp.shared_experts';
    if (moe.gated && pick('gate')) add('shared', `${prefix}.gate_proj`, h, Is);
    if (pick('up')) add('shared', `${prefix}.up_proj`, h, Is);
    if (pick('down')) add('shared', `${prefix}.down_proj`, Is, h);
  }
  if (moe && wants('experts')) {
    const Ie = moe.expertIntermediateSize;
    const w = moe.latentSize ?? h;
    if (moe.fusedGateUp && moe.gated) {
      // One 3D parameter per projection (Gemma4TextExperts): PEFT's target_parameters gives each
      // expert one rank-r pair on gate_up_proj (h → 2I) and one on down_proj.
      add('experts', 'experts.gate_up_proj', w, 2 * Ie);
      add('experts', 'experts.down_proj', Ie, w);
    } else {
      if (moe.gated) add('experts', 'mlp.experts.*.gate_proj', w, Ie);
      add('experts', 'mlp.experts.*.up_proj', w, Ie);
      add('experts', 'mlp.experts.*.down_proj', Ie, w);
    }
  }
  return out;
}

/** Every adapted matrix with its shape and trainable parameters, on the layers that have it. */
const layersWith = (spec: ModelSpec, part: AdapterPart) =>
  spec.layers.filter((l) => layerHasPart(spec, l, part)).length;

/** The adapter rank where none is given (PEFT LoraConfig's r is 8; 16 is the common fine-tuning choice, Unsloth's and TRL's examples). */
export const DEFAULT_ADAPTER_RANK = 16;

/**
 * The modules adapted where none are named, one rule for the CLI, scenarios, levers and the web app:
 * attention and MLP matrices (PEFT's usual choice); a model with neither (Mamba, Falcon-Mamba: mixer
 * blocks only) adapts its mixers' in_proj and out_proj, as PEFT configs for Mamba do.
 */
export function defaultAdapterTargets(spec: ModelSpec): string {
  return presentTargets(spec, parseTargets('attn,mlp')).length > 0 ? 'attn,mlp' : 'mixer';
}

/** The targets the model has (a group such as `all` names mixer projections a dense model lacks), in order. */
export function presentTargets(spec: ModelSpec, targets: readonly TargetModule[]): TargetModule[] {
  return targets.filter((t) => layerMatrices(spec, (x) => x === t).some((m) => layersWith(spec, m.part) > 0));
}

/**
 * The adapted matrices of every layer that has their part, counted per shape: a layer with its own
 * attention, KV heads or MLP width (layerView: Nemotron-NAS, Gemma 4) adapts matrices of its own shape. In the order of
 * the model-wide layer's matrices.
 */
function modelMatrices(
  spec: ModelSpec,
  wants: (t: TargetModule) => boolean,
): { module: string; part: AdapterPart; inFeatures: number; outFeatures: number; count: number }[] {
  const kinds = new Map<string, { layer: LayerSpec; layers: number }>();
  for (const layer of spec.layers) {
    const kind = kinds.get(layerKey(layer));
    if (kind) kind.layers += 1;
    else kinds.set(layerKey(layer), { layer, layers: 1 });
  }
  const shapes = new Map<
    string,
    { module: string; part: AdapterPart; inFeatures: number; outFeatures: number; count: number }
  >();
  for (const { layer, layers } of kinds.values()) {
    for (const m of layerMatrices(layerView(spec, layer), wants, keyValueInput(spec, layer))) {
      if (!layerHasPart(spec, layer, m.part)) continue;
      const count = layers * (m.part === 'experts' && spec.moe ? spec.moe.numExperts : 1);
      const key = `${m.module}/${m.inFeatures}/${m.outFeatures}`;
      const same = shapes.get(key);
      if (same) same.count += count;
      else shapes.set(key, { ...m, count });
    }
  }
  const order = layerMatrices(spec, wants).map((m) => m.module);
  return [...shapes.values()].sort((a, b) => order.indexOf(a.module) - order.indexOf(b.module));
}

export function adaptedMatrices(spec: ModelSpec, adapter: AdapterSpec): AdaptedMatrix[] {
  if (!Number.isInteger(adapter.rank) || adapter.rank < 1) {
    inputError('invalid_value', ['--rank'], `must be a whole number ≥ 1, got ${adapter.rank}`);
  }
  const r = adapter.rank;
  const out: AdaptedMatrix[] = [];
  for (const m of modelMatrices(spec, (t) => adapter.targets.includes(t))) {
    const perMatrix = r * (m.inFeatures + m.outFeatures) + (adapter.method === 'dora' ? m.outFeatures : 0);
    out.push({ ...m, trainableParams: perMatrix * m.count });
  }
  if (out.length === 0) {
    inputError(
      'invalid_value',
      ['--targets'],
      `none of ${adapter.targets.join(', ')} exists in ${spec.name}`,
    );
  }
  return out;
}

/**
 * Where the rank reaches the smaller side of adapted matrices: their update B·A has rank at most that side
 * (Hu et al. 2021, Sec. 4.1: ΔW = BA, B ∈ R^{d×r}, A ∈ R^{r×k}), so the rank beyond it buys nothing, from
 * r·(in + out) adapter parameters, more than the in·out the matrix holds (r ≥ min(in, out) implies it).
 * Null below every side.
 */
export function adapterRankWarning(adapter: AdapterSpec, matrices: readonly AdaptedMatrix[]): string | null {
  const capped = matrices.filter((m) => adapter.rank >= Math.min(m.inFeatures, m.outFeatures));
  if (capped.length === 0) return null;
  const m = capped[0]!;
  const side = Math.min(m.inFeatures, m.outFeatures);
  return `rank ${adapter.rank} reaches the smaller side of ${capped.length} of ${matrices.length} adapted matrix shapes (e.g. ${m.module} ${m.inFeatures} → ${m.outFeatures}): their update is at most rank ${side.toLocaleString('en-US')}, the matrix's full rank, from ${formatCount(adapter.rank * (m.inFeatures + m.outFeatures))} adapter parameters for the matrix's ${formatCount(m.inFeatures * m.outFeatures)}`;
}

export function trainableParams(spec: ModelSpec, adapter: AdapterSpec): number {
  return adaptedMatrices(spec, adapter).reduce((sum, m) => sum + m.trainableParams, 0);
}

/** What the memory and step-time models need to know about an adapter run. */
export interface AdapterRuntime {
  readonly method: AdapterMethod;
  readonly rank: number;
  /** The target modules, for the matrices of each layer (see {@link layerAdapterMatrices}). */
  readonly targets: readonly TargetModule[];
  /** Trainable adapter parameters of the whole model (the adapted matrices). */
  readonly trainableParams: number;
  /** Of them, the routed experts' (they split over EP with their experts). */
  readonly trainableExpertParams: number;
  /**
   * Parameters of the embedding and (when untied) the output head that train in full beside the
   * adapters ({@link AdapterSpec.trainEmbeddings}); 0 when they stay frozen.
   */
  readonly trainableEmbeddingParams: number;
  /** The adapted matrices of one layer of each part (see {@link layerAdapterMatrices}). */
  readonly matrices: readonly {
    readonly part: AdapterPart;
    readonly inFeatures: number;
    readonly outFeatures: number;
  }[];
  /** Bytes per frozen decoder-matrix parameter (BF16 2, FP8 1, NF4 with double quantisation 0.516). */
  readonly baseBytesPerParam: number;
  /** A 4-bit frozen base and the library that dequantises it ({@link QuantizedBase}); null for BF16/FP8. */
  readonly quantizedBase: QuantizedBase | null;
  /**
   * QLoRA's paged optimizer (Dettmers et al. 2023, Sec. 3): states live in unified memory and are
   * evicted to CPU outside the optimizer step, so the forward/backward peak does not include them.
   */
  readonly pagedOptimizer: boolean;
  /** Where the rank reaches the smaller side of adapted matrices ({@link adapterRankWarning}); else null. */
  readonly rankWarning: string | null;
}

export function adapterRuntime(
  spec: ModelSpec,
  adapter: AdapterSpec,
  baseBytesPerParam: number,
  quantizedBase: QuantizedBase | null = baseBytesPerParam < 1 ? 'nf4' : null,
): AdapterRuntime {
  const matrices = adaptedMatrices(spec, adapter);
  return {
    method: adapter.method,
    rank: adapter.rank,
    targets: adapter.targets,
    trainableParams: matrices.reduce((sum, m) => sum + m.trainableParams, 0),
    trainableExpertParams: matrices
      .filter((m) => m.part === 'experts')
      .reduce((sum, m) => sum + m.trainableParams, 0),
    // modules_to_save trains the input embedding and the untied output head in full.
    trainableEmbeddingParams: adapter.trainEmbeddings
      ? embeddingTableParams(spec) * (spec.tieWordEmbeddings ? 1 : 2)
      : 0,
    matrices: matrices.map(({ part, inFeatures, outFeatures }) => ({ part, inFeatures, outFeatures })),
    baseBytesPerParam,
    quantizedBase,
    pagedOptimizer: adapter.pagedOptimizer ?? adapter.method === 'qlora',
    rankWarning: adapterRankWarning(adapter, matrices),
  };
}

/** The adapted matrices `layer` holds; `routed` for routed experts (reached by topK of them per token). */
export function layerAdapterMatrices(
  spec: ModelSpec,
  runtime: AdapterRuntime,
  layer: LayerSpec,
): { readonly inFeatures: number; readonly outFeatures: number; readonly routed: boolean }[] {
  // At the layer's own shapes (layerView: Nemotron-NAS per-layer KV heads and MLP widths, Gemma 4
  // global attention and double-wide MLPs).
  // A layer reusing an earlier layer's weights runs its adapters too (PEFT wraps the shared module).
  return layerMatrices(layerView(spec, layer), (t) => runtime.targets.includes(t), keyValueInput(spec, layer))
    .filter((m) => layerRunsPart(spec, layer, m.part))
    .map((m) => ({ inFeatures: m.inFeatures, outFeatures: m.outFeatures, routed: m.part === 'experts' }));
}
