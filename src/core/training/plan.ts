/**
 * A training plan: search the layouts (or evaluate the fixed one), then cost the run.
 * The one entry point the CLI, the web app and the validation share.
 */
import { InputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import type { ModelSpec } from '../model/spec.js';
import { DEFAULT_LAYOUT, EP_DIVIDES_DP_CP, globalBatchIssue, layoutIssues } from '../parallelism/layout.js';
import { GIB } from '../units.js';
import {
  type EvaluatedLayout,
  type LayoutConstraints,
  type SearchResult,
  searchLayouts,
} from './layout-search.js';
import { type RunCost, type RunCostOptions, trainingRunCost } from './run-cost.js';
import type { TrainingOptions } from './step-time.js';

export interface TrainingPlanOptions extends TrainingOptions {
  readonly gpus: number;
  readonly constraints: LayoutConstraints;
  readonly top?: number;
  readonly pareto?: boolean;
  /** Omit for one step only. */
  readonly cost?: Omit<RunCostOptions, 'gpus'>;
}

export interface TrainingPlan {
  readonly search: SearchResult;
  readonly chosen: EvaluatedLayout;
  readonly run: RunCost | null;
}

/** Thrown (as data) when no layout fits: the memory of the closest misses and fitting alternatives. */
export class LayoutDoesNotFitError extends InputError {
  readonly nearestInfeasible: readonly EvaluatedLayout[];
  readonly fittingAlternatives: readonly EvaluatedLayout[];
  constructor(
    message: string,
    nearestInfeasible: readonly EvaluatedLayout[],
    fittingAlternatives: readonly EvaluatedLayout[],
  ) {
    super({ code: 'infeasible', path: ['layout'], message });
    this.name = 'LayoutDoesNotFitError';
    this.nearestInfeasible = nearestInfeasible;
    this.fittingAlternatives = fittingAlternatives;
  }
}

export function planTraining(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: TrainingPlanOptions,
): TrainingPlan {
  if (!Number.isInteger(options.gpus) || options.gpus < 1) {
    throw new InputError({
      code: 'invalid_value',
      path: ['gpus'],
      message: `must be a whole number ≥ 1, got ${options.gpus}`,
    });
  }
  const c = options.constraints;
  const product =
    (c.tensorParallel ?? 1) * (c.pipelineParallel ?? 1) * (c.dataParallel ?? 1) * (c.contextParallel ?? 1);
  const fullyGiven = c.tensorParallel && c.pipelineParallel && c.dataParallel && c.contextParallel;
  if (fullyGiven ? product !== options.gpus : options.gpus % product !== 0) {
    throw new InputError({
      code: 'infeasible',
      path: ['gpus'],
      message: `${options.gpus} GPUs cannot be split as the fixed tp × pp × dp × cp = ${product}`,
    });
  }
  // Check the dimensions the user fixed; "EP divides dp × cp" only once DP is fixed too.
  const issues = layoutIssues(spec, { ...DEFAULT_LAYOUT, ...definedOnly(c) }, options.seqLen).filter(
    (issue) => c.dataParallel !== undefined || issue.rule !== EP_DIVIDES_DP_CP,
  );
  const batchIssue =
    c.dataParallel === undefined
      ? null
      : globalBatchIssue(options.globalBatchSize, {
          dataParallel: c.dataParallel,
          microBatchSize: c.microBatchSize ?? 1,
        });
  if (batchIssue) issues.push(batchIssue);
  if (issues.length > 0) throw new InputError(issues);
  const search = searchLayouts(spec, cluster, {
    ...options,
    top: options.top,
    pareto: options.pareto,
    maxTensorParallel: options.constraints.tensorParallel,
  });
  if (!search.best) {
    const alternatives = searchLayouts(spec, cluster, { ...options, constraints: {}, top: 3 });
    const closest = search.nearestInfeasible[0];
    const detail = closest
      ? `the closest layout needs ${(closest.memoryPerGpuBytes / GIB).toFixed(1)} GiB per GPU of ${(cluster.gpu.memoryBytes / GIB).toFixed(1)} GiB`
      : `no layout of ${options.gpus} GPUs satisfies the fixed flags`;
    const suggestion =
      alternatives.best && Object.keys(definedOnly(options.constraints)).length > 0
        ? '; layouts that fit are listed below (drop the fixed flags to search them)'
        : '; use more GPUs, a GPU with more memory, recomputation, or ZeRO';
    throw new LayoutDoesNotFitError(
      `no layout fits in memory: ${detail}${suggestion}`,
      search.nearestInfeasible,
      alternatives.top,
    );
  }
  const chosen = search.best;
  const run = options.cost ? trainingRunCost(chosen.step, { ...options.cost, gpus: options.gpus }) : null;
  return { search, chosen, run };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
