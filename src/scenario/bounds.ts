/**
 * Bounds on what a scenario compounds. Each field lies within its domain (schema.ts), but traffic and
 * subscribers grow month after month, the discount factor compounds over the horizon and a serving
 * fleet follows demand, so in-bounds fields can multiply into values past any bound (10 a month over
 * 240 months is 11²³⁹) and then into Infinity or NaN. At central values a compounded quantity beyond
 * the bound of what it is (tokens per day, users, GPUs) is an input error naming the field that
 * compounds it and the month it crosses; a Monte Carlo draw or tornado swing beyond it is truncated to
 * the bound (cashflow/), as every draw is truncated to its domain.
 */
import { DOMAINS } from '../core/domain.js';
import { discountRateProblem } from '../core/economics/finance.js';
import { type InputIssue, inputError } from '../core/errors.js';
import { centralValue } from '../core/uncertainty/distributions.js';
import { requestsPerSecondFor } from '../core/units.js';
import type { PreparedPhase } from './prepare.js';
import type { Scenario } from './schema.js';

/** The most traffic a serve phase reaches in any month (the bound of tokensPerDay). */
export const MAX_TOKENS_PER_DAY = DOMAINS.tokensPerDay.max;

/** A serve phase's traffic in its month `k`: the first month's grown by `growth` a month, truncated to the bound. */
export const tokensPerDayInMonth = (first: number, growth: number, k: number): number =>
  Math.min(MAX_TOKENS_PER_DAY, first * (1 + growth) ** k);
/** The most subscribers a plan reaches in any month (the bound of users). */
export const MAX_USERS = DOMAINS.users.max;
/** The largest serving fleet (the bound of gpus). */
export const MAX_FLEET_GPUS = DOMAINS.gpus.max;

/** 3 significant digits, `1.61e17` past a million (as the domain messages write bounds). */
export const shortNumber = (x: number): string => {
  const rounded = Number(x.toPrecision(3));
  return Math.abs(x) < 1e6 ? rounded.toLocaleString('en-US') : rounded.toExponential().replace('e+', 'e');
};

const monthsText = (n: number) => `${n} month${n === 1 ? '' : 's'}`;

const percent = (x: number) => `${Number((100 * x).toPrecision(3))}%`;

/** The first k < `months` at which `start` × `factor`^k exceeds `max`, and the value there; null if none. */
export function firstMonthAbove(
  start: number,
  factor: number,
  months: number,
  max: number,
): { readonly month: number; readonly value: number } | null {
  let x = start;
  for (let k = 0; k < months; k += 1) {
    if (x > max) return { month: k, value: x };
    x *= factor;
  }
  return null;
}

/** Months of growth by `factor` from `start` that stay within `max` (the advice in a message). */
const monthsWithin = (start: number, factor: number, max: number) =>
  Math.floor(Math.log(max / start) / Math.log(factor)) + 1;

/** The compounded quantities at central values: traffic, subscribers, the discount factor. */
export function compoundingIssues(s: Scenario): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [i, phase] of s.phases.entries()) {
    if (phase.kind !== 'serve') continue;
    const first = centralValue(phase.tokensPerDay);
    const growth = centralValue(phase.growthPerMonth);
    const over = firstMonthAbove(first, 1 + growth, phase.months, MAX_TOKENS_PER_DAY);
    if (over !== null)
      issues.push({
        code: 'invalid_value',
        path: ['phases', i, 'growthPerMonth'],
        message: `${shortNumber(first)} tokens per day growing ${percent(growth)} a month reach ${shortNumber(over.value)} in month ${over.month} of the phase (month ${phase.startMonth + over.month} of the project, at central values), past the most tokensPerDay allows (${shortNumber(MAX_TOKENS_PER_DAY)}); lower growthPerMonth or tokensPerDay, or serve at most ${monthsText(monthsWithin(first, 1 + growth, MAX_TOKENS_PER_DAY))}`,
      });
  }
  for (const [i, sub] of s.subscriptions.entries()) {
    const users = centralValue(sub.users);
    const growth = centralValue(sub.growthPerMonth);
    const net = Math.max(0, 1 + growth - Math.min(1, centralValue(sub.churnPerMonth)));
    const over = firstMonthAbove(users, net, sub.months, MAX_USERS);
    if (over !== null)
      issues.push({
        code: 'invalid_value',
        path: ['subscriptions', i, 'growthPerMonth'],
        message: `${shortNumber(users)} users growing ${percent(net - 1)} a month net of churn reach ${shortNumber(over.value)} in month ${over.month} of the plan (month ${sub.startMonth + over.month} of the project, at central values), past the most users allows (${shortNumber(MAX_USERS)}); lower growthPerMonth or users, raise churnPerMonth, or run the plan at most ${monthsText(monthsWithin(users, net, MAX_USERS))}`,
      });
  }
  const rate = discountRateProblem(centralValue(s.discountRate), s.horizonMonths);
  if (rate !== null) issues.push({ code: 'invalid_value', path: ['discountRate'], message: rate });
  return issues;
}

/**
 * GPUs serving `tokensPerDay` on replicas of `replicaGpus` GPUs that each serve `replicaRps` requests/s,
 * and, disaggregated, on whole prefill replicas of `prefill.gpus` that each prefill `prefill.requestsPerSecond`
 * prompts/s (deployment.ts sizes the pool so).
 */
