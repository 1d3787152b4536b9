/**
 * The Serve view's computations, run in the worker on the CLI's core: the cheapest deployment for a
 * day's traffic on the chosen engine with its P10–P90 band, the throughput–interactivity frontier
 * (aggregated and disaggregated), one replica simulated request by request — the same calls as
 * `llmecon serve --engine … --tokens-per-day … --pareto --simulate` — and self-hosting vs an API.
 */

import { findApi } from '../../src/catalog/catalog.js';
import { findEngine } from '../../src/catalog/engines.js';
import { planBand, selfHostVsApiBand, servingScale } from '../../src/catalog/serving-band.js';
import { engineChoiceWarnings } from '../../src/catalog/serving-engine-choice.js';
import { inputError } from '../../src/core/errors.js';
import { acrossNodesStatement } from '../../src/core/inference/across-nodes.js';
import {
  apiUsdPerDay,
  type BreakEven,
  selfHostVsApi,
  volumeGrid,
} from '../../src/core/inference/api-break-even.js';
import { perTokenRange, type Range, throughputRange } from '../../src/core/inference/bands.js';
import {
  candidateLabel,
  type DeploymentCandidate,
  type DeploymentPlan,
} from '../../src/core/inference/deployment.js';
import { eagerDecodeWarnings, eagerStepTally } from '../../src/core/inference/eager-decode.js';
import {
  GENERIC_ENGINE,
  promptChunksStatement,
  promptStepsStatement,
} from '../../src/core/inference/engine.js';
import { servingFrontier } from '../../src/core/inference/frontier.js';
import { maxConcurrency, servingPoint, servingWarnings } from '../../src/core/inference/serving.js';
import { type SimResult, simulateReplica } from '../../src/core/inference/simulator/simulate.js';
import { type Arrival, type Length, syntheticRequests } from '../../src/core/inference/simulator/workload.js';
import { speculationPhrase } from '../../src/core/inference/speculative-plan.js';
import { type TrafficPoint, trafficPoint } from '../../src/core/inference/traffic-point.js';
import { CHECKPOINT_FORMAT } from '../../src/core/model/checkpoint-format.js';
import { drafterModel, draftSizeIssue } from '../../src/core/model/drafter.js';
import {
  applyLever,
  baselineState,
  bestServingPlan,
  type ServingState,
  servingCandidates,
} from '../../src/levers/levers.js';
import { baselineSchema, type Lever, leverSchema } from '../../src/levers/schema.js';
import { modelSpec } from '../../src/levers/state.js';
import { isMoe } from './model-facts.js';
import type { ServeInput } from './state.js';

/**
 * What one browser simulation may process: 500,000 output tokens (at most as many decode steps,
 * ~1–5 s in a worker) and 50M prompt tokens (≤ ~6,000 prefill chunks of 8,192 tokens). Requests
 * beyond are not simulated and the view says so; `llmecon serve --simulate` has no such cap.
 */
export const SIMULATION_BUDGET = { outputTokens: 500_000, inputTokens: 50_000_000 } as const;

