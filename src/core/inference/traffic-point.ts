/**
 * A deployment's latency at the traffic it is planned for, not at its capacity: a plan is sized at its
 * highest-throughput point within the SLO, but a replica receiving fewer requests runs fewer sequences,
 * so its steps are shorter and its TTFT and TPOT lower. Requests arrive at random (Poisson, as
 * `vllm bench serve --request-rate` and `--simulate` send them): how many run at once varies, and each
 * prompt's prefill lands in the steps whole rather than spread evenly as at the capacity point
 * (serving.ts), so the running sequences stall for it and it queues for the prompts ahead of it.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { objectMemo } from '../memo.js';
import type { ModelSpec } from '../model/spec.js';
import type { DeploymentPlan } from './deployment.js';
import { maxConcurrency, promptPath, type ServingReplica, type ServingWorkload } from './serving.js';
import { steadyStep } from './steady-step.js';

export interface TrafficPoint {
  /** Requests a second each decode (or combined) replica receives. */
  readonly requestsPerSecondPerReplica: number;
  /** Sequences running in a replica on average, m = λ·T (fractional; below 1 when it is mostly idle). */
  readonly meanConcurrency: number;
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
  /** Share of the replica's time its prompts' prefill takes from decoding, ρ = λ·S. */
  readonly prefillLoad: number;
}

/**
 * A replica's step with k running (itself and k − 1 others): decode seconds per token; a new prompt's
 * admission (the admitting step, after the step in progress: (k − 1)/k of half a step); its prefill work.
 */
interface Step {
  readonly decode: number;
  readonly admit: number;
  readonly work: number;
  /** Seconds of the engine's steps a prompt fills to its token budget (0 without a budget). */
  readonly fill: number;
}

/**
 * The plan's replicas at its planned traffic ({@link replicaAtRate}); null when planned for full use
 * (utilisation 1: the plan's own point is the one). A plan for a traffic carries it (deployment.ts
 * planAtPoint adds the replicas it takes).
 */
export function trafficPoint(
  spec: ModelSpec,
  plan: DeploymentPlan,
  workload: ServingWorkload,
): TrafficPoint | null {
  if (!(plan.utilization < 1 - 1e-9)) return null;
  const { cluster, replica } = plan.candidate;
  return replicaAtRate(
    spec,
    cluster,
    replica,
    { ...workload, disaggregated: plan.disaggregated },
    plan.requestsPerSecond / plan.replicas,
    plan.disaggregated ? { prefillTtftSeconds: plan.point.ttftSeconds } : {},
  );
}

/**
 * A replica receiving `lambda` requests a second at random (Poisson). With m running on average, a
 * request sees 1 + j running, j the others, Poisson with mean m (the M/G/∞ occupancy, Poisson with
 * mean λ·E[T] whatever the service time: Palm 1943; a replica below its capacity admits every
 * arrival). Each prompt adds S seconds of prefill to steps that decode anyway (serving.ts promptPath),
 * a share ρ = λ·S of the time: a request decodes at TPOT = E[decode step] / (1 − ρ), and its prompt
 * waits for the step in progress and for the prompts ahead, ρ·S / (2(1 − ρ)) (M/D/1, the
 * Pollaczek–Khinchine mean wait: Kleinrock 1975, Queueing Systems I, Ch. 5). m solves Little's law,
 * m = λ·T(m) (Little 1961), T the TTFT plus the rest of the output. Disaggregated (`w.disaggregated`),
 * a decode replica holds a sequence from its first token and the TTFT is the prefill replica's,
 * `prefillTtftSeconds` (DistServe Sec. 3). An engine's token budget caps the prompt tokens a step
 * takes: the steps filled with prompts, λ·(P / budget)·(a chunk's step), must stay under all the time.
 * Null when no m up to the most the replica holds carries λ, or either load reaches 1.
 */
export function replicaAtRate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  w: ServingWorkload,
  lambda: number,
  options: { readonly prefillTtftSeconds?: number } = {},
): TrafficPoint | null {
  const { most, grid, steps } = stepGrid(spec, cluster, replica, w);
  const at = (m: number) => {
    const { work, decode, admit, fill } = poissonMeans(m, most, grid, steps);
    const load = lambda * work;
    // Past either, the prompts queue without end: the prefill work, or the budget-full steps they need.
    if (!(load < 1) || !(lambda * fill < 1)) return null;
    const tpot = decode / (1 - load);
    const ttft = options.prefillTtftSeconds ?? admit + (load * work) / (2 * (1 - load));
    const seconds = w.disaggregated ? w.outputTokens * tpot : ttft + (w.outputTokens - 1) * tpot;
    return { ttft, tpot, load, seconds };
  };
  const carried = (m: number) => {
    const p = at(m);
    return p !== null && lambda * p.seconds <= m;
  };
  if (!carried(most)) return null;
  // The least m that carries λ (λ·T(m) ≤ m): bisection to a thousandth of a sequence.
  let lo = 0;
  let hi = most;
  while (hi - lo > 1e-3 * Math.max(1, lo)) {
    const mid = (lo + hi) / 2;
    if (carried(mid)) hi = mid;
    else lo = mid;
  }
  const p = at(hi)!;
  return {
    requestsPerSecondPerReplica: lambda,
    meanConcurrency: lambda * p.seconds,
    ttftSeconds: p.ttft,
    tpotSeconds: p.tpot,
    prefillLoad: p.load,
  };
}

