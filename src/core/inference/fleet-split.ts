/**
 * A fixed disaggregated fleet at a stated traffic: how its GPUs split between decode replicas and whole
 * prefill replicas. Every split from the fewest decode replicas that carry the traffic to the most that
 * leave the prefill pool its required GPUs is a candidate; the one whose requests finish soonest on
 * average — TTFT (the prefill and the prompt's wait for a free prefill replica, M/D/c) plus the decodes
 * at their TPOT (traffic-point.ts) — within the SLO wins, so spare GPUs go where they shorten a request most.
 */
import type { ModelSpec } from '../model/spec.js';
import type { DeploymentCandidate } from './deployment.js';
import { prefillPoolWaitSeconds } from './prefill-pool.js';
import { meetsSlo, type ServingWorkload, type Slo } from './serving.js';
import { replicaGpus } from './serving-step.js';
import { replicaAtRate } from './traffic-point.js';

/** Splits evaluated on the first pass over a wide range; the best one's neighbourhood is then refined. */
const COARSE_SPLITS = 16;

/**
 * The decode replicas of the fastest split of `fleetGpus` at `requestsPerSecond` (in the model's time, divided
 * by `speed`; the rest of the GPUs whole prefill replicas, as planAtPoint places them), given
 * decode replicas each carrying `replicaRequests` at capacity, a prefill pool of at least `prefillGpus`,
 * the prefill's own TTFT `prefillSeconds` and the SLO already scaled by `speed`; null when none holds.
 */
export function fastestFleetSplit(
  spec: ModelSpec,
  c: DeploymentCandidate,
  w: ServingWorkload,
  fleetGpus: number,
  requestsPerSecond: number,
  o: {
    readonly replicaRequests: number;
    readonly prefillGpus: number;
    readonly prefillSeconds: number;
    readonly slo: Slo;
    readonly speed: number;
  },
): number | null {
  const n = replicaGpus(c.replica);
  const pn = replicaGpus(c.prefillReplica ?? c.replica);
  const rate = requestsPerSecond / o.speed;
  const low = Math.max(1, Math.ceil(requestsPerSecond / o.replicaRequests));
  const high = Math.floor((fleetGpus - o.prefillGpus) / n);
  if (high < low) return null;
  const decodes = Math.max(1, w.outputTokens - 1);
  const seconds = new Map<number, number>();
  const latency = (k: number): number => {
    const known = seconds.get(k);
    if (known !== undefined) return known;
    const prefillGpus = Math.floor((fleetGpus - k * n) / pn) * pn;
    const wait = prefillPoolWaitSeconds(spec, c, w, prefillGpus, rate);
    const t = Number.isFinite(wait)
      ? replicaAtRate(spec, c.cluster, c.replica, w, rate / k, {
          prefillTtftSeconds: o.prefillSeconds + wait,
        })
      : null;
    const s = t !== null && meetsSlo(t, o.slo) ? t.ttftSeconds + decodes * t.tpotSeconds : Infinity;
    seconds.set(k, s);
    return s;
  };
  // A coarse pass over the range, then ever finer ones around the best (the latency falls, then rises).
  let best = low;
  let step = Math.max(1, Math.ceil((high - low) / COARSE_SPLITS));
  let from = low;
  let to = high;
  for (;;) {
    for (let k = from; k <= to; k += step) if (latency(k) < latency(best)) best = k;
    if (latency(high) < latency(best)) best = high;
    if (step === 1) break;
    from = Math.max(low, best - step);
    to = Math.min(high, best + step);
    step = Math.max(1, Math.ceil(step / 4));
  }
  return Number.isFinite(latency(best)) ? best : null;
}
