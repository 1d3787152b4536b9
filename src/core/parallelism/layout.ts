/**
 * A parallel layout (how a training job is split over GPUs) and its validity rules, after Megatron-LM:
 * world = TP × PP × DP × CP. Routed experts are split over EP ranks with expert tensor parallelism ETP
 * (TP by default, or 1): EP × ETP must divide TP × DP × CP — with ETP = TP that is EP dividing DP × CP,
 * with ETP = 1 the expert-parallel group also spans the TP ranks (Megatron-Core's MoE parallel
 * folding, Liu et al. 2025 arXiv:2504.14960; torchtitan ParallelDims: ETP = TP or 1).
 */
import type { InputIssue } from '../errors.js';
import { ordinal } from '../format.js';
import {
  hasAttentionLayers,
  kvHeadCounts,
  queryHeadCounts,
  splitsHybridMamba2,
  splitsKvHeads,
  splitsQueryHeads,
  tensorParallelRequirement,
  tensorParallelSplits,
} from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';

export const PIPELINE_SCHEDULES = ['1f1b', 'interleaved', 'zero-bubble', 'dualpipe'] as const;
export type PipelineSchedule = (typeof PIPELINE_SCHEDULES)[number];
export const RECOMPUTE_MODES = ['none', 'selective', 'full'] as const;
export type RecomputeMode = (typeof RECOMPUTE_MODES)[number];
/**
 * Megatron-Core's `--recompute-modules` (TransformerConfig.recompute_modules), each priced by the
 * engine: the attention core, the layer norms, the routed experts' activation function, the whole MoE
 * layer (router, dispatch, experts, combine), MLA's up-projections (q and kv up-projections with their
 * rotary embedding), the dense MLP, and the shared experts.
 */
export const RECOMPUTE_MODULES = [
  'core_attn',
  'layernorm',
  'moe_act',
  'moe',
  'mla_up_proj',
  'mlp',
  'shared_experts',
] as const;
export type RecomputeModule = (typeof RECOMPUTE_MODULES)[number];

/**
 * Full recomputation of only some of a stage's layers, the others keeping all their activations:
 * Megatron-Core's `--recompute-method block --recompute-num-layers N`, the first N layers of each of the
 * stage's v model chunks (a TransformerBlock each; megatron/core/recompute.py `checkpointed_forward` at
 * d98e8a6), N·v in all; or torchtitan's layer-wise selective checkpointing (`selective_ac_option = "K"`,
 * `_apply_ac_to_transformer_block`: every K-th block the rank builds, a counter over its layers).
 */
export type PartialRecompute =
  | { readonly kind: 'block'; readonly layers: number }
  | { readonly kind: 'every'; readonly every: number };

/** The layers full recomputation re-runs where not every layer (undefined: every layer, or no full recomputation). */
export interface PartialRecomputeOptions {
  /** Megatron-Core's block method: layers recomputed per model chunk (`--recompute-num-layers`). */
  readonly recomputeLayers?: number;
  /** torchtitan's layer-wise selective checkpointing: every K-th block recomputed (`--recompute-every`). */
  readonly recomputeEvery?: number;
}

type RecomputedLayout = Pick<
  ParallelLayout,
  'recompute' | 'pipelineParallel' | 'virtualStages' | 'recomputeLayers' | 'recomputeEvery'
>;

/** Model chunks a pipeline stage holds: its virtual stages (one without a pipeline). */
export const chunksPerStage = (l: Pick<ParallelLayout, 'pipelineParallel' | 'virtualStages'>): number =>
  l.pipelineParallel > 1 ? l.virtualStages : 1;

/** The layout's partial recomputation per stage (undefined: every layer under full recomputation, or none). */
export function partialRecompute(layout: RecomputedLayout): PartialRecompute | undefined {
  if (layout.recompute !== 'full') return undefined;
  const v = chunksPerStage(layout);
  if (layout.recomputeLayers !== undefined) return { kind: 'block', layers: layout.recomputeLayers * v };
  if (layout.recomputeEvery !== undefined) return { kind: 'every', every: layout.recomputeEvery };
  return undefined;
}

