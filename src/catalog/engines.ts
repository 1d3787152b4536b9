/**
 * Inference engine profiles (catalog/engines/*.json): each number sourced, converted to the core's
 * {@link EngineProfile}. `--engine vllm|sglang|trt-llm` picks one; none means the hardware bound.
 */
import { z } from 'zod';
import sglang from '../../catalog/engines/sglang.json' with { type: 'json' };
import trtLlm from '../../catalog/engines/trt-llm.json' with { type: 'json' };
import vllm from '../../catalog/engines/vllm.json' with { type: 'json' };
import { InternalError, inputError } from '../core/errors.js';
import type { DeploymentCandidate } from '../core/inference/deployment.js';
import { type EngineProfile, withExpertAlignment } from '../core/inference/engine.js';
import { MIB, toSi } from '../core/units.js';
import { loadCatalog } from './catalog.js';
import { calibrationSchema } from './engine-fit-schema.js';
import { nonNegative, positive, type SourcedValue, sourcedValue } from './schema.js';
import { gpuVendorsSchema } from './stack-schema.js';

/** The raw files, keyed by id (the catalog lint and completeness test read these). */
export const ENGINES_FILES: Readonly<Record<string, unknown>> = { sglang, 'trt-llm': trtLlm, vllm };

/**
 * Fewer mixture-of-experts calibration rows than this: the engine's MoE decode term is not identified
 * on them (held at 0; a MoE model's band says so). Four rows of one model let a left-out row swing it.
 */
export const MIN_MOE_ROWS = 6;

/** Whether `moeRows` mixture-of-experts calibration rows identify the MoE decode term ({@link MIN_MOE_ROWS}). */
export const moeTermIdentified = (moeRows: number): boolean => moeRows >= MIN_MOE_ROWS;

const fraction = sourcedValue.refine((v) => v.value > 0 && v.value <= 1, { message: 'must be in (0, 1]' });
const si = (v: SourcedValue) => toSi(v.value, v.unit);
const engineFileSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    /** The GPU vendors the engine runs on (catalog gpus' `vendor`); absent: any. */
    gpuVendors: gpuVendorsSchema.optional(),
    memoryFractionOf: z.enum(['total', 'free-after-weights']),
    memoryFraction: fraction,
    /** SGLang: the share derived per GPU and layout (EngineProfile.memoryReserve). */
    memoryReserve: z
      .object({
        baseMiB: nonNegative,
        perChunkTokenMiB: nonNegative,
        minChunkTokens: nonNegative,
        perGraphBatchMiB: nonNegative,
        perParallelGpuMiB: nonNegative,
        perGraphBatchPerDpRankMiB: nonNegative,
        largeGraphBatch: nonNegative,
        perLargeGraphBatchPerDpRankMiB: nonNegative,
        floorMiB: nonNegative,
        floorAboveMiB: nonNegative,
      })
      .strict()
      .optional(),
    /** What the engine holds beside weights and KV (EngineProfile.heldMemory). */
    heldMemory: z
      .object({
        logitsCopies: positive,
        logitsOnEveryRank: z.boolean(),
        logitsAfterForward: z.boolean(),
        logitsNote: z.string().min(1),
        runtime: nonNegative,
        tensorParallelRuntime: nonNegative,
      })
      .strict()
      .optional(),
    /**
     * Settings the engine picks by GPU memory (upper bounds in MiB, ascending; the last tier has
     * none): its token budget per step and its largest CUDA-graph batch below and from `tpThreshold`
     * GPUs per replica (EngineProfile.cudaGraphBatch; `memoryReserve` reserves for it).
     */
    gpuMemoryTiers: z
      .object({
        tpThreshold: positive,
        note: z.string().min(1),
        tiers: z
          .array(
            z
              .object({
                belowMiB: positive.optional(),
                maxBatchedTokens: positive,
                graphBatchSmall: positive,
                graphBatchLarge: positive,
              })
              .strict(),
          )
          .min(1),
      })
      .strict()
      .optional(),
    /**
     * vLLM's batch defaults by device (EngineArgs.get_batch_defaults): `maxBatchedTokens` and
     * `maxRunningSequences` are the profile's on a GPU with at least `largeGpuMiB` of memory whose name
     * holds none of `excludedNames`; every other GPU gets these.
     */
    smallGpuDefaults: z
      .object({
        largeGpuMiB: positive,
        excludedNames: z.array(z.string().min(1)),
        maxBatchedTokens: positive,
        maxRunningSequences: positive,
      })
      .strict()
      .optional(),
    kvAdmission: z.enum(['on-demand', 'reserve-final']),
    kvAdmissionNote: z.string().min(1),
    chunkPreempts: z.boolean(),
    chunkPreemptsNote: z.string().min(1),
    prefillFirst: z.boolean(),
    prefillFirstNote: z.string().min(1),
    /** EngineProfile.mlaPrefixAbsorbedBelowTokens; absent: prompt chunks never run absorbed. */
    mlaPrefixAbsorbedBelow: positive.optional(),
    pipelinesPromptChunks: z.boolean(),
    pipelinesPromptChunksNote: z.string().min(1),
    kvBlockTokens: positive,
    /** EngineProfile.weightOnlyMoeAlignment: the weight-only 4-bit MoE kernel's shape multiples; absent: unpadded. */
    weightOnlyMoeAlignment: z
      .object({
        value: z
          .object({ intermediate: z.number().int().positive(), hidden: z.number().int().positive() })
          .strict(),
        unit: z.literal('count'),
        source: z.string().min(1),
        kind: z.string().min(1),
        note: z.string().min(1),
      })
      .strict()
      .optional(),
    maxBatchedTokens: positive,
    maxRunningSequences: positive,
    stepOverhead: nonNegative,
    sequenceOverhead: nonNegative,
    moeSequenceLayerOverhead: nonNegative,
    hostOverlapsGpu: z.boolean(),
    hostOverlapsGpuNote: z.string().min(1),
    /** Descriptive: decode steps replay CUDA graphs. Not a term of the step time (docs/serving.md). */
    cudaGraphs: z.boolean(),
    features: z
      .object({
        chunkedPrefill: z.boolean(),
        prefixCaching: z.boolean(),
        speculative: z.array(z.enum(['draft', 'mtp', 'eagle', 'ngram'])),
        disaggregatedPrefill: z.boolean(),
        attentionDataParallel: z.boolean(),
      })
      .strict(),
    metrics: z.object({ ttft: z.string(), tpot: z.string(), itl: z.string() }).strict(),
    /**
     * Free parameters fitted per GPU efficiency family (scripts/calibrate-serving.ts); a family with
     * too few rows carries the pooled fit (`pooledOver` names the families it came from).
     */
    calibrated: z.record(z.string(), calibrationSchema).optional(),
    /** The fit over the engine's rows on every family: what a family without rows extrapolates from. */
    pooled: calibrationSchema.optional(),
  })
  .strict();
