/**
 * The Levers waterfall at phone width (375 × 667): every label inside the chart's SVG, every bar of
 * positive width, and the P10–P90 error bars and text from the same waterfall `llmecon levers` prints.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, screenshot, serveBuiltApp, watchedPage } from '../browser.js';

const outDir = mkdtempSync(join(tmpdir(), 'llmecon-levers-phone-'));
let app: Awaited<ReturnType<typeof serveBuiltApp>>;
let base = '';
let browser: Browser;

beforeAll(async () => {
  app = await serveBuiltApp(outDir);
  base = app.base;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('Levers waterfall at phone width', () => {
  it('375 × 667: labels inside the SVG, bars of positive width, P10–P90 error bars and text', async () => {
    const { page, problems } = await watchedPage(browser, { width: 375, height: 667 });
    await page.goto(base);
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByRole('button', { name: 'Levers', exact: true }).click();
    const svg = page.locator('svg[aria-label^="Cost waterfall"]');
    await svg.waitFor({ timeout: 60_000 });
    const layout = await svg.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const inside = (r: DOMRect) =>
        r.left >= box.left - 0.5 &&
        r.right <= box.right + 0.5 &&
        r.top >= box.top - 0.5 &&
        r.bottom <= box.bottom + 0.5;
      const texts = [...el.querySelectorAll('text')].map((t) => ({
        text: t.textContent ?? '',
        inside: inside(t.getBoundingClientRect()),
      }));
      const bars = [...el.querySelectorAll('rect')].map((r) => r.getBoundingClientRect().width);
      return {
        svgWidth: box.width,
        drawnWidth: Number(el.getAttribute('width')),
        pageWidth: document.documentElement.scrollWidth,
        texts,
        bars,
        titles: [...el.querySelectorAll('title')].map((t) => t.textContent ?? ''),
      };
    });
    await screenshot(page, 'web-levers-phone');
    await svg.screenshot({ path: `${ARTIFACTS}web-levers-phone-chart.png` });
    expect(layout.svgWidth).toBeLessThanOrEqual(375);
    // Drawn for the phone's width, not a desktop chart scaled down to unreadable text.
    expect(layout.svgWidth).toBeGreaterThanOrEqual(0.95 * layout.drawnWidth);
    expect(layout.pageWidth).toBeLessThanOrEqual(375);
    expect(layout.texts.filter((t) => !t.inside)).toEqual([]);
    expect(layout.bars.length).toBeGreaterThan(2);
    for (const width of layout.bars) expect(width).toBeGreaterThan(0);
    // Full labels and the P10–P90 in the tooltips; the band in the table.
    expect(layout.titles.some((t) => /^baseline: \$[\d.]+M \(P10 \$[\d.]+M – P90 \$[\d.]+M\)$/.test(t))).toBe(
      true,
    );
    expect(await page.locator('#levers-table thead').textContent()).toContain('P10–P90');
    expect(await page.locator('#levers-saving').textContent()).toMatch(/cheaper/);
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
