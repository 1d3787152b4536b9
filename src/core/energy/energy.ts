/**
 * Energy, power and carbon of GPU work: the one home of `GPU-hours × node W per GPU × power fraction ×
 * PUE / 1000` (Epoch AI's method, Cottier et al. 2024, "The rising costs of training frontier AI
 * models", Sec. 2 and App. A) and of what follows from it (electricity $, operational and embodied CO2).
 */
import { HOURS_PER_YEAR } from '../units.js';

/** What a GPU-hour draws from the grid, what the grid emits and what electricity costs. */
export interface EnergyAssumptions {
  /**
   * Node power attributable to one GPU at full load, W (server TDP / GPUs per node); null when no power
   * figure is known (then energy, CO2 and electricity $ are not estimated, see `energyNote`).
   */
  readonly nodeWattsPerGpu: number | null;
  /** Why power is unknown and how to give it, when `nodeWattsPerGpu` is null (for the report). */
  readonly powerUnknownReason?: string;
  /** Average draw over the node's maximum during training (Epoch AI: 0.75). */
  readonly powerFraction: number;
  /** Power usage effectiveness: facility power over IT power (≥ 1). */
  readonly pue: number;
  readonly kgCo2PerKWh: number;
  readonly electricityUsdPerKWh: number;
}

type PowerDraw = Pick<EnergyAssumptions, 'nodeWattsPerGpu' | 'powerFraction' | 'pue'>;
/** Assumptions whose power figure is known. */
type KnownPower<T> = T & { readonly nodeWattsPerGpu: number };

/** Whether the assumptions carry a power figure (every energy formula below needs one). */
export function powerKnown<T extends Pick<EnergyAssumptions, 'nodeWattsPerGpu'>>(e: T): e is KnownPower<T> {
  return e.nodeWattsPerGpu !== null;
}

/**
 * What a report prints (text) or a JSON's `energyNote` holds in place of an energy figure when power is
 * unknown; null when it is known. The one wording for every command, the web app and scenarios.
 */
export function energyNote(
  e: Pick<EnergyAssumptions, 'nodeWattsPerGpu' | 'powerUnknownReason'>,
): string | null {
  if (powerKnown(e)) return null;
  return `not estimated (${e.powerUnknownReason ?? 'no power figure for this GPU'})`;
}

/** `show(value)`, or `<what> <energyNote>` when it is not estimated: how every report prints energy and CO2. */
export function energyText(
  value: number | null,
  note: string | null,
  show: (value: number) => string,
  what = 'energy',
): string {
  return value === null ? `${what}${what ? ' ' : ''}${note ?? 'not estimated'}` : show(value);
}

/** kWh from the grid for `gpuHours` of work: GPU-h × W × power fraction × PUE / 1000 (Cottier et al. 2024, App. A); null without a power figure. */
export function energyKWh(gpuHours: number, e: KnownPower<PowerDraw>, pue?: number): number;
export function energyKWh(gpuHours: number, e: PowerDraw, pue?: number): number | null;
export function energyKWh(gpuHours: number, e: PowerDraw, pue: number = e.pue): number | null {
  if (e.nodeWattsPerGpu === null) return null;
  return (gpuHours * e.nodeWattsPerGpu * e.powerFraction * pue) / 1000;
}

/** Electricity $ per busy GPU-hour: W × power fraction × PUE / 1000 × $/kWh (Cottier et al. 2024, App. A); null without a power figure. */
export function energyUsdPerGpuHour(
  e: KnownPower<PowerDraw>,
  electricityUsdPerKWh: number,
  pue?: number,
): number;
export function energyUsdPerGpuHour(e: PowerDraw, electricityUsdPerKWh: number, pue?: number): number | null;
export function energyUsdPerGpuHour(
  e: PowerDraw,
  electricityUsdPerKWh: number,
  pue: number = e.pue,
): number | null {
  const kWh = energyKWh(1, e, pue);
  return kWh === null ? null : kWh * electricityUsdPerKWh;
}

/** Operational (location-based) CO2 of `kWh`: kWh × the grid's average intensity (GHG Protocol Scope 2); null when kWh is. */
export function operationalCo2Kg(kWh: number, e: Pick<EnergyAssumptions, 'kgCo2PerKWh'>): number;
export function operationalCo2Kg(
  kWh: number | null,
  e: Pick<EnergyAssumptions, 'kgCo2PerKWh'>,
): number | null;
export function operationalCo2Kg(
  kWh: number | null,
  e: Pick<EnergyAssumptions, 'kgCo2PerKWh'>,
): number | null {
  return kWh === null ? null : kWh * e.kgCo2PerKWh;
}

/** Provisioned (nameplate) power of `gpus` GPUs' share of their nodes, kW: what colocation bills; null without a power figure. */
export function provisionedKw(
  gpus: number,
  e: KnownPower<Pick<EnergyAssumptions, 'nodeWattsPerGpu'>>,
): number;
export function provisionedKw(gpus: number, e: Pick<EnergyAssumptions, 'nodeWattsPerGpu'>): number | null;
export function provisionedKw(gpus: number, e: Pick<EnergyAssumptions, 'nodeWattsPerGpu'>): number | null {
  return e.nodeWattsPerGpu === null ? null : (gpus * e.nodeWattsPerGpu) / 1000;
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
