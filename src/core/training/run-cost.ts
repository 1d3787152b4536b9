/**
 * From a step time to a training run: steps for the token budget, ideal and expected GPU-hours
 * (expected = ideal / goodput), wall-clock days, dollars (rental $/GPU-hour or owned hardware
 * amortised), energy (node power × utilisation × PUE) and CO2 (grid intensity), and what the money
 * pays for (Epoch AI's split of hardware, networking and energy).
 */
import {
  type EnergyAssumptions,
  energyKWh as energyKWhOf,
  energyNote,
  operationalCo2Kg,
} from '../energy/energy.js';
import { inputError } from '../errors.js';
import { HOURS_PER_YEAR, SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../units.js';
import type { StepTime } from './step-time.js';

export type { EnergyAssumptions } from '../energy/energy.js';

export interface OwnedHardware {
  readonly purchaseUsdPerGpu: number;
  /** Server cost over GPU cost (Epoch AI: 1.64). */
  readonly serverCostOverGpuCost: number;
  readonly lifeYears: number;
  /** Fraction of its life the hardware is busy with useful work (1 = always). */
  readonly utilization: number;
}

export interface RunCostOptions {
  readonly tokens: number;
  readonly gpus: number;
  /** Fraction of wall-clock time spent making progress (Llama 3: > 90%). */
  readonly goodput: number;
  /** Rental price; ignored when `owned` is given. */
  readonly usdPerGpuHour?: number;
  readonly owned?: OwnedHardware;
  readonly energy: EnergyAssumptions;
  /** Interconnect share of hardware cost (Epoch AI: 0.19). */
  readonly networkingShareOfHardware: number;
}

export interface RunCost {
  readonly steps: number;
  readonly tokensTrained: number;
  readonly gpuHoursIdeal: number;
  readonly gpuHours: number;
  readonly wallClockDaysIdeal: number;
  readonly wallClockDays: number;
  readonly usdPerGpuHour: number;
  readonly costUsd: number;
  /** null when the GPU's power is unknown (see `energyNote`). */
  readonly energyKWh: number | null;
  readonly co2Kg: number | null;
  /** Why energy, CO2 and electricity $ are not estimated (null when they are); owned cost then excludes electricity. */
  readonly energyNote: string | null;
  /** What the cost pays for: energy at the electricity price, networking and compute hardware. */
  readonly costSplit: {
    readonly computeUsd: number;
    readonly networkingUsd: number;
    /** null without a power figure: the rest of a rental price is then counted as hardware. */
    readonly energyUsd: number | null;
  };
}

/** Amortised $/GPU-hour of owned hardware, energy excluded (Epoch AI's method, Cottier et al. 2024, Sec. 2). */
export function ownedUsdPerGpuHour(owned: OwnedHardware): number {
  return (
    (owned.purchaseUsdPerGpu * owned.serverCostOverGpuCost) /
    (owned.lifeYears * HOURS_PER_YEAR * owned.utilization)
  );
}

/** Why `tokens` make no optimizer step of `tokensPerStep` (fewer than one global batch), else null. */
export const shortOfOneBatch = (tokens: number, tokensPerStep: number): string | null =>
  tokens < tokensPerStep ? `${tokens} tokens is less than one global batch (${tokensPerStep} tokens)` : null;

export function trainingRunCost(step: StepTime, options: RunCostOptions): RunCost {
  if (!(options.tokens > 0))
    inputError('invalid_value', ['tokens'], `must be greater than 0, got ${options.tokens}`);
  const short = shortOfOneBatch(options.tokens, step.tokensPerStep);
  if (short !== null)
    inputError('invalid_value', ['tokens'], `${short}; lower --global-batch or raise --tokens`);
  const steps = Math.ceil(options.tokens / step.tokensPerStep);
  const secondsIdeal = steps * step.stepSeconds;
  const seconds = secondsIdeal / options.goodput;
  const gpuHoursIdeal = (secondsIdeal * options.gpus) / SECONDS_PER_HOUR;
  const gpuHours = (seconds * options.gpus) / SECONDS_PER_HOUR;
  const e = options.energy;
  const energyKWh = energyKWhOf(gpuHours, e);
  // Without a power figure electricity is left out of owned cost and not split out of a rental price.
  const energyUsd = energyKWh === null ? null : energyKWh * e.electricityUsdPerKWh;
  const knownEnergyUsd = energyUsd ?? 0;
  let usdPerGpuHour: number;
  let costUsd: number;
  let hardwareUsd: number;
  if (options.owned) {
    usdPerGpuHour = ownedUsdPerGpuHour(options.owned) + knownEnergyUsd / gpuHours;
    hardwareUsd = gpuHours * ownedUsdPerGpuHour(options.owned);
    costUsd = hardwareUsd + knownEnergyUsd;
  } else {
    usdPerGpuHour = options.usdPerGpuHour ?? 0;
    costUsd = gpuHours * usdPerGpuHour;
    // A rental price covers energy too; what is left pays for the hardware (and the provider's margin).
    hardwareUsd = Math.max(0, costUsd - knownEnergyUsd);
  }
  const networkingUsd = hardwareUsd * options.networkingShareOfHardware;
  return {
    steps,
    tokensTrained: steps * step.tokensPerStep,
    gpuHoursIdeal,
    gpuHours,
    wallClockDaysIdeal: secondsIdeal / SECONDS_PER_DAY,
    wallClockDays: seconds / SECONDS_PER_DAY,
    usdPerGpuHour,
    costUsd,
    energyKWh,
    co2Kg: operationalCo2Kg(energyKWh, e),
    energyNote: energyNote(e),
    costSplit: {
      computeUsd: hardwareUsd - networkingUsd,
      networkingUsd,
      energyUsd: energyUsd === null ? null : Math.min(energyUsd, costUsd),
    },
  };
}
