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
 * The partial recomputation that fits the chosen layout with a 10% margin and recomputes the fewest
 * layers (fewer recomputed layers step faster and hold more: block-recompute.test.ts), when that beats
 * the chosen step by 2% or more: only where the chosen layout recomputes every layer, the stack runs a
 * partial method and none was given. Megatron-Core: the fewest layers per chunk (bisected from 1 to the
 * chunk's layers − 1); torchtitan: the largest K from 2 to a stage's layers, then the smallest K that
 * steps as fast (it holds less).
 */
export function recomputeHint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: SearchOptions,
  chosen: EvaluatedLayout,
): RecomputeHint | null {
  const l = chosen.layout;
  const given = options.recomputeLayers !== undefined || options.recomputeEvery !== undefined;
  const block = options.stack?.recomputesBlocks === true;
  if (l.recompute !== 'full' || given || !(block || options.stack?.recomputesEveryNth)) return null;
  const chunks = l.pipelineParallel * (l.pipelineParallel > 1 ? l.virtualStages : 1);
  const tried = new Map<number, EvaluatedLayout | null>();
  const at = (n: number) => {
    if (!tried.has(n))
      tried.set(
        n,
        searchLayouts(spec, cluster, {
          ...options,
          constraints: fixedLayout(l),
          ...(block ? { recomputeLayers: n } : { recomputeEvery: n }),
          top: 1,
          pareto: false,
          memoryFit: hintFit(options.memoryFit),
        }).best,
      );
    return tried.get(n)!;
  };
  const faster = (best: EvaluatedLayout) =>
    best.step.stepSeconds < chosen.step.stepSeconds * HINT_MIN_STEP_RATIO;
  if (block) {
    // The fewest layers per chunk that fit: memory never rises as more layers recompute.
    const chunkLayers = Math.ceil(spec.numLayers / chunks);
    let lo = 1;
    let hi = chunkLayers - 1;
    if (hi < 1 || !at(hi)) return null;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (at(mid)) hi = mid;
      else lo = mid + 1;
    }
    const best = at(lo)!;
    return faster(best) ? { kind: 'block', layers: lo, chunkLayers, best } : null;
  }
  // The largest K that fits (⌊l / K⌋ layers recomputed): memory never falls as K grows.
  const stageLayers = Math.ceil(spec.numLayers / l.pipelineParallel);
  let lo = 2;
  let hi = stageLayers;
  if (hi < lo || !at(lo)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (at(mid)) lo = mid;
    else hi = mid - 1;
  }
  // A smaller K that recomputes as many layers on the slowest stage steps as fast and holds less: take it.
  const step = at(lo)!.step.stepSeconds;
  while (lo > 2 && at(lo - 1)!.step.stepSeconds <= step) lo -= 1;
  const best = at(lo)!;
  return faster(best) ? { kind: 'every', every: lo, stageLayers, best } : null;
}
