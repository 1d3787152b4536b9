/**
 * A deployment's latency at the traffic it is planned for, not at its capacity: a replica receiving fewer
 * requests than its highest-throughput point within the SLO runs fewer sequences, so its steps are
 * shorter and its TTFT and TPOT lower. Requests arrive at random (Poisson, as `vllm bench serve
 * --request-rate` and `--simulate` send them): how many run at once varies, and each prompt's prefill
 * lands in the steps whole rather than spread evenly as at the capacity point (serving.ts), so the
 * running sequences stall for it and it queues for the prompts ahead of it. Plans for a traffic are held
 * to the SLO here (deployment.ts planAtPoint).
 */

import { formatMeanCount } from '../format.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { objectMemo } from '../memo.js';
import type { ModelSpec } from '../model/spec.js';
import type { DeploymentPlan } from './deployment.js';
import { poolWaitSeconds, requestSeconds } from './queueing.js';
import {
  maxConcurrency,
  mixedStepBudget,
  promptPath,
  type ServingReplica,
  type ServingWorkload,
} from './serving.js';
import { reportedTpot, steadyStep } from './steady-step.js';

export interface TrafficPoint {
  /** Requests a second each decode (or combined) replica receives. */
  readonly requestsPerSecondPerReplica: number;
  /** Sequences running in a replica on average, m = λ·T (fractional; below 1 when it is mostly idle). */
  readonly meanConcurrency: number;
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
  /** Share of the replica's time its prompts' prefill takes from decoding, ρ = λ·S. */
  readonly prefillLoad: number;
  /** The most sequences the replica holds (its KV cache, its engine's limits). */
  readonly sequenceLimit: number;
  /** Where the point is past what was checked against the request-level simulator, in words; else null. */
  readonly caveat: string | null;
}

/**
 * The share of the replica's sequence limit, or of its time on prompts' prefill, past which the point
 * was not found to hold against the request-level simulator (scripts/traffic-vs-simulation.ts at 30–95%
 * of capacity: 17 of the 20 cases whose mean TTFT ran more than 15% short were past one of them, 6 of
 * the 81 others). There the
 * simulated replica's running sequences swing far wider than Poisson occupancy: bursts fill it, and the
 * requests that arrive then wait for a slot.
 */
const CHECKED_SHARE = 0.6;

/** Says where a traffic point is past what was checked ({@link CHECKED_SHARE}); null within it. */
function trafficPointCaveat(at: Omit<TrafficPoint, 'caveat'>, disaggregated: boolean): string | null {
  const past = [
    at.meanConcurrency >= CHECKED_SHARE * at.sequenceLimit &&
      `${formatMeanCount(at.meanConcurrency)} of the ${at.sequenceLimit} sequences a replica holds run on average`,
    at.prefillLoad >= CHECKED_SHARE &&
      `prompts' prefill takes ${(100 * at.prefillLoad).toFixed(0)}% of its time`,
  ].filter((x): x is string => typeof x === 'string');
  if (past.length === 0) return null;
  // Disaggregated, the first token comes from the prefill pool: a full decode replica delays the next.
  const late = disaggregated
    ? 'a request waits for a decode slot after its first token, so its second comes later than this TPOT says'
    : 'the mean TTFT at this traffic is likely longer than stated (up to several times on the request-level simulator; its median holds better)';
  return `${past.join(' and ')}: bursts of requests fill the replica and queue: ${late}; --simulate gives the queue and its tail${disaggregated ? ' (of an aggregated replica)' : ''}`;
}

/**
 * A replica's step with k running (itself and k − 1 others), in seconds: the decode step per output
 * token; a new prompt's admission (the admitting step, after the step in progress: (k − 1)/k of half a
 * step, `residualSeconds`); the prefill work it adds to steps that decode anyway; the steps it fills to
 * the step budget; the other whole prompts its admitting step has room for (`besidePrompts`).
 */
interface Step {
  readonly decodeSeconds: number;
  readonly admitSeconds: number;
  readonly residualSeconds: number;
  readonly workSeconds: number;
  readonly fillSeconds: number;
  readonly besidePrompts: number;
}
const STEP_FIELDS = [
  'decodeSeconds',
  'admitSeconds',
  'residualSeconds',
  'workSeconds',
  'fillSeconds',
  'besidePrompts',
] as const;

/**
 * The plan's replicas at its planned traffic ({@link replicaAtRate}); null when planned for full use (the
 * plan's own point is the one). A plan for a traffic carries it (deployment.ts planAtPoint adds the
 * replicas it takes).
 */
export function trafficPoint(
  spec: ModelSpec,
  plan: DeploymentPlan,
  workload: ServingWorkload,
): TrafficPoint | null {
  if (!plan.forTraffic) return null;
  const { cluster, replica } = plan.candidate;
  return replicaAtRate(
    spec,
    cluster,
    replica,
    { ...workload, disaggregated: plan.disaggregated },
    plan.requestsPerSecond / plan.replicas,
    plan.disaggregated ? { prefillTtftSeconds: plan.point.ttftSeconds + plan.prefillQueueSeconds } : {},
  );
}

