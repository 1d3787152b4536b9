/**
 * A training state's layout search, kept for the states a study comes back to: a lever that changes
 * only the price (spot, a GPU-hour price), a lever repeated, and each lever's delta alone on the
 * baseline all reuse it. The search never reads the price or the token count: the run's cost is
 * recomputed from the kept plan's step (core/training/run-cost.ts). Plans are kept per spec object
 * (core/model/spec-memo.ts), so they go when the study's specs do (the web app builds one per task).
 */
import type { ClusterSpec } from '../core/hardware/cluster-spec.js';
import type { ModelSpec } from '../core/model/spec.js';
import { perSpecMemo } from '../core/model/spec-memo.js';
import { planTraining, type TrainingPlan, type TrainingPlanOptions } from '../core/training/plan.js';
import { trainingRunCost } from '../core/training/run-cost.js';

const kept = perSpecMemo<string, TrainingPlan>();

/** {@link planTraining}, its search kept by everything but the cost. */
export function keptTrainingPlan(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: TrainingPlanOptions,
): TrainingPlan {
  const { cost, ...search } = options;
  const plan = kept(spec, JSON.stringify([cluster, search]), () => planTraining(spec, cluster, search));
  return cost ? { ...plan, run: trainingRunCost(plan.chosen.step, { ...cost, gpus: options.gpus }) } : plan;
}
