/**
 * The Train view's document tokens, in Chromium: packed documents with attention masked at their
 * boundaries (and their P99) give the figures of `llmecon train --document-tokens … --json`, the share link keeps them,
 * and 0 is one causal span per sequence again.
 */
import { describe, expect, it } from 'vitest';
import { SECONDS_PER_DAY } from '../../src/core/units.js';
import { appInBrowser, changeField, openApp } from '../browser.js';
import { runCli } from '../run-cli.js';

const suite = appInBrowser('document-tokens');
const TRAIN =
  'train --model llama-3-8b --gpu h100 --gpus 64 --tokens 1e12 --seq-len 8192 --price-per-gpu-hour 2 --json';

async function cliJson(line: string) {
  const r = await runCli(line);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('document tokens in the Train view', () => {
  it('as `llmecon train --document-tokens`; kept by the link; 0 is the whole sequence', async () => {
    const { page, problems } = await openApp(suite);
    const result = page.locator('#train-result');
    await result.waitFor({ timeout: 60_000 });
    await changeField(page.locator('#train-seq'), '8192');
    const whole = await cliJson(TRAIN);
    await expect
      .poll(() => result.getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(whole.costUsd));
    await changeField(page.locator('#train-docs'), '1024');
    const packed = await cliJson(`${TRAIN} --document-tokens 1024`);
    expect(packed.costUsd).toBeLessThan(whole.costUsd);
    await expect
      .poll(() => result.getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(packed.costUsd));
    expect(Number(await result.getAttribute('data-gpu-hours'))).toBe(packed.gpuHours);
    expect(Number(await result.getAttribute('data-seconds')) / SECONDS_PER_DAY).toBeCloseTo(
      packed.wallClockDays,
      9,
    );
    // A spread of lengths: long documents hold more of the tokens, so attention spans more than the mean.
    await changeField(page.locator('#train-docs-p99'), '10000');
    const spread = await cliJson(`${TRAIN} --document-tokens 1024 --document-tokens-p99 10000`);
    expect(spread.attentionSpanTokens).toBeGreaterThan(2 * 1024);
    expect(spread.costUsd).toBeGreaterThan(packed.costUsd);
    await expect
      .poll(() => result.getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(spread.costUsd));
    await changeField(page.locator('#train-docs-p99'), '0');
    await expect
      .poll(() => result.getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(packed.costUsd));
    await page.waitForFunction(() => (document.body.dataset.url ?? '').includes('#s='));
    await page.waitForTimeout(200);
    const again = await openApp(
      suite,
      undefined,
      new URL(await page.evaluate(() => document.body.dataset.url!)).hash,
    );
    expect(await again.page.locator('#train-docs').inputValue()).toBe('1024');
    await expect
      .poll(() => again.page.locator('#train-result').getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(packed.costUsd));
    await changeField(again.page.locator('#train-docs'), '0');
    await expect
      .poll(() => again.page.locator('#train-result').getAttribute('data-cost'), { timeout: 90_000 })
      .toBe(String(whole.costUsd));
    expect([...problems, ...again.problems]).toEqual([]);
    await page.close();
    await again.page.close();
  }, 300_000);
});
