/**
 * A training state's layout search, kept for the states a study comes back to: a lever that changes
 * only the price (spot, a GPU-hour price), a lever repeated, and each lever's delta alone on the
 * baseline all reuse it. The search never reads the price or the token count: the run's cost is
 * recomputed from the kept plan's step (core/training/run-cost.ts).
 */
import type { ClusterSpec } from '../core/hardware/cluster-spec.js';
import type { ModelSpec } from '../core/model/spec.js';
import { planTraining, type TrainingPlan, type TrainingPlanOptions } from '../core/training/plan.js';
import { trainingRunCost } from '../core/training/run-cost.js';

/**
 * Searches kept at most: a study evaluates each lever in sequence and alone on the baseline, so the
 * baseline's and the latest states' searches are the ones it comes back to.
 */
const KEEP = 32;
const kept = new Map<string, TrainingPlan>();
const specIds = new WeakMap<ModelSpec, number>();
let specCount = 0;

/** A spec's identity: levers that change the model build a new spec, the others keep the object. */
function specId(spec: ModelSpec): number {
  let id = specIds.get(spec);
  if (id === undefined) {
    id = ++specCount;
    specIds.set(spec, id);
  }
  return id;
}

/** {@link planTraining}, its search kept by everything but the cost. */
export function keptTrainingPlan(
  spec: ModelSpec,
  cluster: ClusterSpec,
  options: TrainingPlanOptions,
): TrainingPlan {
  const { cost, ...search } = options;
  const key = JSON.stringify([specId(spec), cluster, search]);
  let plan = kept.get(key);
  if (plan === undefined) {
    plan = planTraining(spec, cluster, search);
    if (kept.size >= KEEP) kept.delete(kept.keys().next().value!);
    kept.set(key, plan);
  }
  return cost ? { ...plan, run: trainingRunCost(plan.chosen.step, { ...cost, gpus: options.gpus }) } : plan;
}
