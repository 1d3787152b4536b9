/**
 * zod schemas for the catalog's data files (catalog/README.md documents each field). Every number is
 * a {@link sourcedValue}: the value and unit exactly as published, the id of its source in
 * catalog/sources.json, what kind of figure it is, and for prices the date it held.
 */
import { z } from 'zod';
import { DATATYPES, type Datatype } from '../core/hardware/hardware-spec.js';
import { UNIT_TO_SI } from '../core/units.js';

export { DATATYPES, type Datatype };

export const VALUE_KINDS = ['vendor-spec', 'measured', 'estimate'] as const;

export const isoDate = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'expected a date as YYYY-MM or YYYY-MM-DD');

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

export const positive = sourcedValue.refine((v) => v.value > 0, { message: 'must be positive' });
export const nonNegative = sourcedValue.refine((v) => v.value >= 0, { message: 'must be ≥ 0' });
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
