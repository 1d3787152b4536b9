/**
 * `serve --simulate`: the chosen plan's replica simulated request by request (continuous batching,
 * paged KV, preemption, prefix hits, speculative decoding) on the stated or drawn workload.
 */

import { inputError } from '../core/errors.js';
import type { DeploymentPlan } from '../core/inference/deployment.js';
import { GENERIC_ENGINE } from '../core/inference/engine.js';
import { type SimResult, simulateReplica } from '../core/inference/simulator/simulate.js';
import {
  type Arrival,
  parseTrace,
  type SimRequest,
  syntheticRequests,
} from '../core/inference/simulator/workload.js';
import { formatCount } from './format.js';
import { positiveInteger } from './options.js';
import { readText } from './read-text.js';
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

export function runSimulation(o: SimulationFlags, setup: ServingSetup, plan: DeploymentPlan): SimResult {
  const w = setup.workload;
  const seed = o.seed === undefined ? 1 : positiveInteger(o.seed, '--seed', 1);
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
    requests = parseTrace(readText(o.trace, '--trace'));
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
    requests = syntheticRequests({
      requests: o.requests === undefined ? 2000 : positiveInteger(o.requests, '--requests', 1),
      inputTokens: lognormalOrFixed(w.inputTokens, o.inputP90, '--input-p90'),
      outputTokens: lognormalOrFixed(w.outputTokens, o.outputP90, '--output-p90'),
      arrival,
      seed,
    });
  }
  return simulateReplica(setup.spec, plan.candidate.cluster, plan.candidate.replica, requests, {
    engine: plan.candidate.replica.profile ?? GENERIC_ENGINE,
    arrival,
    cacheHitRate: w.cacheHitRate,
    speculative: w.speculative,
    slo: setup.slo,
    seed,
  });
}

const ms = (s: number) => (s * 1000).toFixed(s < 0.1 ? 1 : 0);

export function simulationLines(r: SimResult, engineName: string): string[] {
  const p = (x: { p50: number; p90: number; p99: number }) => `${ms(x.p50)} / ${ms(x.p90)} / ${ms(x.p99)}`;
  return [
    '',
    `simulated ${r.completed} of ${r.requests} requests on one replica (${engineName}), ${r.durationSeconds.toFixed(1)} s, ${r.steps} steps, KV pool ${formatCount(r.kvCapacityTokens)} tokens:`,
    `  P50 / P90 / P99: TTFT ${p(r.ttftSeconds)} ms · TPOT ${p(r.tpotSeconds)} ms · ITL ${p(r.itlSeconds)} ms · E2E ${(r.e2eSeconds.p50).toFixed(2)} / ${r.e2eSeconds.p90.toFixed(2)} / ${r.e2eSeconds.p99.toFixed(2)} s`,
    `  ${formatCount(r.outputTokensPerSecondPerGpu)} output tokens/s per GPU · ${r.requestsPerSecond.toFixed(2)} req/s · goodput ${r.goodputRequestsPerSecond.toFixed(2)} req/s (${(100 * r.sloAttainment).toFixed(0)}% within the SLO) · mean batch ${r.meanRunningSequences.toFixed(0)} · ${r.preemptions} preemptions · ${(100 * r.prefixHitShare).toFixed(0)}% prompt tokens from the prefix cache${r.rejected > 0 ? ` · ${r.rejected} rejected (larger than the KV pool)` : ''}`,
  ];
}
