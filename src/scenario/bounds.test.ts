/**
 * What a scenario compounds stays within bounds (bounds.ts): traffic and subscribers that grow past
 * their field's bound, a discount rate that compounds into an overflow and a fleet past the GPU bound
 * are input errors naming the field, its line and the month; draws beyond them are truncated, so
 * nothing reaches Infinity or NaN; the Monte Carlo and the sensitivity analysis are bounded to seconds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { lowestDiscountRate, npvAtAnnualRate } from '../core/economics/finance.js';
import { DAYS_PER_MONTH } from '../core/units.js';
import { analyseScenario } from './analyse.js';
import { MAX_SAMPLES, maxSamples, SAMPLE_WORK_BUDGET } from './bounds.js';
import { evaluateScenario, HEADLINES, prepareScenario } from './evaluate.js';
import { parseScenario, parseScenarioLocated } from './load.js';
import { fixed, usd } from './report.js';

const example = readFileSync(new URL('../../examples/startup-serving-8b.yaml', import.meta.url), 'utf8');
/** The startup example over 240 months (its serve phase, subscription and staff stretched to match). */
const longer = (text: string) =>
  text
    .replace('horizonMonths: 24', 'horizonMonths: 240')
    .replace('months: 24\n    gpu', 'months: 240\n    gpu')
    .replace('months: 21', 'months: 237');
const flatGrowth = (text: string) =>
  text
    .replace(
      /growthPerMonth: \{ dist: triangular, min: 0\.0, mode: 0\.12, max: 0\.25 \}/,
      'growthPerMonth: 0.01',
    )
    .replace(
      /growthPerMonth: \{ dist: triangular, min: 0\.05, mode: 0\.15, max: 0\.3 \}/,
      'growthPerMonth: 0.01',
    );

const issuesOf = (text: string) =>
  inputErrorOf(() => parseScenarioLocated(text, 's.yaml')).issues.map(
    (i) => `${i.path.join('.')}: ${i.message}`,
  );