/** Where block recomputation counts its layers: each pipeline chunk, or the model without a pipeline. */
export const blockRecomputeScope = (l: Pick<ParallelLayout, 'pipelineParallel'>): string =>
  l.pipelineParallel > 1 ? 'of each pipeline chunk' : 'of the model';

/**
 * The recomputation in words, with the layers full recomputation re-runs where not every layer: "full
 * (first 10 layers of each pipeline chunk)", "full (every 2nd layer)", "none".
 */
export function recomputeWords(l: RecomputedLayout): string {
  if (l.recompute === 'full' && l.recomputeLayers !== undefined)
    return `full (first ${l.recomputeLayers} layer${l.recomputeLayers === 1 ? '' : 's'} ${blockRecomputeScope(l)})`;
  if (l.recompute === 'full' && l.recomputeEvery !== undefined)
    return `full (every ${ordinal(l.recomputeEvery)} layer)`;
  return l.recompute;
}

/** A memo key for a partial recomputation ('' for every layer or none). */
export const partialRecomputeKey = (r: PartialRecompute | undefined): string =>
  r === undefined ? '' : r.kind === 'block' ? `block${r.layers}` : `every${r.every}`;

/** Share of a stage's `layers` that full recomputation re-runs: all, or the partial rule's (min(1, N·v / l); ⌊l / K⌋ / l). */
export function stageRecomputeShare(layers: number, r: PartialRecompute | undefined): number {
  if (r === undefined || layers <= 0) return 1;
  return r.kind === 'block' ? Math.min(1, r.layers / layers) : Math.floor(layers / r.every) / layers;
}

/**
 * Share of the model's layers full recomputation re-runs (0 without it): the recomputed layers of its
 * stages, contiguous blocks of ⌈L/p⌉ layers as step-time.ts places them, over L.
 */
export function recomputedLayerShare(numLayers: number, layout: RecomputedLayout): number {
  if (layout.recompute !== 'full') return 0;
  const rule = partialRecompute(layout);
  if (rule === undefined) return 1;
  const perStage = Math.ceil(numLayers / layout.pipelineParallel);
  let recomputed = 0;
  for (let left = numLayers; left > 0; left -= perStage) {
    const layers = Math.min(perStage, left);
    recomputed += layers * stageRecomputeShare(layers, rule);
  }
  return recomputed / numLayers;
}

/**
 * Whether TP collectives overlap the GEMMs beside them (`--tp-comm-overlap` on): only at TP > 1 with
 * sequence parallelism, as Megatron-LM's arguments.py asserts; step time and memory both read it.
 */
export const overlapsTensorParallel = (on: boolean | undefined, layout: ParallelLayout): boolean =>
  on === true && layout.tensorParallel > 1 && layout.sequenceParallel;

/**
 * Why an overlap asked for (`on`) would change nothing: sequence parallelism fixed off where TP is not
 * fixed at 1 (Megatron-LM asserts it with --tp-comm-overlap); null where the overlap can apply.
 */
export const overlapWithoutSequenceParallel = (
  on: boolean,
  fixed: { readonly tensorParallel?: number | undefined; readonly sequenceParallel?: boolean | undefined },
): string | null =>
  on && fixed.sequenceParallel === false && fixed.tensorParallel !== 1
    ? 'needs --sequence-parallel at TP > 1 (Megatron-LM overlaps only sequence-parallel collectives)'
    : null;

/** Full recomputation may re-run only some layers (PartialRecomputeOptions; with other modes they are ignored). */
export interface ParallelLayout extends PartialRecomputeOptions {
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly dataParallel: number;
  readonly expertParallel: number;
  /**
   * Tensor parallelism inside each routed expert: TP when absent (Megatron-Core's default), or 1
   * (NeMo's MoE recipes set expert_tensor_parallel_size = 1): then the EP group folds in the TP ranks.
   */
  readonly expertTensorParallel?: number;
  readonly contextParallel: number;
  /** Virtual pipeline stages per GPU (interleaved schedule); 1 otherwise. */
  readonly virtualStages: number;
  readonly microBatchSize: number;
  readonly sequenceParallel: boolean;
  readonly recompute: RecomputeMode;
  /** 0 = plain DP; 1 = optimizer states sharded; 2 = + gradients; 3 = + weights (FSDP). */
  readonly zeroStage: 0 | 1 | 2 | 3;
  readonly schedule: PipelineSchedule;
}

