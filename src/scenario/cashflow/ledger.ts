/**
 * The monthly ledger one evaluation of a scenario writes into: costs by kind and revenue per month
 * (month 0 = t = 0, the horizon's month last), cost by phase, and the physical totals. Every cash-flow
 * module books into it; nothing booked is ever dropped, so the totals by kind and by phase agree.
 */
import { centralValue, type Distribution, type Uncertain } from '../../core/uncertainty/distributions.js';
import { bandMultiplier } from '../../core/uncertainty/range.js';

export const COST_KINDS = [
  'compute',
  'networking',
  'energy',
  'facility',
  'storage',
  'research',
  'staff',
  'data',
] as const;
export type CostKind = (typeof COST_KINDS)[number];

/** Cost kinds that phases (and their research runs) book; staff, storage and data are not phases. */
export const PHASE_COST_KINDS = ['compute', 'networking', 'energy', 'facility', 'research'] as const;

export interface Ledger {
  /** Months in the ledger: the horizon + 1 (month 0 is t = 0). */
  readonly n: number;
  readonly cost: Record<CostKind, number[]>;
  readonly revenue: number[];
  readonly byPhase: Record<string, number>;
  /** An uncertain input at its drawn value (central when not drawn). */
  readonly v: (u: Uncertain) => number;
  /** A calibration band's multiplier at its drawn residual: 1 (the engine's estimate) when not drawn. */
  readonly band: (b: { readonly low: number; readonly high: number; readonly draw: Distribution }) => number;
  pretrainGpuHours: number;
  trainingGpuHours: number;
  energyKWh: number;
  co2Kg: number;
  embodiedCo2Kg: number;
  outputTokens: number;
  servingCostUsd: number;
  tokenRevenueUsd: number;
  readonly apiUsd: Record<string, number>;
}

/** An empty ledger over `horizonMonths`, reading uncertain inputs from `drawn` (by distribution object). */
export function newLedger(horizonMonths: number, drawn: ReadonlyMap<Distribution, number>): Ledger {
  const n = horizonMonths + 1;
  const zero = (): number[] => new Array<number>(n).fill(0);
  const cost = {} as Record<CostKind, number[]>;
  for (const k of COST_KINDS) cost[k] = zero();
  return {
    n,
    cost,
    revenue: zero(),
    byPhase: {},
    v: (u) => (typeof u === 'number' ? u : (drawn.get(u) ?? centralValue(u))),
    band: (b) => {
      const x = drawn.get(b.draw);
      return x === undefined ? 1 : bandMultiplier(b.low, b.high, x);
    },
    pretrainGpuHours: 0,
    trainingGpuHours: 0,
    energyKWh: 0,
    co2Kg: 0,
    embodiedCo2Kg: 0,
    outputTokens: 0,
    servingCostUsd: 0,
    tokenRevenueUsd: 0,
    apiUsd: {},
  };
}

/**
 * Spreads a lump `total` evenly over `months` (fractional) from `start`. What would fall after the
 * horizon is booked in its last month, never dropped (a run that outlasts the horizon at central
 * values is refused when the scenario is prepared; a Monte Carlo draw may still run over).
 */
export function spread(target: number[], start: number, months: number, total: number): void {
  let left = months;
  const last = target.length - 1;
  for (let m = start; m <= last && left > 0; m += 1) {
    const share = m === last ? left : Math.min(1, left);
    target[m]! += (total * share) / months;
    left -= share;
  }
}

/**
 * Spreads `total` evenly over `months` from `start`, counting only what falls within the horizon: for
 * costs paid month by month (staff, storage), whose months after the horizon are not the project's.
 */
export function spreadWithin(target: number[], start: number, months: number, total: number): void {
  let left = months;
  for (let m = start; m < target.length && left > 0; m += 1) {
    const share = Math.min(1, left);
    target[m]! += (total * share) / months;
    left -= share;
  }
}