export type EngineFile = z.infer<typeof engineFileSchema>;

export interface CatalogEngine extends EngineProfile {
  /** How the engine's own benchmark defines each latency metric. */
  readonly metrics: EngineFile['metrics'];
  readonly file: EngineFile;
}

/** A GPU's efficiency family (hopper, blackwell, …): the unit engine parameters are fitted per. */
export function gpuFamily(gpuId: string): string {
  return loadCatalog().gpus.get(gpuId)?.efficiency.family ?? 'generic';
}

let cached: ReadonlyMap<string, CatalogEngine> | undefined;

export function loadEngines(): ReadonlyMap<string, CatalogEngine> {
  if (cached) return cached;
  const out = new Map<string, CatalogEngine>();
  for (const [id, raw] of Object.entries(ENGINES_FILES)) {
    const parsed = engineFileSchema.safeParse(raw);
    if (!parsed.success)
      throw new InternalError(`catalog/engines/${id}.json is invalid: ${parsed.error.issues[0]?.message}`);
    const f = parsed.data;
    out.set(id, {
      id: f.id,
      name: f.name,
      memoryFraction: f.memoryFraction.value,
      memoryFractionOf: f.memoryFractionOf,
      kvAdmission: f.kvAdmission,
      ...(f.heldMemory && {
        heldMemory: {
          logitsCopies: f.heldMemory.logitsCopies.value,
          logitsOnEveryRank: f.heldMemory.logitsOnEveryRank,
          logitsAfterForward: f.heldMemory.logitsAfterForward,
          runtimeBytes: si(f.heldMemory.runtime),
          tensorParallelRuntimeBytes: si(f.heldMemory.tensorParallelRuntime),
        },
      }),
      chunkPreempts: f.chunkPreempts,
      prefillFirst: f.prefillFirst,
      ...(f.mlaPrefixAbsorbedBelow && { mlaPrefixAbsorbedBelowTokens: f.mlaPrefixAbsorbedBelow.value }),
      pipelinesPromptChunks: f.pipelinesPromptChunks,
      kvBlockTokens: f.kvBlockTokens.value,
      ...(f.weightOnlyMoeAlignment && { weightOnlyMoeAlignment: f.weightOnlyMoeAlignment.value }),
      maxBatchedTokens: f.maxBatchedTokens.value,
      maxRunningSequences: f.maxRunningSequences.value,
      stepOverheadSeconds: si(f.stepOverhead),
      sequenceOverheadSeconds: si(f.sequenceOverhead),
      moeSequenceLayerSeconds: si(f.moeSequenceLayerOverhead),
      hostOverlapsGpu: f.hostOverlapsGpu,
      features: f.features,
      metrics: f.metrics,
      file: f,
    });
  }
  cached = out;
  return out;
}

