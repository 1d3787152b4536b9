/**
 * The catalog: validated data files converted to SI units at load (the only place besides display
 * where prefixed units exist). Lookups resolve aliases and answer unknown ids with near matches.
 */
import { InputError, InternalError } from '../core/errors.js';
import type { ClusterSpec } from '../core/hardware/cluster-spec.js';
import type { EfficiencyCurve, EfficiencyProfile } from '../core/hardware/efficiency.js';
import type { Datatype, HardwareSpec } from '../core/hardware/hardware-spec.js';
import type { GemmKernelParameters, KernelModel, KernelResiduals } from '../core/hardware/kernel-model.js';
import { nearMatches } from '../core/suggest.js';
import { toSi } from '../core/units.js';
import {
  APIS_FILES,
  ASSUMPTIONS,
  CLUSTERS_FILES,
  EFFICIENCY_FILES,
  GPUS_FILES,
  GRIDS_FILES,
  KERNELS_FILES,
  MODELS_FILES,
  QUALITY_RESULTS,
  SOURCES,
} from './data.js';
import {
  type EfficiencyFile,
  efficiencyFileSchema,
  type KernelMeasurementFile,
  kernelMeasurementFileSchema,
} from './efficiency-schema.js';
import {
  type ApiFile,
  type AssumptionsFile,
  apiFileSchema,
  assumptionsFileSchema,
  type ClusterFile,
  clusterFileSchema,
  DATATYPES,
  type GpuFile,
  type GridFile,
  gpuFileSchema,
  gridFileSchema,
  type ModelFile,
  modelFileSchema,
  type QualityResultsFile,
  qualityResultsFileSchema,
  type SourcedValue,
  type SourcesFile,
  sourcesFileSchema,
} from './schema.js';

export interface Accelerator extends HardwareSpec {
  readonly name: string;
  readonly vendor: string;
  readonly aliases: readonly string[];
  readonly releaseDate: string;
  readonly rentalPrices: readonly {
    readonly provider: string;
    readonly commitment: string;
    readonly usdPerGpuHour: number;
    readonly asOf: string;
  }[];
  readonly purchasePrices: readonly {
    readonly usdPerGpu: number;
    readonly asOf: string;
    readonly note: string;
  }[];
  /** The data file as published, for showing each value with its source. */
  readonly file: GpuFile;
}

export interface Cluster extends ClusterSpec {
  readonly id: string;
  readonly name: string;
  readonly gpu: Accelerator;
  readonly file: ClusterFile;
}

export interface Grid {
  readonly id: string;
  readonly name: string;
  readonly kgCo2PerKWh: number;
  readonly file: GridFile;
}

export interface Catalog {
  readonly efficiencyProfiles: ReadonlyMap<string, EfficiencyProfile>;
  /** Kernel measurements per file id (catalog/kernels/): the calibration data of the kernel model. */
  readonly kernelMeasurements: ReadonlyMap<string, KernelMeasurementFile>;
  readonly gpus: ReadonlyMap<string, Accelerator>;
  readonly models: ReadonlyMap<string, ModelFile>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly grids: ReadonlyMap<string, Grid>;
  readonly apis: ReadonlyMap<string, ApiFile>;
  /** Sourced defaults for goodput, energy and cost (catalog/assumptions.json). */
  readonly assumptions: AssumptionsFile;
  /** Published quality results the levers quote (catalog/quality-results.json). */
  readonly qualityResults: QualityResultsFile;
  readonly sources: SourcesFile;
}

function parseFile<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  where: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new InternalError(`catalog file ${where} is invalid: ${detail}`);
  }
  return parsed.data;
}

const si = (v: SourcedValue) => toSi(v.value, v.unit);

function efficiencyCurve(c: EfficiencyFile['memory']): EfficiencyCurve {
  const points = c.points.map((p) => ({ size: si(p.size), efficiency: p.efficiency.value }));
  return { points: points.sort((a, b) => a.size - b.size) };
}

