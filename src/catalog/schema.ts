/**
 * zod schemas for the catalog's data files (catalog/README.md documents each field). Every number is
 * a {@link sourcedValue}: the value and unit exactly as published, the id of its source in
 * catalog/sources.json, what kind of figure it is, and for prices the date it held.
 */
import { z } from 'zod';
import { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from '../core/hardware/efficiency.js';
import { DATATYPES, type Datatype } from '../core/hardware/hardware-spec.js';
import { UNIT_TO_SI } from '../core/units.js';

export { DATATYPES, type Datatype };

export const VALUE_KINDS = ['vendor-spec', 'measured', 'estimate'] as const;

const isoDate = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'expected a date as YYYY-MM or YYYY-MM-DD');

export const sourcedValue = z
  .object({
    value: z.number().finite(),
    unit: z.string().refine((u) => u in UNIT_TO_SI, {
      message: `unit must be one of ${Object.keys(UNIT_TO_SI).join(', ')}`,
    }),
    source: z.string().min(1),
    kind: z.enum(VALUE_KINDS),
    note: z.string().optional(),
    asOf: isoDate.optional(),
  })
  .strict();
export type SourcedValue = z.infer<typeof sourcedValue>;

const positive = sourcedValue.refine((v) => v.value > 0, { message: 'must be positive' });
const dated = positive.refine((v) => v.asOf !== undefined, { message: 'prices need an asOf date' });

const sourcedDate = z
  .object({
    value: isoDate,
    unit: z.literal('date'),
    source: z.string().min(1),
    kind: z.enum(VALUE_KINDS),
    note: z.string().optional(),
  })
  .strict();

const flopsUnits = (v: SourcedValue) => ['TFLOP/s', 'PFLOP/s', 'TOP/s'].includes(v.unit);
const rate = positive.refine(flopsUnits, { message: 'peak rates are in TFLOP/s, PFLOP/s or TOP/s' });

export const gpuFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'ids are lowercase and hyphenated'),
    name: z.string().min(1),
    vendor: z.string().min(1),
    aliases: z.array(z.string()),
    formFactor: z.string().min(1),
    releaseDate: sourcedDate,
    peakFlops: z
      .object(
        Object.fromEntries(DATATYPES.map((d) => [d, rate.optional()])) as Record<
          Datatype,
          z.ZodOptional<typeof rate>
        >,
      )
      .strict()
      .refine((p) => p.bf16 !== undefined, { message: 'a dense BF16 peak is required' }),
    /** Sparse tensor cores: the 2:4 structured-sparse peak over the dense one (absent: none). */
    structuredSparsity: positive.optional(),
    /** Units that run GEMM tiles in parallel (SMs, CUs), from the architecture whitepaper. */
    computeUnits: positive.optional(),
    memory: z
      .object({
        /** The datasheet's figure as printed (e.g. 80 GB), kept for display. */
        capacity: positive,
        /**
         * The capacity the device exposes, in bytes units (MiB/GiB): nvidia-smi memory.total, the HIP
         * allocator's total, hl-smi, or the vendor's GiB figure; the engine checks fits against it.
         */
        deviceCapacity: positive.refine((v) => ['MiB', 'GiB', 'GB'].includes(v.unit), {
          message: 'device capacity is in MiB, GiB or GB',
        }),
        bandwidth: positive,
      })
      .strict(),
    scaleUp: z
      .object({
        fabric: z.enum(['nvlink', 'infinity-fabric', 'pcie', 'ici', 'neuronlink', 'roce']),
        bandwidth: positive,
        domainSize: positive,
      })
      .strict(),
    scaleOut: z.object({ bandwidth: positive }).strict().optional(),
    tdp: positive.optional(),
    rentalPrices: z.array(
      z
        .object({
          provider: z.string().min(1),
          commitment: z.enum(['on-demand', '1-year', '3-year', 'spot', 'assumption']),
          usdPerGpuHour: dated,
        })
        .strict(),
    ),
    purchasePrices: z.array(z.object({ usdPerGpu: dated }).strict()),
    efficiencyProfile: z.string().min(1),
  })
  .strict();
export type GpuFile = z.infer<typeof gpuFileSchema>;

