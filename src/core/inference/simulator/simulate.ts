/**
 * A request-level simulator of one serving replica: arrivals (open or closed loop), batch formation
 * (scheduler.ts: continuous batching, chunked prefill, preemption), the paged KV cache and prefix
 * cache (kv-pool.ts), speculative decoding (speculative.ts), step times (step-cost.ts) and what is
 * measured (metrics.ts). Pure, seeded and deterministic.
 */
import { inputError } from '../../errors.js';
import type { ClusterSpec } from '../../hardware/cluster-spec.js';
import type { ModelSpec } from '../../model/spec.js';
import { seededRng } from '../../uncertainty/distributions.js';
import { absorbsPromptChunks, engineMemoryFraction, kvCapacity, promptStreaming } from '../engine.js';
import { dynamicChunkTokens } from '../prompt-chunks.js';
import { type Replica, replicaGpus } from '../serving-step.js';
import { tokensPerStep, verifiedTokens } from '../speculative-plan.js';
import { KvPool } from './kv-pool.js';
import {
  checkSimulationSize,
  RUNNING_SEQUENCE_STEPS,
  SIMULATION_LIMITS,
  simulationRanTooLong,
} from './limits.js';
import { SimMetrics } from './metrics.js';
import { liveRequest, Scheduler } from './scheduler.js';
import { tokensPerVerifyStep } from './speculative.js';
import { stepCostModel } from './step-cost.js';
import type { Live, SimOptions, SimResult } from './types.js';
import type { SimRequest } from './workload.js';

export type { SimOptions, SimResult, TimelinePoint } from './types.js';

const MAX_STEPS = SIMULATION_LIMITS.steps;

