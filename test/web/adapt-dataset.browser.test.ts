/**
 * The Adapt view's dataset layout, in Chromium: packed (default), every example padded to the
 * sequence length, or each micro-batch padded to its longest with a length spread — each method's
 * figures equal `llmecon finetune --no-packing --padding … --examples … --length-p99 … --json` (packed with
 * each example masked from the others: `--packing-mask`, spread by `--length-p99`), and a
 * missing example count is answered with the CLI's message by its field; with the embedding and
 * head trained in full and a GPTQ base, the LoRA and QLoRA rows equal `--train-embeddings` (and
 * `--base-format gptq`); in pure BF16 the full and LoRA rows equal `--precision bf16-pure` and QLoRA
 * keeps BF16.
 */
import { describe, expect, it } from 'vitest';
import { webText } from '../../web/src/flag-labels.js';
import { appInBrowser, changeField, openApp, screenshot } from '../browser.js';
import { runCli } from '../run-cli.js';

const suite = appInBrowser('adapt-dataset');

// The Adapt view's defaults (web/src/state.ts): 100M tokens per epoch, 3 epochs, 8 H100, seq 4,096.
const FINETUNE =
  'finetune --model llama-3-8b --gpu h100-sxm --gpus 8 --epochs 3 --seq-len 4096 --global-batch 64 --price-per-gpu-hour 2';
const METHODS = ['full', 'lora', 'qlora'] as const;
const adapterFlags = (m: (typeof METHODS)[number]) => (m === 'full' ? '' : ' --rank 16');

/** The app on its Adapt view, once the three methods' rows are in. */
async function openAdapt() {
  const { page, problems } = await openApp(suite, 'Adapt');
  const rows = page.locator('#adapt-table tbody tr[data-cost]');
  await rows.nth(2).waitFor({ timeout: 60_000 });
  return { page, problems, rows };
}

/** Each method's row has the memory and cost of `finetune --method … --tokens 100M<flags> --json`. */
async function rowsMatchCli(
  rows: Awaited<ReturnType<typeof openAdapt>>['rows'],
  flags: (method: (typeof METHODS)[number]) => string,
) {
  for (const [i, method] of METHODS.entries()) {
    const r = await runCli(
      `${FINETUNE} --method ${method}${adapterFlags(method)} --tokens 100M${flags(method)} --json`,
    );
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const row = rows.nth(i);
    await expect
      .poll(async () => Number(await row.getAttribute('data-memory')), { timeout: 90_000 })
      .toBe(cli.memoryPerGpuBytes);
    expect(Number(await row.getAttribute('data-cost'))).toBeCloseTo(cli.computeCostUsd, 9);
  }
}

describe('the Adapt view: dataset packing and padding', () => {
  it('padding to the longest with 100,000 examples and a P99 of 3,000 tokens gives the CLI’s figures; no examples: the CLI’s message', async () => {
    const { page, problems, rows } = await openAdapt();
    // Packed (the default) shows no example fields.
    expect(await page.locator('#adapt-examples').count()).toBe(0);

    // Padded without an example count: every method answers with the CLI's message.
    await page.locator('#adapt-padding').selectOption('max-length');
    const missing = await runCli(`${FINETUNE} --tokens 100M --no-packing`);
    expect(missing.code).toBe(2);
    const message = webText(missing.stderr.split('\n')[0]!.replace(/^error: --examples: /, ''));
    expect(message).toContain('“Examples per epoch”');
    await expect
      .poll(async () => await page.locator('#adapt-table').textContent(), { timeout: 60_000 })
      .toContain(message);
    expect(await page.locator('#adapt-length-p99').count()).toBe(0);

    // Padding to the longest, with the spread: the step runs at the longest in flight, as the CLI's.
    await page.locator('#adapt-padding').selectOption('longest');
    await changeField(page.locator('#adapt-examples'), '100000');
    await changeField(page.locator('#adapt-length-p99'), '3000');
    for (const [i, method] of METHODS.entries()) {
      const r = await runCli(
        `${FINETUNE} --method ${method}${adapterFlags(method)} --examples 100000 --avg-tokens 1000 --no-packing --padding longest --length-p99 3000 --json`,
      );
      expect(r.code, r.stderr).toBe(0);
      const cli = JSON.parse(r.stdout);
      expect(cli.stepSequenceTokens).toBeLessThan(4096);
      const row = rows.nth(i);
      await expect
        .poll(async () => Number(await row.getAttribute('data-cost')), { timeout: 90_000 })
        .toBeCloseTo(cli.computeCostUsd, 9);
      expect(Number(await row.getAttribute('data-gpu-hours'))).toBeCloseTo(cli.gpuHours, 9);
      expect(Number(await row.getAttribute('data-memory'))).toBe(cli.memoryPerGpuBytes);
    }
    await screenshot(page, 'web-adapt-padding');
    expect(await page.locator('main').textContent()).not.toMatch(/internal error|NaN/);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('packed, each example attending only within itself: the rows give `--packing-mask`’s figures, faster than packed across', async () => {
    const { page, problems, rows } = await openAdapt();
    await page.locator('#adapt-padding').selectOption('packed-masked');
    await changeField(page.locator('#adapt-examples'), '100000');
    for (const [i, method] of METHODS.entries()) {
      const line = `${FINETUNE} --method ${method}${adapterFlags(method)} --examples 100000 --avg-tokens 1000`;
      const [masked, across] = await Promise.all([
        runCli(`${line} --packing-mask --json`),
        runCli(`${line} --json`),
      ]);
      expect(masked.code, masked.stderr).toBe(0);
      const cli = JSON.parse(masked.stdout);
      expect(cli.attentionSpanTokens).toBe(1000);
      expect(cli.computeCostUsd).toBeLessThan(JSON.parse(across.stdout).computeCostUsd);
      await expect
        .poll(async () => Number(await rows.nth(i).getAttribute('data-cost')), { timeout: 90_000 })
        .toBeCloseTo(cli.computeCostUsd, 9);
    }
    // A spread of lengths: long examples hold more of the tokens, so attention spans more than the mean.
    await changeField(page.locator('#adapt-length-p99'), '3000');
    const spread = await runCli(
      `${FINETUNE} --method lora --rank 16 --examples 100000 --avg-tokens 1000 --packing-mask --length-p99 3000 --json`,
    );
    expect(spread.code, spread.stderr).toBe(0);
    const cli = JSON.parse(spread.stdout);
    expect(cli.attentionSpanTokens).toBeGreaterThan(1000);
    await expect
      .poll(async () => Number(await rows.nth(1).getAttribute('data-cost')), { timeout: 90_000 })
      .toBeCloseTo(cli.computeCostUsd, 9);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('training the embedding and head too, QLoRA on a GPTQ base: the rows give `--train-embeddings` and `--base-format gptq`’s figures, full fine-tuning is unchanged', async () => {
    const { page, problems, rows } = await openAdapt();
    await page.locator('#adapt-train-embeddings').check();
    await page.locator('#adapt-qlora-base').selectOption('gptq');
    await rowsMatchCli(rows, (method) =>
      method === 'full' ? '' : ` --train-embeddings${method === 'qlora' ? ' --base-format gptq' : ''}`,
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('pure BF16: the full and LoRA rows give `--precision bf16-pure`’s figures, QLoRA stays in BF16', async () => {
    const { page, problems, rows } = await openAdapt();
    await page.locator('#adapt-precision').selectOption('bf16-pure');
    await rowsMatchCli(rows, (method) => ` --precision ${method === 'qlora' ? 'bf16' : 'bf16-pure'}`);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);
});
