/**
 * `serve --simulate`: the chosen plan's replica simulated request by request (continuous batching,
 * paged KV, preemption, prefix hits, speculative decoding) on the stated or drawn workload.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { DoesNotFitError, inputError } from '../core/errors.js';
import type { DeploymentPlan } from '../core/inference/deployment.js';
import { type BeyondCapture, eagerStepTally } from '../core/inference/eager-decode.js';
import { GENERIC_ENGINE } from '../core/inference/engine.js';
import { hasSlo } from '../core/inference/serving.js';
import { checkRequestCount, SIMULATION_LIMITS } from '../core/inference/simulator/limits.js';
import { type SimResult, simulateReplica } from '../core/inference/simulator/simulate.js';
import {
  type Arrival,
  parseTrace,
  type SimRequest,
  syntheticRequests,
} from '../core/inference/simulator/workload.js';
import { beyondContextWarning } from '../core/model/context-limit.js';
import type { ModelSpec } from '../core/model/spec.js';
import { formatCount, formatMilliseconds } from './format.js';
import { nonNegativeInteger, positiveInteger } from './options.js';
import { unreadable } from './read-text.js';
import type { ServingSetup } from './serving-flags.js';

export interface SimulationFlags {
  simulate?: boolean;
  requests?: string;
  burst?: boolean;
  inputP90?: string;
  outputP90?: string;
  trace?: string;
  seed?: string;
  requestsPerSecond?: string;
  tokensPerDay?: string;
}

function lognormalOrFixed(median: number, p90: string | undefined, flag: string) {
  if (p90 === undefined) return median;
  const value = positiveInteger(p90, flag, 1);
  if (value < median)
    inputError('invalid_value', [flag], `the P90 must be ≥ the median (${median}), got ${value}`);
  return { dist: 'lognormal' as const, median, p90: value };
}

/**
 * The largest trace read: 32 MiB holds the 200,000 requests one simulation takes at up to ~160 bytes
 * a line; read in chunks, so a larger file (or a device that never ends) is refused at the limit.
 */
export const MAX_TRACE_BYTES = 32 * 1024 * 1024;

function readTrace(path: string): string {
  const fail = (error: unknown): never => unreadable(path, '--trace', error);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return fail(error);
  }
  try {
    const buffer = Buffer.allocUnsafe(MAX_TRACE_BYTES + 1);
    let size = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, size, buffer.length - size, null);
      } catch (error) {
        return fail(error);
      }
      if (read === 0) break;
      size += read;
      if (size > MAX_TRACE_BYTES)
        inputError(
          'invalid_value',
          ['--trace'],
          `'${path}' is larger than ${MAX_TRACE_BYTES / 1024 / 1024} MiB, the most a trace may be (one simulation takes at most ${SIMULATION_LIMITS.requests.toLocaleString('en-US')} requests); simulate a slice of it`,
        );
    }
    return buffer.toString('utf8', 0, size);
  } finally {
    closeSync(fd);
  }
}

/** A simulation's result with what the run should know (requests beyond the model's context, eager steps). */
export interface ServeSimulation extends SimResult {
  /** Whether a TTFT or TPOT limit was given: without one every completed request counts as good. */
  readonly sloGiven: boolean;
  readonly warnings: readonly string[];
  /** The steps beyond the engine's CUDA-graph capture (share of the time, count, widest batch), or null. */
  readonly beyondCapture: BeyondCapture | null;
}

/**
 * A trace whose mean lengths stray from the ones the plan was sized for (the flags), by more than half
 * either way: the plan's layout, concurrency and replica count are not the trace's, so say which lengths to plan at.
 */
function traceLengthWarning(
  requests: readonly SimRequest[],
  w: { inputTokens: number; outputTokens: number },
): string[] {
  const mean = (f: (q: SimRequest) => number) => requests.reduce((sum, q) => sum + f(q), 0) / requests.length;
  const input = Math.round(mean((q) => q.inputTokens));
  const output = Math.round(mean((q) => q.outputTokens));
  const strays = (traced: number, planned: number) => traced > 1.5 * planned || traced < planned / 1.5;
  if (!strays(input, w.inputTokens) && !strays(output, w.outputTokens)) return [];
  return [
    `the plan was sized for ${w.inputTokens.toLocaleString('en-US')} in / ${w.outputTokens.toLocaleString('en-US')} out tokens, but the trace averages ${input.toLocaleString('en-US')} in / ${output.toLocaleString('en-US')} out: the simulated replica is the plan's, not one planned for the trace (plan at its lengths: --input-tokens ${input} --output-tokens ${output})`,
  ];
}

