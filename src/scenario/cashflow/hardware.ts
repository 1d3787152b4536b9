/**
 * Hardware cash flows: GPU work on rented, reserved or bought GPUs, with its energy and carbon. Buying
 * is straight-line depreciation (the one place it is written: `depreciatedShare`) with the book value
 * recovered at the horizon; the cluster interconnect is Epoch AI's share of the purchase (Cottier et al.
 * 2024, Sec. 2).
 */
import { energyKWh, energyUsdPerGpuHour, operationalCo2Kg, provisionedKw } from '../../core/energy/energy.js';
import { HOURS_PER_MONTH } from '../../core/units.js';
import type { PhaseEnergy } from '../prepare.js';
import type { HardwareChoice } from '../schema.js';
import { type Ledger, spread } from './ledger.js';

/** What a purchase needs beyond the scenario's hardware choice (catalog defaults). */
export interface PurchaseDefaults {
  readonly serverCostOverGpuCost: number;
  readonly networkingShareOfHardware: number;
  readonly lifeYears: number;
}

/** Share of a purchase lost after `ownedMonths` of a `lifeYears` straight-line life (at most 1). */
export function depreciatedShare(ownedMonths: number, lifeYears: number): number {
  return Math.min(1, ownedMonths / (lifeYears * 12));
}

/** The PUE a phase's GPUs run at: the bought facility's own, else the catalog's. */
export function effectivePue(hw: HardwareChoice, e: PhaseEnergy): number {
  return 'buy' in hw && hw.buy.pue !== undefined ? hw.buy.pue : e.pue;
}

/** Books the energy, CO2 and embodied CO2 of `gpuHours` of work; returns the kWh. */
export function bookEnergy(l: Ledger, hw: HardwareChoice, e: PhaseEnergy, gpuHours: number): number {
  const kWh = energyKWh(gpuHours, e, effectivePue(hw, e));
  l.energyKWh += kWh;
  l.co2Kg += operationalCo2Kg(kWh, e);
  l.embodiedCo2Kg += gpuHours * e.embodiedKgCo2PerGpuHour;
  return kWh;
}

/** Months a reservation is paid for: whole terms, renewed while the work lasts (a run of 1.2 terms pays 2). */
const reservedMonths = (termMonths: number, months: number): number =>
  termMonths * Math.max(1, Math.ceil(months / termMonths - 1e-9));

/**
 * Books `gpuHours` of work on `gpus` GPUs over `months` from `start`: rented (per GPU-hour), reserved
 * (the whole term, renewed at the same price if the work outlasts it) or bought (capex at arrival less
 * the book value at the horizon, electricity, colocation from arrival to the horizon). Returns its cost.
 */
export function bookHardware(
  l: Ledger,
  d: PurchaseDefaults,
  hw: HardwareChoice,
  e: PhaseEnergy,
  work: { readonly gpus: number; readonly gpuHours: number; readonly start: number; readonly months: number },
): number {
  const { gpus, gpuHours, start, months } = work;
  const { cost, v, n } = l;
  const kWh = bookEnergy(l, hw, e, gpuHours);
  if ('rent' in hw) {
    const usd = gpuHours * v(hw.rent.usdPerGpuHour);
    spread(cost.compute, start, months, usd);
    return usd;
  }
  if ('reserve' in hw) {
    const paidMonths = reservedMonths(hw.reserve.termMonths, months);
    const usd = gpus * HOURS_PER_MONTH * paidMonths * v(hw.reserve.usdPerGpuHour);
    spread(cost.compute, start, paidMonths, usd);
    return usd;
  }
  const b = hw.buy;
  const capex = gpus * v(b.usdPerGpu) * d.serverCostOverGpuCost;
  const owned = n - 1 - start;
  const lost = depreciatedShare(owned, b.lifeYears ?? d.lifeYears);
  const residual = capex * (1 - lost);
  const share = d.networkingShareOfHardware;
  cost.compute[start]! += capex * (1 - share);
  cost.networking[start]! += capex * share;
  cost.compute[n - 1]! -= residual * (1 - share);
  cost.networking[n - 1]! -= residual * share;
  const electricity =
    kWh * (b.electricityUsdPerKWh === undefined ? e.electricityUsdPerKWh : v(b.electricityUsdPerKWh));
  spread(cost.energy, start, months, electricity);
  // Colocation: the nodes' provisioned power, paid every month from arrival to the horizon.
  let facility = 0;
  if (b.dataCenterUsdPerKwMonth !== undefined) {
    facility = provisionedKw(gpus, e) * v(b.dataCenterUsdPerKwMonth) * owned;
    spread(cost.facility, start, owned, facility);
  }
  return capex * lost + electricity + facility;
}

/**
 * The GPU-hours a phase's GPUs stand paid for until the horizon beyond its own work (a reserved term's,
 * bought GPUs' from arrival), and the $ one of them costs when used: a bought GPU's electricity, nothing
 * reserved. Research and ablation runs fit there before any GPU is rented for them (bookResearch).
 */
export function idleCapacity(
  l: Ledger,
  hw: HardwareChoice,
  e: PhaseEnergy,
  work: { readonly gpus: number; readonly gpuHours: number; readonly start: number; readonly months: number },
): { readonly gpuHours: number; readonly usdPerGpuHour: number } {
  const paidMonths =
    'rent' in hw
      ? 0
      : 'reserve' in hw
        ? Math.min(reservedMonths(hw.reserve.termMonths, work.months), l.n - 1 - work.start)
        : l.n - 1 - work.start;
  const gpuHours = Math.max(0, work.gpus * HOURS_PER_MONTH * paidMonths - work.gpuHours);
  if (!('buy' in hw)) return { gpuHours, usdPerGpuHour: 0 };
  const usdPerKWh =
    hw.buy.electricityUsdPerKWh === undefined ? e.electricityUsdPerKWh : l.v(hw.buy.electricityUsdPerKWh);
  return { gpuHours, usdPerGpuHour: energyUsdPerGpuHour(e, usdPerKWh, effectivePue(hw, e)) };
}