export const ENGINE_IDS = ['vllm', 'sglang', 'trt-llm'] as const;

export type EngineCalibration = NonNullable<EngineFile['pooled']>;

/**
 * The calibration of an engine for a GPU's family: `family` when fitted on that family's rows,
 * `pooled` when the family had too few rows and shares the fit over the engine's families,
 * `extrapolated` when the engine has no rows on the family (the pooled fit, outside its data).
 */
export function engineCalibration(
  e: CatalogEngine,
  gpuId: string,
): (EngineCalibration & { readonly scope: 'family' | 'pooled' | 'extrapolated' }) | undefined {
  const own = e.file.calibrated?.[gpuFamily(gpuId)];
  if (own) return { ...own, scope: own.pooledOver ? 'pooled' : 'family' };
  return e.file.pooled && { ...e.file.pooled, scope: 'extrapolated' };
}

function memoryReserveAt(f: EngineFile): EngineProfile['memoryReserve'] {
  const m = f.memoryReserve!;
  return {
    baseMiB: m.baseMiB.value,
    perChunkTokenMiB: m.perChunkTokenMiB.value,
    minChunkTokens: m.minChunkTokens.value,
    perGraphBatchMiB: m.perGraphBatchMiB.value,
    perParallelGpuMiB: m.perParallelGpuMiB.value,
    perGraphBatchPerDpRankMiB: m.perGraphBatchPerDpRankMiB.value,
    largeGraphBatch: m.largeGraphBatch.value,
    perLargeGraphBatchPerDpRankMiB: m.perLargeGraphBatchPerDpRankMiB.value,
    floorMiB: m.floorMiB.value,
    floorAboveMiB: m.floorAboveMiB.value,
  };
}

/** Why `engine` cannot run on `gpuId` (its vendor is not one the engine supports), else null. */
export function engineVendorError(engine: CatalogEngine, gpuId: string): string | null {
  const vendors = engine.file.gpuVendors;
  const vendor = loadCatalog().gpus.get(gpuId)?.vendor;
  if (!vendors || vendor === undefined || vendors.value.includes(vendor)) return null;
  const others = ENGINE_IDS.filter((id) => id !== engine.id && !findEngine(id).file.gpuVendors);
  return `${engine.name} runs on ${vendors.value.join(', ')} GPUs only (${vendors.source}); ${gpuId} is ${vendor}'s: use ${others.join(' or ')}`;
}

/**
 * The profile on a GPU: the settings the engine picks by that GPU's memory (its tier, or vLLM's batch
 * defaults for smaller GPUs and A100s) and the host overheads calibrated for the GPU's family (or the
 * engine's pooled fit).
 */