/** The serving baseline `llmecon levers` takes, for one day. */
export const serveBaseline = (s: ServeInput) => ({
  kind: 'serve',
  model: s.model,
  gpu: s.gpu,
  // 'checkpoint': left out, so the baseline loads the model's released format (checkpoint-format.ts).
  weights: s.weights === CHECKPOINT_FORMAT ? undefined : s.weights,
  kv: s.kv === CHECKPOINT_FORMAT ? undefined : s.kv,
  inputTokens: s.inputTokens,
  outputTokens: s.outputTokens,
  tokensPerDay: s.tokensPerDay,
  tpotSloSeconds: s.tpotSloSeconds,
  ttftSloSeconds: s.ttftSloSeconds > 0 ? s.ttftSloSeconds : undefined,
  usdPerGpuHour: s.usdPerGpuHour,
  days: 1,
  // The view's 'none', 0 and 1 are the flags left out: the hardware bound, the engine's share, TP, EP and
  // PP searched, balanced experts. EP and the expert placement are shown, and taken, for an MoE model only.
  engine: s.engine === 'none' ? undefined : s.engine,
  memFraction: s.memFraction > 0 ? s.memFraction : undefined,
  chunkTokens: s.chunkTokens > 0 ? s.chunkTokens : undefined,
  dynamicChunking: s.dynamicChunking ? s.smoothFactor : undefined,
  cudaGraphBatch: s.cudaGraphBatch > 0 ? s.cudaGraphBatch : undefined,
  mixedChunk: s.mixedChunk || undefined,
  tp: s.tp > 0 ? s.tp : undefined,
  pp: s.pp > 0 ? s.pp : undefined,
  ...(isMoe(s.model) && {
    ep: s.ep > 0 ? s.ep : undefined,
    epInTp: s.epInTp || undefined,
    expertImbalance: s.expertImbalance > 1 ? s.expertImbalance : undefined,
    redundantExperts: s.redundantExperts > 0 ? s.redundantExperts : undefined,
  }),
});

interface Setup {
  readonly s: ServingState;
  readonly engine: ReturnType<typeof findEngine> | undefined;
  readonly candidates: DeploymentCandidate[];
  readonly best: DeploymentPlan;
}

/**
 * The levers' serving state for the inputs — with the `speculative` lever where the view drafts — its
 * candidates on the engine, and the cheapest plan for the traffic.
 */
function setup(input: ServeInput): Setup {
  const base = baselineState(baselineSchema.parse(serveBaseline(input))) as ServingState;
  if (input.speculative === 'mtp' && base.spec.numMtpModules < 1)
    inputError('infeasible', ['speculative'], `${base.spec.name} has no MTP modules: choose a draft model`);
  // A draft model no smaller than the target, named at the view's own field (the lever would say levers.0.drafter).
  if (input.speculative === 'draft') {
    const tooLarge = draftSizeIssue(base.spec, modelSpec(input.draftModel, 'draftModel').spec);
    if (tooLarge !== null) inputError('infeasible', ['draftModel'], tooLarge);
  }
  const s =
    input.speculative === 'none'
      ? base
      : (applyLever(
          base,
          leverSchema.parse({
            lever: 'speculative',
            drafter: input.speculative === 'mtp' ? 'mtp' : input.draftModel,
            draftTokens: input.draftTokens,
            acceptanceRate: input.acceptanceRate,
          }) as Lever,
          0,
        ).state as ServingState);
  const engine = s.engineChoice.engine && findEngine(s.engineChoice.engine, 'engine');
  const candidates = servingCandidates(s);
  const best = bestServingPlan(s, candidates);
  return { s, engine, candidates, best };
}

export interface PlanSummary {
  readonly label: string;
  readonly gpus: number;
  readonly replicas: number;
  /** GPUs of the separate prefill pool (0: aggregated, prefill inside the replicas). */
  readonly prefillGpus: number;
  /** GPUs of a fixed fleet no whole replica takes (paid for, idle), in `gpus`. */
  readonly idleGpus: number;
  readonly concurrency: number;
  readonly utilization: number;
  readonly requestsPerSecond: number;
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
  /** At the day's traffic, below capacity (traffic-point.ts): sequences running on average, TTFT, TPOT; null at full use. */
  readonly atTraffic: Pick<TrafficPoint, 'meanConcurrency' | 'ttftSeconds' | 'tpotSeconds'> | null;
  readonly outputTokensPerSecondPerGpu: number;
  readonly memoryPerGpuBytes: number;
  readonly usdPerDay: number;
  readonly costPerMillionInputTokensUsd: number;
  readonly costPerMillionOutputTokensUsd: number;
  readonly costPerMillionBlendedTokensUsd: number;
}

export interface FrontierRow {
  readonly label: string;
  readonly disaggregated: boolean;
  readonly concurrency: number;
  readonly gpus: number;
  readonly tokensPerSecondPerUser: number;
  readonly outputTokensPerSecondPerGpu: number;
  readonly ttftSeconds: number;
  readonly costPerMillionOutputTokensUsd: number;
  readonly costPerMillionBlendedTokensUsd: number;
}

