/**
 * Whether recomputing only some layers (partial recomputation, layout.ts PartialRecompute: Megatron-Core's
 * block method, `--recompute-num-layers`, or torchtitan's layer-wise checkpointing, `--recompute-every`)
 * would fit the chosen layout and beat the full recomputation it runs: never applied to the plan, said as
 * a hint with the step it would take.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import { type EvaluatedLayout, type SearchOptions, searchLayouts } from './layout-search.js';
import { HINT_MIN_STEP_RATIO, hintFit } from './offload-hint.js';
import { partialRecomputeKind, partialRecomputeSpan } from './partial-recompute-choice.js';

/** The hinted partial recomputation, with the chosen layout timed under it. */
export type RecomputeHint =
  /** `--recompute-num-layers layers`: the first `layers` of each chunk's `chunkLayers`. */
  | {
      readonly kind: 'block';
      readonly layers: number;
      readonly chunkLayers: number;
      readonly best: EvaluatedLayout;
    }
  /** `--recompute-every every`: every `every`-th of a stage's (at most) `stageLayers`. */
  | {
      readonly kind: 'every';
      readonly every: number;
      readonly stageLayers: number;
      readonly best: EvaluatedLayout;
    };

/** Every dimension of a layout, as constraints: the search times that one layout. */
const fixedLayout = (l: ParallelLayout) => ({
  tensorParallel: l.tensorParallel,
  pipelineParallel: l.pipelineParallel,
  dataParallel: l.dataParallel,
  expertParallel: l.expertParallel,
  ...(l.expertTensorParallel !== undefined && { expertTensorParallel: l.expertTensorParallel }),
  contextParallel: l.contextParallel,
  virtualStages: l.virtualStages,
  microBatchSize: l.microBatchSize,
  recompute: l.recompute,
  sequenceParallel: l.sequenceParallel,
  zeroStage: l.zeroStage,
  schedule: l.schedule,
});

/**
 * The partial recomputation that fits the chosen layout with a 10% margin and steps fastest
 * (partial-recompute-choice.ts), when that beats the chosen step by 2% or more: only where the chosen
 * layout recomputes every layer, the stack runs a partial method and none was given (the search tries one
 * itself unless `--recompute` is fixed: planTraining).
 */
export function recomputeHint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  chosen: EvaluatedLayout,
): RecomputeHint | null {
  const l = chosen.layout;
  const given = l.recomputeLayers !== undefined || l.recomputeEvery !== undefined;
  const kind = partialRecomputeKind(options.stack);
  if (l.recompute !== 'full' || given || kind === null) return null;
  const { best } = searchLayouts(spec, cluster, {
    ...options,
    constraints: fixedLayout(l),
    partialRecomputeFit: hintFit(options.memoryFit),
    top: 1,
    pareto: false,
  });
  const n = kind === 'block' ? best?.layout.recomputeLayers : best?.layout.recomputeEvery;
  if (!best || n === undefined || best.step.stepSeconds >= chosen.step.stepSeconds * HINT_MIN_STEP_RATIO)
    return null;
  const span = partialRecomputeSpan(kind, spec.numLayers, l);
  return kind === 'block'
    ? { kind, layers: n, chunkLayers: span, best }
    : { kind, every: n, stageLayers: span, best };
}
