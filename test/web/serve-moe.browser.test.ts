/**
 * The Serve view's replica layout and MoE expert placement in Chromium (a fixed TP and PP as `--tp`, `--pp`): the fields shown only for an MoE model, the plan
 * equal to `llmecon serve --expert-imbalance … --redundant-experts … --json` (and with `--tp 8 --ep-in-tp`), a slot count the search
 * cannot split refused with the CLI's message by its field, and neither shown nor taken for a dense model.
 */
import { describe, expect, it } from 'vitest';
import { webText } from '../../web/src/flag-labels.js';
import { appInBrowser, changeField, openApp, screenshot } from '../browser.js';
import { runCli } from '../run-cli.js';

const suite = appInBrowser('serve-moe');

const SERVE =
  'serve --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 --tokens-per-day 2000000000 --tpot-slo 0.05 --price-per-gpu-hour 2';

describe('Serve view: expert imbalance and redundant experts', () => {
  it('DeepSeek-V3 on SGLang with 32 EPLB slots at imbalance 1.3 = the CLI; 3 slots refused as the CLI does; a dense model neither shows nor takes them', async () => {
    const { page, problems } = await openApp(suite, 'Serve');
    const result = page.locator('#serve-result');
    await result.waitFor({ timeout: 60_000 });
    // The default model is dense: no expert placement to set.
    expect(await page.locator('#serve-expert-imbalance').count()).toBe(0);
    // A short simulation, so that the worker (one task at a time) is free sooner.
    await changeField(page.locator('#serve-requests'), '100');
    await page.locator('#serve-model').selectOption('deepseek-v3');
    await page.locator('#serve-gpu').selectOption('h200');
    await page.locator('#serve-engine').selectOption('sglang');
    await changeField(page.locator('#serve-expert-imbalance'), '1.3');
    await changeField(page.locator('#serve-redundant-experts'), '32');
    const r = await runCli(
      `${SERVE} --model deepseek-v3 --engine sglang --expert-imbalance 1.3 --redundant-experts 32 --json`,
    );
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    await expect
      .poll(() => result.getAttribute('data-usd-per-day'), { timeout: 90_000 })
      .toBe(String(cli.usdPerDay));
    expect(Number(await result.getAttribute('data-blended'))).toBe(cli.costPerMillionBlendedTokensUsd);
    // The API comparison comes last (the slowest task for a large MoE): then the worker is free.
    await page.locator('#serve-api-cost').waitFor({ timeout: 180_000 });
    await screenshot(page, 'web-serve-moe');
    // Expert parallelism inside TP 8 (vLLM --enable-expert-parallel, SGLang --ep-size 8 at --tp 8): `--tp 8 --ep-in-tp`.
    await changeField(page.locator('#serve-tp'), '8');
    await page.locator('#serve-ep-in-tp').check();
    const inTp = await runCli(
      `${SERVE} --model deepseek-v3 --engine sglang --expert-imbalance 1.3 --redundant-experts 32 --tp 8 --ep-in-tp --json`,
    );
    expect(inTp.code, inTp.stderr).toBe(0);
    expect(JSON.parse(inTp.stdout).layout).toMatchObject({ tensorParallel: 8, epInTp: true });
    await expect
      .poll(() => result.getAttribute('data-usd-per-day'), { timeout: 90_000 })
      .toBe(String(JSON.parse(inTp.stdout).usdPerDay));
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: 30_000 })
      .toMatch(/TP8·EP8\+32 redundant/);
    await page.locator('#serve-ep-in-tp').uncheck();
    await changeField(page.locator('#serve-tp'), '0');
    // 256 experts + 3 slots: no EP size the search tries divides 259.
    const refused = await runCli(`${SERVE} --model deepseek-v3 --redundant-experts 3`);
    expect(refused.code).toBe(2);
    const message = webText(refused.stderr.replace(/^error: --redundant-experts: /, ''));
    await changeField(page.locator('#serve-redundant-experts'), '3');
    const error = page.locator('#serve-redundant-experts + .error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toBe(message);
    // A dense model: the fields go, and the plan is computed without them (`llmecon serve` without the flags).
    await page.locator('#serve-model').selectOption('llama-3.1-70b');
    await expect.poll(() => page.locator('#serve-expert-imbalance').count()).toBe(0);
    const dense = await runCli(`${SERVE} --model llama-3.1-70b --engine sglang --json`);
    expect(dense.code, dense.stderr).toBe(0);
    await expect
      .poll(() => result.getAttribute('data-usd-per-day'), { timeout: 90_000 })
      .toBe(String(JSON.parse(dense.stdout).usdPerDay));
    expect(await page.locator('p.error').count()).toBe(0);
    // A fixed tensor parallelism: `--tp 4`.
    await changeField(page.locator('#serve-tp'), '4');
    const tp4 = await runCli(`${SERVE} --model llama-3.1-70b --engine sglang --tp 4 --json`);
    expect(tp4.code, tp4.stderr).toBe(0);
    await expect
      .poll(() => result.getAttribute('data-usd-per-day'), { timeout: 90_000 })
      .toBe(String(JSON.parse(tp4.stdout).usdPerDay));
    // A pipeline of two TP4 stages: `--tp 4 --pp 2`; one deeper than the layers refused by its field.
    await changeField(page.locator('#serve-pp'), '2');
    const pp2 = await runCli(`${SERVE} --model llama-3.1-70b --engine sglang --tp 4 --pp 2 --json`);
    expect(pp2.code, pp2.stderr).toBe(0);
    await expect
      .poll(() => result.getAttribute('data-usd-per-day'), { timeout: 90_000 })
      .toBe(String(JSON.parse(pp2.stdout).usdPerDay));
    const deep = await runCli(`${SERVE} --model llama-3.1-70b --pp 81`);
    expect(deep.code).toBe(2);
    await changeField(page.locator('#serve-pp'), '81');
    const ppError = page.locator('#serve-pp + .error');
    await ppError.waitFor({ timeout: 60_000 });
    expect(await ppError.textContent()).toBe(webText(deep.stderr.replace(/^error: --pp: /, '')));
    expect(problems).toEqual([]);
    await page.close();
  }, 420_000);
});
