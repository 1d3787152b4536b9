/**
 * Evaluates a project scenario: prepare.ts runs the engines once per phase, then this light monthly
 * cash-flow model runs once per sample (hardware, serving, overheads and subscriptions book into one
 * ledger), so that a Monte Carlo over the economic inputs costs microseconds per draw.
 */
import {
  annualRate,
  irr,
  lowestDiscountRate,
  npvAtAnnualRate,
  paybackPeriod,
} from '../core/economics/finance.js';
import { centralValue, type Distribution } from '../core/uncertainty/distributions.js';
import { P10_DRAW, P90_DRAW, type Range } from '../core/uncertainty/range.js';
import { bookHardware, idleCapacity } from './cashflow/hardware.js';
import { COST_KINDS, type CostKind, newLedger } from './cashflow/ledger.js';
import {
  bookData,
  bookResearch,
  bookStaff,
  bookStorage,
  bookSubscriptions,
  type FinalRun,
} from './cashflow/overheads.js';
import { bookServing } from './cashflow/serving.js';
import { type PreparedScenario, phaseGpuHours, runMonths } from './prepare.js';

export { HOURS_PER_MONTH } from '../core/units.js';
export { COST_KINDS, type CostKind, PHASE_COST_KINDS } from './cashflow/ledger.js';
export { type Ownership, ownership } from './ownership.js';
export {
  type PhaseBand,
  type PhaseEnergy,
  type PreparedPhase,
  type PreparedScenario,
  prepareScenario,
} from './prepare.js';

export interface ProjectMonth {
  readonly costs: Readonly<Record<CostKind, number>>;
  readonly revenueUsd: number;
  readonly netUsd: number;
}

export interface ProjectResult {
  /** Per month: costs by kind, revenue, net flow (revenue − costs); month 0 is t = 0. */
  readonly months: () => readonly ProjectMonth[];
  /** Net flow per month. */
  readonly flows: readonly number[];
  readonly costByKindUsd: Readonly<Record<CostKind, number>>;
  /**
   * Cost by phase (and `research`): always the sum of the phase cost kinds (compute, networking, energy,
   * facility, research); staff, storage and data are not phases.
   */
  readonly costByPhaseUsd: Readonly<Record<string, number>>;
  readonly totalCostUsd: number;
  readonly revenueUsd: number;
  readonly npvUsd: number;
  /** Annualised IRR; null without revenue, or without an investment followed by returns. */
  readonly irr: number | null;
  /** Month (fractional) at which the cumulative undiscounted flow turns non-negative; null if never. */
  readonly paybackMonth: number | null;
  readonly pretrainGpuHours: number;
  /** Pretraining and fine-tuning GPU-hours. */
  readonly trainingGpuHours: number;
  readonly energyMWh: number;
  /** Operational CO2, location-based (the grid's average intensity). */
  readonly co2Tonnes: number;
  /** Manufacturing CO2 of the GPU-hours used (Cloud Carbon Footprint coefficients). */
  readonly embodiedCo2Tonnes: number;
  readonly outputTokens: number;
  /** Serving hardware cost (compute + energy) per million output tokens served; null without serving. */
  readonly servingCostPerMillionOutputTokensUsd: number | null;
  /** (Token revenue − serving cost) / token revenue; null without token revenue. */
  readonly grossMarginOnTokens: number | null;
  /** For serve phases with `compareWithApi`: what the API would charge for the same tokens, by phase. */
  readonly apiCostByPhaseUsd: Readonly<Record<string, number>>;
  /** Total cost per unit of the user's capability measure; null when the scenario has none. */
  readonly costPerCapabilityUnitUsd: number | null;
}

/** The headline numbers a Monte Carlo summarises. */
export const HEADLINES = [
  'totalCostUsd',
  'revenueUsd',
  'npvUsd',
  'pretrainGpuHours',
  'energyMWh',
  'co2Tonnes',
  'embodiedCo2Tonnes',
] as const;
export type Headline = (typeof HEADLINES)[number];

