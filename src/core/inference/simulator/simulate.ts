/**
 * A request-level simulator of one serving replica: continuous batching (Orca, Yu et al. 2022) with
 * a per-step token budget and chunked prefill (Sarathi-Serve, Agrawal et al. 2024), a paged KV cache
 * of fixed-size blocks with recompute preemption when it is full (vLLM, Kwon et al. 2023, Sec. 4.5),
 * prefix-cache hits (whole blocks), and speculative decoding whose drafts are accepted one after
 * another with probability a (Leviathan et al. 2023). Each step's time is the per-step serving cost
 * (serving-step.ts) of its decode batch and prefill chunks plus the engine's host overhead.
 * Pure, seeded and deterministic.
 */
import { inputError } from '../../errors.js';
import type { ClusterSpec } from '../../hardware/cluster-spec.js';
import type { ModelSpec } from '../../model/spec.js';
import { seededRng } from '../../uncertainty/distributions.js';
import { type EngineProfile, hostSecondsPerStep, kvCapacity } from '../engine.js';
import type { ServingWorkload, Slo } from '../serving.js';
import { type Replica, replicaGpus, type StepWork, servingStepSeconds } from '../serving-step.js';
import { type LatencyStats, latencyStats, weightedLatencyStats } from './stats.js';
import type { Arrival, SimRequest } from './workload.js';

export interface SimOptions {
  readonly engine: EngineProfile;
  /** How requests arrive; `closed` sends each request when one of N clients is free. */
  readonly arrival: Arrival;
  /** Share of each prompt found in the prefix cache (requests without a prefixId), whole blocks. */
  readonly cacheHitRate?: number;
  readonly speculative?: ServingWorkload['speculative'];
  readonly slo?: Slo;
  readonly seed?: number;
  /** Points kept of the replica's timeline (evenly strided over steps). Default 400. */
  readonly timelinePoints?: number;
}

export interface TimelinePoint {
  readonly seconds: number;
  readonly runningSequences: number;
  readonly waitingRequests: number;
  readonly prefillTokens: number;
  readonly kvUsedFraction: number;
  /** Preemptions since the start (cumulative), to mark when the KV cache ran out. */
  readonly preemptions: number;
}

export interface SimResult {
  readonly requests: number;
  readonly completed: number;
  /** Requests whose prompt alone exceeds the whole KV cache (never admitted). */
  readonly rejected: number;
  readonly preemptions: number;
  readonly steps: number;
  readonly durationSeconds: number;
  readonly kvCapacityTokens: number;
  /** First token, as every engine's benchmark defines it: arrival to first output token. */
  readonly ttftSeconds: LatencyStats;
  /** Per request, (end-to-end − TTFT) / (output − 1) (vLLM benchmark_serving's TPOT). */
  readonly tpotSeconds: LatencyStats;
  /** Every gap between successive token emissions of a request (vLLM's ITL; a step emitting several speculative tokens is one gap). */
  readonly itlSeconds: LatencyStats;
  readonly e2eSeconds: LatencyStats;
  readonly outputTokensPerSecond: number;
  readonly inputTokensPerSecond: number;
  readonly outputTokensPerSecondPerGpu: number;
  readonly requestsPerSecond: number;
  /** Completed requests per second that met the SLO (DistServe's goodput, Zhong et al. 2024). */
  readonly goodputRequestsPerSecond: number;
  readonly sloAttainment: number;
  readonly meanRunningSequences: number;
  /** Share of prompt tokens served from the prefix cache. */
  readonly prefixHitShare: number;
  readonly timeline: readonly TimelinePoint[];
}

interface Live {
  readonly index: number;
  readonly req: SimRequest;
  readonly arrival: number;
  /** Tokens that must be in the KV cache before the next token can be decoded. */
  promptTarget: number;
  /** Tokens in the KV cache (cached prefix included). */
  computed: number;
  generated: number;
  blocks: number;
  firstTokenAt: number;
  lastTokenAt: number;
  hitTokens: number;
  admitted: boolean;
}