export const modelFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'ids are lowercase and hyphenated'),
    name: z.string().min(1),
    huggingFace: z.string().min(1),
    configSource: z.string().min(1),
    published: z.record(z.string(), sourcedValue),
    config: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ModelFile = z.infer<typeof modelFileSchema>;

const link = z
  .object({
    bandwidthPerGpu: positive,
    latency: positive,
    /** Measured achievable fraction on this cluster; absent: the GPU's efficiency profile. */
    efficiency: sourcedValue.optional(),
  })
  .strict();
export const clusterFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    name: z.string().min(1),
    gpu: z.string().min(1),
    gpusPerNode: positive,
    scaleUp: link,
    scaleOut: link,
    nodePowerPerGpu: positive.optional(),
    /**
     * The machine of one published run (a validation case's): `--cluster` names it, but it is never
     * the default cluster of its GPU (`--gpu` alone keeps its reference system or a generic one).
     */
    publishedRunOnly: z.boolean().optional(),
  })
  .strict();
export type ClusterFile = z.infer<typeof clusterFileSchema>;

export const sourceSchema = z
  .object({
    title: z.string().min(1),
    publisher: z.string().min(1),
    // An http(s) address, or a document in this repository (docs/...).
    url: z.string().regex(/^(https?:\/\/|docs\/)/, 'an http(s) url or a docs/ path'),
    published: isoDate.or(z.string().regex(/^\d{4}$/)),
    accessed: isoDate,
  })
  .strict();
export const sourcesFileSchema = z.record(z.string(), sourceSchema);
export type SourcesFile = z.infer<typeof sourcesFileSchema>;

const ratio = sourcedValue.refine((v) => v.unit === 'ratio' && v.value > 0 && v.value <= 1, {
  message: 'efficiencies are ratios in (0, 1]',
});
const curve = z
  .object({
    points: z
      .array(z.object({ size: sourcedValue, efficiency: ratio }).strict())
      .min(2)
      .refine((ps) => ps.every((p, i) => i === 0 || p.size.value !== ps[i - 1]!.size.value), {
        message: 'curve points need distinct sizes',
      }),
    note: z.string().min(1),
  })
  .strict();
const tileSize = positive.refine((v) => v.unit === 'count' && Number.isInteger(v.value), {
  message: 'tile sizes are whole element counts (unit count)',
});
const gemmKernel = z
  .object({
    /** The kernel library's thread-block tiles (output rows × columns). */
    tiles: z.array(z.object({ m: tileSize, n: tileSize }).strict()).min(1),
    /** Serving engines' own dispatch by rows: the tile at m ≤ maxM, rungs by rising maxM, the last without one (every m above). */
    servingTiles: z
      .array(z.object({ maxM: tileSize.optional(), m: tileSize, n: tileSize }).strict())
      .min(1)
      .refine((rungs) => rungs.every((r, i) => r.maxM !== undefined || i === rungs.length - 1), {
        message: 'only the last serving tile may omit maxM',
      })
      .optional(),
    splitK: z.boolean(),
    ceiling: ratio,
    kOverhead: sourcedValue.refine((v) => v.unit === 'count' && v.value >= 0, {
      message: 'kOverhead is a count of K elements ≥ 0',
    }),
  })
  .strict();
/** The shape-aware kernel model's parameters (src/core/hardware/kernel-model.ts). */
export const kernelModelSchema = z
  .object({
    /** The measurement file (catalog/kernels/) the parameters were fitted on, or absent for estimates. */
    fittedOn: z.string().optional(),
    launchLatency: positive.refine((v) => ['s', 'ms', 'us'].includes(v.unit), {
      message: 'a time (s, ms or us)',
    }),
    bandwidthFraction: ratio,
    gemm: z
      .object({ bf16: gemmKernel })
      .catchall(gemmKernel)
      .refine((g) => Object.keys(g).every((d) => (DATATYPES as readonly string[]).includes(d)), {
        message: `datatypes are ${DATATYPES.join(', ')}`,
      }),
    /**
     * ln(measured / predicted) of the fit's own kernels by class (core/uncertainty/kernel-band.ts): the
     * `kernel` command's band. `value` holds the residuals per class, sourced as a whole like a value.
     */
    residuals: z
      .object({
        value: z.record(
          z
            .string()
            .regex(
              new RegExp(
                `^(gemm-(${DATATYPES.join('|')})|memory-bound|attention-(forward|backward)|curve-gemm|curve-memory-bound)$`,
              ),
              'a kernel class: gemm-<datatype>, memory-bound, attention-forward, attention-backward, curve-gemm or curve-memory-bound',
            ),
          z.array(z.number().finite()).min(1),
        ),
        unit: z.literal('log-ratio'),
        source: z.string().min(1),
        kind: z.literal('measured'),
        method: z.enum(['leave-one-out', 'in-sample']),
        note: z.string().min(1),
      })
      .strict()
      .optional(),
    note: z.string().min(1),
  })
  .strict();
