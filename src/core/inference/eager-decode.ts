/**
 * Decode steps beyond an engine's CUDA-graph capture: which a plan runs (its concurrency per attention-DP
 * rank against the capture), how much of a simulated run they take, and what that leaves untimed, in
 * words — one home for `serve`, the simulation, scenarios and the web app.
 */
import { cudaGraphMaxBatch, type EngineProfile } from './engine.js';
import type { Replica } from './serving-step.js';

/** The profile's capture (absent: none stated) and the replica's decode batches, as the capture sees them. */
type Capture = Pick<EngineProfile, 'cudaGraphBatch'> | undefined;
type DecodeRanks = Pick<Replica, 'tensorParallel' | 'expertParallel' | 'pipelineParallel'>;

/** Decode steps beyond the engine's CUDA-graph capture: the batch each attention-DP rank decodes and the largest captured. */
export interface EagerDecode {
  readonly decodeBatchPerRank: number;
  readonly cudaGraphMaxBatch: number;
  /** The most sequences per replica whose decode stays within the capture. */
  readonly withinConcurrency: number;
}

/**
 * Whether `concurrency` sequences per replica decode beyond the engine's CUDA-graph capture (each
 * attention-DP rank, `expertParallel` of them, decodes its share); null when they do not, or where the
 * profile states no capture.
 */
export function eagerDecode(e: Capture, r: DecodeRanks, concurrency: number): EagerDecode | null {
  const graph = e ? cudaGraphMaxBatch(e, r) : null;
  // Each attention-DP rank, and each pipeline microbatch, is its own decode batch.
  const split = r.expertParallel * (r.pipelineParallel ?? 1);
  const perRank = Math.ceil(concurrency / split);
  return graph !== null && perRank > graph
    ? { decodeBatchPerRank: perRank, cudaGraphMaxBatch: graph, withinConcurrency: graph * split }
    : null;
}

/** What a step beyond the capture costs that the model does not, in words (one home for both statements). */
const EAGER_COST =
  'those steps launch their kernels from the host, a cost llmecon does not add and the band does not cover (small beside a long step; SGLang 0.4.5 ran DeepSeek-R1 at 200 sequences, over its limit of 160, 2.5× slower than predicted: docs/validation-serving.md)';

/** {@link EagerDecode} in words: what runs eager, that it is not timed, and the concurrency that avoids it. */
export function eagerDecodeStatement(e: EagerDecode, engine: string, attentionDp: boolean): string {
  return `eager decode: ${e.decodeBatchPerRank} sequences per decode step${attentionDp ? ' per attention-DP rank' : ''} exceed the ${engine} CUDA-graph capture of ${e.cudaGraphMaxBatch} on this replica: ${EAGER_COST}; concurrency ${e.withinConcurrency} stays within it`;
}

/** A plan's decode beyond its engine's capture as a warning, as `serve` states it (none within it). */
export function eagerDecodeWarnings(
  r: DecodeRanks & { readonly profile?: Capture & { readonly name: string } },
  concurrency: number,
): string[] {
  const eager = eagerDecode(r.profile, r, concurrency);
  return eager === null
    ? []
    : [eagerDecodeStatement(eager, r.profile?.name ?? 'engine', r.expertParallel > 1)];
}

/** A simulation's steps beyond the engine's CUDA-graph capture ({@link eagerStepTally}). */
export interface BeyondCapture {
  /** Their share of the simulated time (0–1). */
  readonly timeShare: number;
  readonly steps: number;
  /** The widest of them: its batch per attention-DP rank, the capture, the concurrency within it. */
  readonly widest: EagerDecode;
}

/**
 * The simulated time in steps beyond the engine's CUDA-graph capture: an `onStep` for the simulator
 * (simulate.ts) and, after the run, that time in words with its share of the run; null where no step
 * went beyond (or the profile states no capture).
 */
export function eagerStepTally(e: Capture, r: DecodeRanks) {
  let seconds = 0;
  let eagerSeconds = 0;
  let eagerSteps = 0;
  let widest: EagerDecode | null = null;
  /** The run's steps beyond the capture: their share of the simulated time, count and widest batch; null if none. */
  const summary = (): BeyondCapture | null =>
    widest === null || seconds <= 0 ? null : { timeShare: eagerSeconds / seconds, steps: eagerSteps, widest };
  return {
    summary,
    onStep(stepSeconds: number, sequences: number): void {
      seconds += stepSeconds;
      const eager = eagerDecode(e, r, sequences);
      if (eager === null) return;
      eagerSeconds += stepSeconds;
      eagerSteps += 1;
      if (widest === null || eager.decodeBatchPerRank > widest.decodeBatchPerRank) widest = eager;
    },
    statement(engine: string): string | null {
      const b = summary();
      if (b === null) return null;
      const share = 100 * b.timeShare;
      return `${share < 1 ? '<1' : share.toFixed(0)}% of the simulated time (${b.steps} steps, up to ${b.widest.decodeBatchPerRank} sequences${r.expertParallel > 1 ? ' per attention-DP rank' : ''}) ran beyond the ${engine} CUDA-graph capture of ${b.widest.cudaGraphMaxBatch}: ${EAGER_COST}; ${b.widest.withinConcurrency} sequences at a time stay within it`;
    },
  };
}
