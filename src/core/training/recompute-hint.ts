/**
 * Whether recomputing only the first N layers of each pipeline chunk (block recomputation,
 * `--recompute-num-layers`; layout.ts recomputedLayerShare) would fit the chosen layout and beat the
 * full recomputation it runs: never applied to the plan, said as a hint with the step it would take.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import { type EvaluatedLayout, type SearchOptions, searchLayouts } from './layout-search.js';
import { HINT_MEMORY_MARGIN, HINT_MIN_STEP_RATIO } from './offload-hint.js';

export interface BlockRecomputeHint {
  /** Layers recomputed per pipeline chunk (`--recompute-num-layers`). */
  readonly layers: number;
  /** Layers a chunk holds. */
  readonly chunkLayers: number;
  /** The chosen layout with only those layers recomputed. */
  readonly best: EvaluatedLayout;
}

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
 * The fewest layers per chunk whose block recomputation fits the chosen layout with a 10% margin (fewer
 * recomputed layers step faster and hold more: block-recompute.test.ts), when that beats the chosen
 * step by 2% or more: only where the chosen layout recomputes every layer, the stack runs the block
 * method and no layer count was given.
 */
export function blockRecomputeHint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  chosen: EvaluatedLayout,
): BlockRecomputeHint | null {
  const l = chosen.layout;
  const given = options.recomputeLayers !== undefined || options.recomputeEvery !== undefined;
  if (l.recompute !== 'full' || given || !options.stack?.recomputesBlocks) return null;
  const chunks = l.pipelineParallel * (l.pipelineParallel > 1 ? l.virtualStages : 1);
  const chunkLayers = Math.ceil(spec.numLayers / chunks);
  const tried = new Map<number, EvaluatedLayout | null>();
  const search = (layers: number) =>
    searchLayouts(spec, cluster, {
      ...options,
      constraints: fixedLayout(l),
      recomputeLayers: layers,
      top: 1,
      pareto: false,
      memoryFit: {
        single: Math.max(HINT_MEMORY_MARGIN, options.memoryFit?.single ?? 1),
        pipeline: Math.max(HINT_MEMORY_MARGIN, options.memoryFit?.pipeline ?? 1),
      },
    }).best;
  const at = (layers: number) => {
    if (!tried.has(layers)) tried.set(layers, search(layers));
    return tried.get(layers)!;
  };
  // Bisect for the fewest layers that fit: memory never rises as more layers recompute.
  let lo = 1;
  let hi = chunkLayers - 1;
  if (hi < 1 || !at(hi)) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid)) hi = mid;
    else lo = mid + 1;
  }
  const best = at(lo)!;
  return best.step.stepSeconds < chosen.step.stepSeconds * HINT_MIN_STEP_RATIO
    ? { layers: lo, chunkLayers, best }
    : null;
}