export function fleetGpus(
  tokensPerDay: number,
  tokensPerRequest: number,
  replicaRps: number,
  replicaGpus: number,
  prefill: { readonly gpus: number; readonly requestsPerSecond: number } | null = null,
): number {
  const rps = requestsPerSecondFor(tokensPerDay, tokensPerRequest);
  if (!(rps > 0)) return 0;
  const pool = prefill ? Math.ceil(rps / prefill.requestsPerSecond) * prefill.gpus : 0;
  return Math.ceil(rps / replicaRps) * replicaGpus + pool;
}

/**
 * A serve phase whose fleet at central values (its busiest month) exceeds the GPU bound is an input
 * error naming the field that takes it there (growthPerMonth, or tokensPerDay when the first month does).
 */
export function checkFleet(ph: Extract<PreparedPhase, { kind: 'serve' }>): void {
  const x = ph.phase;
  const first = centralValue(x.tokensPerDay);
  const growth = centralValue(x.growthPerMonth);
  const perRequest = x.inputTokens + x.outputTokens;
  const at = (k: number) =>
    fleetGpus(
      tokensPerDayInMonth(first, growth, k),
      perRequest,
      ph.replicaRequestsPerSecond,
      ph.replicaGpus,
      ph.prefillPool,
    );
  for (let k = 0; k < x.months; k += 1) {
    const gpus = at(k);
    if (gpus <= MAX_FLEET_GPUS) continue;
    const field = k === 0 ? 'tokensPerDay' : 'growthPerMonth';
    inputError(
      'invalid_value',
      ['phases', ph.index, field],
      `serving ${shortNumber(first * (1 + growth) ** k)} tokens per day in month ${k} of the phase (at central values) needs ${gpus.toLocaleString('en-US')} GPUs (replicas of ${ph.replicaGpus} × ${x.gpu} at ${shortNumber(ph.replicaRequestsPerSecond)} requests/s each${ph.prefillPool ? `, prefill replicas of ${ph.prefillPool.gpus} at ${shortNumber(ph.prefillPool.requestsPerSecond)} prompts/s each` : ''}), past the largest fleet allowed (${MAX_FLEET_GPUS.toLocaleString('en-US')} GPUs); lower ${field}, or serve on faster GPUs`,
    );
  }
}

/**
 * Monte Carlo samples a scenario may run: at most {@link MAX_SAMPLES}, and samples × months (the
 * horizon + month 0) × entries (phases, staff, storage, subscriptions, data) at most
 * {@link SAMPLE_WORK_BUDGET}, the work of a few seconds' run: one draw books every entry month by month.
 * More samples buy no precision a decision needs (P5–P95 settle to well under 1% long before).
 */
export const MAX_SAMPLES = DOMAINS.monteCarloSamples.max;
export const SAMPLE_WORK_BUDGET = 10_000_000;

/** Phases and other entries a draw books month by month (at least 1). */
const entries = (s: Scenario) =>
  Math.max(1, s.phases.length + s.staff.length + s.storage.length + s.subscriptions.length + s.data.length);

/** The most Monte Carlo samples `s` may run ({@link MAX_SAMPLES} and {@link SAMPLE_WORK_BUDGET}). */
export function maxSamples(s: Scenario): number {
  return Math.max(
    1,
    Math.min(MAX_SAMPLES, Math.floor(SAMPLE_WORK_BUDGET / ((s.horizonMonths + 1) * entries(s)))),
  );
}

/** `samples` if `s` may run them; otherwise an input error at `path` (`--samples`) stating its maximum and why. */
export function checkSamples(s: Scenario, samples: number, path: readonly (string | number)[]): number {
  const most = maxSamples(s);
  if (samples <= most) return samples;
  const months = s.horizonMonths + 1;
  return inputError(
    'invalid_value',
    path,
    `at most ${most.toLocaleString('en-US')} samples for this scenario, got ${samples.toLocaleString('en-US')}: a run takes at most ${MAX_SAMPLES.toLocaleString('en-US')} samples, and samples × ${months} months (0–${s.horizonMonths}) × ${entries(s)} phases and entries (staff, storage, subscriptions, data) at most ${SAMPLE_WORK_BUDGET.toLocaleString('en-US')}, so that it finishes in seconds`,
  );
}

/** Scenario evaluations × months × entries the sensitivity analysis may take (a few seconds). */
export const TORNADO_WORK_BUDGET = 20_000_000;

/**
 * The tornado evaluates the scenario twice per uncertain input, each evaluation booking every entry
 * month by month: many uncertain entries make it quadratic. Past {@link TORNADO_WORK_BUDGET} the issue
 * names the longest list (the entries to merge), rather than the analysis running for minutes.
 */
export function sensitivityWorkIssue(s: Scenario, uncertainInputs: number): InputIssue | null {
  const months = s.horizonMonths + 1;
  const work = (2 * uncertainInputs + 1) * months * entries(s);
  if (work <= TORNADO_WORK_BUDGET) return null;
  const lists = (['phases', 'staff', 'storage', 'subscriptions', 'data'] as const).map(
    (k) => [k, s[k].length] as const,
  );
  const [longest, count] = lists.reduce((a, b) => (b[1] > a[1] ? b : a));
  return {
    code: 'invalid_value',
    path: [longest],
    message: `${count.toLocaleString('en-US')} ${longest} entries give the scenario ${uncertainInputs.toLocaleString('en-US')} uncertain inputs and ${entries(s).toLocaleString('en-US')} entries over ${months} months (0–${s.horizonMonths}); the sensitivity analysis (2 evaluations per uncertain input, each booking every entry every month) allows (2 × inputs + 1) × months × entries of at most ${TORNADO_WORK_BUDGET.toLocaleString('en-US')}, got ${work.toLocaleString('en-US')}: merge entries (one staff line per role, with its headcount) or give some of them plain numbers`,
  };
}