function kernelModel(k: NonNullable<EfficiencyFile['kernels']>): KernelModel {
  const gemm: Partial<Record<Datatype, GemmKernelParameters>> = {};
  for (const [datatype, g] of Object.entries(k.gemm)) {
    gemm[datatype as Datatype] = {
      tiles: g.tiles.map((t) => ({ m: t.m.value, n: t.n.value })),
      ...(g.servingTiles && {
        servingTiles: g.servingTiles.map((t) => ({
          ...(t.maxM && { maxM: t.maxM.value }),
          m: t.m.value,
          n: t.n.value,
        })),
      }),
      splitK: g.splitK,
      ceiling: g.ceiling.value,
      kOverhead: g.kOverhead.value,
    };
  }
  return {
    launchSeconds: si(k.launchLatency),
    bandwidthFraction: k.bandwidthFraction.value,
    gemm: gemm as KernelModel['gemm'],
    ...(k.residuals && {
      residuals: {
        method: k.residuals.method,
        fittedOn: k.fittedOn ?? 'its measurements',
        byClass: k.residuals.value as KernelResiduals['byClass'],
      },
    }),
  };
}

/** An efficiency profile from its file (catalog/efficiency/ or a user's `--efficiency FILE`). */
export function efficiencyProfile(file: EfficiencyFile): EfficiencyProfile {
  const gemm: Record<string, EfficiencyCurve> = {};
  for (const [datatype, c] of Object.entries(file.gemm)) gemm[datatype] = efficiencyCurve(c);
  return {
    ...(file.kernels ? { kernels: kernelModel(file.kernels) } : {}),
    id: file.id,
    family: file.family ?? file.id,
    gemm: gemm as EfficiencyProfile['gemm'],
    attentionForward: file.attention.forward.value,
    attentionBackward: file.attention.backward.value,
    ...(file.attention.tensorToVectorRatio && {
      attentionTensorToVectorRatio: file.attention.tensorToVectorRatio.value,
    }),
    ...(file.attention.headDim && { attentionHeadDim: file.attention.headDim.value }),
    ...(file.attentionImplementations
      ? {
          attentionImplementations: Object.fromEntries(
            Object.entries(file.attentionImplementations).map(([i, t]) => [
              i,
              { forward: efficiencyCurve(t!.forward) },
            ]),
          ),
        }
      : {}),
    memory: efficiencyCurve(file.memory),
    scaleUpEfficiency: file.scaleUpEfficiency.value,
    scaleOutEfficiency: file.scaleOutEfficiency.value,
    sustainedComputeFraction: file.sustainedComputeFraction.value,
    ...(file.fp4Ceiling && { fp4Ceiling: file.fp4Ceiling.value }),
  };
}

/**
 * A GPU's own profile without per-implementation attention curves takes its family's: FlashAttention-2,
 * FlashAttention-3 and cuDNN are the same kernels on every chip of an architecture (H200 is H100's
 * GH100 with more memory), so a profile fitted on one GPU's measurements (h200.json: PyTorch SDPA's
 * flash backend) keeps the family's published curves for the named kernels.
 */
export function withFamilyKernels(
  profile: EfficiencyProfile,
  profiles: ReadonlyMap<string, EfficiencyProfile>,
): EfficiencyProfile {
  const family = profile.family === profile.id ? undefined : profiles.get(profile.family);
  if (profile.attentionImplementations || !family?.attentionImplementations) return profile;
  return { ...profile, attentionImplementations: family.attentionImplementations };
}