export interface Served {
  readonly model: string;
  /** The engine's name, or null for the hardware bound. */
  readonly engine: string | null;
  readonly warnings: readonly string[];
  /** Speculative decoding in words (drafts, acceptance, tokens per step, drafter), or null without it. */
  readonly speculation: string | null;
  /** How a prompt's chunks pass the plan's pipeline stages, in words (engine.ts promptChunksStatement). */
  readonly promptChunks: string | null;
  /** Where the engine runs prompts in steps of their own, in words (engine.ts promptStepsStatement). */
  readonly promptSteps: string | null;
  readonly plan: PlanSummary;
  /** P10–P90 from the engine's calibration residuals on this GPU family; null where none covers it. */
  readonly band: {
    readonly basis: string;
    readonly costPerMillionBlendedTokensUsd: Range;
    readonly outputTokensPerSecondPerGpu: Range;
    readonly ttftSeconds: Range;
    readonly tpotSeconds: Range;
  } | null;
  readonly batching: readonly {
    concurrency: number;
    outputTokensPerSecondPerGpu: number;
    tpotSeconds: number;
    ttftSeconds: number;
  }[];
  /** Each mode's frontier (points no other of the same mode beats on both axes), at full use. */
  readonly frontier: readonly FrontierRow[];
}

/** What drafts and how much is accepted, as `llmecon serve` states it. */
function speculationText(s: ServingState): string | null {
  const plan = s.workload.speculative;
  if (!plan || !s.drafter) return null;
  const by = s.drafter.kind === 'mtp' ? 'its MTP modules' : drafterModel(s.drafter)?.name;
  return `${speculationPhrase(plan)}, drafted by ${by}; its passes, weights and KV cache are costed`;
}

/** The deployment, its band, the frontier and the API comparison for the view's inputs. */
export function serveTask(input: ServeInput): Served {
  const { s, engine, candidates, best } = setup(input);
  const w = s.workload;
  const c = best.candidate;
  // Throughput and latency of the chosen replica as the batch grows (continuous batching).
  const most = maxConcurrency(s.spec, c.cluster, c.replica, w);
  const batches = [...new Set(volumeGrid(1, Math.max(1, most), 6).map((b) => Math.max(1, Math.floor(b))))];
  const band = planBand(best, servingScale(s.spec, w));
  const frontier = [false, true].flatMap((disaggregated) =>
    servingFrontier(s.spec, candidates, w, s.slo, [disaggregated]).map(({ plan, ...f }) => ({
      label: f.label,
      disaggregated: f.disaggregated,
      concurrency: f.concurrency,
      gpus: plan.gpus,
      tokensPerSecondPerUser: f.tokensPerSecondPerUser,
      outputTokensPerSecondPerGpu: f.outputTokensPerSecondPerGpu,
      ttftSeconds: f.ttftSeconds,
      costPerMillionOutputTokensUsd: f.costPerMillionOutputTokensUsd,
      costPerMillionBlendedTokensUsd: f.costPerMillionBlendedTokensUsd,
    })),
  );
  const p = best.point;
  const at = trafficPoint(s.spec, best, w);
  return {
    model: s.spec.name,
    engine: engine?.name ?? null,
    warnings: [
      ...servingWarnings(s.spec, w),
      ...eagerDecodeWarnings(c.replica, p.concurrency),
      ...[acrossNodesStatement(c), at?.caveat ?? null].filter((t): t is string => t !== null),
      ...engineChoiceWarnings(s.engineChoice),
    ],
    speculation: speculationText(s),
    promptChunks: promptChunksStatement(c.replica.profile, c.replica.pipelineParallel),
    promptSteps: promptStepsStatement(c.replica.profile, best.disaggregated),
    plan: {
      label: `${candidateLabel(c)}${best.disaggregated ? ' disagg' : ''}`,
      gpus: best.gpus,
      replicas: best.replicas,
      prefillGpus: best.prefillGpus,
      idleGpus: best.idleGpus,
      concurrency: p.concurrency,
      utilization: best.utilization,
      requestsPerSecond: best.requestsPerSecond,
      ttftSeconds: p.ttftSeconds,
      tpotSeconds: p.tpotSeconds,
      atTraffic: at && {
        meanConcurrency: at.meanConcurrency,
        ttftSeconds: at.ttftSeconds,
        tpotSeconds: at.tpotSeconds,
      },
      // Every GPU of the deployment (a prefill pool included), as `llmecon serve` reports it.
      outputTokensPerSecondPerGpu: best.outputTokensPerSecondPerGpu,
      memoryPerGpuBytes: p.memoryPerGpuBytes,
      usdPerDay: best.usdPerDay,
      costPerMillionInputTokensUsd: best.costPerMillionInputTokensUsd,
      costPerMillionOutputTokensUsd: best.costPerMillionOutputTokensUsd,
      costPerMillionBlendedTokensUsd: best.costPerMillionBlendedTokensUsd,
    },
    band: band && {
      basis: band.basis,
      costPerMillionBlendedTokensUsd: perTokenRange(best.costPerMillionBlendedTokensUsd, band),
      outputTokensPerSecondPerGpu: throughputRange(best.outputTokensPerSecondPerGpu, band),
      ttftSeconds: perTokenRange(p.ttftSeconds, band),
      tpotSeconds: perTokenRange(p.tpotSeconds, band),
    },
    batching: batches.map((concurrency) => {
      const q = servingPoint(s.spec, c.cluster, c.replica, w, concurrency);
      return {
        concurrency,
        outputTokensPerSecondPerGpu: q.outputTokensPerSecondPerGpu,
        tpotSeconds: q.tpotSeconds,
        ttftSeconds: q.ttftSeconds,
      };
    }),
    frontier,
  };
}

