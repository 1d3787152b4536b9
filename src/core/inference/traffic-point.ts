/**
 * A deployment's latency at the traffic it is planned for, not at its capacity: a plan is sized at its
 * highest-throughput point within the SLO, but a replica receiving fewer requests runs fewer sequences,
 * so its steps are shorter and its TTFT and TPOT lower. Requests arrive at random (Poisson, as
 * `vllm bench serve --request-rate` and `--simulate` send them): how many run at once varies, and each
 * prompt's prefill lands in the steps whole rather than spread evenly as at the capacity point
 * (serving.ts), so the running sequences stall for it and it queues for the prompts ahead of it.
 */

import type { ClusterSpec } from '../hardware/cluster-spec.js';
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

/** A replica's step with k running (itself and k − 1 others): decode seconds per token, admission, prefill work, step. */
interface Step {
  readonly decode: number;
  readonly admit: number;
  readonly work: number;
  readonly step: number;
}

/**
 * The plan's replicas at its planned traffic ({@link replicaAtRate}); null when planned for full use
 * (utilisation 1: the plan's own point is the one). Where no mean up to the plan's concurrency carries
 * the traffic (the prefill load near 1), the capacity point stands.
 */
export function trafficPoint(
  spec: ModelSpec,
  plan: DeploymentPlan,
  workload: ServingWorkload,
): TrafficPoint | null {
  if (!(plan.utilization < 1 - 1e-9)) return null;
  const lambda = plan.requestsPerSecond / plan.replicas;
  const { cluster, replica } = plan.candidate;
  const w = { ...workload, disaggregated: plan.disaggregated };
  return (
    replicaAtRate(spec, cluster, replica, w, lambda, {
      most: plan.point.concurrency,
      ...(plan.disaggregated && { prefillTtftSeconds: plan.point.ttftSeconds }),
    }) ?? {
      requestsPerSecondPerReplica: lambda,
      meanConcurrency: plan.point.concurrency,
      ttftSeconds: plan.point.ttftSeconds,
      tpotSeconds: plan.point.tpotSeconds,
      prefillLoad: Math.min(1, plan.point.prefillShare),
    }
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
 * `prefillTtftSeconds` (DistServe Sec. 3). Null when no m up to `most` running (default: all the
 * replica holds) carries λ.
 */
export function replicaAtRate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  w: ServingWorkload,
  lambda: number,
  options: { readonly most?: number; readonly prefillTtftSeconds?: number } = {},
): TrafficPoint | null {
  const most = Math.max(1, maxConcurrency(spec, cluster, replica, w));
  const top = Math.max(1, Math.min(options.most ?? most, most));
  // Steps on a grid of k (every k to 16, then 10% apart, to the most the replica holds), linear between.
  const grid: number[] = [];
  for (let k = 1; k <= most; k = k < 16 ? k + 1 : Math.ceil(k * 1.1)) grid.push(k);
  if (grid.at(-1) !== most) grid.push(most);
  const steps = grid.map((k): Step => {
    const s = steadyStep(spec, cluster, replica, w, k);
    const { admitStep, promptWork } = promptPath(spec, cluster, replica, w, s);
    return { decode: s.wall(s.decodeKernels) / s.perStep, admit: admitStep, work: promptWork, step: s.step };
  });
  const stepAt = (k: number, pick: (s: Step) => number): number => {
    const x = Math.min(k, most);
    let i = 0;
    while (i < grid.length - 2 && grid[i + 1]! < x) i += 1;
    const [k0, k1] = [grid[i]!, grid[Math.min(i + 1, grid.length - 1)]!];
    const [v0, v1] = [pick(steps[i]!), pick(steps[Math.min(i + 1, steps.length - 1)]!)];
    return k1 === k0 ? v0 : v0 + ((x - k0) / (k1 - k0)) * (v1 - v0);
  };
  const at = (m: number) => {
    const mean = (pick: (s: Step) => number) => poissonMean(m, (j) => stepAt(1 + j, pick));
    const work = mean((s) => s.work);
    const load = lambda * work;
    if (!(load < 1)) return null;
    const tpot = mean((s) => s.decode) / (1 - load);
    const ttft =
      options.prefillTtftSeconds ??
      poissonMean(
        m,
        (j) => stepAt(1 + j, (s) => s.admit) + (j / (1 + j)) * (stepAt(1 + j, (s) => s.step) / 2),
      ) +
        (load * work) / (2 * (1 - load));
    const seconds = w.disaggregated ? w.outputTokens * tpot : ttft + (w.outputTokens - 1) * tpot;
    return { ttft, tpot, load, seconds };
  };
  const carried = (m: number) => {
    const p = at(m);
    return p !== null && lambda * p.seconds <= m;
  };
  if (!carried(top)) return null;
  // The least m that carries λ (λ·T(m) ≤ m): bisection to a thousandth of a sequence.
  let lo = 0;
  let hi = top;
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

/** E[f(j)] for j Poisson with mean m: the terms from the mode outward until they vanish (below 1e-12). */
function poissonMean(m: number, f: (j: number) => number): number {
  if (!(m > 0)) return f(0);
  const mode = Math.floor(m);
  // ln P(mode) = mode·ln m − m − ln(mode!), by Stirling's series past 20 terms.
  let logMode = -m;
  if (mode <= 20) for (let j = 1; j <= mode; j += 1) logMode += Math.log(m / j);
  else
    logMode =
      mode * Math.log(m) -
      m -
      (mode * Math.log(mode) - mode + 0.5 * Math.log(2 * Math.PI * mode) + 1 / (12 * mode));
  let total = 0;
  let weight = 0;
  let p = Math.exp(logMode);
  for (let j = mode; p > 1e-12; j += 1) {
    total += p * f(j);
    weight += p;
    p *= m / (j + 1);
  }
  p = Math.exp(logMode);
  for (let j = mode - 1; j >= 0; j -= 1) {
    p *= (j + 1) / m;
    if (p < 1e-12) break;
    total += p * f(j);
    weight += p;
  }
  return total / weight;
}