/** The layout's parallel degrees in words ("tp 8 · pp 8 · dp 2 · ep 8 · vpp 12"): EP, CP and VPP where above 1, ETP where stated. */
export function degreesText(l: ParallelLayout): string {
  const parts = [`tp ${l.tensorParallel}`, `pp ${l.pipelineParallel}`, `dp ${l.dataParallel}`];
  if (l.expertParallel > 1) parts.push(`ep ${l.expertParallel}`);
  if (l.expertTensorParallel !== undefined) parts.push(`etp ${l.expertTensorParallel}`);
  if (l.contextParallel > 1) parts.push(`cp ${l.contextParallel}`);
  if (l.virtualStages > 1) parts.push(`vpp ${l.virtualStages}`);
  return parts.join(' · ');
}

/** A layout in one line: its degrees (degreesText), micro-batch, recomputation and ZeRO stage. */
export const layoutSummary = (l: ParallelLayout): string =>
  `${degreesText(l)} · mb ${l.microBatchSize} · recompute ${recomputeWords(l)} · ZeRO-${l.zeroStage}`;

export const DEFAULT_LAYOUT: ParallelLayout = {
  tensorParallel: 1,
  pipelineParallel: 1,
  dataParallel: 1,
  expertParallel: 1,
  contextParallel: 1,
  virtualStages: 1,
  microBatchSize: 1,
  sequenceParallel: false,
  recompute: 'none',
  zeroStage: 1,
  schedule: '1f1b',
};

/** Tensor parallelism inside each routed expert (TP unless the layout folds it to 1). */
export function expertTensorParallelOf(
  layout: Pick<ParallelLayout, 'tensorParallel' | 'expertTensorParallel'>,
): number {
  return layout.expertTensorParallel ?? layout.tensorParallel;
}

/** Ranks each routed expert's weights are replicated over (expert data parallelism): TP·DP·CP / (EP·ETP). */
export function expertDataParallelOf(
  layout: Pick<
    ParallelLayout,
    'tensorParallel' | 'dataParallel' | 'contextParallel' | 'expertParallel' | 'expertTensorParallel'
  >,
): number {
  return Math.max(
    1,
    (layout.tensorParallel * layout.dataParallel * layout.contextParallel) /
      (layout.expertParallel * expertTensorParallelOf(layout)),
  );
}

export function worldSize(layout: ParallelLayout): number {
  return layout.tensorParallel * layout.pipelineParallel * layout.dataParallel * layout.contextParallel;
}

/** Domain paths of a layout's fields in issues (the CLI maps them to its flags, e.g. `--tp`). */
const at = (field: keyof ParallelLayout) => ['layout', field] as const;

/** The check that EP × ETP divides TP × DP × CP: callers that have not fixed DP yet skip it by this rule id. */
export const EP_DIVIDES_DP_CP = 'ep-divides-dp-cp';
/** The check that ETP is 1 or TP: callers that have not fixed TP yet skip it by this rule id. */
export const ETP_IS_1_OR_TP = 'etp-is-1-or-tp';
/** The Megatron-LM/DeepSpeed rule that ZeRO-3 does not combine with PP: a stack that can (torchtitan) drops it. */
export const ZERO3_WITH_PIPELINE = 'zero3-with-pipeline';
/** Rule tag: virtual stages need pp > 1 (checked on fixed flags only once pp is fixed too). */
export const VPP_NEEDS_PP = 'vpp-needs-pp';
/** DualPipe's rule: an even pipeline (a search without a fixed pp tries only even ones). */
export const DUALPIPE_NEEDS_EVEN_PP = 'dualpipe-needs-even-pp';

