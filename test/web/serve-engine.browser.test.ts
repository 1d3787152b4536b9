/**
 * The Serve view's engine settings, in Chromium: a token budget per step and SGLang's dynamic prompt
 * chunks through a pipeline give `llmecon serve --engine sglang --chunk-tokens … --dynamic-chunking …
 * --pp 2 --json`'s plan and its prompt-chunk statement; on vLLM the dynamic chunks are not offered and
 * the chunks pass the stages one after another, as the CLI says; SGLang's mixed prompt chunks give
 * `--mixed-chunk`'s plan and are not offered on vLLM; a stated CUDA-graph capture brings the
 * CLI's eager-decode statement; a budget below the engines' range is answered with the CLI's message by
 * its field, and a crafted link's dynamic chunks on vLLM (no checkbox there) under the form.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { webText } from '../../web/src/flag-labels.js';
import { encodeState } from '../../web/src/state-link.js';
import { appInBrowser, changeField, openApp, screenshot } from '../browser.js';
import { runCli } from '../run-cli.js';

const suite = appInBrowser('serve-engine');

// The Serve view's defaults (web/src/state.ts) with a pipeline of two stages.
const SERVE =
  'serve --model llama-3.1-70b --gpu h100-sxm --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
  '--tokens-per-day 2000000000 --tpot-slo 0.05 --price-per-gpu-hour 2 --pp 2';

async function cliPlan(flags: string) {
  const r = await runCli(`${SERVE} ${flags} --json`);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { usdPerDay: number; promptChunks: string | null };
}

/** The view's plan once it shows `usdPerDay`, and its prompt-chunk statement. */
async function planShows(page: Page, cli: { usdPerDay: number; promptChunks: string | null }) {
  await expect
    .poll(async () => Number(await page.locator('#serve-result').getAttribute('data-usd-per-day')), {
      timeout: 90_000,
    })
    .toBe(cli.usdPerDay);
  expect(cli.promptChunks).not.toBeNull();
  await expect
    .poll(async () => await page.locator('#serve-prompt-chunks').textContent(), { timeout: 30_000 })
    .toBe(`${cli.promptChunks}.`);
}

describe('the Serve view: engine token budget and dynamic prompt chunks', () => {
  it('SGLang at 4,096 tokens a step with dynamic chunks (σ 0.5) over PP2 equals the CLI; vLLM streams nothing and offers no dynamic chunks; a capture of 16 brings the eager-decode statement; 100 tokens: the CLI’s message', async () => {
    const { page, problems } = await openApp(suite, 'Serve');
    await page.locator('#serve-result').waitFor({ timeout: 30_000 });
    // Without an engine there is no budget or dynamic chunking to set.
    expect(await page.locator('#serve-chunk-tokens').count()).toBe(0);

    await page.locator('#serve-engine').selectOption('sglang');
    // An aggregated plan on SGLang says that its prompts run in steps of their own, as serve says: at
    // 500M tokens a day aggregated serving is the cheaper mode (at 2B both modes take 6 GPUs, and the
    // disaggregated pools, whose prompts run apart by construction, serve each request sooner).
    await changeField(page.locator('#serve-volume'), '500000000');
    const sglang = await runCli(
      `${SERVE.replace(' --pp 2', '').replace('2000000000', '500000000')} --engine sglang --json`,
    );
    expect(JSON.parse(sglang.stdout).mode.chosen).toBe('aggregated');
    await expect
      .poll(async () => await page.locator('#serve-prompt-steps').textContent(), { timeout: 90_000 })
      .toBe(`${JSON.parse(sglang.stdout).promptSteps}.`);
    await changeField(page.locator('#serve-volume'), '2000000000');
    await changeField(page.locator('#serve-pp'), '2');
    await changeField(page.locator('#serve-chunk-tokens'), '4096');
    await page.locator('#serve-dynamic-chunking').check();
    await changeField(page.locator('#serve-smooth-factor'), '0.5');
    await planShows(page, await cliPlan('--engine sglang --chunk-tokens 4096 --dynamic-chunking 0.5'));
    await screenshot(page, 'web-serve-dynamic-chunks');
    // SGLang's prompts mixed into decode steps (--enable-mixed-chunk), as `serve --mixed-chunk` plans them.
    await page.locator('#serve-mixed-chunk').check();
    await planShows(
      page,
      await cliPlan('--engine sglang --chunk-tokens 4096 --dynamic-chunking 0.5 --mixed-chunk'),
    );
    expect(await page.locator('#serve-prompt-steps').count()).toBe(0);

    // vLLM does not pipeline a prompt's chunks: no dynamic sizes to offer, and the state drops them.
    await page.locator('#serve-engine').selectOption('vllm');
    await planShows(page, await cliPlan('--engine vllm --chunk-tokens 4096'));
    expect(await page.locator('#serve-dynamic-chunking').count()).toBe(0);
    // vLLM mixes prompts into its decode steps already: nothing to ask.
    expect(await page.locator('#serve-mixed-chunk').count()).toBe(0);
    expect(await page.locator('#serve-prompt-chunks').textContent()).toMatch(/one after another/);

    // The deployment's CUDA-graph capture: decode steps beyond it are said, as `serve --cuda-graph-batch` says.
    await changeField(page.locator('#serve-cuda-graph-batch'), '16');
    const graphs = await cliPlan('--engine vllm --chunk-tokens 4096 --cuda-graph-batch 16');
    await planShows(page, graphs);
    await expect
      .poll(async () => await page.locator('.warning').allTextContents(), { timeout: 30_000 })
      .toContain(
        `warning: ${(await runCli(`${SERVE} --engine vllm --chunk-tokens 4096 --cuda-graph-batch 16`)).stdout.match(/eager decode: [^\n]*/)![0]}`,
      );

    // Below the engines' range: the CLI's words, next to the field.
    const low = await runCli(`${SERVE} --engine vllm --chunk-tokens 100`);
    expect(low.code).toBe(2);
    const message = webText(low.stderr.split('\n')[0]!.replace(/^error: --chunk-tokens: /, ''));
    await changeField(page.locator('#serve-chunk-tokens'), '100');
    await expect
      .poll(async () => await page.locator('label:has(#serve-chunk-tokens) .error').textContent(), {
        timeout: 30_000,
      })
      .toContain(message.replace(/, got .*$/, ''));
    expect(await page.locator('main').textContent()).not.toMatch(/internal error|NaN/);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('a link asking vLLM for dynamic chunks: no checkbox to show it by, so the refusal is said under the form', async () => {
    const link = `#s=${await encodeState({ view: 'serve', serve: { engine: 'vllm', dynamicChunking: true } } as never)}`;
    const { page, problems } = await openApp(suite, undefined, link);
    expect(await page.locator('#serve-dynamic-chunking').count()).toBe(0);
    // vLLM mixes prompts into its decode steps already: nothing to ask.
    expect(await page.locator('#serve-mixed-chunk').count()).toBe(0);
    await expect
      .poll(async () => await page.locator('main').textContent(), { timeout: 30_000 })
      .toMatch(
        /dynamicChunking: vLLM \(V1 engine\) passes a prompt's chunks through a pipeline one after another/,
      );
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