/**
 * A replica receiving `requestsPerSecond` (λ) requests at random (Poisson). With m running on average, a
 * request sees 1 + j running, j the others, Poisson with mean m (the M/G/∞ occupancy, Poisson with
 * mean λ·E[T] whatever the service time: Palm 1943; a replica below its capacity admits every
 * arrival). Each prompt adds S seconds of prefill to steps that decode anyway (serving.ts promptPath),
 * a share ρ = λ·S of the time; a prompt waits for the step in progress and for the prompts ahead,
 * ρ·S / (2(1 − ρ)) (M/D/1, the Pollaczek–Khinchine mean wait: Kleinrock 1975, Queueing Systems I,
 * Ch. 5), and its first token leaves queued the prompts that came meanwhile, E[N] = ρ + ρ²/(2(1 − ρ)):
 * its n = output − 1 decode steps run through their prefill and the new prompts' share, TPOT =
 * (E[decode step] + E[N]·S / n) / (1 − ρ) (without that backlog, 9–30% short of the simulator's
 * mean TPOT with 8K–16K-token prompts and 128 out at 30–70% load). A mixed step admits every prompt
 * waiting at its start that its budget holds: the λ·(wait) that arrive behind one before its step begins
 * share it, up to the room its last chunk's step leaves (none prefill-first). m solves Little's law,
 * m = λ·T(m) (Little 1961), T the TTFT plus the rest of the output. Disaggregated (`w.disaggregated`),
 * a decode replica holds a sequence from its first token and the TTFT is the prefill pool's,
 * `prefillTtftSeconds`: a prompt's prefill and its wait for a free prefill replica (DistServe Sec. 3;
 * prefill-pool.ts). An engine's token budget B caps the prompt tokens a step
 * takes beside its decodes: the steps a prompt of P tokens fills, λ·P / (B − decodes)·(a chunk's step),
 * must take under all the time. Null when no m up to the most the replica holds carries λ.
 */
export function replicaAtRate(
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  w: ServingWorkload,
  requestsPerSecond: number,
  options: { readonly prefillTtftSeconds?: number } = {},
): TrafficPoint | null {
  const steps = stepGrid(spec, cluster, replica, w);
  if (steps === null) return null;
  const lambda = requestsPerSecond;
  const at = (m: number) => {
    const mean = poissonMeans(m, steps);
    const load = lambda * mean.workSeconds;
    // Past either, the prompts queue without end: the prefill work, or the budget-full steps they need.
    if (!(load < 1) || !(lambda * mean.fillSeconds < 1)) return null;
    // A prompt waits for the prompts ahead (M/D/1, queueing.ts). Its first token leaves queued those that
    // arrived during its wait and prefill, E[N] = λ·(W + S) = ρ + ρ²/(2(1 − ρ)) (the mean left behind at
    // an M/D/1 departure, as arrivals see it: Kleinrock 1975, Ch. 5): its n decode steps and that
    // backlog's prefill, stretched by the new prompts, (n·E[step] + E[N]·S) / (1 − ρ).
    const wait = poolWaitSeconds(1, lambda, mean.workSeconds);
    const decodes = Math.max(1, w.outputTokens - 1);
    const backlog = lambda * (wait + mean.workSeconds) * mean.workSeconds;
    const tpotSeconds = (mean.decodeSeconds + backlog / decodes) / (1 - load);
    // A mixed step admits every prompt waiting at its start that its budget holds: those that arrived
    // behind this one before its step began, λ·(its wait), share that step and lengthen it.
    const beside = Math.min(
      lambda * (wait + mean.residualSeconds),
      steps.batchesAll ? Infinity : mean.besidePrompts,
    );
    const ttftSeconds = options.prefillTtftSeconds ?? mean.admitSeconds + wait + beside * mean.workSeconds;
    // Disaggregated, a decode replica holds a sequence for its output alone.
    const seconds = w.disaggregated
      ? w.outputTokens * tpotSeconds
      : requestSeconds({ ttftSeconds, tpotSeconds }, w.outputTokens);
    // `seconds` keeps the step a one-token answer holds its sequence for; its reported TPOT is none.
    return { ttftSeconds, tpotSeconds: reportedTpot(w, tpotSeconds), load, seconds };
  };
  const carried = (m: number) => {
    const p = at(m);
    return p !== null && lambda * p.seconds <= m;
  };
  // The least m that carries λ (λ·T(m) ≤ m): the first of the grid's k that does (the conditions need not
  // hold at every larger m: the admitting step grows with the batch), then bisection below it to a
  // thousandth of a sequence.
  const first = steps.grid.findIndex(carried);
  if (first < 0) return null;
  let lo = first > 0 ? steps.grid[first - 1]! : 0;
  let hi = steps.grid[first]!;
  while (hi - lo > 1e-3 * Math.max(1, lo)) {
    const mid = (lo + hi) / 2;
    if (carried(mid)) hi = mid;
    else lo = mid;
  }
  const p = at(hi)!;
  const point = {
    requestsPerSecondPerReplica: lambda,
    meanConcurrency: lambda * p.seconds,
    ttftSeconds: p.ttftSeconds,
    tpotSeconds: p.tpotSeconds,
    prefillLoad: p.load,
    sequenceLimit: steps.most,
  };
  return { ...point, caveat: trafficPointCaveat(point, w.disaggregated === true) };
}

