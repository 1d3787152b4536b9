/**
 * Waiting for the prefill path under load: a new prompt is prefilled after the prompts that arrived
 * before it, so at a concurrency the time to first token is the admitting step plus a queueing wait.
 * The service of one prompt is the GPU time its prefill adds to steps (decoding goes on regardless).
 * The steady state takes a closed loop of `clients` users (each sends its next request when the last
 * completes, as benchmark clients at a fixed concurrency do): one queueing station, the prefill path,
 * and one delay station, decoding; solved by exact mean-value analysis (Reiser & Lavenberg 1980,
 * "Mean-Value Analysis of Closed Multichain Queuing Networks", J. ACM 27(2), Sec. 2). More clients
 * than the replica holds wait for a slot as well ({@link saturatedPoint}, Little's law).
 */
import type { ServingPoint, ServingWorkload } from './serving.js';

/**
 * Mean seconds a request waits for the prompts ahead of it: every prompt takes `serviceSeconds` of
 * the prefill path, and a request spends `afterFirstTokenSeconds` decoding once it has its first
 * token. This closed network (one queue, one delay) is the machine-repairman model. An arriving
 * request sees the queue of the other N − 1 clients in equilibrium (the arrival theorem, Reiser &
 * Lavenberg 1980, J. ACM 27(2): what mean-value analysis iterates), so it waits S·L(N − 1), where
 * with M clients P(k queued) ∝ M!/(M − k)!·(S/Z)^k (Kleinrock 1975, Queueing Systems I, Sec. 3.10).
 * The sums run outward from their largest term until the terms vanish: O(√N) terms, not MVA's N
 * steps. One client never waits; with no decode time every other client is ahead, (clients − 1)·S.
 */
export function prefillQueueSeconds(
  clients: number,
  serviceSeconds: number,
  afterFirstTokenSeconds: number,
): number {
  if (!(clients > 1) || !(serviceSeconds > 0)) return 0;
  const think = Math.max(0, afterFirstTokenSeconds) || 0;
  const others = Math.floor(clients) - 1;
  if (think === 0) return others * serviceSeconds;
  return serviceSeconds * meanQueued(others, Math.log(serviceSeconds / think));
}

/** Mean number queued among `m` clients of the repairman model with load ρ = S/Z (`logRho` = ln ρ). */
function meanQueued(m: number, logRho: number): number {
  // Terms t_k = m!/(m − k)!·ρ^k rise while (m − k + 1)·ρ > 1: the largest is at k* = ⌈m + 1 − 1/ρ⌉ − 1.
  const peak = Math.min(m, Math.max(0, Math.ceil(m + 1 - Math.exp(-logRho)) - 1));
  const step = (k: number) => Math.log(m - k + 1) + logRho; // ln(t_k / t_{k−1})
  let total = 1;
  let weighted = peak;
  let log = 0;
  for (let k = peak + 1; k <= m; k += 1) {
    log += step(k);
    if (log < -40) break;
    const t = Math.exp(log);
    total += t;
    weighted += k * t;
  }
  log = 0;
  for (let k = peak; k >= 1; k -= 1) {
    log -= step(k);
    if (log < -40) break;
    const t = Math.exp(log);
    total += t;
    weighted += (k - 1) * t;
  }
  return weighted / total;
}

/**
 * Mean seconds a job waits for one of `servers` servers, each taking `serviceSeconds` per job, the jobs
 * arriving at random at `requestsPerSecond` (M/D/c): the M/M/c wait C(c, a)·S / (c − a), a = λ·S, halved
 * for a deterministic service (the Allen–Cunneen approximation, × (1 + c_s²)/2 with c_s² = 0; Allen 1990,
 * Probability, Statistics and Queueing Theory, Sec. 6.3; exact at c = 1, the Pollaczek–Khinchine M/D/1
 * wait). Erlang C from Erlang B, B(c, a) = P(c) / Σ_{k ≤ c} P(k) for k ~ Poisson(a) (the truncated
 * Poisson form of the Erlang loss formula: Kleinrock 1975, Sec. 3.6), summed from k = c down, each term
 * relative to P(c) (t_{k−1} = t_k·k/a), until they vanish: O(c − a + √a) terms, not the recursion's c
 * (a pool of millions of replicas at a traffic of 10⁹ requests a second). Infinity when the servers do
 * not carry the load (a ≥ c).
 */
export function poolWaitSeconds(servers: number, requestsPerSecond: number, serviceSeconds: number): number {
  const a = requestsPerSecond * serviceSeconds;
  if (!(a > 0)) return 0;
  if (!(a < servers)) return Number.POSITIVE_INFINITY;
  let total = 1;
  let term = 1;
  for (let k = servers; k > 0; k -= 1) {
    term *= k / a;
    total += term;
    // So many servers that one free is all but certain: no wait.
    if (total > 1e300) return 0;
    if (k < a && term < 1e-17 * total) break;
  }
  const b = 1 / total;
  const erlangC = (servers * b) / (servers - a * (1 - b));
  return (erlangC * serviceSeconds) / (servers - a) / 2;
}

/** A request's end-to-end seconds at an operating point: TTFT + TPOT × (output tokens − 1). */
export const requestSeconds = (
  point: Pick<ServingPoint, 'ttftSeconds' | 'tpotSeconds'>,
  outputTokens: number,
): number => point.ttftSeconds + Math.max(0, outputTokens - 1) * point.tpotSeconds;

/**
 * `clients` users of a closed loop on a replica that holds `point.concurrency` sequences: the replica
 * runs full and the others wait for a slot. By Little's law each slot turns over every T (TTFT +
 * the rest of the output), so a client cycles every clients·T / slots and waits (clients − slots)·T
 * / slots before its prompt is admitted (Little 1961); throughput stays the full replica's.
 */
export function saturatedPoint(point: ServingPoint, w: ServingWorkload, clients: number): ServingPoint {
  const slots = point.concurrency;
  if (clients <= slots) return point;
  const occupied = requestSeconds(point, w.outputTokens);
  return {
    ...point,
    ttftSeconds: point.ttftSeconds + ((clients - slots) * occupied) / slots,
    queuedClients: clients - slots,
  };
}
