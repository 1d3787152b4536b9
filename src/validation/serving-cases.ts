/**
 * Serving validation: the cited cases in catalog/validation/serving.json (TensorRT-LLM's H100 FP8
 * tables, DeepSeek's Day-6 fleet), each run through the serving engine behind `llmecon serve` and
 * compared with the published figure.
 */

import { z } from 'zod';
import validationFile from '../../catalog/validation/serving.json' with { type: 'json' };
import { findCluster, findModel } from '../catalog/catalog.js';
import { engineForGpu, findEngine } from '../catalog/engines.js';
import { resolveHardware } from '../catalog/training-defaults.js';
import { InternalError } from '../core/errors.js';
import { clientsPoint } from '../core/inference/deployment.js';
import { type EngineProfile, kvCapacity, withExpertAlignment } from '../core/inference/engine.js';
import {
  bestServingPoint,
  maxConcurrency,
  type ServingReplica,
  servingPoint,
} from '../core/inference/serving.js';
import { type EngineTraits, servingStepSeconds } from '../core/inference/serving-step.js';
import { simulateReplica } from '../core/inference/simulator/simulate.js';
import {
  loneTtftSeconds,
  prefillTokensPerSecondPerGpu,
  staticBatchThroughput,
} from '../core/inference/static-batch.js';
import { replicaAtRate } from '../core/inference/traffic-point.js';
import { asReleased, checkpointFormat, servedFormat } from '../core/model/checkpoint-format.js';
import { routedLayers } from '../core/model/layer-mix.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../core/precision.js';
import { median } from '../core/statistics.js';
import { distributionSchema } from '../core/uncertainty/distributions.js';
import { citedCaseFields } from './case-fields.js';
import {
  burstOutputTokensPerSecondPerGpu,
  caseRequests,
  caseStepWallSeconds,
} from './serving-case-requests.js';

export const SERVING_MEASURES = [
  'staticBatchOutputTokensPerSecondPerGpu',
  'loneTtftSeconds',
  'prefillTokensPerSecondPerGpu',
  'decodeOutputTokensPerSecondPerGpu',
  'maxLoadOutputTokensPerSecondPerGpu',
  'medianTpotSeconds',
  'outputTokensPerSecondPerGpu',
  'meanTtftSecondsAtConcurrency',
  'tpotSecondsAtConcurrency',
  'kvPoolTokens',
  'nonKvBytesPerGpu',
  'decodeStepSeconds',
] as const;

/**
 * Measures a catalog engine's host overheads are fitted on and its band drawn from (scripts/calibrate-serving.ts):
 * throughput and TPOT under load. Its other rows (a lone prompt's TTFT) are judged by their own errors.
 */
export const FITTED_MEASURES: readonly ServingMeasure[] = [
  'maxLoadOutputTokensPerSecondPerGpu',
  'medianTpotSeconds',
  'outputTokensPerSecondPerGpu',
  'tpotSecondsAtConcurrency',
];

/** Measures of the engine's memory, not its speed: reported beside the speed rows, never in their statistics. */
export const MEMORY_MEASURES: readonly ServingMeasure[] = ['kvPoolTokens', 'nonKvBytesPerGpu'];

/** Measures that are times (lower is faster): their published / predicted reads inversely to a throughput's. */
export const SERVING_TIME_MEASURES: readonly ServingMeasure[] = [
  'loneTtftSeconds',
  'medianTpotSeconds',
  'meanTtftSecondsAtConcurrency',
  'tpotSecondsAtConcurrency',
  'decodeStepSeconds',
];
export type ServingMeasure = (typeof SERVING_MEASURES)[number];

/** Published / predicted throughput of a case from its error: a time's reads inversely (a TPOT 10% low is a speed 11% high). */
export const publishedOverPredictedSpeed = (c: Pick<ServingCase, 'measure'>, error: number): number =>
  SERVING_TIME_MEASURES.includes(c.measure) ? 1 + error : 1 / (1 + error);

/** The engine runs behind some rows (each row's title opens with its engine and version), once each. */
export const engineRuns = (rows: readonly Pick<ServingCase, 'title'>[]): string =>
  [...new Set(rows.map((c) => c.title.split(',')[0]))].join('; ');

const positiveInt = z.number().int().positive();
const sourced = <T extends z.ZodType>(value: T) =>
  z.object({ value, unit: z.string(), source: z.string(), kind: z.string(), note: z.string() }).strict();
const engineSchema = z
  .object({
    name: z.string().min(1),
    kvReadPerQueryHead: sourced(z.boolean()),
    layerOverheadSeconds: sourced(z.number().nonnegative()),
  })
  .strict();