function accelerator(file: GpuFile, profiles: ReadonlyMap<string, EfficiencyProfile>): Accelerator {
  const efficiency = profiles.get(file.efficiencyProfile);
  if (!efficiency) {
    throw new InternalError(
      `catalog/gpus/${file.id}.json names unknown efficiency profile '${file.efficiencyProfile}'`,
    );
  }
  const peakFlopsPerSecond: Partial<Record<(typeof DATATYPES)[number], number>> = {};
  for (const d of DATATYPES) {
    const rate = file.peakFlops[d];
    if (rate) peakFlopsPerSecond[d] = si(rate);
  }
  const scaleUpBidirectional = si(file.scaleUp.bandwidth);
  return {
    id: file.id,
    name: file.name,
    vendor: file.vendor,
    aliases: file.aliases,
    releaseDate: file.releaseDate.value,
    peakFlopsPerSecond,
    ...(file.structuredSparsity ? { structuredSparsitySpeedup: file.structuredSparsity.value } : {}),
    ...(file.computeUnits ? { computeUnits: file.computeUnits.value } : {}),
    // The device's own capacity (nvidia-smi memory.total etc.), not the datasheet's GB (catalog/README.md).
    memoryBytes: si(file.memory.deviceCapacity),
    memoryBytesPerSecond: si(file.memory.bandwidth),
    scaleUp: {
      fabric: file.scaleUp.fabric,
      // Catalog values are bidirectional per GPU (as vendors publish them); collectives use one direction.
      bytesPerSecondPerDirection: scaleUpBidirectional / 2,
      domainSize: file.scaleUp.domainSize.value,
    },
    scaleOutBytesPerSecond: file.scaleOut ? si(file.scaleOut.bandwidth) : null,
    tdpWatts: file.tdp ? si(file.tdp) : null,
    efficiency,
    rentalPrices: file.rentalPrices.map((p) => ({
      provider: p.provider,
      commitment: p.commitment,
      usdPerGpuHour: p.usdPerGpuHour.value,
      asOf: p.usdPerGpuHour.asOf!,
    })),
    purchasePrices: file.purchasePrices.map((p) => ({
      usdPerGpu: p.usdPerGpu.value,
      asOf: p.usdPerGpu.asOf!,
      note: p.usdPerGpu.note ?? '',
    })),
    file,
  };
}

let cached: Catalog | undefined;

/** Validates every data file and converts it to SI. Cached after the first call. */
export function loadCatalog(): Catalog {
  if (cached) return cached;
  const sources = parseFile(sourcesFileSchema, SOURCES, 'catalog/sources.json');
  const profiles = new Map<string, EfficiencyProfile>();
  for (const [name, raw] of Object.entries(EFFICIENCY_FILES)) {
    profiles.set(
      name,
      efficiencyProfile(parseFile(efficiencyFileSchema, raw, `catalog/efficiency/${name}.json`)),
    );
  }
  for (const [name, profile] of profiles) profiles.set(name, withFamilyKernels(profile, profiles));
  const kernelMeasurements = new Map<string, KernelMeasurementFile>();
  for (const [name, raw] of Object.entries(KERNELS_FILES)) {
    kernelMeasurements.set(name, parseFile(kernelMeasurementFileSchema, raw, `catalog/kernels/${name}.json`));
  }
  const gpus = new Map<string, Accelerator>();
  for (const [name, raw] of Object.entries(GPUS_FILES)) {
    gpus.set(name, accelerator(parseFile(gpuFileSchema, raw, `catalog/gpus/${name}.json`), profiles));
  }
  const models = new Map<string, ModelFile>();
  for (const [name, raw] of Object.entries(MODELS_FILES)) {
    models.set(name, parseFile(modelFileSchema, raw, `catalog/models/${name}.json`));
  }
  const clusters = new Map<string, Cluster>();
  for (const [name, raw] of Object.entries(CLUSTERS_FILES)) {
    const file = parseFile(clusterFileSchema, raw, `catalog/clusters/${name}.json`);
    const gpu = gpus.get(file.gpu);
    if (!gpu) throw new InternalError(`catalog/clusters/${name}.json names unknown gpu '${file.gpu}'`);
    clusters.set(name, {
      id: file.id,
      name: file.name,
      gpu,
      gpusPerNode: file.gpusPerNode.value,
      scaleUp: {
        bytesPerSecond: si(file.scaleUp.bandwidthPerGpu),
        latencySeconds: si(file.scaleUp.latency),
        efficiency: file.scaleUp.efficiency?.value ?? gpu.efficiency.scaleUpEfficiency,
      },
      scaleOut: {
        bytesPerSecond: si(file.scaleOut.bandwidthPerGpu),
        latencySeconds: si(file.scaleOut.latency),
        efficiency: file.scaleOut.efficiency?.value ?? gpu.efficiency.scaleOutEfficiency,
      },
      nodeWattsPerGpu: file.nodePowerPerGpu ? si(file.nodePowerPerGpu) : null,
      file,
    });
  }
  const grids = new Map<string, Grid>();
  for (const [name, raw] of Object.entries(GRIDS_FILES)) {
    const file = parseFile(gridFileSchema, raw, `catalog/grids/${name}.json`);
    grids.set(name, { id: file.id, name: file.name, kgCo2PerKWh: file.carbonIntensity.value / 1000, file });
  }
  const apis = new Map<string, ApiFile>();
  for (const [name, raw] of Object.entries(APIS_FILES))
    apis.set(name, parseFile(apiFileSchema, raw, `catalog/apis/${name}.json`));
  const assumptions = parseFile(assumptionsFileSchema, ASSUMPTIONS, 'catalog/assumptions.json');
  const qualityResults = parseFile(qualityResultsFileSchema, QUALITY_RESULTS, 'catalog/quality-results.json');
  cached = {
    efficiencyProfiles: profiles,
    kernelMeasurements,
    gpus,
    models,
    clusters,
    grids,
    apis,
    assumptions,
    qualityResults,
    sources,
  };
  return cached;
}