export interface ApiComparison {
  readonly api: string;
  /** The API's $ per day for the day's traffic. */
  readonly apiUsdPerDay: number;
  /** Self-hosting (the cheapest plan at each volume) vs the API, 1M to 1T tokens a day, with the break-even. */
  readonly curve: BreakEven;
  /** The break-even at the serving band's ends (null: none within 1M–1T tokens a day there), and the band's basis. */
  readonly breakEvenRange: {
    readonly p10: number | null;
    readonly p90: number | null;
    readonly basis: string;
  };
}

/**
 * Self-hosting vs a catalog API's prices, at the day's traffic and over volumes (a task of its own:
 * it plans every candidate at ~50 volumes, the slowest part of the view for a large MoE).
 */
export function apiTask(input: ServeInput): ApiComparison {
  const { s, candidates, best } = setup(input);
  const api = findApi(input.api, 'api');
  const price = {
    inputUsdPerMillion: api.prices.input.value,
    cachedInputUsdPerMillion: api.prices.cachedInput?.value,
    outputUsdPerMillion: api.prices.output.value,
  };
  const grid = volumeGrid(1e6, 1e12);
  const band = selfHostVsApiBand(
    candidates,
    (r) => selfHostVsApi(s.spec, candidates, s.workload, price, s.slo, grid, r),
    servingScale(s.spec, s.workload),
  );
  return {
    api: api.id,
    apiUsdPerDay: apiUsdPerDay(price, s.workload, best.requestsPerSecond),
    curve: selfHostVsApi(s.spec, candidates, s.workload, price, s.slo, grid),
    breakEvenRange: {
      p10: band.fast.breakEvenTokensPerDay,
      p90: band.slow.breakEvenTokensPerDay,
      basis: band.basis,
    },
  };
}