/** The divisors of a count, ascending: the ways a parallel dimension can split it. */
export function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d * d <= n; d += 1) {
    if (n % d === 0) {
      out.push(d);
      if (d * d !== n) out.push(n / d);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * Model chunks beyond the layers that may hold the embedding alone (the first) and the output head and
 * loss alone (the last): Megatron-Core's --account-for-embedding-in-pipeline-split and
 * --account-for-loss-in-pipeline-split (Qwen3-235B's 94 layers ran as PP 32 × VPP 3 = 96 chunks).
 */
export const MAX_PIPELINE_EXTRA_CHUNKS = 2;

/** The most pipeline chunks (pp × vpp) a model splits into: one per layer, plus the embedding and the head alone. */
export const maxPipelineChunks = (spec: Pick<ModelSpec, 'numLayers'>): number =>
  spec.numLayers + MAX_PIPELINE_EXTRA_CHUNKS;

/** Microbatches per step on each data-parallel rank: global batch / (DP × micro-batch), at least 1. */
export function microbatchCount(
  globalBatchSize: number,
  layout: Pick<ParallelLayout, 'dataParallel' | 'microBatchSize'>,
): number {
  return Math.max(1, Math.round(globalBatchSize / (layout.dataParallel * layout.microBatchSize)));
}

/** The global batch (sequences) must split evenly over DP ranks and micro-batches; null when it does. */
export function globalBatchIssue(
  globalBatchSize: number,
  layout: Pick<ParallelLayout, 'dataParallel' | 'microBatchSize'>,
): InputIssue | null {
  const unit = layout.dataParallel * layout.microBatchSize;
  return globalBatchSize % unit === 0
    ? null
    : {
        code: 'infeasible',
        path: ['globalBatchSize'],
        message: `global batch ${globalBatchSize} must be a multiple of dp × micro-batch = ${unit}`,
      };
}

/**
 * Why a layout cannot run this model (empty when it can), with domain paths (`layout.tensorParallel`);
 * `serving` takes serving's rule for a hybrid's Mamba-2 groups (one group replicated: splitsHybridMamba2).
 */
export function layoutIssues(
  spec: ModelSpec,
  layout: ParallelLayout,
  seqLen: number,
  serving = false,
): InputIssue[] {
  const issues: InputIssue[] = [];
  const add = (field: keyof ParallelLayout, message: string, rule?: string) =>
    issues.push({ code: 'infeasible', path: at(field), message, ...(rule ? { rule } : {}) });
  const positive: (keyof ParallelLayout)[] = [
    'tensorParallel',
    'pipelineParallel',
    'dataParallel',
    'expertParallel',
    'contextParallel',
    'virtualStages',
    'microBatchSize',
  ];
  for (const field of positive) {
    const value = layout[field] as number;
    if (!Number.isInteger(value) || value < 1) add(field, `must be a whole number ≥ 1, got ${value}`);
  }
  if (issues.length > 0) return issues;
  if (!hasAttentionLayers(spec)) {
    if (!tensorParallelSplits(spec, layout.tensorParallel))
      add('tensorParallel', tensorParallelRequirement(spec, layout.tensorParallel));
  } else if (!splitsQueryHeads(spec, layout.tensorParallel)) {
    // Every attention layer's query heads (OpenELM's per-layer counts).
    add(
      'tensorParallel',
      `tensor parallelism ${layout.tensorParallel} must divide the ${queryHeadCounts(spec).join(' and ')} attention heads`,
    );
  } else if (!splitsKvHeads(spec, layout.tensorParallel)) {
    // Every attention layer's KV heads (Nemotron-NAS per-layer counts, Gemma 4 global layers).
    add(
      'tensorParallel',
      `tensor parallelism ${layout.tensorParallel} must divide, or be a multiple of, the ${kvHeadCounts(spec).join(' and ')} KV heads`,
    );
  } else if (!splitsHybridMamba2(spec, layout.tensorParallel, serving)) {
    // A hybrid's Mamba-2 heads and groups (training: Megatron-Core shards every group; vLLM replicates one).
    add('tensorParallel', tensorParallelRequirement(spec, layout.tensorParallel, serving));
  }
  const stages = layout.pipelineParallel * layout.virtualStages;
  if (stages > maxPipelineChunks(spec)) {
    add(
      'pipelineParallel',
      `${stages} pipeline stages (pp × vpp) exceed the ${spec.numLayers} layers and the ${MAX_PIPELINE_EXTRA_CHUNKS} chunks the embedding and the output head may take alone`,
    );
  }
  if (layout.virtualStages > 1 && layout.pipelineParallel === 1) {
    // Megatron-Core refuses a virtual pipeline size without pipeline parallelism (arguments.py).
    add(
      'virtualStages',
      `virtual stages need pipeline parallelism > 1, got pp 1 with vpp ${layout.virtualStages}`,
      VPP_NEEDS_PP,
    );
  }
  if (layout.schedule === 'dualpipe' && layout.pipelineParallel % 2 !== 0) {
    // DualPipe feeds micro-batches from both ends of the pipeline: DeepSeek-V3 (arXiv:2412.19437) Sec. 3.2.1.
    add(
      'schedule',
      `DualPipe needs an even pipeline parallelism ≥ 2 (micro-batches enter from both ends), got pp ${layout.pipelineParallel}`,
      DUALPIPE_NEEDS_EVEN_PP,
    );
  }
  // (With virtual stages at pp 1, VPP_NEEDS_PP above says it once.)
  if (layout.schedule === 'interleaved' && layout.pipelineParallel === 1 && layout.virtualStages === 1) {
    // The rule virtual stages follow (VPP_NEEDS_PP): an unfixed pp is the search's to pick.
    add(
      'schedule',
      'the interleaved schedule needs pipeline parallelism > 1 with virtual stages, got pp 1',
      VPP_NEEDS_PP,
    );
  }
  if (layout.virtualStages > 1 && layout.schedule !== 'interleaved') {
    add('virtualStages', `virtual stages need the interleaved schedule, got '${layout.schedule}'`);
  }
  if (layout.expertParallel > 1) {
    if (!spec.moe)
      add('expertParallel', `expert parallelism needs a mixture-of-experts model; ${spec.name} is dense`);
    else if (spec.moe.numExperts % layout.expertParallel !== 0) {
      add(
        'expertParallel',
        `expert parallelism ${layout.expertParallel} must divide the ${spec.moe.numExperts} experts`,
      );
    }
    const etp = expertTensorParallelOf(layout);
    const folded = layout.tensorParallel * layout.dataParallel * layout.contextParallel;
    // A dense model has no experts to place: the one issue above says so.
    if (spec.moe && folded % (layout.expertParallel * etp) !== 0) {
      add(
        'expertParallel',
        etp === layout.tensorParallel
          ? `expert parallelism ${layout.expertParallel} must divide dp × cp = ${layout.dataParallel * layout.contextParallel} (experts are split across data-parallel ranks${layout.tensorParallel > 1 ? '; expert tensor parallelism 1 lets EP span the TP ranks too' : ''})`
          : `expert parallelism ${layout.expertParallel} × expert tensor parallelism ${etp} must divide tp × dp × cp = ${folded}`,
        EP_DIVIDES_DP_CP,
      );
    }
  }
  if (layout.expertTensorParallel !== undefined) {
    const etp = layout.expertTensorParallel;
    if (!spec.moe)
      add(
        'expertTensorParallel',
        `expert tensor parallelism needs a mixture-of-experts model; ${spec.name} is dense`,
      );
    else if (!Number.isInteger(etp) || (etp !== 1 && etp !== layout.tensorParallel))
      add(
        'expertTensorParallel',
        `expert tensor parallelism must be 1 or the tensor parallelism ${layout.tensorParallel}, got ${etp}`,
        ETP_IS_1_OR_TP,
      );
  }
  if (seqLen % (2 * layout.contextParallel) !== 0 && layout.contextParallel > 1) {
    add(
      'contextParallel',
      `context parallelism ${layout.contextParallel} needs a sequence length divisible by ${2 * layout.contextParallel} (load-balanced causal split), got ${seqLen}`,
    );
  }
  if (layout.sequenceParallel && layout.tensorParallel === 1) {
    add('sequenceParallel', 'sequence parallelism needs tensor parallelism > 1');
  }
  if (layout.zeroStage === 3 && layout.pipelineParallel > 1) {
    add(
      'zeroStage',
      'ZeRO-3/FSDP with pipeline parallelism is not supported by Megatron-LM or DeepSpeed; use ZeRO-1 with pp > 1',
      ZERO3_WITH_PIPELINE,
    );
  }
  return issues;
}
