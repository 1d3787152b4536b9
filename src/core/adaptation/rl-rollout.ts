/**
 * RL rollouts on the serving engine: every response of a step (prompts × samples per prompt) is
 * submitted at once to replicas of the rollout GPUs, and each replica is simulated request by
 * request (inference/simulator/simulate.ts: continuous batching, the engine's token budget and
 * sequence cap, paged KV with preemption). A synchronous step waits for the slowest replica, and
 * a replica ends with its longest responses decoding at a small batch: the long tail of response
 * lengths, not their mean, sets the rollout time (Yu et al. 2025, DAPO Sec. 3.4; Fu et al. 2025,
 * AReaL Sec. 1; Zhong et al. 2025, StreamRL Sec. 2.2).
 */
import { DoesNotFitError, inputError } from '../errors.js';
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { type EngineProfile, kvCapacity } from '../inference/engine.js';
import { replicaOptions } from '../inference/replica-layouts.js';
import { type Replica, replicaGpus } from '../inference/serving-step.js';
import { SIMULATION_LIMITS } from '../inference/simulator/limits.js';
import { simulateReplica } from '../inference/simulator/simulate.js';
import type { Length, SimRequest } from '../inference/simulator/workload.js';
import { splitsKvHeads, tensorParallelRequirement, tensorParallelSplits } from '../model/kv-cache.js';
import type { ModelSpec } from '../model/spec.js';
import type { KvFormat, WeightFormat } from '../precision.js';
import { sample, seededRng } from '../uncertainty/distributions.js';

export interface RolloutOptions {
  /** GPUs generating (all of them when colocated; the rollout pool when separate). */
  readonly gpus: number;
  readonly sequences: number;
  readonly promptTokens: number;
  /** Tokens per response: fixed, or a distribution drawn once per response. */
  readonly responseTokens: Length;
  /** Responses are cut at this length (the run's maximum response length). */
  readonly maxResponseTokens: number;
  /** With a distribution: the mean of the responses after the cut (the draws are scaled to it). */
  readonly meanResponseTokens?: number;
  readonly engine: EngineProfile;
  readonly weightFormat: WeightFormat;
  readonly kvFormat: KvFormat;
  readonly seed?: number;
  /** The input that sets `gpus`, named when the rollout does not fit (default `--gpus`). */
  readonly gpusPath?: string;
  /**
   * Tensor parallelism of every rollout replica as the run sets it (vLLM's tensor_parallel_size; a
   * replica spans this many GPUs, across nodes when it exceeds one, experts sharded over them), e.g.
   * NeMo RL's "Generation [TP,PP]" or verl's rollout tensor_model_parallel_size. Absent: the fastest
   * of the few smallest shapes that hold one longest sequence.
   */
  readonly tensorParallel?: number;
}

export interface RolloutTime {
  /** The slowest replica's time: a synchronous step waits for it. */
  readonly seconds: number;
  readonly meanReplicaSeconds: number;
  readonly tensorParallel: number;
  readonly expertParallel: number;
  readonly replicas: number;
  readonly sequencesPerReplica: number;
  /** KV tokens one replica holds under the engine's memory share. */
  readonly kvCapacityTokens: number;
  readonly preemptions: number;
  readonly meanResponseTokens: number;
  readonly longestResponseTokens: number;
  /** The cut: no response of the run is longer (`--max-response-tokens`, or its default). */
  readonly maxResponseTokens: number;
  /** Responses cut at the maximum length. */
  readonly truncatedResponses: number;
  /** Replicas simulated (all of them unless the step exceeds MAX_SIMULATED_WORK). */
  readonly simulatedReplicas: number;
  /** Engine steps (scheduler iterations) of the slowest replica: what a host time per step multiplies. */
  readonly steps: number;
  /** On the slowest replica, seconds until 90% of its responses were complete (the rest is the tail). */
  readonly p90CompletionSeconds: number;
  readonly outputTokensPerSecondPerGpu: number;
}