const caseSchema = z
  .object({
    ...citedCaseFields,
    model: z.string().min(1),
    gpu: z.string().min(1),
    /** A cluster preset; absent: the GPU's default node (resolveHardware). */
    cluster: z.string().min(1).optional(),
    replica: z
      .object({
        tensorParallel: positiveInt,
        expertParallel: positiveInt,
        /** Pipeline stages (absent: 1). */
        pipelineParallel: positiveInt.optional(),
        weightFormat: z.enum(WEIGHT_FORMATS),
        kvFormat: z.enum(KV_FORMATS),
        /** The GEMM datatype of the engine's kernels when it differs from the weights' default. */
        gemmDatatype: z.enum(['bf16', 'fp8', 'fp4']).optional(),
        expertImbalance: z.number().min(1).optional(),
        /** EPLB's redundant expert slots over the replica (SGLang --ep-num-redundant-experts). */
        redundantExperts: positiveInt.optional(),
        /** The run drafts with the model's MTP modules (ServingReplica.drafter). */
        drafter: z.literal('mtp').optional(),
      })
      .strict(),
    engine: z.string().optional(),
    workload: z
      .object({
        inputTokens: positiveInt,
        outputTokens: positiveInt,
        cacheHitRate: z.number().min(0).lt(1).optional(),
        speculative: z
          .object({ draftTokens: positiveInt, acceptanceRate: z.number().min(0).max(1) })
          .optional(),
        disaggregated: z.boolean().optional(),
      })
      .strict(),
    measure: z.enum(SERVING_MEASURES),
    /**
     * A maximum-load benchmark's request count, all sent at t = 0 (trtllm-bench throughput): the run
     * is simulated request by request and throughput is output tokens / time to the last completion.
     * Absent: the steady state at the most sequences the KV pool holds.
     */
    requests: positiveInt.optional(),
    /** Poisson arrivals at this rate (benchmark_serving / bench_serving --request-rate): `requests` of them, simulated. */
    requestsPerSecond: z.number().positive().optional(),
    /** Sequences in the step (a static batch; a decode step from an engine's log). */
    batch: positiveInt.optional(),
    /** A logged decode step's mean cached tokens per running sequence (SGLang: #token / #running-req). */
    meanContextTokens: positiveInt.optional(),
    prefillBatchTokens: positiveInt.optional(),
    tpotSloSeconds: z.number().positive().optional(),
    /** A closed loop of this many clients (genai-perf / aiperf / vllm bench --max-concurrency): the analytic steady state at it. */
    concurrency: positiveInt.optional(),
    /** The benchmark's KV memory share when it differs from the engine's default. */
    kvMemoryFraction: z.number().gt(0).max(1).optional(),
    /** The engine version's cap on running sequences when it differs from the catalog profile's (e.g. vLLM v0.6's max_num_seqs 256). */
    maxRunningSequences: sourced(positiveInt).optional(),
    /** The run's token budget per step when it differs from the profile's (SGLang --chunked-prefill-size, vLLM --max-num-batched-tokens). */
    maxBatchedTokens: sourced(positiveInt).optional(),
    /** The run sized streamed prompt chunks dynamically (SGLang --enable-dynamic-chunking): its smooth factor. */
    dynamicChunkingSmoothFactor: sourced(z.number().min(0).max(1)).optional(),
    /** Whether the engine version overlapped its scheduler with the GPU when it differs from the profile's (SGLang v0.3: no). */
    hostOverlapsGpu: z.boolean().optional(),
    /** Whether the engine version ran prompts in steps of their own when it differs from the profile's (vLLM V0 without chunked prefill: yes). */
    prefillFirst: sourced(z.boolean()).optional(),
    /**
     * Lengths drawn per request (seed 1) where the benchmark drew them, e.g. sglang.bench_serving's
     * random dataset with range ratio 0: uniform in [1, L]; `workload` then holds their means.
     */
    lengthDistribution: z
      .object({ input: distributionSchema, output: distributionSchema })
      .strict()
      .optional(),
    /** Where the input length comes from when the case's own source does not state it (an estimate). */
    inputTokensBasis: sourced(positiveInt).optional(),
  })
  .strict();
export type ServingCase = z.infer<typeof caseSchema>;

const fileSchema = z
  .object({ engines: z.record(z.string(), engineSchema), cases: z.array(caseSchema) })
  .strict();

export function servingFile() {
  const parsed = fileSchema.safeParse(validationFile);
  if (!parsed.success)
    throw new InternalError(`catalog/validation/serving.json is invalid: ${parsed.error.message}`);
  return parsed.data;
}

export function servingCases(): ServingCase[] {
  return servingFile().cases;
}

export interface ServingCaseResult {
  readonly case: ServingCase;
  readonly predicted: number;
  /** predicted / published − 1 */
  readonly error: number;
  readonly withinTolerance: boolean;
  /**
   * A median-TPOT row under Poisson load predicted without the simulation, by the analytic point at its
   * request rate that `serve` reports at a stated traffic (traffic-point.ts: a mean, not a median).
   */
  readonly analytic?: number;
}