export const efficiencyFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    name: z.string().min(1),
    /** The architecture family a GPU-specific profile belongs to (calibrations are per family); default: the id. */
    family: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/)
      .optional(),
    gemm: z.object({ bf16: curve }).catchall(curve),
    attention: z
      .object({
        forward: ratio,
        backward: ratio,
        /** BF16 tensor peak / FP32 vector peak of the GPU the efficiencies were measured on (unit ratio). */
        tensorToVectorRatio: sourcedValue
          .refine((v) => v.unit === 'ratio' && v.value > 0, { message: 'must be a positive ratio' })
          .optional(),
        /** Head dimension the efficiencies were measured at (unit count). */
        headDim: sourcedValue
          .refine((v) => v.unit === 'count' && Number.isInteger(v.value) && v.value > 0, {
            message: 'must be a positive whole count',
          })
          .optional(),
      })
      .strict(),
    /** Published forward efficiency by attention implementation over sequence length (tokens, unit count). */
    attentionImplementations: z
      .object(
        Object.fromEntries(
          ATTENTION_IMPLEMENTATIONS.map((i) => [i, z.object({ forward: curve }).strict().optional()]),
        ) as Record<AttentionImplementation, z.ZodOptional<z.ZodObject<{ forward: typeof curve }>>>,
      )
      .strict()
      .optional(),
    memory: curve,
    scaleUpEfficiency: ratio,
    scaleOutEfficiency: ratio,
    sustainedComputeFraction: ratio,
    /** Share of the datasheet FP4 peak 4-bit GEMMs reach (EfficiencyProfile.fp4Ceiling); absent: 1. */
    fp4Ceiling: ratio.optional(),
    kernels: kernelModelSchema.optional(),
  })
  .strict();

const count = z.number().int().positive();
const seconds = z.number().finite().positive();
/**
 * Kernel measurements of one GPU (catalog/kernels/, written by bench/gpu/kernels.py): one source,
 * date and method for the whole file; each row a kernel and its mean seconds.
 */
export const kernelMeasurementFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    gpu: z.string().min(1),
    measured: isoDate,
    source: z.string().min(1),
    kind: z.literal('measured'),
    method: z.string().min(1),
    software: z.string().min(1),
    caveats: z.string(),
    gemm: z
      .array(
        z
          .object({
            m: count,
            n: count,
            k: count,
            datatype: z.enum(DATATYPES),
            inputBytes: z.number().positive().max(4),
            seconds,
          })
          .strict(),
      )
      .min(1),
    memory: z.array(z.object({ bytes: count, seconds }).strict()),
    attention: z.array(
      z
        .object({
          batch: count,
          heads: count,
          seqLen: count,
          headDim: count,
          causal: z.boolean(),
          implementation: z.string().min(1),
          pass: z.enum(['forward', 'backward']),
          seconds,
        })
        .strict(),
    ),
    decodeAttention: z.array(
      z
        .object({ batch: count, kvHeads: count, queryHeads: count, context: count, headDim: count, seconds })
        .strict(),
    ),
  })
  .strict();
export type KernelMeasurementFile = z.infer<typeof kernelMeasurementFileSchema>;
export type EfficiencyFile = z.infer<typeof efficiencyFileSchema>;

