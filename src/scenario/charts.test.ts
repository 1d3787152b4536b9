/** The HTML report's charts say what they show: tornado values, P5/P50/P95 on the histogram, a rent-vs-buy legend. */
import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { analyseScenario, analysisHtml } from './analyse.js';
import { parseScenario } from './load.js';

const html = (file: string, samples: number) => {
  const text = readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8');
  const a = analyseScenario(parseScenario(text), { samples, seed: 1 });
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  return { a, out: analysisHtml(a, document as unknown as Document) };
};

describe('HTML report charts', () => {
  it('marks P5, P50 and P95 on the histogram and labels the tornado bars with their values', () => {
    const { a, out } = html('startup-serving-8b.yaml', 1000);
    const q = a.monteCarlo!.outputs[a.output];
    for (const [name, x] of [
      ['P5', q.p5],
      ['P50', q.p50],
      ['P95', q.p95],
    ] as const)
      expect(out).toContain(`${name} ${(x / 1e6).toFixed(2)}`);
    const bar = a.sensitivity.tornado.bars[0]!;
    expect(out).toContain(`>${(Math.max(bar.outputAtLow, bar.outputAtHigh) / 1e6).toFixed(2)}<`);
  }, 60_000);
  it('the rent-vs-buy chart has a legend naming both lines', () => {
    const { out } = html('lab-buy-2048.yaml', 0);
    expect(out).toContain('buy: $ per busy GPU-hour');
    expect(out).toContain('rent: catalog price');
  }, 60_000);
});