/** Requests beyond the model's context: engines serve them with RoPE scaling, so a warning, not an error. */
function contextWarnings(spec: ModelSpec, requests: readonly SimRequest[], source: string): string[] {
  let beyond = 0;
  let longest = 0;
  for (const q of requests) {
    const tokens = q.inputTokens + q.outputTokens;
    if (tokens > spec.maxContextTokens) beyond += 1;
    longest = Math.max(longest, tokens);
  }
  const warning = beyond > 0 ? beyondContextWarning(spec, 'input + output', longest, 'served') : null;
  return warning === null
    ? []
    : [
        `${beyond} of the ${requests.length} ${source} requests go beyond the context; the longest: ${warning}`,
      ];
}

export function runSimulation(
  o: SimulationFlags,
  setup: ServingSetup,
  plan: DeploymentPlan,
): ServeSimulation {
  const w = setup.workload;
  // Any seed the generator takes (0 included), as `llmecon run --seed`.
  const seed = nonNegativeInteger(o.seed, '--seed', 1);
  let requests: SimRequest[];
  let arrival: Arrival;
  const traffic = o.requestsPerSecond !== undefined || o.tokensPerDay !== undefined;
  if (o.burst && (o.trace !== undefined || traffic))
    inputError(
      'infeasible',
      ['--burst'],
      o.trace !== undefined
        ? 'a --trace has its own arrival times; drop --burst'
        : 'give --burst or a traffic (--requests-per-second, --tokens-per-day), not both',
    );
  if (o.trace !== undefined) {
    // A trace states each request's lengths and the count itself: the synthetic-workload flags would be ignored.
    for (const [given, flag] of [
      [o.requests, '--requests'],
      [o.inputP90, '--input-p90'],
      [o.outputP90, '--output-p90'],
    ] as const)
      if (given !== undefined)
        inputError('infeasible', [flag], `a --trace states its own requests and lengths; drop ${flag}`);
    requests = parseTrace(readTrace(o.trace));
    arrival = { kind: 'trace' };
  } else {
    // Every request at once (an offline benchmark), the plan's traffic spread over its replicas, or
    // a closed loop at the plan's concurrency.
    arrival = o.burst
      ? { kind: 'burst' }
      : traffic
        ? {
            kind: 'poisson',
            requestsPerSecond: plan.requestsPerSecond / plan.replicas,
            rateField: o.tokensPerDay !== undefined ? '--tokens-per-day' : '--requests-per-second',
          }
        : { kind: 'closed', concurrency: plan.point.concurrency };
    const count = o.requests === undefined ? 2000 : positiveInteger(o.requests, '--requests', 1);
    checkRequestCount(count, '--requests');
    requests = syntheticRequests({
      requests: count,
      inputTokens: lognormalOrFixed(w.inputTokens, o.inputP90, '--input-p90'),
      outputTokens: lognormalOrFixed(w.outputTokens, o.outputP90, '--output-p90'),
      arrival,
      seed,
    });
  }
  // What a run too large to simulate is blamed on: the trace, the count asked, else the lengths drawn.
  const field =
    o.trace !== undefined
      ? '--trace'
      : o.requests !== undefined
        ? '--requests'
        : o.outputP90 !== undefined
          ? '--output-p90'
          : o.inputP90 !== undefined
            ? '--input-p90'
            : '--output-tokens';
  const { replica } = plan.candidate;
  const eager = eagerStepTally(replica.profile, replica);
  const result = simulateReplica(setup.spec, plan.candidate.cluster, replica, requests, {
    engine: replica.profile ?? GENERIC_ENGINE,
    onStep: eager.onStep,
    arrival,
    cacheHitRate: w.cacheHitRate,
    speculative: w.speculative,
    slo: setup.slo,
    seed,
    sizeField: field,
  });
  if (result.completed === 0) {
    let longest = 0;
    for (const q of requests) longest = Math.max(longest, q.inputTokens + q.outputTokens);
    throw new DoesNotFitError({
      code: 'infeasible',
      path: [
        o.trace !== undefined
          ? '--trace'
          : w.inputTokens > result.kvCapacityTokens
            ? '--input-tokens'
            : '--output-tokens',
      ],
      message: `no request completed, so there are no latencies to report: ${result.rejected} of ${result.requests} rejected as larger than the replica's KV pool of ${result.kvCapacityTokens.toLocaleString('en-US')} tokens (the longest request needs ${longest.toLocaleString('en-US')} tokens of input + output); simulate shorter requests or a layout with more KV memory`,
    });
  }
  // Flags beyond the context are warned about with the plan; drawn or traced lengths here.
  const warned = w.inputTokens + w.outputTokens > setup.spec.maxContextTokens && o.trace === undefined;
  const eagerText = eager.statement(replica.profile?.name ?? 'engine');
  return {
    ...result,
    sloGiven: hasSlo(setup.slo),
    warnings: [
      ...(plan.disaggregated
        ? [
            "the plan is disaggregated, but the simulator runs one aggregated replica of its decode layout, each prompt prefilled in its steps: these TTFT and TPOT are aggregated serving's, not the plan's with its separate prefill pool",
          ]
        : []),
      ...(warned ? [] : contextWarnings(setup.spec, requests, o.trace !== undefined ? 'trace' : 'drawn')),
      ...(o.trace === undefined ? [] : traceLengthWarning(requests, w)),
      ...(eagerText === null ? [] : [eagerText]),
      ...(replica.profile === undefined && plan.point.concurrency > GENERIC_ENGINE.maxRunningSequences
        ? [
            `the plan runs ${plan.point.concurrency} sequences per replica (no engine named: the hardware bound, with no cap on running sequences), but the simulator's generic engine runs at most ${GENERIC_ENGINE.maxRunningSequences} at once (its own cap, vLLM's default on GPUs under 70 GiB): requests beyond them wait, and their wait is in these TTFTs; name an --engine to simulate its own cap`,
          ]
        : []),
    ],
    beyondCapture: eager.summary(),
  };
}