/** A replica's steps on a grid of k running, linear between (null: its weights and one sequence do not fit). */
interface StepGrid {
  readonly most: number;
  readonly grid: readonly number[];
  readonly steps: readonly Step[];
  /** Its mixed steps take every prompt waiting (no token budget): no cap on the prompts beside one. */
  readonly batchesAll: boolean;
}

/**
 * A replica's steps on a grid of k running (every k to 16, then 10% apart, to the most it holds): the
 * same for every rate, so computed once per replica and workload.
 */
function stepGrid(
  spec: ModelSpec,
  cluster: ClusterSpec,
  replica: ServingReplica,
  w: ServingWorkload,
): StepGrid | null {
  const key = JSON.stringify([
    w.inputTokens,
    w.outputTokens,
    w.cacheHitRate ?? 0,
    w.disaggregated === true,
    w.speculative ?? null,
  ]);
  return grids(spec, cluster, replica, key, () => {
    const most = maxConcurrency(spec, cluster, replica, w);
    if (most < 1) return null;
    const grid: number[] = [];
    for (let k = 1; k <= most; k = k < 16 ? k + 1 : Math.ceil(k * 1.1)) grid.push(k);
    if (grid.at(-1) !== most) grid.push(most);
    const budget = mixedStepBudget(replica);
    const steps = grid.map((k): Step => {
      const s = steadyStep(spec, cluster, replica, w, k);
      const { admitStep, promptWork, chunks } = promptPath(spec, cluster, replica, w, s);
      // A step holds at most the budget B, the k − 1 others' decodes in it: a prompt of P tokens fills
      // P / (B − decodes) of the steps that carry its chunks, each admitStep / chunks long.
      const room = budget === undefined ? 0 : budget - (k - 1) * s.work.tokensPerSequence;
      const prompt = w.disaggregated ? 0 : s.promptTokens;
      const residualSeconds = ((k - 1) / k) * (s.step / 2);
      return {
        decodeSeconds: s.wall(s.decodeKernels) / s.perStep,
        admitSeconds: admitStep + residualSeconds,
        residualSeconds,
        workSeconds: promptWork,
        fillSeconds:
          budget === undefined || prompt === 0
            ? 0
            : room > 0
              ? (prompt / room) * (admitStep / chunks)
              : Number.POSITIVE_INFINITY,
        // The budget its last chunk's step leaves, in whole prompts (none on a prefill-first engine).
        besidePrompts:
          budget === undefined || prompt === 0 || room <= 0
            ? 0
            : (room * Math.ceil(prompt / room) - prompt) / prompt,
      };
    });
    const batchesAll = budget === undefined && replica.profile?.prefillFirst !== true && !w.disaggregated;
    return { most, grid, steps, batchesAll };
  });
}
const grids = objectMemo<ModelSpec, ClusterSpec, ServingReplica, StepGrid | null>();

/**
 * E[step(1 + j)] for j Poisson with mean m, each field linear between the grid's k (capped at its most):
 * the terms from the mode outward until they vanish (below 1e-12), each cell of the grid gathering its
 * terms' probability P and their share t of the way across it, so that a field adds a·P + (b − a)·Σp·t
 * per cell (a and b its values at the cell's ends) rather than per term.
 */
function poissonMeans(m: number, { most, grid, steps }: StepGrid): Step {
  const cells = grid.length;
  const mass = new Float64Array(cells);
  const across = new Float64Array(cells);
  // The cell holding x, the last k ≤ x: a step at a time as x moves by one.
  let cell = 0;
  const add = (j: number, p: number) => {
    const x = Math.min(1 + j, most);
    while (cell + 1 < cells && grid[cell + 1]! <= x) cell += 1;
    while (cell > 0 && grid[cell]! > x) cell -= 1;
    mass[cell]! += p;
    const k0 = grid[cell]!;
    const k1 = grid[Math.min(cell + 1, cells - 1)]!;
    if (k1 > k0 && x > k0) across[cell]! += (p * (x - k0)) / (k1 - k0);
  };
  if (m > 0) {
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
  } else add(0, 1);
  const sum: Record<keyof Step, number> = {
    decodeSeconds: 0,
    admitSeconds: 0,
    residualSeconds: 0,
    workSeconds: 0,
    fillSeconds: 0,
    besidePrompts: 0,
  };
  let weight = 0;
  for (let c = 0; c < cells; c += 1) {
    if (mass[c] === 0) continue;
    weight += mass[c]!;
    const [a, b] = [steps[c]!, steps[Math.min(c + 1, cells - 1)]!];
    for (const f of STEP_FIELDS)
      sum[f] += a[f] * mass[c]! + (across[c] === 0 ? 0 : (b[f] - a[f]) * across[c]!);
  }
  for (const f of STEP_FIELDS) sum[f] /= weight;
  return sum;
}
