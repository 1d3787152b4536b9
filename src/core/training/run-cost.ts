/**
 * From a step time to a training run: steps for the token budget, ideal and expected GPU-hours
 * (expected = ideal / goodput), wall-clock days, dollars (rental $/GPU-hour or owned hardware
 * amortised), energy (node power × utilisation × PUE) and CO2 (grid intensity), and what the money
 * pays for (Epoch AI's split of hardware, networking and energy).
 */
import { type EnergyAssumptions, energyKWh as energyKWhOf, operationalCo2Kg } from '../energy/energy.js';
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
  readonly energyKWh: number;
  readonly co2Kg: number;
  /** What the cost pays for: energy at the electricity price, networking and compute hardware. */
  readonly costSplit: {
    readonly computeUsd: number;
    readonly networkingUsd: number;
    readonly energyUsd: number;
  };
}

/** Amortised $/GPU-hour of owned hardware, energy excluded (Epoch AI's method, Cottier et al. 2024, Sec. 2). */
export function ownedUsdPerGpuHour(owned: OwnedHardware): number {
  return (
    (owned.purchaseUsdPerGpu * owned.serverCostOverGpuCost) /
    (owned.lifeYears * HOURS_PER_YEAR * owned.utilization)
  );
}

export function trainingRunCost(step: StepTime, options: RunCostOptions): RunCost {
  if (!(options.tokens > 0))
    inputError('invalid_value', ['tokens'], `must be greater than 0, got ${options.tokens}`);
  if (options.tokens < step.tokensPerStep) {
    inputError(
      'invalid_value',
      ['tokens'],
      `${options.tokens} tokens is less than one global batch (${step.tokensPerStep} tokens); lower --global-batch or raise --tokens`,
    );
  }
  const steps = Math.ceil(options.tokens / step.tokensPerStep);
  const secondsIdeal = steps * step.stepSeconds;
  const seconds = secondsIdeal / options.goodput;
  const gpuHoursIdeal = (secondsIdeal * options.gpus) / SECONDS_PER_HOUR;
  const gpuHours = (seconds * options.gpus) / SECONDS_PER_HOUR;
  const e = options.energy;
  const energyKWh = energyKWhOf(gpuHours, e);
  const energyUsd = energyKWh * e.electricityUsdPerKWh;
  let usdPerGpuHour: number;
  let costUsd: number;
  let hardwareUsd: number;
  if (options.owned) {
    usdPerGpuHour = ownedUsdPerGpuHour(options.owned) + energyUsd / gpuHours;
    hardwareUsd = gpuHours * ownedUsdPerGpuHour(options.owned);
    costUsd = hardwareUsd + energyUsd;
  } else {
    usdPerGpuHour = options.usdPerGpuHour ?? 0;
    costUsd = gpuHours * usdPerGpuHour;
    // A rental price covers energy too; what is left pays for the hardware (and the provider's margin).
    hardwareUsd = Math.max(0, costUsd - energyUsd);
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
    costSplit: {
      computeUsd: hardwareUsd - networkingUsd,
      networkingUsd,
      energyUsd: Math.min(energyUsd, costUsd),
    },
  };
}
