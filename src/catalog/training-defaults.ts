/**
 * Catalog-backed defaults for a training plan: the cluster for a GPU, the price, and the energy and
 * goodput assumptions, each traceable to catalog/assumptions.json or the GPU's and cluster's files.
 */

import type { EnergyAssumptions } from '../core/energy/energy.js';
import { formatPath, inputError } from '../core/errors.js';
import { type ClusterSpec, defaultCluster } from '../core/hardware/cluster-spec.js';
import type { TrendRates } from '../core/trends/trends.js';
import { lognormalFromInterval } from '../core/uncertainty/distributions.js';
import { type Accelerator, type Cluster, findCluster, findGpu, findGrid, loadCatalog } from './catalog.js';

export interface ResolvedHardware {
  readonly gpu: Accelerator;
  readonly cluster: ClusterSpec;
  /** The catalog cluster used, or null when built from the GPU entry alone. */
  readonly clusterId: string | null;
}

/**
 * `--cluster` wins; otherwise the catalog's one cluster preset for the GPU, or a cluster built from
 * the GPU entry (nodes of its scale-up domain, its NIC bandwidth).
 */
export function resolveHardware(gpuId: string | undefined, clusterId: string | undefined): ResolvedHardware {
  if (clusterId) {
    const cluster = findCluster(clusterId);
    if (gpuId && findGpu(gpuId).id !== cluster.gpu.id) {
      inputError(
        'infeasible',
        ['--gpu'],
        `cluster '${cluster.id}' has ${cluster.gpu.id} GPUs, not ${findGpu(gpuId).id}`,
      );
    }
    return { gpu: cluster.gpu, cluster, clusterId: cluster.id };
  }
  if (!gpuId)
    return inputError('missing_field', ['--gpu'], 'give --gpu <id> (see llmecon gpus) or --cluster <id>');
  const gpu = findGpu(gpuId);
  const presets = [...loadCatalog().clusters.values()].filter(
    (c: Cluster) => c.gpu.id === gpu.id && !c.file.publishedRunOnly,
  );
  if (presets.length === 1) return { gpu, cluster: presets[0]!, clusterId: presets[0]!.id };
  return { gpu, cluster: defaultCluster(gpu), clusterId: null };
}

export interface PriceChoice {
  readonly usdPerGpuHour: number;
  /** Where the price came from, for the report. */
  readonly basis: string;
}

/** How far back from a GPU's newest on-demand price other on-demand prices still compete (days). */
export const PRICE_WINDOW_DAYS = 365;

/**
 * The user's price, else the catalog's current on-demand price: the cheapest on-demand price dated
 * within PRICE_WINDOW_DAYS of the GPU's newest one (a stale cheap price from an older price list never
 * wins over this year's, and one premium listing, e.g. a serverless per-second rate, does not set the
 * price alone); else an assumption price (DeepSeek's $2 for H800). The basis names provider and date.
 */
export function defaultPrice(
  gpu: Accelerator,
  override: number | undefined,
  path: readonly (string | number)[] = ['--price-per-gpu-hour'],
): PriceChoice {
  if (override !== undefined) return { usdPerGpuHour: override, basis: '--price-per-gpu-hour' };
  const choice = defaultRentalPrice(gpu);
  if (!choice) {
    return inputError(
      'missing_field',
      path,
      `the catalog has no rental price for ${gpu.id}; give ${formatPath(path)}`,
    );
  }
  return {
    usdPerGpuHour: choice.usdPerGpuHour,
    basis: `${choice.provider}, ${choice.commitment}, ${choice.asOf}`,
  };
}

type DatedPrice = Accelerator['rentalPrices'][number];

/**
 * The rental price a run is billed at by default (and `llmecon gpus` lists): the lowest current on-demand
 * price (within PRICE_WINDOW_DAYS of the newest), else the lowest current price of any commitment.
 */