/**
 * The step's response lengths: fixed, or drawn (seeded) and cut at the maximum. With a target mean,
 * the draws are scaled (bisection on the scale) so that the responses as generated — after the cut,
 * as RL frameworks log them — average it, keeping the distribution's shape (its spread).
 */
export function responseLengths(
  o: Pick<
    RolloutOptions,
    'sequences' | 'responseTokens' | 'maxResponseTokens' | 'meanResponseTokens' | 'seed'
  >,
): number[] {
  const rng = seededRng(o.seed ?? 1);
  const drawn = new Float64Array(o.sequences);
  for (let i = 0; i < o.sequences; i += 1)
    drawn[i] = typeof o.responseTokens === 'number' ? o.responseTokens : sample(o.responseTokens, rng);
  const cut = (scale: number) => {
    const out = new Array<number>(o.sequences);
    for (let i = 0; i < o.sequences; i += 1)
      out[i] = Math.max(1, Math.min(o.maxResponseTokens, Math.round(scale * drawn[i]!)));
    return out;
  };
  const target = o.meanResponseTokens;
  if (target === undefined || typeof o.responseTokens === 'number') return cut(1);
  if (target >= o.maxResponseTokens)
    inputError(
      'invalid_value',
      ['--response-tokens'],
      `a mean of ${target} leaves no room for a tail below the maximum response of ${o.maxResponseTokens}; raise --max-response-tokens`,
    );
  const mean = (scale: number) => {
    let sum = 0;
    for (const l of cut(scale)) sum += l;
    return sum / o.sequences;
  };
  let lo = 0;
  let hi = 1;
  while (mean(hi) < target && hi < 1e9) hi *= 2;
  for (let k = 0; k < 50; k += 1) {
    const mid = (lo + hi) / 2;
    if (mean(mid) < target) lo = mid;
    else hi = mid;
  }
  return cut(hi);
}

/**
 * What one rollout simulates at most, shape trials and replicas together: response tokens, each
 * sequence counted as SEQUENCE_WORK more (its admission, prefill and metrics cost about that many
 * decoded tokens). About 2 s of CPU (~60 ns a token where lengths vary). Beyond it the replicas,
 * whose responses are drawn alike, are simulated only as far as the budget goes and the slowest of
 * those is taken, and larger shapes are not tried; a single replica beyond it is refused.
 */
export const MAX_SIMULATED_WORK = 30_000_000;
const SEQUENCE_WORK = 32;

/**
 * Sequences of one step at most (prompts × samples per prompt): their lengths are all drawn (and
 * rescaled to the mean) before any replica is simulated.
 */
export const MAX_ROLLOUT_SEQUENCES = 1_000_000;

const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** Replica shapes tried: the smallest few that hold one longest sequence in the engine's KV budget. */
const SHAPES_TRIED = 4;

function replicaShapes(
  spec: ModelSpec,
  cluster: ClusterSpec,
  o: RolloutOptions,
  meanContext: number,
): Replica[] {
  const longest = o.promptTokens + o.maxResponseTokens;
  const tp = o.tensorParallel;
  if (tp !== undefined) {
    if (!Number.isInteger(tp) || tp < 1 || o.gpus % tp !== 0)
      inputError(
        'invalid_value',
        ['--rollout-tp'],
        `must be a whole number ≥ 1 that divides the ${o.gpus} rollout GPUs, got ${tp}`,
      );
    if (!tensorParallelSplits(spec, tp))
      inputError('infeasible', ['--rollout-tp'], tensorParallelRequirement(spec, tp));
    // A fixed TP: one shape, experts sharded over its GPUs (vLLM without expert parallelism).
    return replicaOptions(spec, cluster, [o.weightFormat], o.kvFormat, {
      tensorParallel: tp,
      expertParallel: 1,
      pipelineParallel: 1,
    }).filter((r) => kvCapacity(spec, cluster, r, o.engine, meanContext).tokens >= longest);
  }
  // Rollout engines in the RL frameworks run TP (and EP) replicas: no pipeline is tried for them.
  return replicaOptions(spec, cluster, [o.weightFormat], o.kvFormat, { maxGpus: o.gpus })
    .filter(
      (r) =>
        (r.pipelineParallel ?? 1) === 1 &&
        o.gpus % replicaGpus(r) === 0 &&
        splitsKvHeads(spec, r.tensorParallel) &&
        (!spec.moe || spec.moe.numExperts % r.expertParallel === 0) &&
        kvCapacity(spec, cluster, r, o.engine, meanContext).tokens >= longest,
    )
    .sort((a, b) => replicaGpus(a) - replicaGpus(b) || a.tensorParallel - b.tensorParallel)
    .slice(0, SHAPES_TRIED);
}