export const gridFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    name: z.string().min(1),
    carbonIntensity: positive.refine((v) => v.unit === 'gCO2e/kWh', {
      message: 'carbon intensity is in gCO2e/kWh',
    }),
  })
  .strict();
export type GridFile = z.infer<typeof gridFileSchema>;

const fraction = sourcedValue.refine((v) => v.unit === 'ratio' && v.value > 0 && v.value <= 1, {
  message: 'a ratio in (0, 1]',
});
/** A published central estimate with its 95% interval. */
const interval = z
  .object({ median: positive, low: positive, high: positive })
  .strict()
  .refine((i) => i.low.value <= i.median.value && i.median.value <= i.high.value, {
    message: 'low ≤ median ≤ high',
  });
export const assumptionsFileSchema = z
  .object({
    goodput: fraction,
    pue: sourcedValue.refine((v) => v.unit === 'ratio' && v.value >= 1, { message: 'PUE is a ratio ≥ 1' }),
    gpuPowerFraction: fraction,
    serverPowerPerGpuFactor: sourcedValue.refine((v) => v.value >= 1, { message: 'must be ≥ 1' }),
    electricityUsdPerKWh: positive,
    networkingShareOfHardware: fraction,
    serverCostOverGpuCost: sourcedValue.refine((v) => v.value >= 1, { message: 'must be ≥ 1' }),
    hardwareLifeYears: positive,
    mtpAcceptanceRate: fraction,
    storageUsdPerGbMonth: dated,
    /** Manufacturing (embodied) emissions, amortised per GPU-hour over the lifespan. */
    embodiedCarbon: z.object({ gpuCard: positive, serverBase: positive, lifespanYears: positive }).strict(),
    /** Model FLOPs utilisation that turns a dollar budget into FLOPs (scaling laws). */
    trainingMfu: fraction,
    /** Published rates with their 95% intervals (llmecon trends). */
    trends: z
      .object({
        frontierTrainingCostGrowthPerYear: interval,
        gpuPricePerformanceDoublingYears: interval,
        algorithmicHalvingMonths: interval,
      })
      .strict(),
    /** Total experiment + training compute over the final run's compute: a lognormal's 90% interval. */
    researchComputeRatio: z
      .object({
        p5: sourcedValue.refine((v) => v.unit === 'ratio' && v.value >= 1, { message: 'a ratio ≥ 1' }),
        p95: sourcedValue.refine((v) => v.unit === 'ratio' && v.value >= 1, { message: 'a ratio ≥ 1' }),
      })
      .strict(),
    /** Epoch AI's split of frontier development cost, low and high share per kind. */
    developmentCostSplit: z
      .object({
        hardware: z.object({ low: fraction, high: fraction }).strict(),
        staff: z.object({ low: fraction, high: fraction }).strict(),
        energy: z.object({ low: fraction, high: fraction }).strict(),
      })
      .strict(),
  })
  .strict();
export type AssumptionsFile = z.infer<typeof assumptionsFileSchema>;

/** catalog/quality-results.json: published benchmark scores, each sourced. */
export const qualityResultsFileSchema = z.record(
  z.string(),
  sourcedValue.refine((v) => v.unit === 'score', { message: 'a quality result is a score' }),
);
export type QualityResultsFile = z.infer<typeof qualityResultsFileSchema>;

const price = positive.refine((v) => v.unit === 'USD/M tokens' && v.asOf !== undefined, {
  message: 'API prices are USD/M tokens with an asOf date',
});
export const apiFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    provider: z.string().min(1),
    name: z.string().min(1),
    /** The catalog model this API serves, where there is one (for self-host comparisons). */
    servesCatalogModel: z.string().optional(),
    prices: z
      .object({
        input: price,
        cachedInput: price.optional(),
        output: price,
        /** Batch (asynchronous) tier, where offered. */
        batchInput: price.optional(),
        batchOutput: price.optional(),
      })
      .strict(),
    /** Earlier price points, newest first (the price trend the seeds cite). */
    history: z
      .array(
        z
          .object({
            note: z.string().min(1),
            prices: z
              .object({ input: price.optional(), cachedInput: price.optional(), output: price.optional() })
              .strict(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
export type ApiFile = z.infer<typeof apiFileSchema>;