export const defaultRentalPrice = (gpu: Accelerator): DatedPrice | undefined =>
  currentPrice(gpu.rentalPrices.filter((p) => p.commitment === 'on-demand')) ??
  currentPrice(gpu.rentalPrices);

/** The cheapest of `prices` dated within PRICE_WINDOW_DAYS of the newest (ties: the newer), or undefined. */
function currentPrice(prices: readonly DatedPrice[]): DatedPrice | undefined {
  if (prices.length === 0) return undefined;
  const day = (p: DatedPrice) => Date.parse(p.asOf) / 86_400_000;
  const newest = Math.max(...prices.map(day));
  return prices
    .filter((p) => newest - day(p) <= PRICE_WINDOW_DAYS)
    .sort((a, b) => a.usdPerGpuHour - b.usdPerGpuHour || day(b) - day(a))[0];
}

export interface EnergyOverrides {
  readonly region?: string;
  readonly pue?: number;
  /** Server watts per accelerator (--watts-per-gpu, a phase's wattsPerGpu): overrides the catalog. */
  readonly wattsPerGpu?: number;
}

export function energyAssumptions(
  gpu: Accelerator,
  cluster: ClusterSpec,
  overrides: EnergyOverrides,
): EnergyAssumptions & { region: string } {
  const a = loadCatalog().assumptions;
  const region = findGrid(overrides.region ?? 'world');
  // Server watts per GPU: the user's, else the cluster's node power, else TDP × the server factor.
  const nodeWattsPerGpu =
    overrides.wattsPerGpu ??
    cluster.nodeWattsPerGpu ??
    (gpu.tdpWatts === null ? null : gpu.tdpWatts * a.serverPowerPerGpuFactor.value);
  return {
    nodeWattsPerGpu,
    ...(nodeWattsPerGpu === null && {
      powerUnknownReason: `the catalog has no power figure for ${gpu.id}; pass --watts-per-gpu W`,
    }),
    powerFraction: a.gpuPowerFraction.value,
    pue: overrides.pue ?? a.pue.value,
    kgCo2PerKWh: region.kgCo2PerKWh,
    electricityUsdPerKWh: a.electricityUsdPerKWh.value,
    region: region.id,
  };
}

/** What a run's cost needs besides its size: overrides, else the catalog's defaults. */
export interface RunCostOverrides extends EnergyOverrides {
  readonly usdPerGpuHour?: number;
  /** Fraction of wall-clock time making progress (default: the catalog's, Llama 3's > 90%). */
  readonly goodput?: number;
}

/**
 * The cost assumptions of a training, fine-tuning or RL run on `hw`: the one place the CLI, the web app,
 * levers and scenarios take goodput, energy and the networking share from, so they price a run alike.
 */
export function runCostAssumptions(hw: ResolvedHardware, o: RunCostOverrides) {
  const a = loadCatalog().assumptions;
  return {
    goodput: o.goodput ?? a.goodput.value,
    usdPerGpuHour: o.usdPerGpuHour,
    energy: energyAssumptions(hw.gpu, hw.cluster, {
      region: o.region,
      pue: o.pue,
      wattsPerGpu: o.wattsPerGpu,
    }),
    networkingShareOfHardware: a.networkingShareOfHardware.value,
  };
}

/** The catalog's published trend rates as lognormals over their 95% intervals (llmecon trends). */
export function trendRates(): TrendRates {
  const t = loadCatalog().assumptions.trends;
  const dist = (i: { median: { value: number }; low: { value: number }; high: { value: number } }) =>
    lognormalFromInterval(i.low.value, i.high.value, 0.95, i.median.value);
  return {
    frontierGrowthPerYear: dist(t.frontierTrainingCostGrowthPerYear),
    pricePerformanceDoublingYears: dist(t.gpuPricePerformanceDoublingYears),
    algorithmicHalvingMonths: dist(t.algorithmicHalvingMonths),
  };
}
