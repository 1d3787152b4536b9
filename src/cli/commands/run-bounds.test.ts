/**
 * `llmecon run` on in-bounds inputs that compound past their bounds, on too many Monte Carlo samples
 * and on names with control characters: exit 2 with the scenario path and line (never Infinity, NaN or
 * an internal error), and reports written to a file free of raw control characters.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../../test/run-cli.js';

const examplePath = (f: string) => new URL(`../../../examples/${f}`, import.meta.url).pathname;
const example = readFileSync(examplePath('startup-serving-8b.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'llmecon-run-bounds-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** The example over 240 months, 1e10 users × $1e6 growing 1000% a month, discounted at −99.9999%. */
const overflow = example
  .replace('horizonMonths: 24', 'horizonMonths: 240')
  .replace('discountRate: 0.15', 'discountRate: -0.999999')
  .replace('months: 21', 'months: 237')
  .replace('users: 200', 'users: 1e10')
  .replace('usdPerUserMonth: 20', 'usdPerUserMonth: 1e6')
  .replace('growthPerMonth: { dist: triangular, min: 0.05, mode: 0.15, max: 0.3 }', 'growthPerMonth: 10')
  .replace('churnPerMonth: { dist: triangular, min: 0.02, mode: 0.05, max: 0.1 }', 'churnPerMonth: 0');

describe('llmecon run: compounded overflow is an input error', () => {
  it('growth × users × discount over 240 months: exit 2 naming both fields, in every format', async () => {
    const path = file('overflow.yaml', overflow);
    for (const format of [[], ['--json'], ['--format', 'html']]) {
      const r = await run(['run', path, ...format]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/internal error|Infinity|NaN/);
      expect(r.stderr).toMatch(
        /^error: subscriptions\[0\]\.growthPerMonth: line 33: 1e10 users growing 1000% a month/m,
      );
      expect(r.stderr).toMatch(/^error: discountRate: line 7: -0\.999999 a year compounds over 240 months/m);
    }
  }, 60_000);
  it('traffic growing 10 a month for 240 months: exit 2 naming growthPerMonth and the month', async () => {
    const path = file(
      'growth10.yaml',
      example
        .replace('horizonMonths: 24', 'horizonMonths: 240')
        .replace('months: 24\n    gpu', 'months: 240\n    gpu')
        .replace(
          'growthPerMonth: { dist: triangular, min: 0.0, mode: 0.12, max: 0.25 }',
          'growthPerMonth: 10',
        ),
    );
    const r = await run(['run', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: phases\[0\]\.growthPerMonth: line 20: 5e9 tokens per day growing 1000% a month reach 9\.74e16 in month 7/,
    );
  }, 30_000);
});

describe('llmecon run --samples: bounded so that a run takes seconds', () => {
  it('a ten-year horizon allows fewer than the flag domain’s 100,000: exit 2 stating the scenario’s maximum', async () => {
    const decade = example
      .replace('horizonMonths: 24', 'horizonMonths: 120')
      .replace(/months: 24\n/g, 'months: 120\n')
      .replace('months: 21', 'months: 117');
    const r = await run(['run', file('decade.yaml', decade), '--samples', '100000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --samples: at most 20,661 samples for this scenario, got 100,000: .*samples × 121 months \(0–120\) × 4 phases and entries .* at most 10,000,000/,
    );
  }, 30_000);
});

describe('llmecon run --format html --out: no raw control characters from the scenario', () => {
  const evil = '<b>x</b>\u001b[31mRED\u001b[0m\r\u0000\u202e tail';
  it('title, headings, cells and chart labels carry none (a bought cluster, for the rent-vs-buy chart)', async () => {
    const buy = readFileSync(examplePath('lab-buy-2048.yaml'), 'utf8')
      .replace(/^name: .*$/m, `name: ${JSON.stringify(evil)}`)
      .replace(/^ {4}name: .*$/m, `    name: ${JSON.stringify(`${evil} phase`)}`);
    for (const [name, text, format] of [
      ['serve.yaml', example.replace(/^name: .*$/m, `name: ${JSON.stringify(evil)}`), 'html'],
      ['buy.yaml', buy, 'html'],
      ['buy-md.yaml', buy, 'md'],
    ] as const) {
      const out = join(dir, `${name}.${format}`);
      const r = await run(['run', file(name, text), '--format', format, '--out', out]);
      expect(r.code).toBe(0);
      const written = readFileSync(out, 'utf8');
      expect(written).not.toMatch(CONTROL);
      expect(written).not.toContain('\u202e');
      if (format === 'html') {
        expect(written).toMatch(/<title>&lt;b&gt;x&lt;\/b&gt; \[31mRED \[0m +tail<\/title>/);
        // Markup stays text (inside a quoted attribute `<` is text too): no <b> element is made.
        expect(parseHTML(written).document.querySelectorAll('b')).toHaveLength(0);
      }
    }
  }, 60_000);
});
