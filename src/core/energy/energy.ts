/**
 * Energy, power and carbon of GPU work: the one home of `GPU-hours × node W per GPU × power fraction ×
 * PUE / 1000` (Epoch AI's method, Cottier et al. 2024, "The rising costs of training frontier AI
 * models", Sec. 2 and App. A) and of what follows from it (electricity $, operational and embodied CO2).
 */
import { HOURS_PER_YEAR } from '../units.js';

/** What a GPU-hour draws from the grid, what the grid emits and what electricity costs. */
export interface EnergyAssumptions {
  /** Node power attributable to one GPU at full load, W (server TDP / GPUs per node). */
  readonly nodeWattsPerGpu: number;
  /** Average draw over the node's maximum during training (Epoch AI: 0.75). */
  readonly powerFraction: number;
  /** Power usage effectiveness: facility power over IT power (≥ 1). */
  readonly pue: number;
  readonly kgCo2PerKWh: number;
  readonly electricityUsdPerKWh: number;
}

type PowerDraw = Pick<EnergyAssumptions, 'nodeWattsPerGpu' | 'powerFraction' | 'pue'>;

/** kWh from the grid for `gpuHours` of work: GPU-h × W × power fraction × PUE / 1000 (Cottier et al. 2024, App. A). */
export function energyKWh(gpuHours: number, e: PowerDraw, pue: number = e.pue): number {
  return (gpuHours * e.nodeWattsPerGpu * e.powerFraction * pue) / 1000;
}

/** Electricity $ per busy GPU-hour: W × power fraction × PUE / 1000 × $/kWh (Cottier et al. 2024, App. A). */
export function energyUsdPerGpuHour(e: PowerDraw, electricityUsdPerKWh: number, pue: number = e.pue): number {
  return ((e.nodeWattsPerGpu * e.powerFraction * pue) / 1000) * electricityUsdPerKWh;
}

/** Operational (location-based) CO2 of `kWh`: kWh × the grid's average intensity (GHG Protocol Scope 2). */
export function operationalCo2Kg(kWh: number, e: Pick<EnergyAssumptions, 'kgCo2PerKWh'>): number {
  return kWh * e.kgCo2PerKWh;
}

/** Provisioned (nameplate) power of `gpus` GPUs' share of their nodes, kW: what colocation bills. */
export function provisionedKw(gpus: number, e: Pick<EnergyAssumptions, 'nodeWattsPerGpu'>): number {
  return (gpus * e.nodeWattsPerGpu) / 1000;
}

/** Manufacturing emissions of a GPU and its share of the server, kg CO2e. */
export interface EmbodiedCarbon {
  readonly gpuCardKg: number;
  readonly serverBaseKg: number;
  readonly gpusPerNode: number;
  readonly lifespanYears: number;
}

/**
 * Embodied kg CO2e per GPU-hour: (card + server / GPUs per node) amortised linearly over the lifespan
 * (Cloud Carbon Footprint methodology, "Embodied emissions").
 */
export function embodiedKgCo2PerGpuHour(c: EmbodiedCarbon): number {
  return (c.gpuCardKg + c.serverBaseKg / c.gpusPerNode) / (c.lifespanYears * HOURS_PER_YEAR);
}