const ms = (s: number) => formatMilliseconds(s);

export function simulationLines(r: ServeSimulation, engineName: string): string[] {
  // No gap measured (every output one token): no TPOT or ITL, not zero.
  const p = (x: { p50: number; p90: number; p99: number }) =>
    x.p99 > 0 ? `${ms(x.p50)} / ${ms(x.p90)} / ${ms(x.p99)} ms` : '— (every output is one token)';
  return [
    '',
    ...r.warnings.map((t) => `warning: ${t}`),
    `simulated ${r.completed} of ${r.requests} requests on one replica (${engineName}), ${r.durationSeconds.toFixed(1)} s, ${r.steps} steps, KV pool ${formatCount(r.kvCapacityTokens)} tokens:`,
    `  P50 / P90 / P99: TTFT ${p(r.ttftSeconds)} · TPOT ${p(r.tpotSeconds)} · ITL ${p(r.itlSeconds)} · E2E ${(r.e2eSeconds.p50).toFixed(2)} / ${r.e2eSeconds.p90.toFixed(2)} / ${r.e2eSeconds.p99.toFixed(2)} s`,
    `  ${formatCount(r.outputTokensPerSecondPerGpu)} output tokens/s per GPU · ${r.requestsPerSecond.toFixed(2)} req/s · goodput ${r.goodputRequestsPerSecond.toFixed(2)} req/s (${r.sloGiven ? `${(100 * r.sloAttainment).toFixed(0)}% within the SLO` : 'no SLO given: every completed request'}) · ${r.meanRunningSequences.toFixed(1)} sequences running on average (idle time included) · ${r.preemptions} preemptions · ${(100 * r.prefixHitShare).toFixed(0)}% prompt tokens from the prefix cache${r.rejected > 0 ? ` · ${r.rejected} rejected (larger than the KV pool)` : ''}`,
  ];
}