export function simulateReplica(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: Replica,
  requests: readonly SimRequest[],
  o: SimOptions,
): SimResult {
  const e = o.engine;
  const bs = e.kvBlockTokens;
  const hitRate = o.cacheHitRate ?? 0;
  if (!(hitRate >= 0 && hitRate < 1))
    inputError('invalid_value', ['--cache-hit-rate'], `a fraction in [0, 1), got ${hitRate}`);
  if (o.arrival.kind === 'closed' && !(Number.isInteger(o.arrival.concurrency) && o.arrival.concurrency >= 1))
    inputError('invalid_value', ['--concurrency'], `a whole number ≥ 1, got ${o.arrival.concurrency}`);
  const drafts = o.speculative?.draftTokens ?? 0;
  const accept = o.speculative?.acceptanceRate ?? 0;
  const perSeqTokens = verifiedTokens(o.speculative);
  const rng = seededRng(o.seed ?? 1);

  let meanContext = 0;
  for (const q of requests) meanContext += q.inputTokens + q.outputTokens / 2;
  meanContext /= Math.max(1, requests.length);
  const capacity = kvCapacity(spec, cluster, r, e, meanContext);
  const totalBlocks = Math.floor(capacity.tokens / bs);
  if (totalBlocks < 1)
    inputError(
      'infeasible',
      ['--gpu'],
      `${spec.name}'s weights leave no memory for the KV cache under ${e.name} (memory fraction ${engineMemoryFraction(e, cluster.gpu.memoryBytes, r)})`,
    );
  const sizeField = o.sizeField ?? '--requests';
  checkSimulationSize(requests, {
    field: sizeField,
    capacityTokens: totalBlocks * bs,
    maxBatchedTokens: e.maxBatchedTokens,
    maxRunningSequences: e.maxRunningSequences,
    chunkedPrefill: e.features.chunkedPrefill,
    reserveFinal: e.kvAdmission === 'reserve-final',
    maxTokensPerStep: 1 + drafts,
    meanTokensPerStep: tokensPerStep(o.speculative),
  });

  const stepSeconds = stepCostModel(spec, cluster, r, e, {
    tokensPerSequence: perSeqTokens,
    draftTokens: drafts,
    draftWidth: o.speculative?.tree?.width,
  });
  // Streamed chunks, at the token budget or at dynamic sizes fitted as promptChunksSeconds fits them
  // (at the workload's mean prompt).
  const streaming = promptStreaming(e, r.pipelineParallel);
  const streamed = streaming !== 'serial';
  let drain = 0;
  const meanPrompt = () => requests.reduce((sum, q) => sum + q.inputTokens, 0) / Math.max(1, requests.length);
  const chunkTokensAt =
    typeof streaming === 'object'
      ? dynamicChunkTokens(
          (tokens, prefix) =>
            stepSeconds(
              {
                decodeSequences: 0,
                tokensPerSequence: perSeqTokens,
                context: 0,
                prefillTokens: tokens,
                prefillContext: prefix + tokens / 2,
                prefillStreams: true,
              },
              1,
            ),
          e.maxBatchedTokens,
          Math.max(0, meanPrompt() - e.maxBatchedTokens),
          streaming.smoothFactor,
        )
      : undefined;
  const pool = new KvPool(totalBlocks, bs);
  const metrics = new SimMetrics(o.slo ?? {}, o.timelinePoints ?? 400);

  // Arrivals: a closed loop releases N at t = 0 and one more at each completion.
  const closed = o.arrival.kind === 'closed';
  const order = requests.map((_, i) => i);
  if (!closed) order.sort((a, b) => requests[a]!.arrivalSeconds - requests[b]!.arrivalSeconds);
  const released: number[] = [];
  let nextRelease = 0;
  const arrivalOf = new Float64Array(requests.length);
  if (o.arrival.kind === 'closed') {
    for (; nextRelease < Math.min(o.arrival.concurrency, requests.length); nextRelease += 1) {
      released.push(order[nextRelease]!);
      arrivalOf[order[nextRelease]!] = 0;
    }
  } else for (const i of order) arrivalOf[i] = o.arrival.kind === 'burst' ? 0 : requests[i]!.arrivalSeconds;
  let arrivalPointer = 0;
  let now = 0;
  let steps = 0;
  let sequenceSteps = 0;

  const releaseNext = () => {
    if (closed && nextRelease < order.length) {
      const i = order[nextRelease]!;
      arrivalOf[i] = now;
      released.push(i);
      nextRelease += 1;
    }
  };
  const sched = new Scheduler(
    e,
    pool,
    metrics,
    perSeqTokens,
    hitRate,
    (s) => {
      pool.release(s);
      metrics.rejected += 1;
      releaseNext();
    },
    chunkTokensAt,
  );
  const newLive = (i: number): Live => {
    metrics.arrived(arrivalOf[i]!);
    return liveRequest(i, requests[i]!, arrivalOf[i]!);
  };
  const admitArrivals = () => {
    if (closed) {
      for (const i of released) sched.waiting.push(newLive(i));
      released.length = 0;
      return;
    }
    while (arrivalPointer < order.length && arrivalOf[order[arrivalPointer]!]! <= now) {
      sched.waiting.push(newLive(order[arrivalPointer]!));
      arrivalPointer += 1;
    }
  };
  /** Jumps to the next open-loop arrival; false when none is left. */
  const skipToNextArrival = (): boolean => {
    if (closed || arrivalPointer >= order.length) return false;
    now = Math.max(now, arrivalOf[order[arrivalPointer]!]!);
    return true;
  };
  const finish = (s: Live) => {
    const id = s.req.prefixId;
    // The conversation so far stays cached for the session's next turn.
    if (id !== undefined && e.features.prefixCaching)
      pool.keepSession(id, s.req.inputTokens + s.req.outputTokens, s);
    else pool.release(s);
    metrics.finished(s, now);
    sched.finished();
    releaseNext();
  };

  const { running, decoding, chunks } = sched;
  for (;;) {
    admitArrivals();
    if (sched.idle()) {
      if (skipToNextArrival()) continue;
      break;
    }
    if (++steps > MAX_STEPS || sequenceSteps > RUNNING_SEQUENCE_STEPS)
      simulationRanTooLong(sizeField, steps, sequenceSteps);
    const preemptionsBefore = metrics.preemptions;
    sched.form();
    if (decoding.length === 0 && chunks.length === 0) {
      if (running.length > 1) {
        // Every running sequence waits on blocks: preempt the newest to let the rest proceed.
        sched.preemptLast();
        continue;
      }
      if (running.length === 1) {
        // One sequence alone outgrows the whole cache: it cannot be served.
        const s = running.pop()!;
        pool.release(s);
        metrics.rejected += 1;
        releaseNext();
        continue;
      }
      // The lone sequence was preempted (it outgrew the cache): the next step re-admits or rejects it.
      if (metrics.preemptions > preemptionsBefore) continue;
      if (skipToNextArrival()) continue;
      break;
    }
    // Step time of the batch just formed.
    let context = 0;
    for (const s of decoding) context += s.computed;
    let prefillTokens = 0;
    let prefillContext = 0;
    let prefixTokens = 0;
    // Streamed: the step only prefills, and every prompt in it has a next chunk to follow it in.
    let streams = streamed && decoding.length === 0;
    for (const c of chunks) {
      prefillTokens += c.tokens;
      prefillContext += c.tokens * (c.s.computed + c.tokens / 2);
      prefixTokens += c.s.computed;
      if (c.s.computed + c.tokens >= c.s.promptTarget) streams = false;
    }
    const work = {
      decodeSequences: decoding.length,
      tokensPerSequence: perSeqTokens,
      context: decoding.length > 0 ? context / decoding.length : 0,
      prefillTokens,
      prefillContext: prefillTokens > 0 ? prefillContext / prefillTokens : 0,
      ...(absorbsPromptChunks(e, prefixTokens) && { prefillAbsorbed: true }),
    };
    let dt = stepSeconds(work, chunks.length);
    if (streams || drain > 0) {
      // A streamed chunk holds the pipeline for its slowest stage; the chunks streamed before a step
      // still cross the later stages, so it ends no sooner than its own slowest stage plus their drain
      // (prompt-chunks.ts promptChunksSeconds: Σ s_k + max_k (h_k − s_k)).
      const slowest = stepSeconds({ ...work, prefillStreams: true }, chunks.length);
      if (streams) {
        drain = Math.max(drain, dt - slowest);
        dt = slowest;
      } else {
        dt = Math.max(dt, slowest + drain);
        drain = 0;
      }
    }
    sequenceSteps += decoding.length + chunks.length;
    o.onStep?.(dt, decoding.length + chunks.length);
    metrics.beginStep(now, running.length, dt);
    now += dt;
    // Apply: decode tokens (1 + accepted drafts), prompt chunks (the last chunk yields the first token).
    for (const s of decoding) {
      const tokens = Math.min(tokensPerVerifyStep(rng, drafts, accept), s.req.outputTokens - s.generated);
      s.computed += tokens;
      metrics.emit(s, tokens, now);
    }
    for (const c of chunks) {
      c.s.computed += c.tokens;
      if (c.s.computed >= c.s.promptTarget) metrics.emit(c.s, 1, now);
    }
    metrics.endStep(dt);
    const decodedAll = decoding.length === running.length;
    let kept = 0;
    for (const s of running) {
      if (s.generated >= s.req.outputTokens) finish(s);
      else running[kept++] = s;
    }
    const finishedNone = kept === running.length;
    running.length = kept;
    metrics.sample(steps, () => ({
      seconds: now,
      runningSequences: running.length,
      waitingRequests: sched.waitingCount(),
      prefillTokens,
      kvUsedFraction: pool.usedFraction(),
      preemptions: metrics.preemptions,
    }));
    // Every running sequence decoded one token, none finished, nothing was admitted and no request can
    // arrive: the steps up to the next completion repeat this one (admission only gets harder as KV
    // grows), so they are stepped in bulk with the same step times, emissions and KV growth.
    if (
      decodedAll &&
      finishedNone &&
      kept > 0 &&
      chunks.length === 0 &&
      drafts === 0 &&
      sched.preempted.length === 0 &&
      (closed || arrivalPointer >= order.length)
    ) {
      const k = pureDecodeSteps(running, pool, MAX_STEPS - steps);
      if (k > 0) {
        const d = running.length;
        let computedSum = 0;
        for (const s of running) computedSum += s.computed;
        for (let j = 0; j < k; j += 1) {
          steps += 1;
          sequenceSteps += d;
          const dt = stepSeconds(
            {
              decodeSequences: d,
              tokensPerSequence: perSeqTokens,
              context: (computedSum + j * d) / d,
              prefillTokens: 0,
              prefillContext: 0,
            },
            0,
          );
          o.onStep?.(dt, d);
          metrics.decodeStep(now, d, dt);
          now += dt;
          metrics.sample(steps, () => ({
            seconds: now,
            runningSequences: d,
            waitingRequests: sched.waitingCount(),
            prefillTokens: 0,
            kvUsedFraction:
              (pool.usedBlocks + pool.cachedBlocks + blocksToGrow(running, pool, j + 1)) / totalBlocks,
            preemptions: metrics.preemptions,
          }));
        }
        for (const s of running) {
          s.computed += k;
          s.generated += k;
          s.lastTokenAt = now;
          pool.grow(s, s.computed);
        }
      }
    }
  }

  return metrics.result({
    requests: requests.length,
    steps,
    sequenceSteps,
    now,
    kvCapacityTokens: totalBlocks * bs,
    gpus: replicaGpus(r),
  });
}

/** KV blocks the running sequences need beyond those they hold to add `tokens` tokens each. */
function blocksToGrow(running: readonly Live[], pool: KvPool, tokens: number): number {
  let need = 0;
  for (const s of running)
    need += Math.max(0, Math.ceil((s.computed + tokens) / pool.blockTokens) - s.blocks);
  return need;
}

/**
 * How many pure decode steps can run in bulk: up to the step before the first completion, and no
 * more than the free KV blocks allow (an on-demand pool preempts when full; that step runs singly).
 */
function pureDecodeSteps(running: readonly Live[], pool: KvPool, stepsLeft: number): number {
  let remaining = Number.POSITIVE_INFINITY;
  for (const s of running) remaining = Math.min(remaining, s.req.outputTokens - s.generated);
  let k = Math.min(remaining - 1, stepsLeft);
  if (k <= 1) return 0;
  const free = pool.free();
  if (blocksToGrow(running, pool, k) > free) {
    let lo = 0;
    while (k - lo > 1) {
      const mid = Math.floor((lo + k) / 2);
      if (blocksToGrow(running, pool, mid) <= free) lo = mid;
      else k = mid;
    }
    k = lo;
  }
  return k > 1 ? k : 0;
}