/**
 * The rollout of one RL step: the replica shape (of the few smallest that fit) whose first replica
 * finishes soonest, then every replica of that shape simulated on its share of the responses.
 */
export function rolloutTime(spec: ModelSpec, cluster: ClusterSpec, o: RolloutOptions): RolloutTime {
  const fix = 'use fewer prompts or samples per prompt (--prompts, --samples-per-prompt), or more GPUs';
  if (o.sequences > MAX_ROLLOUT_SEQUENCES)
    inputError(
      'infeasible',
      ['--prompts'],
      `prompts × samples per prompt make ${count(o.sequences)} sequences a step, more than the ${count(MAX_ROLLOUT_SEQUENCES)} the rollout simulator takes; use fewer prompts or samples per prompt (--prompts, --samples-per-prompt)`,
    );
  const work = (sequences: number, tokens: number) => tokens + SEQUENCE_WORK * sequences;
  const tooMany = (sequences: number, tokens: number) =>
    inputError(
      'infeasible',
      ['--prompts'],
      `one rollout replica would simulate ${count(sequences)} sequences and ${count(tokens)} response tokens a step, more than one simulation takes (${count(SIMULATION_LIMITS.requests)} sequences; ${count(MAX_SIMULATED_WORK)} tokens with each sequence counted as ${SEQUENCE_WORK}); ${fix}`,
    );
  const tooLargeFor = (sequences: number, tokens: number) =>
    work(sequences, tokens) > MAX_SIMULATED_WORK || sequences > SIMULATION_LIMITS.requests;
  // Before drawing: even one-GPU replicas would each carry more than the budget.
  const expectedMean = o.meanResponseTokens ?? (typeof o.responseTokens === 'number' ? o.responseTokens : 1);
  if (tooLargeFor(Math.ceil(o.sequences / o.gpus), (o.sequences * expectedMean) / o.gpus))
    tooMany(Math.ceil(o.sequences / o.gpus), (o.sequences * expectedMean) / o.gpus);
  if (o.maxResponseTokens > SIMULATION_LIMITS.steps)
    inputError(
      'infeasible',
      ['--max-response-tokens'],
      `a response of up to ${count(o.maxResponseTokens)} tokens decodes one step after another, more than the ${count(SIMULATION_LIMITS.steps)} engine steps one simulation runs; give at most ${count(SIMULATION_LIMITS.steps)}`,
    );
  const lengths = responseLengths(o);
  let total = 0;
  let longest = 0;
  let truncated = 0;
  for (const l of lengths) {
    total += l;
    longest = Math.max(longest, l);
    if (l >= o.maxResponseTokens && typeof o.responseTokens !== 'number') truncated += 1;
  }
  const meanResponse = total / lengths.length;

  const shapes = replicaShapes(spec, cluster, o, o.promptTokens + meanResponse / 2);
  const doesNotFit: (message: string) => never = (message) => {
    throw new DoesNotFitError({ code: 'infeasible', path: [o.gpusPath ?? '--gpus'], message });
  };
  if (shapes.length === 0)
    doesNotFit(
      `${spec.name} does not fit for generation on ${o.gpus} × ${cluster.gpu.id}${o.tensorParallel === undefined ? '' : ` at TP${o.tensorParallel} (--rollout-tp)`} under ${o.engine.name} with room for one ${o.promptTokens + o.maxResponseTokens}-token sequence`,
    );
  // Replica i's slice of the sequences, the first replicas taking the rounded-up shares (fewer sequences
  // than replicas leave the last ones idle; the first, simulated first, is always busy).
  const requestsOf = (replicas: number, i: number): SimRequest[] => {
    const from = Math.ceil((i * lengths.length) / replicas);
    const to = Math.ceil(((i + 1) * lengths.length) / replicas);
    const out: SimRequest[] = [];
    for (let k = from; k < to; k += 1)
      out.push({ arrivalSeconds: 0, inputTokens: o.promptTokens, outputTokens: lengths[k]! });
    return out;
  };
  const simulate = (r: Replica, i: number) => {
    const requests = requestsOf(o.gpus / replicaGpus(r), i);
    return requests.length === 0
      ? null
      : simulateReplica(spec, cluster, r, requests, {
          engine: o.engine,
          arrival: { kind: 'burst' },
          seed: (o.seed ?? 1) + i,
          timelinePoints: 1,
          sizeField: '--prompts',
        });
  };
  let best: { r: Replica; first: NonNullable<ReturnType<typeof simulate>> } | null = null;
  // One replica of a shape: its share of the sequences (rounded up) and of the response tokens.
  const share = (r: Replica) => replicaGpus(r) / o.gpus;
  const replicaWork = (r: Replica) => work(lengths.length * share(r), total * share(r));
  const tooLarge = (r: Replica) => tooLargeFor(Math.ceil(lengths.length * share(r)), total * share(r));
  if (shapes.every(tooLarge))
    tooMany(Math.ceil(lengths.length * share(shapes[0]!)), total * share(shapes[0]!));
  // Shapes are tried smallest first while the budget lasts (the first that fits always is).
  let spent = 0;
  for (const r of shapes) {
    if (tooLarge(r) || spent + replicaWork(r) > MAX_SIMULATED_WORK) continue;
    spent += replicaWork(r);
    const first = simulate(r, 0);
    if (first && first.rejected === 0 && (!best || first.durationSeconds < best.first.durationSeconds))
      best = { r, first };
  }
  if (!best)
    doesNotFit(
      `${spec.name} cannot generate every response on ${o.gpus} × ${cluster.gpu.id}: a replica has no room for its longest sequence`,
    );
  const replicas = o.gpus / replicaGpus(best.r);
  // The best shape's first replica is simulated; more while the budget the trials left lasts.
  const more = Math.floor((MAX_SIMULATED_WORK - spent) / replicaWork(best.r));
  const simulated = Math.max(1, Math.min(replicas, 1 + more));
  let slowest = best.first;
  let sum = best.first.durationSeconds;
  let preemptions = best.first.preemptions;
  let outputTokensPerSecond = 0;
  for (let i = 1; i < simulated; i += 1) {
    const sim = simulate(best.r, i);
    if (!sim) continue;
    sum += sim.durationSeconds;
    preemptions += sim.preemptions;
    if (sim.durationSeconds > slowest.durationSeconds) slowest = sim;
  }
  outputTokensPerSecond = slowest.durationSeconds > 0 ? total / slowest.durationSeconds : 0;
  return {
    seconds: slowest.durationSeconds,
    meanReplicaSeconds: sum / simulated,
    simulatedReplicas: simulated,
    tensorParallel: best.r.tensorParallel,
    expertParallel: best.r.expertParallel,
    replicas,
    sequencesPerReplica: Math.ceil(lengths.length / replicas),
    kvCapacityTokens: slowest.kvCapacityTokens,
    preemptions,
    steps: slowest.steps,
    meanResponseTokens: meanResponse,
    longestResponseTokens: longest,
    maxResponseTokens: o.maxResponseTokens,
    truncatedResponses: truncated,
    p90CompletionSeconds: slowest.e2eSeconds.p90,
    outputTokensPerSecondPerGpu: outputTokensPerSecond / o.gpus,
  };
}