/** Evaluates the cash flows with the uncertain inputs at `values` (by path; missing = central value). */
export function evaluateScenario(
  p: PreparedScenario,
  values: Readonly<Record<string, number>> = {},
): ProjectResult {
  const s = p.scenario;
  // Drawn values by distribution object (each distribution in the scenario is its own object), so no
  // path strings are built or hashed per draw: this is what keeps 100,000 draws under a second.
  const drawn = new Map<Distribution, number>();
  for (const inputs of [p.uncertain, p.bands])
    for (const path in inputs) {
      const x = values[path];
      if (x !== undefined) drawn.set(inputs[path]!, x);
    }
  const l = newLedger(s.horizonMonths, drawn);
  const { n, cost, revenue, v } = l;
  const finalRuns: FinalRun[] = [];
  for (const ph of p.phases) {
    if (ph.kind === 'serve') {
      bookServing(l, p, ph);
      continue;
    }
    const x = ph.phase;
    // The engine's estimate times the phase's calibration-band draw (1 unless drawn).
    const gpuHours = phaseGpuHours(ph, v) * l.band(ph.band);
    const months = runMonths(gpuHours, x.gpus);
    l.trainingGpuHours += gpuHours;
    const work = { gpus: x.gpus, gpuHours, start: x.startMonth, months };
    const usd = bookHardware(l, p, x.hardware, ph.energy, work);
    l.byPhase[x.name] = (l.byPhase[x.name] ?? 0) + usd;
    if (ph.kind === 'pretrain') {
      l.pretrainGpuHours += gpuHours;
      finalRuns.push({
        start: x.startMonth,
        months,
        usd,
        gpuHours,
        idle: idleCapacity(l, x.hardware, ph.energy, work),
      });
    }
  }
  bookResearch(l, v(p.researchComputeRatio), finalRuns);
  bookStaff(l, s.staff);
  bookSubscriptions(l, s.subscriptions);
  bookStorage(l, s.storage, p.storageUsdPerGbMonth);
  bookData(l, s.data);
  // Kinds in the outer loop: one keyed lookup per kind, not per month (the Monte Carlo hot path).
  const flows = revenue.slice();
  let revenueUsd = 0;
  for (let m = 0; m < n; m += 1) revenueUsd += revenue[m]!;
  const costByKindUsd = {} as Record<CostKind, number>;
  for (const k of COST_KINDS) {
    const monthly = cost[k];
    let sum = 0;
    for (let m = 0; m < n; m += 1) {
      sum += monthly[m]!;
      flows[m]! -= monthly[m]!;
    }
    costByKindUsd[k] = sum;
  }
  const totalCostUsd = COST_KINDS.reduce((sum, k) => sum + costByKindUsd[k], 0);
  // Per-month detail is built on demand (reports, CSV), not on every Monte Carlo draw.
  const months = (): ProjectMonth[] =>
    flows.map((netUsd, m) => ({
      costs: Object.fromEntries(COST_KINDS.map((k) => [k, cost[k][m]!])) as Record<CostKind, number>,
      revenueUsd: revenue[m]!,
      netUsd,
    }));
  // A drawn (or swung) rate is truncated to the lowest the horizon allows, as every draw is to its
  // domain; a rate the scenario gives below it is refused (load.ts, and npvAtAnnualRate here).
  const rate = v(s.discountRate);
  const drawnRate = typeof s.discountRate !== 'number' && drawn.has(s.discountRate);
  const npvUsd = npvAtAnnualRate(drawnRate ? Math.max(rate, lowestDiscountRate(n - 1)) : rate, flows);
  // Without revenue the only inflow is the hardware's book value at the horizon: no return to rate.
  const r = revenueUsd > 0 ? irr(flows) : null;
  return {
    months,
    flows,
    costByKindUsd,
    costByPhaseUsd: l.byPhase,
    totalCostUsd,
    revenueUsd,
    npvUsd,
    // A plain field: an accessor here makes every result object slow to build (3× per Monte Carlo draw).
    irr: r === null ? null : annualRate(r),
    paybackMonth: revenueUsd > 0 ? paybackPeriod(flows) : null,
    pretrainGpuHours: l.pretrainGpuHours,
    trainingGpuHours: l.trainingGpuHours,
    energyMWh: l.energyKWh / 1000,
    co2Tonnes: l.co2Kg / 1000,
    embodiedCo2Tonnes: l.embodiedCo2Kg / 1000,
    outputTokens: l.outputTokens,
    servingCostPerMillionOutputTokensUsd:
      l.outputTokens > 0 ? (l.servingCostUsd * 1e6) / l.outputTokens : null,
    grossMarginOnTokens:
      l.tokenRevenueUsd > 0 ? (l.tokenRevenueUsd - l.servingCostUsd) / l.tokenRevenueUsd : null,
    apiCostByPhaseUsd: l.apiUsd,
    costPerCapabilityUnitUsd: s.capability ? totalCostUsd / s.capability.units : null,
  };
}

/** A phase's P10–P90 from its calibration band, every other input central. */
export interface PhaseRange {
  readonly index: number;
  readonly name: string;
  readonly basis: string;
  readonly outside: readonly string[];
  /** The phase's cost (as in costByPhaseUsd) with its band's multiplier at P10 and at P90. */
  readonly costUsd: Range;
  /** GPU-hours of a training-type phase (null for serving, whose fleet follows demand). */
  readonly gpuHours: Range | null;
}

/**
 * Each banded phase's cost and GPU-hours with its band's multiplier at P10 and P90 (the cash flows
 * re-run, so purchases, replica rounding and research runs follow); none when the bands are off.
 */
export function phaseRanges(p: PreparedScenario): PhaseRange[] {
  return p.phases.flatMap((ph) => {
    const path = Object.keys(p.bands).find((k) => p.bands[k] === ph.band.draw);
    if (path === undefined) return [];
    const name = ph.phase.name;
    const at = (x: number) => evaluateScenario(p, { [path]: x }).costByPhaseUsd[name] ?? 0;
    const hours = ph.kind === 'serve' ? null : phaseGpuHours(ph, centralValue);
    return [
      {
        index: ph.index,
        name,
        basis: ph.band.basis,
        outside: ph.band.outside,
        costUsd: { p10: at(P10_DRAW), p90: at(P90_DRAW) },
        gpuHours: hours === null ? null : { p10: hours * ph.band.low, p90: hours * ph.band.high },
      },
    ];
  });
}