describe('compounded quantities at central values are refused, naming the field, line and month', () => {
  it('traffic growing 10 a month passes 1e16 tokens per day in month 7: growthPerMonth is refused', () => {
    const text = example.replace(
      'growthPerMonth: { dist: triangular, min: 0.0, mode: 0.12, max: 0.25 }',
      'growthPerMonth: 10',
    );
    const [issue, ...rest] = issuesOf(text);
    expect(rest).toEqual([]);
    expect(issue).toMatch(
      /^phases\.0\.growthPerMonth: line 20: 5e9 tokens per day growing 1000% a month reach 9\.74e16 in month 7 of the phase .*past the most tokensPerDay allows \(1e16\).*at most 7 months$/,
    );
  });
  it('1e10 users growing 1000% a month and a −99.9999% discount rate over 240 months: both named', () => {
    const text = longer(example)
      .replace('discountRate: 0.15', 'discountRate: -0.999999')
      .replace('users: 200', 'users: 1e10')
      .replace('growthPerMonth: { dist: triangular, min: 0.05, mode: 0.15, max: 0.3 }', 'growthPerMonth: 10')
      .replace('churnPerMonth: { dist: triangular, min: 0.02, mode: 0.05, max: 0.1 }', 'churnPerMonth: 0')
      .replace('growthPerMonth: { dist: triangular, min: 0.0, mode: 0.12, max: 0.25 }', 'growthPerMonth: 0');
    const issues = issuesOf(text);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(
      /^subscriptions\.0\.growthPerMonth: line \d+: 1e10 users growing 1000% a month net of churn reach 1\.1e11 in month 1 of the plan \(month 4 of the project/,
    );
    expect(issues[1]).toMatch(
      /^discountRate: line 7: -0\.999999 a year compounds over 240 months .*the annual rate must be at least -0\.4988$/,
    );
  });
  it('a serving fleet past 10,000,000 GPUs is refused, naming tokensPerDay', () => {
    const text = example
      .replace('gpu: h100', 'gpu: a100-40gb')
      .replace('weights: fp8', 'weights: bf16')
      .replace('kv: fp8', 'kv: bf16')
      .replace('tpotSloSeconds: 0.05', '')
      .replace(
        'tokensPerDay: { dist: lognormal, median: 5000000000, p90: 10000000000 }',
        'tokensPerDay: 1e16',
      )
      .replace('growthPerMonth: { dist: triangular, min: 0.0, mode: 0.12, max: 0.25 }', 'growthPerMonth: 0');
    const e = inputErrorOf(() => analyseScenario(parseScenario(text), { samples: 0, seed: 1 }));
    expect(e.issues[0]!.path).toEqual(['phases', 0, 'tokensPerDay']);
    expect(e.issues[0]!.message).toMatch(
      /needs [\d,]+ GPUs .*past the largest fleet allowed \(10,000,000 GPUs\); lower tokensPerDay/,
    );
  });
});

describe('draws and swings beyond the bounds are truncated: every headline finite', () => {
  const p = prepareScenario(parseScenario(longer(flatGrowth(example))));
  it('a swing of traffic growth to 10 a month serves at most 1e16 tokens a day', () => {
    const r = evaluateScenario(p, { 'phases[0].tokensPerDay': 1e16, 'phases[0].growthPerMonth': 10 });
    expect(r.outputTokens).toBeLessThanOrEqual((1e16 * DAYS_PER_MONTH * 240 * 300) / 1800);
    for (const h of HEADLINES) expect(Number.isFinite(r[h])).toBe(true);
  });
  it('a drawn discount rate below the horizon’s lowest is read at the lowest', () => {
    const q = prepareScenario(
      parseScenario(
        longer(flatGrowth(example)).replace(
          'discountRate: 0.15',
          'discountRate: { dist: uniform, min: -0.4, max: 0.5 }',
        ),
      ),
    );
    const r = evaluateScenario(q, { discountRate: -0.9999999 });
    expect(r.npvUsd).toBe(npvAtAnnualRate(lowestDiscountRate(240), r.flows));
  });
});

describe('the Monte Carlo and the sensitivity analysis are bounded to seconds', () => {
  it('at most 100,000 samples, and samples × months × entries at most 10,000,000', () => {
    const short = parseScenario(example);
    expect(maxSamples(short)).toBe(MAX_SAMPLES);
    const long = parseScenario(longer(flatGrowth(example)));
    expect(maxSamples(long)).toBe(Math.floor(SAMPLE_WORK_BUDGET / (241 * 4)));
    const e = inputErrorOf(() => analyseScenario(long, { samples: 1_000_000, seed: 1 }));
    expect(e.issues[0]!.path).toEqual(['samples']);
    expect(e.issues[0]!.message).toMatch(/^at most 10,373 samples for this scenario, got 1,000,000/);
  });
  it('2,000 uncertain staff entries: the sensitivity analysis is refused naming staff and its line', () => {
    const staff = Array.from(
      { length: 2000 },
      (_, k) =>
        `  - role: r${k}\n    headcount: 1\n    usdPerYear: { dist: lognormal, median: 200000, p90: 260000 }\n    months: 24\n`,
    ).join('');
    const text = example.replace(/staff:\n[\s\S]*?(?=data:)/, `staff:\n${staff}`);
    const { scenario, locate } = parseScenarioLocated(text, 's.yaml');
    const started = Date.now();
    const e = inputErrorOf(() => analyseScenario(scenario, { samples: 0, seed: 1, locate }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e.issues[0]!.path).toEqual(['staff']);
    expect(e.issues[0]!.message).toMatch(
      /^line \d+: 2,000 staff entries give the scenario 2,006 uncertain inputs/,
    );
  }, 30_000);
});

describe('money and quantities are never printed as raw exponent floats', () => {
  it('$1.79e+252 is $1.79×10²⁵²; trillions have a T', () => {
    expect(usd(1.7871424564460086e252)).toBe('$1.79×10²⁵²');
    expect(usd(-2.5e13)).toBe('−$25.00T');
    expect(usd(3e9)).toBe('$3.00B');
    expect(fixed(7.672859066833245e248, 0)).toBe('7.67×10²⁴⁸');
    expect(fixed(Number.POSITIVE_INFINITY, 0)).toBe('—');
    expect(fixed(116.4, 0)).toBe('116');
  });
});
