/**
 * The likely fit: where a plan's chosen layout fits at the estimate but even its memory band's P10 exceeds
 * the GPU (it would most likely run out of memory), the fastest layout that fits at the band's P90.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import type { ParallelLayout } from '../parallelism/layout.js';
import { type EvaluatedLayout, type SearchOptions, searchLayouts } from './layout-search.js';

type Multipliers = NonNullable<SearchOptions['memoryFit']>;

/** A band multiplier for a layout's regime: with or without pipeline parallelism. */
export const regimeMultiplier = (m: Multipliers, l: Pick<ParallelLayout, 'pipelineParallel'>): number =>
  l.pipelineParallel > 1 ? m.pipeline : m.single;

/** The band's multipliers per regime: `check` (P10) on the chosen layout, `searchAt` (P90) for the search. */
export interface LikelyFitLevels {
  readonly check: Multipliers;
  readonly searchAt: Multipliers;
}

export interface LikelyFit {
  /** The multipliers it was searched at (P90, never below the estimate). */
  readonly memoryFit: Multipliers;
  /** Null: no layout fits there. */
  readonly best: EvaluatedLayout | null;
  /** The search kept the run's fixed flags. */
  readonly fixedFlags: boolean;
}

/** Null where the chosen layout's P10 fits; else the search at the P90 with the plan's own options. */
export function likelyFitOf(
  spec: ModelSpec,
  cluster: ClusterSpec,
  search: SearchOptions,
  chosen: EvaluatedLayout,
  levels: LikelyFitLevels,
  fixedFlags: boolean,
): LikelyFit | null {
  if (chosen.memoryPerGpuBytes * regimeMultiplier(levels.check, chosen.layout) <= cluster.gpu.memoryBytes)
    return null;
  const at = { ...search, memoryFit: levels.searchAt, top: 1, pareto: false };
  return { memoryFit: levels.searchAt, best: searchLayouts(spec, cluster, at).best, fixedFlags };
}
