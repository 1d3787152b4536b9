/**
 * How large one simulation may be, so that every accepted run answers in a few seconds on one core
 * (the benchmark: a 10,000-request trace in ≤ 1 s, bench/serving-sim.bench.ts). A run costs about
 * 0.5 µs an engine step, 25–40 ns a sequence-step (one sequence in one step: the scheduler, KV and
 * metrics work per sequence) and 3 µs a request; the limits keep the worst of them to ~1–2 s each.
 * They are checked before simulating, from the requests' lengths and the KV pool, and the steps are
 * also counted as the run goes: sparse arrivals (one sequence a step) and preemptions (prompts
 * recomputed) are known only then.
 */
import { DOMAINS } from '../../domain.js';
import { inputError } from '../../errors.js';
import type { SimRequest } from './workload.js';

export const SIMULATION_LIMITS = {
  /** Requests one simulation takes (a trace's lines, `--requests`): the domain table's bound. */
  requests: DOMAINS.simulatedRequests.max,
  /** Engine steps (scheduler iterations). */
  steps: 2_000_000,
  /** Σ over requests of their decode steps and prompt chunks: the sequence-steps the run will take. */
  sequenceSteps: 50_000_000,
} as const;

const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** A simulation larger than the limits: refused, naming the input the requests come from. */
export function simulationTooLarge(field: string, what: string): never {
  return inputError(
    'infeasible',
    [field],
    `${what}; simulate fewer or shorter requests (the limits keep one simulation to a few seconds)`,
  );
}

export function checkRequestCount(requests: number, field: string): void {
  if (requests > SIMULATION_LIMITS.requests)
    simulationTooLarge(
      field,
      `${count(requests)} requests, more than the ${count(SIMULATION_LIMITS.requests)} one simulation takes`,
    );
}

export interface SizeContext {
  /** The input the requests come from (`--requests`, `--trace`, `--prompts`). */
  readonly field: string;
  /** Tokens the replica's KV pool holds. */
  readonly capacityTokens: number;
  readonly maxBatchedTokens: number;
  readonly maxRunningSequences: number;
  readonly chunkedPrefill: boolean;
  /** Admission reserves every request's final length (a request beyond the pool is rejected at once). */
  readonly reserveFinal: boolean;
  /** Output tokens a sequence adds in one step at most (1 + drafts) and on average (accepted drafts). */
  readonly maxTokensPerStep: number;
  readonly meanTokensPerStep: number;
}

/**
 * Refuses, before simulating, a run beyond the limits: too many requests, more sequence-steps than
 * the limit (each request's decode steps and prompt chunks; a request larger than the KV pool is
 * rejected once it fills it), or more engine steps than the limit for certain (one request's decode
 * steps follow one another; a step runs at most the engine's sequence cap).
 */
export function checkSimulationSize(requests: readonly SimRequest[], c: SizeContext): void {
  checkRequestCount(requests.length, c.field);
  let sequenceSteps = 0;
  let longestChain = 0;
  let outputTokens = 0;
  for (const q of requests) {
    if (q.inputTokens > c.capacityTokens) continue; // rejected on admission
    if (c.reserveFinal && q.inputTokens + q.outputTokens > c.capacityTokens) continue;
    // Past the pool's size a lone request is preempted and rejected: it decodes no further.
    const decoded = Math.min(q.outputTokens, c.capacityTokens - q.inputTokens + 1);
    const chunks = c.chunkedPrefill ? Math.ceil(q.inputTokens / c.maxBatchedTokens) : 1;
    sequenceSteps += chunks + Math.ceil((decoded - 1) / c.meanTokensPerStep);
    longestChain = Math.max(longestChain, Math.ceil((decoded - 1) / c.maxTokensPerStep));
    outputTokens += decoded;
  }
  const n = requests.length;
  if (sequenceSteps > SIMULATION_LIMITS.sequenceSteps)
    simulationTooLarge(
      c.field,
      `${count(n)} request${n === 1 ? '' : 's'} of ${count(outputTokens / n)} output tokens on average take about ${count(sequenceSteps)} sequence-steps (each sequence's decode steps and prompt chunks), more than the ${count(SIMULATION_LIMITS.sequenceSteps)} one simulation runs`,
    );
  const batched = Math.ceil(sequenceSteps / c.maxRunningSequences);
  if (Math.max(longestChain, batched) > SIMULATION_LIMITS.steps)
    simulationTooLarge(
      c.field,
      longestChain >= batched
        ? `one request decodes ${count(longestChain)} tokens one step after another, more than the ${count(SIMULATION_LIMITS.steps)} engine steps one simulation runs`
        : `${count(sequenceSteps)} sequence-steps at most ${c.maxRunningSequences} a step (the engine's sequence cap) take at least ${count(batched)} engine steps, more than the ${count(SIMULATION_LIMITS.steps)} one simulation runs`,
    );
}

/** Sequence-steps a run may reach while simulating: the limit, and half again for preemptions' recomputes. */
export const RUNNING_SEQUENCE_STEPS = 1.5 * SIMULATION_LIMITS.sequenceSteps;

/** The run passed a limit while simulating (arrivals one at a time, preemptions recomputing prompts). */
export function simulationRanTooLong(field: string, steps: number, sequenceSteps: number): never {
  return simulationTooLarge(
    field,
    steps > SIMULATION_LIMITS.steps
      ? `the simulation passed ${count(SIMULATION_LIMITS.steps)} engine steps (sparse arrivals run about one sequence a step; preemptions recompute prompts)`
      : `the simulation passed ${count(sequenceSteps)} sequence-steps, beyond the ${count(SIMULATION_LIMITS.sequenceSteps)} one simulation runs and half again for preemptions (each recomputes a prompt and its output so far)`,
  );
}