/** Engine parameters to try instead of the catalog's (the calibration script's search). */
export type EngineOverrides = Partial<
  Pick<EngineProfile, 'stepOverheadSeconds' | 'sequenceOverheadSeconds' | 'moeSequenceLayerSeconds'>
> & {
  /** Size what the engine holds beside weights and KV by the generic reserve, not its measured `heldMemory`. */
  readonly genericReserve?: boolean;
};

export function runServingCase(
  c: ServingCase,
  overrides: EngineOverrides = {},
  /** Replaces the GPU family's FP4 ceiling (the calibration's sweep, scripts/calibrate-fp4-ceiling.ts). */
  fp4Ceiling?: number,
): ServingCaseResult {
  const file = servingFile();
  const spec = modelSpecFrom(findModel(c.model).config, c.model);
  const catalogCluster =
    c.cluster === undefined ? resolveHardware(c.gpu, undefined).cluster : findCluster(c.cluster);
  const cluster =
    fp4Ceiling === undefined
      ? catalogCluster
      : {
          ...catalogCluster,
          gpu: {
            ...catalogCluster.gpu,
            efficiency: { ...catalogCluster.gpu.efficiency, fp4Ceiling },
          },
        };
  if (cluster.gpu.id !== c.gpu) throw new InternalError(`case ${c.id}: cluster ${c.cluster} is not ${c.gpu}`);
  if (c.inputTokensBasis && c.inputTokensBasis.value !== c.workload.inputTokens)
    throw new InternalError(
      `case ${c.id}: inputTokensBasis ${c.inputTokensBasis.value} is not the workload's input`,
    );
  let engine: EngineTraits | undefined;
  let profile: EngineProfile | undefined;
  if (c.engine !== undefined) {
    const e = file.engines[c.engine];
    if (e)
      engine = {
        kvReadPerQueryHead: e.kvReadPerQueryHead.value,
        layerOverheadSeconds: e.layerOverheadSeconds.value,
      };
    else {
      // A catalog engine profile (catalog/engines), calibrated for this GPU's family.
      const { memoryReserve, heldMemory, ...base } = engineForGpu(
        findEngine(c.engine, 'engine'),
        cluster.gpu.id,
      );
      const { genericReserve, ...tried } = overrides;
      profile = {
        ...base,
        ...(heldMemory && !genericReserve && { heldMemory }),
        ...tried,
        // The run's stated share replaces the share today's engine would derive.
        ...(c.kvMemoryFraction === undefined && memoryReserve && { memoryReserve }),
        memoryFraction: c.kvMemoryFraction ?? base.memoryFraction,
        maxRunningSequences: c.maxRunningSequences?.value ?? base.maxRunningSequences,
        maxBatchedTokens: c.maxBatchedTokens?.value ?? base.maxBatchedTokens,
        ...(c.dynamicChunkingSmoothFactor && {
          dynamicChunking: { smoothFactor: c.dynamicChunkingSmoothFactor.value },
        }),
        hostOverlapsGpu: c.hostOverlapsGpu ?? base.hostOverlapsGpu,
        prefillFirst: c.prefillFirst?.value ?? base.prefillFirst,
      };
    }
  }
  const { drafter, ...layout } = c.replica;
  const replica: ServingReplica = {
    // Served at the checkpoint's own format: the modules it left unquantized stay so (asReleased).
    ...withExpertAlignment(
      asReleased(layout, servedFormat(checkpointFormat(findModel(c.model).config), cluster.gpu)),
      profile,
      cluster.gpu,
    ),
    ...(drafter && { drafter: { kind: drafter } }),
    engine,
    profile,
  };
  const need = <T>(v: T | null | undefined, what: string): T => {
    if (v === undefined || v === null) throw new InternalError(`case ${c.id} needs ${what}`);
    return v;
  };
  let predicted: number;
  let analytic: number | undefined;
  switch (c.measure) {
    case 'staticBatchOutputTokensPerSecondPerGpu':
      predicted = staticBatchThroughput(spec, cluster, replica, c.workload, need(c.batch, 'batch'));
      break;
    case 'loneTtftSeconds':
      predicted = loneTtftSeconds(spec, cluster, replica, c.workload.inputTokens);
      break;
    case 'prefillTokensPerSecondPerGpu':
      predicted = prefillTokensPerSecondPerGpu(
        spec,
        cluster,
        replica,
        c.workload,
        need(c.prefillBatchTokens, 'prefillBatchTokens'),
      );
      break;
    case 'meanTtftSecondsAtConcurrency':
    case 'tpotSecondsAtConcurrency': {
      // The steady state of `concurrency` clients: queueing for the prefill path, and for a slot
      // beyond the sequences the replica holds (queueing.ts); each decode step's seconds, host time in.
      const point = need(
        clientsPoint(spec, cluster, replica, c.workload, need(c.concurrency, 'concurrency')),
        'weights that fit',
      );
      predicted = c.measure === 'meanTtftSecondsAtConcurrency' ? point.ttftSeconds : point.tpotSeconds;
      break;
    }
    case 'decodeOutputTokensPerSecondPerGpu': {
      const point = bestServingPoint(spec, cluster, replica, c.workload, {
        tpotSeconds: need(c.tpotSloSeconds, 'tpotSloSeconds'),
      });
      predicted = need(point, 'a point meeting the SLO').outputTokensPerSecondPerGpu;
      break;
    }
    case 'maxLoadOutputTokensPerSecondPerGpu': {
      if (c.requests !== undefined && profile !== undefined) {
        // The benchmark as it ran: its requests at t = 0 through the request-level simulator.
        predicted = burstOutputTokensPerSecondPerGpu(c, spec, cluster, replica, profile);
        break;
      }
      // Every request sent at once: the engine runs as many sequences as its KV pool holds.
      const most = maxConcurrency(spec, cluster, replica, c.workload);
      if (most < 1) throw new InternalError(`case ${c.id}: the weights do not fit`);
      predicted = servingPoint(spec, cluster, replica, c.workload, most).outputTokensPerSecondPerGpu;
      break;
    }
    case 'decodeStepSeconds': {
      // One decode step as the engine's log times it: `batch` sequences at their mean context, host time in.
      const e = need(profile, 'a catalog engine');
      const batch = need(c.batch, 'batch');
      const gpu = servingStepSeconds(spec, cluster, replica, {
        decodeSequences: batch,
        tokensPerSequence: 1,
        context: need(c.meanContextTokens, 'meanContextTokens'),
        prefillTokens: 0,
        prefillContext: 0,
      });
      predicted = caseStepWallSeconds(e, replica, routedLayers(spec), gpu, batch);
      break;
    }
    case 'kvPoolTokens': {
      // The engine's KV pool at startup as its log states it, at the run's memory share.
      const context = c.workload.inputTokens + c.workload.outputTokens;
      predicted = kvCapacity(spec, cluster, replica, need(profile, 'a catalog engine'), context).tokens;
      break;
    }
    case 'nonKvBytesPerGpu': {
      // What the engine's log says it holds beside the KV cache per GPU (vLLM: 'Total non KV cache memory').
      const context = c.workload.inputTokens + c.workload.outputTokens;
      const engine = need(profile, 'a catalog engine');
      predicted = kvCapacity(spec, cluster, replica, engine, context).reserveBytesPerGpu;
      break;
    }
    case 'medianTpotSeconds':
    case 'outputTokensPerSecondPerGpu': {
      // An online benchmark as it ran: Poisson arrivals at its rate, host time inside every step;
      // throughput = output tokens / time from the first arrival to the last completion.
      const rate = need(c.requestsPerSecond, 'requestsPerSecond');
      const engine = need(profile, 'a catalog engine');
      const requests = caseRequests(c, { kind: 'poisson', requestsPerSecond: rate });
      const sim = simulateReplica(spec, cluster, replica, requests, {
        engine,
        arrival: { kind: 'trace' },
        timelinePoints: 0,
      });
      if (sim.completed !== requests.length)
        throw new InternalError(`case ${c.id}: ${requests.length - sim.completed} requests not served`);
      predicted = c.measure === 'medianTpotSeconds' ? sim.tpotSeconds.p50 : sim.outputTokensPerSecondPerGpu;
      if (c.measure === 'medianTpotSeconds')
        analytic = replicaAtRate(spec, cluster, replica, c.workload, rate)?.tpotSeconds;
      break;
    }
  }
  const error = predicted / c.published - 1;
  // Calibration rows set constants; they are judged by the leave-one-out error of their calibration.
  return {
    case: c,
    predicted,
    error,
    withinTolerance: c.role === 'calibration' || Math.abs(error) <= c.tolerance,
    ...(analytic !== undefined && { analytic }),
  };
}

export function runAllServingCases(): ServingCaseResult[] {
  return servingCases().map((c) => runServingCase(c));
}

/** Issue 5's target for TensorRT-LLM's rows: median |error| ≤ 15%, none above 30%. */
export const SERVING_TARGET = { medianError: 0.15, maxError: 0.3 } as const;

export function errorStatistics(
  results: readonly ServingCaseResult[],
  roles: readonly ServingCase['role'][] = ['validation'],
): { median: number; max: number; count: number } {
  const errors = results.filter((r) => roles.includes(r.case.role)).map((r) => Math.abs(r.error));
  if (errors.length === 0) return { median: 0, max: 0, count: 0 };
  return { median: median(errors), max: Math.max(...errors), count: errors.length };
}