/**
 * A replica's steps on a grid of k running (every k to 16, then 10% apart, to the most it holds),
 * linear between: the same for every rate, so computed once per replica and workload.
 */
function stepGrid(spec: ModelSpec, cluster: ClusterSpec, replica: ServingReplica, w: ServingWorkload) {
  const key = JSON.stringify([
    w.inputTokens,
    w.outputTokens,
    w.cacheHitRate ?? 0,
    w.disaggregated === true,
    w.speculative ?? null,
  ]);
  return grids(spec, cluster, replica, key, () => {
    const most = Math.max(1, maxConcurrency(spec, cluster, replica, w));
    const grid: number[] = [];
    for (let k = 1; k <= most; k = k < 16 ? k + 1 : Math.ceil(k * 1.1)) grid.push(k);
    if (grid.at(-1) !== most) grid.push(most);
    const steps = grid.map((k): Step => {
      const s = steadyStep(spec, cluster, replica, w, k);
      const { admitStep, promptWork } = promptPath(spec, cluster, replica, w, s);
      // An engine prefills at most its token budget a step: a prompt of P tokens fills P / budget of the
      // steps that carry its chunks, each of admitStep / chunks seconds.
      const budget = replica.profile?.maxBatchedTokens;
      const chunks = budget ? Math.max(1, Math.ceil(s.promptTokens / budget)) : 1;
      return {
        decode: s.wall(s.decodeKernels) / s.perStep,
        admit: admitStep + ((k - 1) / k) * (s.step / 2),
        work: promptWork,
        fill: budget && !w.disaggregated ? (s.promptTokens / budget) * (admitStep / chunks) : 0,
      };
    });
    return { most, grid, steps };
  });
}
const grids = objectMemo<
  ModelSpec,
  ClusterSpec,
  ServingReplica,
  { readonly most: number; readonly grid: readonly number[]; readonly steps: readonly Step[] }
>();

/**
 * E[step(1 + j)] for j Poisson with mean m, each field linear between the grid's k (capped at `most`):
 * the terms from the mode outward until they vanish (below 1e-12), in one pass.
 */
function poissonMeans(m: number, most: number, grid: readonly number[], steps: readonly Step[]): Step {
  const sum = { work: 0, decode: 0, admit: 0, fill: 0 };
  let weight = 0;
  const add = (j: number, p: number) => {
    const x = Math.min(1 + j, most);
    // The grid cell holding x (binary search), then linear within it.
    let lo = 0;
    let hi = grid.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (grid[mid]! <= x) lo = mid;
      else hi = mid;
    }
    const [k0, k1] = [grid[lo]!, grid[hi]!];
    const t = k1 === k0 ? 0 : Math.min(1, Math.max(0, (x - k0) / (k1 - k0)));
    const [a, b] = [steps[lo]!, steps[hi]!];
    sum.work += p * (a.work + t * (b.work - a.work));
    sum.decode += p * (a.decode + t * (b.decode - a.decode));
    sum.admit += p * (a.admit + t * (b.admit - a.admit));
    sum.fill += p * (a.fill + t * (b.fill - a.fill));
    weight += p;
  };
  if (!(m > 0)) {
    add(0, 1);
    return sum;
  }
  const mode = Math.floor(m);
  // ln P(mode) = mode·ln m − m − ln(mode!), by Stirling's series past 20 terms.
  let logMode = -m;
  if (mode <= 20) for (let j = 1; j <= mode; j += 1) logMode += Math.log(m / j);
  else
    logMode =
      mode * Math.log(m) -
      m -
      (mode * Math.log(mode) - mode + 0.5 * Math.log(2 * Math.PI * mode) + 1 / (12 * mode));
  let p = Math.exp(logMode);
  for (let j = mode; p > 1e-12; j += 1) {
    add(j, p);
    p *= m / (j + 1);
  }
  p = Math.exp(logMode);
  for (let j = mode - 1; j >= 0; j -= 1) {
    p *= (j + 1) / m;
    if (p < 1e-12) break;
    add(j, p);
  }
  return {
    work: sum.work / weight,
    decode: sum.decode / weight,
    admit: sum.admit / weight,
    fill: sum.fill / weight,
  };
}
