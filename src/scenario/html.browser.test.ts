/** The HTML report in a real browser (Debian's Chromium via playwright-core). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchedPage } from '../../test/browser.js';
import { analyseScenario, analysisHtml } from './analyse.js';
import { parseScenario } from './load.js';

const example = (f: string) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'llmecon-report-'));

/** The report `llmecon run --format html --samples 300` writes, saved to a file. */
function reportFile(name: string, yaml: string): string {
  const analysis = analyseScenario(parseScenario(yaml, `${name}.yaml`), { samples: 300, seed: 1 });
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const path = join(dir, `${name}.html`);
  writeFileSync(path, analysisHtml(analysis, document as unknown as Document));
  return path;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('HTML report in Chromium', () => {
  for (const [name, charts] of [
    ['deepseek-v3', 4],
    ['lab-buy-2048', 5],
    ['startup-serving-8b', 4],
  ] as const) {
    it(`${name}: renders offline with ${charts} labelled charts, no errors, no overflow at desktop or phone width`, async () => {
      const file = reportFile(name, example(`${name}.yaml`));
      for (const [label, viewport] of [
        ['desktop', { width: 1280, height: 900 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const { page, problems, requests } = await watchedPage(browser, viewport);
        await page.goto(`file://${file}`);
        const shown = await page.evaluate(() => ({
          figures: [...document.querySelectorAll('figure')].map((f) => ({
            caption: f.querySelector('figcaption')?.textContent ?? '',
            label: f.querySelector('svg')?.getAttribute('aria-label') ?? '',
            width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
            axisLabels: [...f.querySelectorAll('svg [aria-label$="axis"] text, svg text')].length,
          })),
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        }));
        expect(shown.figures).toHaveLength(charts);
        for (const f of shown.figures) {
          expect(f.caption.length).toBeGreaterThan(5);
          expect(f.label).toBe(f.caption);
          expect(f.width).toBeGreaterThan(200);
          expect(f.width).toBeLessThanOrEqual(viewport.width);
          expect(f.axisLabels).toBeGreaterThan(3);
        }
        expect(shown.headings).toEqual(
          expect.arrayContaining(['Cost', 'Financials', 'Assumptions and sources']),
        );
        expect(shown.overflow).toBeLessThanOrEqual(0);
        expect(problems).toEqual([]);
        expect(requests).toEqual([]);
        await screenshot(page, `report-${name}-${label}`);
        await page.close();
      }
    });
  }

  it('a scenario whose names carry markup shows them as text and runs nothing', async () => {
    const hostile = example('s1-32b.yaml')
      .replace(
        'name: s1-32B fine-tuning',
        `name: "<img src=x onerror=alert(1)><script>window.pwned=1</script>"`,
      )
      .replace(
        'name: s1K full fine-tuning (5 epochs)',
        'name: "[click](javascript:window.pwned=2) <iframe src=javascript:alert(2)></iframe>"',
      );
    const file = reportFile('hostile', hostile);
    const { page, problems, requests } = await watchedPage(browser);
    await page.goto(`file://${file}`);
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { pwned?: number }).pwned ?? null,
      scripts: document.querySelectorAll('script, iframe, img, a[href^="javascript"]').length,
      title: document.querySelector('h1')?.textContent,
      text: document.body.textContent ?? '',
    }));
    expect(state).toMatchObject({ pwned: null, scripts: 0 });
    expect(state.title).toBe('<img src=x onerror=alert(1)><script>window.pwned=1</script>');
    expect(state.text).toContain('<iframe src=javascript:alert(2)></iframe>');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await screenshot(page, 'report-hostile');
  });
});