export interface Simulated {
  readonly label: string;
  readonly engine: string;
  /** How the engine's own benchmark defines TTFT, TPOT and ITL (null without an engine). */
  readonly metrics: { readonly ttft: string; readonly tpot: string; readonly itl: string } | null;
  /** How requests arrived, in words. */
  readonly arrival: string;
  readonly requested: number;
  /** Why fewer requests than asked were simulated (the browser's budget), or null. */
  readonly capped: string | null;
  /** The simulated time beyond the engine's CUDA-graph capture, in words (eager-decode.ts eagerStepTally), or null. */
  readonly eager: string | null;
  readonly result: SimResult;
}

/** A lognormal length with the stated median and P90, or the fixed length. */
function length(input: ServeInput, median: number, p90: number, field: 'inputP90' | 'outputP90'): Length {
  if (input.lengths === 'fixed') return median;
  if (p90 < median)
    inputError('invalid_value', [field], `the P90 must be at least the median (${median}), got ${p90}`);
  return { dist: 'lognormal', median, p90 };
}

/** The chosen plan's replica simulated request by request (seeded), within the browser's budget. */
export function simulateTask(input: ServeInput): Simulated {
  const { s, engine, best } = setup(input);
  const w = s.workload;
  const clients = input.concurrency > 0 ? input.concurrency : best.point.concurrency;
  const arrival: Arrival =
    input.arrival === 'traffic'
      ? {
          kind: 'poisson',
          requestsPerSecond: best.requestsPerSecond / best.replicas,
          rateField: 'tokensPerDay',
        }
      : { kind: 'closed', concurrency: clients };
  const drawn = syntheticRequests({
    requests: input.requests,
    inputTokens: length(input, w.inputTokens, input.inputP90, 'inputP90'),
    outputTokens: length(input, w.outputTokens, input.outputP90, 'outputP90'),
    arrival,
    seed: input.seed,
  });
  // The longest prefix of the drawn stream within the budget (the same requests a smaller --requests draws).
  let kept = 0;
  let out = 0;
  let inp = 0;
  for (const q of drawn) {
    out += q.outputTokens;
    inp += q.inputTokens;
    if (out > SIMULATION_BUDGET.outputTokens || inp > SIMULATION_BUDGET.inputTokens) break;
    kept += 1;
  }
  if (kept === 0)
    inputError(
      'invalid_value',
      ['requests'],
      `one request of ${drawn[0]!.inputTokens.toLocaleString('en-US')} + ${drawn[0]!.outputTokens.toLocaleString('en-US')} tokens is more than the browser simulates (${SIMULATION_BUDGET.outputTokens.toLocaleString('en-US')} output and ${SIMULATION_BUDGET.inputTokens.toLocaleString('en-US')} prompt tokens in all); use llmecon serve --simulate`,
    );
  const requests = drawn.slice(0, kept);
  const c = best.candidate;
  const profile = c.replica.profile ?? GENERIC_ENGINE;
  const eager = eagerStepTally(c.replica.profile, c.replica);
  const result = simulateReplica(s.spec, c.cluster, c.replica, requests, {
    engine: profile,
    arrival,
    slo: s.slo,
    seed: input.seed,
    speculative: w.speculative,
    timelinePoints: 300,
    onStep: eager.onStep,
  });
  return {
    label: candidateLabel(c),
    engine: engine?.name ?? GENERIC_ENGINE.name,
    metrics: engine?.metrics ?? null,
    arrival:
      input.arrival === 'traffic'
        ? `Poisson arrivals at ${(best.requestsPerSecond / best.replicas).toFixed(2)} requests/s (the day's traffic over ${best.replicas} replica${best.replicas > 1 ? 's' : ''})`
        : `a closed loop of ${clients} clients, each sending its next request when its last completes`,
    requested: input.requests,
    capped:
      kept < drawn.length
        ? `the first ${kept} of ${drawn.length} requests (the browser simulates at most ${SIMULATION_BUDGET.outputTokens.toLocaleString('en-US')} output and ${SIMULATION_BUDGET.inputTokens.toLocaleString('en-US')} prompt tokens)`
        : null,
    eager: eager.statement(profile.name),
    result,
  };
}
