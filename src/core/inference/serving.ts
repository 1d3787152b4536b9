/**
 * Serving a model: continuous batching at a concurrency (Orca/vLLM: every step decodes one token for
 * each running sequence and prefills a chunk of new prompts), bounded by the memory left for KV
 * blocks; TTFT, TPOT and throughput per GPU; speculative decoding (an MTP or draft head whose tokens
 * are accepted with probability a) and prefix caching (a share of prompt tokens already cached).
 */

import { inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { objectMemo } from '../memo.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { beyondContextWarning } from '../model/context-limit.js';
import type { ModelSpec } from '../model/spec.js';
import { type EngineProfile, GENERIC_ENGINE, kvCapacity } from './engine.js';
import { prefillQueueSeconds } from './queueing.js';
import {
  type Replica,
  replicaGpus,
  replicaMemoryOptions,
  type StepWork,
  servingStepSeconds,
} from './serving-step.js';
import { checkSpeculation, type SpeculativePlan, verifiedTokens } from './speculative-plan.js';
import { promptAloneSeconds, promptTokensPerStep, type SteadyStep, steadyStep } from './steady-step.js';

/**
 * A replica served by a named engine: its memory policy, block size, token budget, sequence cap
 * and per-step host overhead apply. Without a profile: all GPU memory, no caps, no overhead.
 */
export interface ServingReplica extends Replica {
  readonly profile?: EngineProfile;
}

export interface ServingWorkload {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Share of prompt tokens served from the prefix cache (0–1). */
  readonly cacheHitRate?: number;
  /** Speculative decoding: tokens drafted per step and the probability each is accepted. */
  readonly speculative?: SpeculativePlan;
  /**
   * Disaggregated serving (DeepSeek's deployment, DistServe): prefill runs on other replicas, so
   * decode steps carry no prompt chunks; size those with `prefillTokensPerSecondPerGpu`.
   */
  readonly disaggregated?: boolean;
}

export interface ServingPoint {
  readonly concurrency: number;
  readonly stepSeconds: number;
  readonly ttftSeconds: number;
  /** Time per output token seen by one request. */
  readonly tpotSeconds: number;
  readonly outputTokensPerSecondPerGpu: number;
  readonly inputTokensPerSecondPerGpu: number;
  /** Share of GPU time spent prefilling (to split cost between input and output tokens). */
  readonly prefillShare: number;
  readonly memoryPerGpuBytes: number;
  /**
   * Clients beyond the sequences the replica holds, waiting for a slot (a pinned concurrency above
   * the maximum; queueing.ts saturatedPoint); absent when every client runs.
   */
  readonly queuedClients?: number;
}

export function checkWorkload(w: ServingWorkload): void {
  if (!Number.isInteger(w.inputTokens) || w.inputTokens < 1)
    inputError('invalid_value', ['--input-tokens'], `must be a whole number ≥ 1, got ${w.inputTokens}`);
  if (!Number.isInteger(w.outputTokens) || w.outputTokens < 1)
    inputError('invalid_value', ['--output-tokens'], `must be a whole number ≥ 1, got ${w.outputTokens}`);
  const hit = w.cacheHitRate ?? 0;
  if (!(hit >= 0 && hit < 1))
    inputError('invalid_value', ['--cache-hit-rate'], `a fraction in [0, 1), got ${hit}`);
  checkSpeculation(w.speculative);
}

/**
 * What the caller should know but that does not stop the computation: engines serve context beyond
 * the config's `max_position_embeddings` (RoPE scaling) and users benchmark it, so it warns.
 */
export function servingWarnings(
  spec: ModelSpec,
  w: Pick<ServingWorkload, 'inputTokens' | 'outputTokens'>,
): string[] {
  const warning = beyondContextWarning(spec, 'input + output', w.inputTokens + w.outputTokens, 'served');
  return warning === null ? [] : [warning];
}

/**
 * How KV memory is counted. `paged` (vLLM's PagedAttention, Kwon et al. 2023, Sec. 4): blocks hold
 * the tokens a sequence has so far; with continuous batching the c running sequences are staggered
 * over their output, so together they hold c·input + output·(c+1)/2 tokens (ages output·k/c, k = 1..c)
 * plus half a block each of rounding. `reserved`: every sequence at its final length (a static batch,
 * where all sequences grow together, or an engine that reserves max length).
 */
export type KvAccounting = 'paged' | 'reserved';

/** Mean KV tokens held per running sequence (see {@link KvAccounting}). */
export function liveKvTokensPerSequence(
  w: Pick<ServingWorkload, 'inputTokens' | 'outputTokens'>,
  concurrency: number,
  accounting: KvAccounting,
  blockTokens: number,
): number {
  if (accounting === 'reserved') return w.inputTokens + w.outputTokens;
  const c = Math.max(1, concurrency);
  return w.inputTokens + (w.outputTokens * (c + 1)) / (2 * c) + blockTokens / 2;
}

/** Block size assumed when no engine is named: vLLM's default of 16 tokens (vLLM docs, --block-size). */
export const DEFAULT_KV_BLOCK_TOKENS = 16;

/** Per-GPU memory at a concurrency, DeepSeek-style DP attention over EP; KV counted as `accounting` says. */
export function servingMemoryBytes(
  spec: ModelSpec,
  r: ServingReplica,
  w: ServingWorkload,
  concurrency: number,
  accounting: KvAccounting = 'paged',
): number {
  const perReplicaShard = Math.max(1, Math.ceil(concurrency / r.expertParallel));
  return inferenceMemory(spec, {
    ...replicaMemoryOptions(r),
    batchSize: perReplicaShard,
    contextTokens: liveKvTokensPerSequence(w, perReplicaShard, accounting, DEFAULT_KV_BLOCK_TOKENS),
  }).totalBytes;
}

/** The most sequences a replica holds (memory for weights, KV blocks and workspace); 0 if the weights do not fit. */
export function maxConcurrency(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  accounting: KvAccounting = 'paged',
): number {
  // The same for every concurrency, mode and SLO of a candidate: computed once per replica and lengths.
  return mostSequences(spec, cluster, r, `${w.inputTokens}|${w.outputTokens}|${accounting}`, () =>
    searchMaxConcurrency(spec, cluster, r, w, accounting),
  );
}
const mostSequences = objectMemo<ModelSpec, ClusterSpec, ServingReplica, number>();

function searchMaxConcurrency(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  accounting: KvAccounting,
): number {
  // One home for KV room: the engine's KV pool (kvCapacity), as the simulator sizes it; without a
  // named engine, the hardware bound's (GENERIC_ENGINE, all memory) with no running-sequence cap.
  const e = r.profile ?? GENERIC_ENGINE;
  const capacity = kvCapacity(spec, cluster, r, e, w.inputTokens + w.outputTokens / 2);
  const cap = r.profile ? e.maxRunningSequences : Number.POSITIVE_INFINITY;
  // The KV pool holds the live tokens of every running sequence, up to the sequence cap; and the
  // memory reported at that concurrency (servingMemoryBytes: its workspace grows with the batch's
  // last-token logits) stays within the GPU, so a plan never says it fits above capacity.
  const admission = e.kvAdmission === 'reserve-final' ? 'reserved' : accounting;
  const fits = (c: number) =>
    c <= cap &&
    c * liveKvTokensPerSequence(w, c, admission, e.kvBlockTokens) <= capacity.tokens &&
    servingMemoryBytes(spec, r, w, c, admission) <= cluster.gpu.memoryBytes;
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (fits(hi) && hi < 1 << 20) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const outputTokensPerSecondPerGpu = (s: SteadyStep, r: Replica): number =>
  (s.concurrency * s.perStep) / s.step / replicaGpus(r);

/** Steady state of continuous batching with `concurrency` running sequences. */
export function servingPoint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  concurrency: number,
): ServingPoint {
  checkWorkload(w);
  return pointAt(spec, cluster, r, w, steadyStep(spec, cluster, r, w, concurrency));
}

function pointAt(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  s: SteadyStep,
): ServingPoint {
  const { concurrency, stepsPerRequest, stepKernels, decodeKernels, step } = s;
  const { admitStep, promptWork } = promptPath(spec, cluster, r, w, s);
  const output = outputTokensPerSecondPerGpu(s, r);
  // Under load a prompt also waits: for the step in progress (half a step on average while the other
  // c − 1 decode) and for the prefill work of the prompts ahead of it, each the GPU time its chunks add
  // to steps that decode anyway (queueing.ts). Disaggregated prefill pools are sized apart.
  const wait =
    concurrency > 1 && !w.disaggregated
      ? ((concurrency - 1) / concurrency) * (step / 2) +
        prefillQueueSeconds(concurrency, promptWork, (stepsPerRequest - 1) * step)
      : 0;
  return {
    concurrency,
    stepSeconds: step,
    ttftSeconds: admitStep + wait,
    tpotSeconds: s.tpot,
    outputTokensPerSecondPerGpu: output,
    inputTokensPerSecondPerGpu: output * (w.inputTokens / w.outputTokens),
    // GPU work, not wall time: a host-bound step (host time overlapping the GPU) still prefills.
    prefillShare: stepKernels > 0 ? Math.max(0, (stepKernels - decodeKernels) / stepKernels) : 0,
    memoryPerGpuBytes: servingMemoryBytes(spec, r, w, concurrency),
  };
}

/**
 * One new prompt's path through a replica at the steady step `s`: `admitStep`, the seconds from its
 * admission to its first token with the other c − 1 sequences decoding; `promptWork`, the seconds its
 * prefill adds to steps that decode anyway (the prefill path's service time; its whole prefill on a
 * prefill-first engine, where decoding stops for it); 0 work when prefill runs on other replicas;
 * `chunks`, the steps its prompt takes at the engine's token budget.
 */
export function promptPath(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  s: SteadyStep,
): { readonly admitStep: number; readonly promptWork: number; readonly chunks: number } {
  const { concurrency, work, promptTokens, wall } = s;
  // A prompt longer than the engine's token budget is prefilled in chunks, one per step (in flight
  // together where the engine streams them through a pipeline).
  const chunkTokens = r.profile?.maxBatchedTokens ?? promptTokens;
  const chunks = Math.max(1, Math.ceil(promptTokens / chunkTokens));
  const prefillAlone =
    s.prompt ?? promptAloneSeconds(spec, cluster, r, work, promptTokens, wall, s.cachedTokens);
  const prefillFirst = r.profile?.prefillFirst === true;
  if (w.disaggregated) return { admitStep: prefillAlone, promptWork: 0, chunks };
  if (concurrency <= 1 || prefillFirst) return { admitStep: prefillAlone, promptWork: prefillAlone, chunks };
  // The step that prefills a new prompt also decodes the other c − 1 running sequences (chunked
  // prefill, Sarathi-Serve, Agrawal et al. 2024): at concurrency 1 the TTFT is the prefill alone, as
  // on a prefill-first engine at any concurrency.
  const others = { ...work, decodeSequences: concurrency - 1 };
  const step = (w: StepWork) => chunks * wall(servingStepSeconds(spec, cluster, r, w));
  const chunk = { ...others, prefillTokens: promptTokens / chunks };
  // Its prompt is one request: over attention-DP ranks, all of it on one rank (attentionRankLoad). The
  // work it adds to the replica's steps, though, is a rank's share: the prompts behind it go to the other
  // ranks' schedulers, so the prefill path serves them side by side (the even spread's added time).
  const admitStep = step({ ...chunk, prefillSequences: 1 });
  const added = r.expertParallel > 1 ? step(chunk) : admitStep;
  const decodeOnly = step({ ...others, prefillTokens: 0 });
  return { admitStep, promptWork: Math.max(0, added - decodeOnly), chunks };
}

/**
 * The tokens one step of decodes and prompt chunks together may hold (vLLM's max_num_batched_tokens);
 * undefined where the engine sets none, or prefills prompts in steps of their own (prefill-first).
 */
export const mixedStepBudget = (r: ServingReplica): number | undefined =>
  r.profile?.prefillFirst === true ? undefined : r.profile?.maxBatchedTokens;

/**
 * The most sequences whose steady steps keep the prompts they need and their decodes within the engine's
 * step budget B: c·(P / steps + tokens a sequence verifies) ≤ B, P a request's uncached prompt tokens
 * (steady-step.ts); past it the prompts fall behind. At least one: alone, a prompt runs in chunks.
 */
export function budgetConcurrency(r: ServingReplica, w: ServingWorkload): number {
  const budget = mixedStepBudget(r);
  if (budget === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(budget / (promptTokensPerStep(w) + verifiedTokens(w.speculative))));
}

/** The most sequences a replica runs: what its memory holds, and its engine's step budget takes. */
export const runnableConcurrency = (
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
): number => Math.min(maxConcurrency(spec, cluster, r, w), budgetConcurrency(r, w));

export interface Slo {
  readonly ttftSeconds?: number;
  readonly tpotSeconds?: number;
}

/** Whether any latency limit is set. */
export const hasSlo = (slo: Slo): boolean => slo.ttftSeconds !== undefined || slo.tpotSeconds !== undefined;

/** The SLO a model `speed` times too slow must meet for the real replica to meet `slo`: every limit × speed. */
export const scaledSlo = (slo: Slo, speed: number): Slo => ({
  ...(slo.ttftSeconds !== undefined && { ttftSeconds: slo.ttftSeconds * speed }),
  ...(slo.tpotSeconds !== undefined && { tpotSeconds: slo.tpotSeconds * speed }),
});

/** Tokens per second one user sees, 1 / TPOT; a one-token answer arrives whole with its first token (1 / TTFT). */
export const tokensPerSecondPerUser = (p: Pick<ServingPoint, 'ttftSeconds' | 'tpotSeconds'>): number =>
  p.tpotSeconds > 0 ? 1 / p.tpotSeconds : 1 / p.ttftSeconds;

/** A point within the TTFT and TPOT limits (an absent limit is no limit). */
export const meetsSlo = (p: Pick<ServingPoint, 'ttftSeconds' | 'tpotSeconds'>, slo: Slo): boolean =>
  (slo.ttftSeconds === undefined || p.ttftSeconds <= slo.ttftSeconds) &&
  (slo.tpotSeconds === undefined || p.tpotSeconds <= slo.tpotSeconds);

/**
 * Whether a steady state holds by Little's law (Kleinrock 1975, Queueing Systems I, Sec. 2.1): its
 * throughput assumes all `concurrency` sequences decode every step, but a closed loop of that many
 * clients completes c / (TTFT + the remaining steps) requests a second. Where the prefill queue has
 * passed its knee (the repairman model's saturation, queueing.ts), most clients wait for their first
 * token instead, and the step-based rate overstates the loop's by more than 2× (the factor named
 * {@link MIN_LOOP_CONSISTENCY}): such a point is not a steady state the engine reaches. Aggregated only:
 * a disaggregated decode replica holds a slot from its first token on.
 */
function holdsByLittlesLaw(p: ServingPoint, s: SteadyStep, w: ServingWorkload): boolean {
  if (w.disaggregated || s.concurrency <= 1) return true;
  const stepSeconds = s.stepsPerRequest * s.step;
  return stepSeconds / (p.ttftSeconds + (s.stepsPerRequest - 1) * s.step) >= MIN_LOOP_CONSISTENCY;
}
/** The least closed-loop rate, as a share of the step-based one, at which a point counts as reached. */
const MIN_LOOP_CONSISTENCY = 0.5;

/**
 * The highest-throughput concurrency that fits in memory, meets the SLO and holds by Little's law
 * ({@link holdsByLittlesLaw}); null if none does.
 */
export function bestServingPoint(
  spec: ModelSpec,
  cluster: ClusterSpec,
  r: ServingReplica,
  w: ServingWorkload,
  slo: Slo = {},
): ServingPoint | null {
  checkWorkload(w);
  const max = maxConcurrency(spec, cluster, r, w);
  if (max < 1) return null;
  const withinBudget = budgetConcurrency(r, w);
  let best: ServingPoint | null = null;
  // Throughput rises with concurrency while latency does too: scan a geometric grid plus the maximum.
  const grid = new Set<number>([max]);
  for (let c = 1; c < max; c = Math.ceil(c * 1.25)) grid.add(c);
  for (const c of [...grid].sort((a, b) => a - b)) {
    // TPOT and throughput follow from the step alone: a point over the TPOT limit, or no faster than
    // the best so far, is passed over before its TTFT and memory are computed. Without a pipeline the
    // first point over the limit ends the scan: a step never shortens as its batch grows, so neither
    // does TPOT (serving.test.ts); a pipeline's microbatches can (fewer sequences than stages).
    const s = steadyStep(spec, cluster, r, w, c);
    if (c > withinBudget) break;
    if (slo.tpotSeconds !== undefined && s.tpot > slo.tpotSeconds) {
      if ((r.pipelineParallel ?? 1) === 1) break;
      continue;
    }
    if (best && outputTokensPerSecondPerGpu(s, r) <= best.outputTokensPerSecondPerGpu) continue;
    const p = pointAt(spec, cluster, r, w, s);
    if (meetsSlo(p, slo) && holdsByLittlesLaw(p, s, w)) best = p;
  }
  return best;
}
