/** Rent vs buy for a pretraining phase on bought GPUs, at central values, against the catalog's rent. */

import { breakEvenUtilization } from '../core/economics/finance.js';
import { energyUsdPerGpuHour, provisionedKw } from '../core/energy/energy.js';
import { centralValue } from '../core/uncertainty/distributions.js';
import { HOURS_PER_MONTH } from '../core/units.js';
import { depreciatedShare, effectivePue } from './cashflow/hardware.js';
import { type PreparedScenario, phaseGpuHours } from './prepare.js';
import type { Phase } from './schema.js';

/** Owning a pretraining phase's GPUs over the horizon, at central values, against the catalog's rent. */
export interface Ownership {
  readonly phase: Extract<Phase, { kind: 'pretrain' }>;
  /** Depreciation over the months owned plus colocation, per GPU, $. */
  readonly fixedUsdPerGpu: number;
  readonly ownedHours: number;
  /** Electricity per busy GPU-hour, $. */
  readonly energyUsdPerBusyHour: number;
  readonly rentUsdPerGpuHour: number;
  /** Share of the owned hours the scenario keeps the GPUs busy. */
  readonly busyShare: number;
  /** Busy share above which buying costs less than renting; null if never within the horizon. */
  readonly breakEvenUtilization: number | null;
  /** The assumptions the comparison used (central values), to echo beside it. */
  readonly assumptions: {
    readonly usdPerGpu: number;
    readonly serverCostOverGpuCost: number;
    readonly lifeYears: number;
    readonly pue: number;
    readonly electricityUsdPerKWh: number;
    /** Colocation per kW of node power a month; null when the scenario prices none. */
    readonly dataCenterUsdPerKwMonth: number | null;
  };
}

export function ownership(p: PreparedScenario): Ownership[] {
  const out: Ownership[] = [];
  for (const ph of p.phases) {
    if (ph.kind !== 'pretrain' || !('buy' in ph.phase.hardware) || ph.rentUsdPerGpuHour === null) continue;
    const hw = ph.phase.hardware;
    const b = hw.buy;
    const ownedMonths = p.scenario.horizonMonths - ph.phase.startMonth;
    const e = ph.energy;
    const electricity =
      b.electricityUsdPerKWh === undefined ? e.electricityUsdPerKWh : centralValue(b.electricityUsdPerKWh);
    const usdPerGpu = centralValue(b.usdPerGpu);
    const lifeYears = b.lifeYears ?? p.lifeYears;
    const depreciation = usdPerGpu * p.serverCostOverGpuCost * depreciatedShare(ownedMonths, lifeYears);
    const colocation =
      b.dataCenterUsdPerKwMonth === undefined ? null : centralValue(b.dataCenterUsdPerKwMonth);
    const facility = colocation === null ? 0 : provisionedKw(1, e) * colocation * ownedMonths;
    const ownedHours = ownedMonths * HOURS_PER_MONTH;
    const pue = effectivePue(hw, e);
    const energyUsdPerBusyHour = energyUsdPerGpuHour(e, electricity, pue);
    const gpuHours = phaseGpuHours(ph, centralValue);
    out.push({
      phase: ph.phase,
      fixedUsdPerGpu: depreciation + facility,
      ownedHours,
      energyUsdPerBusyHour,
      rentUsdPerGpuHour: ph.rentUsdPerGpuHour,
      busyShare: gpuHours / (ph.phase.gpus * ownedHours),
      breakEvenUtilization: breakEvenUtilization({
        capexUsdPerGpu: depreciation + facility,
        depreciatedShare: 1,
        horizonHours: ownedHours,
        energyUsdPerGpuHour: energyUsdPerBusyHour,
        rentUsdPerGpuHour: ph.rentUsdPerGpuHour,
      }),
      assumptions: {
        usdPerGpu,
        serverCostOverGpuCost: p.serverCostOverGpuCost,
        lifeYears,
        pue,
        electricityUsdPerKWh: electricity,
        dataCenterUsdPerKwMonth: colocation,
      },
    });
  }
  return out;
}