export function engineForGpu(e: CatalogEngine, gpuId: string): CatalogEngine {
  const tiers = e.file.gpuMemoryTiers?.tiers;
  const memoryBytes = loadCatalog().gpus.get(gpuId)?.memoryBytes;
  // A GPU outside the catalog keeps the profile's own values (its reference GPU's).
  const tier =
    memoryBytes === undefined
      ? undefined
      : tiers?.find((t) => t.belowMiB === undefined || memoryBytes / MIB < t.belowMiB.value);
  const sized: CatalogEngine = tier
    ? {
        ...e,
        maxBatchedTokens: tier.maxBatchedTokens.value,
        cudaGraphBatch: {
          small: tier.graphBatchSmall.value,
          large: tier.graphBatchLarge.value,
          tpThreshold: e.file.gpuMemoryTiers!.tpThreshold.value,
        },
        ...(e.file.memoryReserve && { memoryReserve: memoryReserveAt(e.file) }),
      }
    : e;
  const small = e.file.smallGpuDefaults;
  const gpu = loadCatalog().gpus.get(gpuId);
  const isSmall =
    small !== undefined &&
    gpu !== undefined &&
    (gpu.memoryBytes / MIB < small.largeGpuMiB.value ||
      small.excludedNames.some((n) => gpu.name.toLowerCase().includes(n.toLowerCase())));
  const defaults: CatalogEngine = isSmall
    ? {
        ...sized,
        maxBatchedTokens: small.maxBatchedTokens.value,
        maxRunningSequences: small.maxRunningSequences.value,
      }
    : sized;
  const fitted = engineCalibration(e, gpuId);
  if (!fitted) return defaults;
  return {
    ...defaults,
    stepOverheadSeconds: si(fitted.stepOverhead),
    sequenceOverheadSeconds: si(fitted.sequenceOverhead),
    moeSequenceLayerSeconds: si(fitted.moeSequenceLayerOverhead),
  };
}

/**
 * How a deployment sets its engine where it differs from the profile: its memory share (--mem-fraction), its
 * token budget per step, the size of a prompt's chunks (--chunk-tokens), dynamic chunk sizes on a
 * pipeline (--dynamic-chunking), its CUDA-graph capture (--cuda-graph-batch), and prompt chunks mixed
 * into decode steps (--mixed-chunk).
 */
export interface EngineSettings {
  readonly memoryFraction?: number;
  readonly maxBatchedTokens?: number;
  readonly dynamicChunking?: { readonly smoothFactor: number };
  /** The largest decode batch the deployment captures in a CUDA graph (EngineProfile.cudaGraphBatch). */
  readonly cudaGraphMaxBatch?: number;
  /** Prompt chunks share the decode steps (SGLang --enable-mixed-chunk): the profile is no longer prefill-first. */
  readonly mixedChunk?: boolean;
}

/**
 * A candidate served by an engine, with the host overheads calibrated for its GPU's family: the one
 * place the CLI (`serve --engine`), levers studies, scenarios and the web Serve view attach an engine,
 * so the simulated step times and the reported band come from the same calibration. The deployment's
 * settings replace the profile's: a memory share (vLLM `--gpu-memory-utilization`, SGLang
 * `--mem-fraction-static`, TensorRT-LLM `free_gpu_memory_fraction`) also any share the engine would derive.
 */
export function withEngine(
  c: DeploymentCandidate,
  engine: CatalogEngine | undefined,
  settings: EngineSettings = {},
): DeploymentCandidate {
  if (!engine) return c;
  const wrongVendor = engineVendorError(engine, c.gpuId);
  if (wrongVendor !== null) inputError('infeasible', ['engine'], wrongVendor);
  const { memoryFraction, maxBatchedTokens, dynamicChunking, cudaGraphMaxBatch, mixedChunk } = settings;
  const profile: CatalogEngine = {
    ...engineForGpu(engine, c.gpuId),
    ...(memoryFraction !== undefined && { memoryFraction, memoryReserve: undefined }),
    ...(maxBatchedTokens !== undefined && { maxBatchedTokens }),
    ...(dynamicChunking && { dynamicChunking }),
    ...(mixedChunk && { prefillFirst: false }),
    // The deployment's capture at every TP (SGLang also reserves memory by it where it derives its share).
    ...(cudaGraphMaxBatch !== undefined && {
      cudaGraphBatch: { small: cudaGraphMaxBatch, large: cudaGraphMaxBatch, tpThreshold: 1 },
    }),
  };
  // The engine's weight-only MoE kernel pads the experts where they run so on this GPU.
  const on = <R extends DeploymentCandidate['replica']>(r: R): R =>
    withExpertAlignment({ ...r, profile }, profile, c.cluster.gpu);
  return { ...c, replica: on(c.replica), prefillReplica: c.prefillReplica && on(c.prefillReplica) };
}

export function findEngine(id: string, field = '--engine'): CatalogEngine {
  const e = loadEngines().get(id.trim().toLowerCase());
  if (!e) return inputError('unknown_id', [field], `unknown engine '${id}'; one of ${ENGINE_IDS.join(', ')}`);
  return e;
}

export type EngineId = (typeof ENGINE_IDS)[number];
