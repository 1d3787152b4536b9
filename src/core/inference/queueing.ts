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
 * token. MVA over n = 1 … clients: R(n) = S·(1 + Q(n − 1)), X(n) = n / (R(n) + Z), Q(n) = X(n)·R(n);
 * the wait is R − S. One client never waits; with no decode time every other client is ahead,
 * (clients − 1)·S.
 */
export function prefillQueueSeconds(
  clients: number,
  serviceSeconds: number,
  afterFirstTokenSeconds: number,
): number {
  if (!(clients > 1) || !(serviceSeconds > 0)) return 0;
  const think = Math.max(0, afterFirstTokenSeconds) || 0;
  let queue = 0;
  let response = serviceSeconds;
  for (let n = 1; n <= clients; n += 1) {
    response = serviceSeconds * (1 + queue);
    queue = (n * response) / (response + think);
  }
  return response - serviceSeconds;
}

/**
 * `clients` users of a closed loop on a replica that holds `point.concurrency` sequences: the replica
 * runs full and the others wait for a slot. By Little's law each slot turns over every T (TTFT +
 * the rest of the output), so a client cycles every clients·T / slots and waits (clients − slots)·T
 * / slots before its prompt is admitted (Little 1961); throughput stays the full replica's.
 */
export function saturatedPoint(point: ServingPoint, w: ServingWorkload, clients: number): ServingPoint {
  const slots = point.concurrency;
  if (clients <= slots) return point;
  const occupied = point.ttftSeconds + Math.max(0, w.outputTokens - 1) * point.tpotSeconds;
  return {
    ...point,
    ttftSeconds: point.ttftSeconds + ((clients - slots) * occupied) / slots,
    queuedClients: clients - slots,
  };
}