function lookup<T>(
  map: ReadonlyMap<string, T>,
  id: string,
  field: string,
  what: string,
  aliases: Map<string, string>,
): T {
  const key = id.trim().toLowerCase();
  const found = map.get(key) ?? map.get(aliases.get(key) ?? '');
  if (found) return found;
  const names = [...map.keys(), ...aliases.keys()];
  const near = nearMatches(key, names);
  const hint = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
  throw new InputError({
    code: 'unknown_id',
    path: [field],
    message: `unknown ${what} '${id}'${hint} (${LIST_HINT[what] ?? `one of: ${[...map.keys()].join(', ')}`})`,
  });
}

const LIST_HINT: Readonly<Record<string, string>> = {
  GPU: "run 'llmecon gpus' for the list",
  model: "run 'llmecon models' for the list",
};

/** A grid region by id (carbon intensity). */
export function findGrid(id: string, field = '--region'): Grid {
  return lookup(loadCatalog().grids, id, field, 'region', new Map());
}

/** An API price entry by id. */
export function findApi(id: string, field = '--api'): ApiFile {
  return lookup(loadCatalog().apis, id, field, 'API', new Map());
}

/**
 * A user's efficiency profile (`--efficiency FILE`): replaces the catalog profile of `gpu`, or of
 * every GPU when `gpu` is null, in findGpu and findCluster until cleared.
 */
let efficiencyOverride: { readonly profile: EfficiencyProfile; readonly gpu: string | null } | null = null;

export function setEfficiencyOverride(
  override: { readonly profile: EfficiencyProfile; readonly gpu: string | null } | null,
): void {
  efficiencyOverride = override;
}

function withOverride(gpu: Accelerator): Accelerator {
  if (!efficiencyOverride || (efficiencyOverride.gpu !== null && efficiencyOverride.gpu !== gpu.id))
    return gpu;
  return { ...gpu, efficiency: efficiencyOverride.profile };
}

/** A GPU by id or alias (`a100` → `a100-80gb`, `h100` → `h100-sxm`). */
export function findGpu(id: string, field = '--gpu'): Accelerator {
  const catalog = loadCatalog();
  const aliases = new Map<string, string>();
  for (const gpu of catalog.gpus.values()) for (const alias of gpu.aliases) aliases.set(alias, gpu.id);
  return withOverride(lookup(catalog.gpus, id, field, 'GPU', aliases));
}

/** A catalog model file by id. */
export function findModel(id: string, field = 'model'): ModelFile {
  return lookup(loadCatalog().models, id, field, 'model', new Map());
}

/** A cluster preset by id. */
export function findCluster(id: string, field = '--cluster'): Cluster {
  const cluster = lookup(loadCatalog().clusters, id, field, 'cluster', new Map());
  const gpu = withOverride(cluster.gpu);
  if (gpu === cluster.gpu) return cluster;
  const own = (tier: 'scaleUp' | 'scaleOut') => cluster.file[tier].efficiency !== undefined;
  return {
    ...cluster,
    gpu,
    scaleUp: own('scaleUp')
      ? cluster.scaleUp
      : { ...cluster.scaleUp, efficiency: gpu.efficiency.scaleUpEfficiency },
    scaleOut: own('scaleOut')
      ? cluster.scaleOut
      : { ...cluster.scaleOut, efficiency: gpu.efficiency.scaleOutEfficiency },
  };
}