/**
 * Step times are memoized on a geometric grid: decode batches 2^(1/8) apart (±4%) and exact up to
 * 32, contexts 2^(1/4) apart (±9%; attention is a share of the step); prefill tokens are
 * interpolated linearly between points 2^(1/4) apart (exact up to 16).
 */
const bucket = (x: number, perOctave: number) =>
  x <= 32 ? Math.round(x) : Math.round(2 ** (Math.round(Math.log2(x) * perOctave) / perOctave));
const PREFILL_PER_OCTAVE = 4;
const prefillGrid = (x: number): [number, number, number] => {
  if (x <= 16) return [Math.round(x), Math.round(x), 0];
  const k = Math.floor(Math.log2(x) * PREFILL_PER_OCTAVE);
  const lo = 2 ** (k / PREFILL_PER_OCTAVE);
  const hi = 2 ** ((k + 1) / PREFILL_PER_OCTAVE);
  return [lo, hi, (x - lo) / (hi - lo)];
};

const MAX_STEPS = 5_000_000;

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
  const perSeqTokens = 1 + drafts;
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
      `${spec.name}'s weights leave no memory for the KV cache under ${e.name} (memory fraction ${e.memoryFraction})`,
    );

  const stepCache = new Map<string, number>();
  let prefillSequences = 0;
  const gridStep = (d: number, c: number, p: number, pc: number): number => {
    const key = `${d}|${c}|${p}|${pc}`;
    let s = stepCache.get(key);
    if (s === undefined) {
      s = servingStepSeconds(spec, cluster, r, {
        decodeSequences: d,
        tokensPerSequence: perSeqTokens,
        context: c,
        prefillTokens: p,
        prefillContext: pc,
      });
      stepCache.set(key, s);
    }
    return s;
  };
  const stepSeconds = (w: StepWork): number => {
    const d = bucket(w.decodeSequences, 8);
    const c = bucket(w.context, 4);
    const pc = bucket(w.prefillContext, 4);
    const [lo, hi, f] = prefillGrid(w.prefillTokens);
    const low = gridStep(d, c, lo, pc);
    const s = f === 0 ? low : low + f * (gridStep(d, c, hi, pc) - low);
    return s + hostSecondsPerStep(e, w.decodeSequences + prefillSequences, r.expertParallel);
  };

  // Arrivals: a closed loop releases N at t = 0 and one more at each completion.
  const order = requests.map((_, i) => i);
  if (o.arrival.kind !== 'closed')
    order.sort((a, b) => requests[a]!.arrivalSeconds - requests[b]!.arrivalSeconds);
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

  const waiting: Live[] = [];
  let waitingHead = 0;
  const preempted: Live[] = [];
  const running: Live[] = [];
  let usedBlocks = 0;
  const prefixCache = new Map<string, { tokens: number; blocks: number }>();
  let cachedBlocks = 0;
  const free = () => totalBlocks - usedBlocks - cachedBlocks;
  const evictUntil = (need: number) => {
    for (const [id, entry] of prefixCache) {
      if (free() >= need) return;
      prefixCache.delete(id);
      cachedBlocks -= entry.blocks;
    }
  };
  const grow = (s: Live, tokens: number): boolean => {
    const need = Math.ceil(tokens / bs) - s.blocks;
    if (need <= 0) return true;
    if (free() < need) evictUntil(need);
    if (free() < need) return false;
    s.blocks += need;
    usedBlocks += need;
    return true;
  };

  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  // Inter-token gaps, counted by value: most decoding sequences share a step's gap.
  const itlCounts = new Map<number, number>();
  let good = 0;
  let completed = 0;
  let rejected = 0;
  let preemptions = 0;
  let outputTokens = 0;
  let inputTokens = 0;
  let promptTokens = 0;
  let hitTokens = 0;
  let runningIntegral = 0;
  let now = 0;
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastCompletion = 0;
  let steps = 0;
  const timelineAll: TimelinePoint[] = [];
  const timelinePoints = Math.max(1, o.timelinePoints ?? 400);
  let timelineStride = 1;

  const admitArrivals = () => {
    if (o.arrival.kind === 'closed') {
      for (const i of released) waiting.push(newLive(i));
      released.length = 0;
      return;
    }
    while (arrivalPointer < order.length && arrivalOf[order[arrivalPointer]!]! <= now) {
      waiting.push(newLive(order[arrivalPointer]!));
      arrivalPointer += 1;
    }
  };
  const newLive = (i: number): Live => {
    const req = requests[i]!;
    firstArrival = Math.min(firstArrival, arrivalOf[i]!);
    return {
      index: i,
      req,
      arrival: arrivalOf[i]!,
      promptTarget: req.inputTokens,
      computed: 0,
      generated: 0,
      blocks: 0,
      firstTokenAt: Number.NaN,
      lastTokenAt: Number.NaN,
      hitTokens: 0,
      admitted: false,
    };
  };
  const releaseNext = () => {
    if (o.arrival.kind === 'closed' && nextRelease < order.length) {
      const i = order[nextRelease]!;
      arrivalOf[i] = now;
      released.push(i);
      nextRelease += 1;
    }
  };
  const release = (s: Live) => {
    usedBlocks -= s.blocks;
    s.blocks = 0;
  };
  const finish = (s: Live) => {
    const id = s.req.prefixId;
    if (id !== undefined && e.features.prefixCaching) {
      // The conversation so far stays cached for the session's next turn (LRU order: newest last).
      const old = prefixCache.get(id);
      if (old) {
        prefixCache.delete(id);
        cachedBlocks -= old.blocks;
      }
      usedBlocks -= s.blocks;
      prefixCache.set(id, { tokens: s.req.inputTokens + s.req.outputTokens, blocks: s.blocks });
      cachedBlocks += s.blocks;
      s.blocks = 0;
    } else release(s);
    completed += 1;
    lastCompletion = now;
    const t = s.firstTokenAt - s.arrival;
    const total = now - s.arrival;
    const perToken = s.req.outputTokens > 1 ? (total - t) / (s.req.outputTokens - 1) : 0;
    ttft.push(t);
    e2e.push(total);
    if (s.req.outputTokens > 1) tpot.push(perToken);
    const slo = o.slo ?? {};
    if (
      (slo.ttftSeconds === undefined || t <= slo.ttftSeconds) &&
      (slo.tpotSeconds === undefined || s.req.outputTokens <= 1 || perToken <= slo.tpotSeconds)
    )
      good += 1;
    outputTokens += s.req.outputTokens;
    inputTokens += s.req.inputTokens;
    releaseNext();
  };
  const reject = (s: Live) => {
    release(s);
    rejected += 1;
    releaseNext();
  };
  const preemptLast = (): Live | undefined => {
    const victim = running.pop();
    if (!victim) return undefined;
    release(victim);
    // Recompute preemption: its prompt and the tokens generated so far are prefilled again.
    victim.computed = 0;
    victim.promptTarget = victim.req.inputTokens + victim.generated;
    preempted.push(victim);
    preemptions += 1;
    return victim;
  };
  // Gaps of sequences that also emitted at the previous step end are all this step's length.
  let stepStart = 0;
  let gapsOfOneStep = 0;
  const emit = (s: Live, tokens: number) => {
    if (s.generated === 0) s.firstTokenAt = now;
    else if (s.lastTokenAt === stepStart) gapsOfOneStep += 1;
    else {
      const gap = now - s.lastTokenAt;
      itlCounts.set(gap, (itlCounts.get(gap) ?? 0) + 1);
    }
    s.lastTokenAt = now;
    s.generated += tokens;
  };

  const decoding: Live[] = [];
  const chunks: { s: Live; tokens: number }[] = [];
  let budget = 0;
  const chunkOf = (s: Live): number => {
    const remaining = s.promptTarget - s.computed;
    // Without chunked prefill a prompt runs whole: within the budget, or alone in its step.
    const alone = budget === e.maxBatchedTokens && decoding.length === 0 && chunks.length === 0;
    if (!e.features.chunkedPrefill && remaining > budget && !alone) return 0;
    const tokens = e.features.chunkedPrefill ? Math.min(budget, remaining) : remaining;
    return grow(s, s.computed + tokens) ? tokens : 0;
  };
  for (;;) {
    admitArrivals();
    if (running.length === 0 && preempted.length === 0 && waitingHead >= waiting.length) {
      if (o.arrival.kind !== 'closed' && arrivalPointer < order.length) {
        now = Math.max(now, arrivalOf[order[arrivalPointer]!]!);
        continue;
      }
      break;
    }
    if (++steps > MAX_STEPS)
      inputError(
        'infeasible',
        ['--requests'],
        `the simulation exceeds ${MAX_STEPS.toLocaleString('en-US')} steps; simulate fewer or shorter requests`,
      );
    budget = e.maxBatchedTokens;
    decoding.length = 0;
    chunks.length = 0;
    // 1. Decode every running sequence past its prompt, growing its blocks; preempt the newest when full.
    for (let k = 0; k < running.length; k += 1) {
      const s = running[k]!;
      if (s.computed < s.promptTarget) continue;
      if (budget < perSeqTokens) break;
      let ok = grow(s, s.computed + perSeqTokens);
      while (!ok) {
        const victim = preemptLast();
        if (victim === s || victim === undefined) break;
        ok = grow(s, s.computed + perSeqTokens);
      }
      if (!ok) break;
      decoding.push(s);
      budget -= perSeqTokens;
    }
    // 2. Continue partial prefills, then admit preempted and waiting requests while budget and blocks last.
    for (const s of running) {
      if (budget <= 0) break;
      if (s.computed >= s.promptTarget) continue;
      const tokens = chunkOf(s);
      if (tokens > 0) {
        chunks.push({ s, tokens });
        budget -= tokens;
      }
    }
    while (budget > 0 && running.length < e.maxRunningSequences) {
      const fromPreempted = preempted.length > 0;
      const s = fromPreempted ? preempted[preempted.length - 1]! : waiting[waitingHead];
      if (!s) break;
      if (!s.admitted && s.computed === 0 && s.blocks === 0) {
        // Prefix cache: a session's previous turn, or the stated hit rate; whole blocks, ≥ 1 token computed.
        let hit = 0;
        const entry = s.req.prefixId === undefined ? undefined : prefixCache.get(s.req.prefixId);
        if (entry) {
          hit = Math.min(entry.tokens, s.req.inputTokens - 1);
          prefixCache.delete(s.req.prefixId!);
          cachedBlocks -= entry.blocks;
          usedBlocks += entry.blocks;
          s.blocks = entry.blocks;
        } else if (hitRate > 0 && e.features.prefixCaching) hit = s.req.inputTokens * hitRate;
        hit = Math.floor(hit / bs) * bs;
        s.computed = hit;
        s.hitTokens = hit;
        if (!grow(s, hit)) {
          s.computed = 0;
          s.hitTokens = 0;
        }
      }
      const mustFit =
        e.kvAdmission === 'reserve-final' ? s.req.inputTokens + s.req.outputTokens : s.promptTarget;
      if (Math.ceil(mustFit / bs) > totalBlocks) {
        // Never fits, even alone: reject it rather than stall the queue.
        if (fromPreempted) preempted.pop();
        else waitingHead += 1;
        reject(s);
        continue;
      }
      // Guaranteed no-evict admission: the prompt and every output token must fit now.
      if (e.kvAdmission === 'reserve-final' && !grow(s, s.req.inputTokens + s.req.outputTokens)) break;
      const tokens = chunkOf(s);
      if (tokens <= 0 && s.computed < s.promptTarget) break;
      if (fromPreempted) preempted.pop();
      else waitingHead += 1;
      if (!s.admitted) {
        s.admitted = true;
        promptTokens += s.req.inputTokens;
        hitTokens += s.hitTokens;
      }
      running.push(s);
      if (tokens > 0) {
        chunks.push({ s, tokens });
        budget -= tokens;
      }
    }
    if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
    if (decoding.length === 0 && chunks.length === 0) {
      if (running.length > 1) {
        // Every running sequence waits on blocks: preempt the newest to let the rest proceed.
        preemptLast();
        continue;
      }
      if (running.length === 1) {
        // One sequence alone outgrows the whole cache: it cannot be served.
        reject(running.pop()!);
        continue;
      }
      if (o.arrival.kind !== 'closed' && arrivalPointer < order.length) {
        now = Math.max(now, arrivalOf[order[arrivalPointer]!]!);
        continue;
      }
      break;
    }
    // Step time of the batch just formed.
    let context = 0;
    for (const s of decoding) context += s.computed;
    let prefillTokens = 0;
    let prefillContext = 0;
    for (const c of chunks) {
      prefillTokens += c.tokens;
      prefillContext += c.tokens * (c.s.computed + c.tokens / 2);
    }
    prefillSequences = chunks.length;
    const dt = stepSeconds({
      decodeSequences: decoding.length,
      tokensPerSequence: perSeqTokens,
      context: decoding.length > 0 ? context / decoding.length : 0,
      prefillTokens,
      prefillContext: prefillTokens > 0 ? prefillContext / prefillTokens : 0,
    });
    runningIntegral += running.length * dt;
    stepStart = now;
    gapsOfOneStep = 0;
    now += dt;
    // Apply: decode tokens (1 + accepted drafts), prompt chunks (the last chunk yields the first token).
    for (const s of decoding) {
      let tokens = 1;
      for (let k = 0; k < drafts && rng.uniform() < accept; k += 1) tokens += 1;
      tokens = Math.min(tokens, s.req.outputTokens - s.generated);
      s.computed += tokens;
      emit(s, tokens);
    }
    for (const c of chunks) {
      c.s.computed += c.tokens;
      if (c.s.computed >= c.s.promptTarget) emit(c.s, 1);
    }
    if (gapsOfOneStep > 0) itlCounts.set(dt, (itlCounts.get(dt) ?? 0) + gapsOfOneStep);
    let kept = 0;
    for (const s of running) {
      if (s.generated >= s.req.outputTokens) finish(s);
      else running[kept++] = s;
    }
    running.length = kept;
    if (steps % timelineStride === 0) {
      if (timelineAll.length >= 2 * timelinePoints) {
        // Keep the timeline bounded: drop every other point and halve the sampling rate.
        let j = 0;
        for (let k = 0; k < timelineAll.length; k += 2) timelineAll[j++] = timelineAll[k]!;
        timelineAll.length = j;
        timelineStride *= 2;
      }
      timelineAll.push({
        seconds: now,
        runningSequences: running.length,
        waitingRequests: waiting.length - waitingHead + preempted.length,
        prefillTokens,
        kvUsedFraction: (usedBlocks + cachedBlocks) / totalBlocks,
        preemptions,
      });
    }
  }

  const duration = Math.max(0, lastCompletion - (Number.isFinite(firstArrival) ? firstArrival : 0));
  const perSecond = (x: number) => (duration > 0 ? x / duration : 0);
  return {
    requests: requests.length,
    completed,
    rejected,
    preemptions,
    steps,
    durationSeconds: duration,
    kvCapacityTokens: totalBlocks * bs,
    ttftSeconds: latencyStats(ttft),
    tpotSeconds: latencyStats(tpot),
    itlSeconds: weightedLatencyStats([...itlCounts.keys()], [...itlCounts.values()]),
    e2eSeconds: latencyStats(e2e),
    outputTokensPerSecond: perSecond(outputTokens),
    inputTokensPerSecond: perSecond(inputTokens),
    outputTokensPerSecondPerGpu: perSecond(outputTokens) / replicaGpus(r),
    requestsPerSecond: perSecond(completed),
    goodputRequestsPerSecond: perSecond(good),
    sloAttainment: completed > 0 ? good / completed : 0,
    meanRunningSequences: now > 0 ? runningIntegral / now : 0,
    prefixHitShare: promptTokens > 0 ? hitTokens / promptTokens : 0,
    timeline: timelineAll,
  };
}
