/**
 * Expert tensor parallelism, offload and the memory fit in the Train and Adapt views, in Chromium: the
 * ETP choice only for MoE models, offload modes the stack does not run and band levels of a stack
 * without measured peaks disabled with the CLI's reason, invalid
 * combinations answered with the CLI's messages by their fields, and every figure equal to
 * `llmecon train|finetune --etp … --offload … --json` for the same inputs, the memory band and its
 * verdict (`memoryFit`) included; the MTP modules trained as `--mtp-layers`, the TP overlap as
 * `--tp-comm-overlap`, one CUDA graph per step as `--full-iteration-cuda-graphs`, BF16 main-grad buffers as
 * `--bf16-grad-buffers`.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SECONDS_PER_DAY } from '../../src/core/units.js';
import { webText } from '../../web/src/flag-labels.js';
import { appInBrowser, changeField, screenshot, watchedPage } from '../browser.js';
import { runCli } from '../run-cli.js';

const suite = appInBrowser('layout-choices');

async function open(url = suite.app.base) {
  const w = await watchedPage(suite.browser);
  await w.page.goto(url);
  await w.page.waitForSelector('body[data-ready="true"]');
  return w;
}

/** `llmecon …` (one line) with `--json`, exit 0 asserted. */
async function cliJson(line: string) {
  const r = await runCli(`${line} --json`);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The CLI's message for a flag, from its stderr (`error: --etp: …`). */
async function cliMessage(line: string, flag: string): Promise<string> {
  const r = await runCli(line);
  expect(r.code).toBe(2);
  const prefix = `error: ${flag}: `;
  const found = r.stderr.split('\n').find((l) => l.startsWith(prefix));
  expect(found, r.stderr).toBeDefined();
  // The web names the CLI's flags by their fields (web/src/flag-labels.ts).
  return webText(found!.slice(prefix.length));
}

/** A new page opened at `page`'s share link, once the link carries the state. */
async function reopenFromLink(page: Page) {
  await page.waitForFunction(() => (document.body.dataset.url ?? '').includes('#s='));
  await page.waitForTimeout(200);
  return open(await page.evaluate(() => document.body.dataset.url!));
}

const number = async (l: Locator, attribute: string) => Number(await l.getAttribute(attribute));

/** Waits until the Train view shows `costUsd`, then checks its other figures against the CLI's. */
async function expectTrainFigures(page: Page, cli: Record<string, number>) {
  const result = page.locator('#train-result');
  await expect.poll(() => result.getAttribute('data-cost'), { timeout: 90_000 }).toBe(String(cli.costUsd));
  expect(await number(result, 'data-gpu-hours')).toBe(cli.gpuHours);
  expect(await number(result, 'data-memory')).toBe(cli.memoryPerGpuBytes);
  // The memory verdict with its band, as the CLI's `memoryFit`.
  expect(await page.locator('#train-memory').getAttribute('data-fit')).toBe(cli.memoryFit);
  expect((await number(result, 'data-seconds')) / SECONDS_PER_DAY).toBeCloseTo(cli.wallClockDays!, 9);
}

const TRAIN = 'train --gpu h100 --gpus 64 --tokens 1e12 --seq-len 4096 --price-per-gpu-hour 2';
const FINETUNE =
  'finetune --gpu h100-sxm --gpus 8 --tokens 100M --epochs 3 --seq-len 4096 --global-batch 64 --price-per-gpu-hour 2';
const METHODS = ['full', 'lora', 'qlora'] as const;
const adapterFlags = (m: (typeof METHODS)[number]) => (m === 'full' ? '' : ' --rank 16');

describe('expert tensor parallelism and offload in the web app', () => {
  it('Train, MoE: ETP shown only for an MoE model; TP 2 · ETP 1 gives `llmecon train --tp 2 --etp 1`; the link keeps it', async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    expect(await page.locator('#train-etp').count()).toBe(0);
    await page.locator('#train-model').selectOption('qwen3-30b-a3b');
    const etp = page.locator('#train-etp');
    await etp.waitFor();
    // ETP = TP names the tensor parallelism, as --etp does: not offered while TP is searched.
    expect(await etp.locator('option[value="tp"]').isDisabled()).toBe(true);
    expect(await etp.locator('option[value="1"]').textContent()).toMatch(/as NeMo's MoE recipes run/);
    await changeField(page.locator('#train-tp'), '2');
    expect(await etp.locator('option[value="tp"]').isDisabled()).toBe(false);
    await etp.selectOption('1');
    const cli = await cliJson(`${TRAIN} --model qwen3-30b-a3b --tp 2 --etp 1`);
    expect(cli.layout.etp).toBe(1);
    await expectTrainFigures(page, cli);
    // The share link restores the choice and the numbers.
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-etp').inputValue()).toBe('1');
    await expectTrainFigures(again.page, cli);
    await screenshot(page, 'web-train-etp');
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train, dense: offload modes the stack runs, the others disabled with the CLI's reason; optimizer offload gives `llmecon train --offload optimizer`", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const offload = page.locator('#train-offload');
    // Megatron offloads the optimizer only.
    const megatronWhy = await cliMessage(
      `${TRAIN} --model llama-3-8b --offload optimizer+params`,
      '--offload',
    );
    expect(await offload.locator('option[value="optimizer+params"]').isDisabled()).toBe(true);
    expect(await offload.locator('option[value="optimizer+params"]').getAttribute('title')).toBe(megatronWhy);
    expect(await page.locator('.offload-reasons').textContent()).toContain(megatronWhy);
    await offload.selectOption('optimizer');
    const cli = await cliJson(`${TRAIN} --model llama-3-8b --offload optimizer`);
    await expectTrainFigures(page, cli);
    const host = page.locator('#train-offload-host');
    expect(await number(host, 'data-bytes-per-gpu')).toBe(cli.offload.bytesPerGpu);
    expect(await host.getAttribute('data-fits')).toBe(String(cli.offload.fits));
    // torchtitan offloads parameters with the optimizer only: the kept choice gets the CLI's message.
    await page.locator('#train-stack').selectOption('torchtitan');
    const titanWhy = await cliMessage(
      `${TRAIN} --model llama-3-8b --stack torchtitan --offload optimizer`,
      '--offload',
    );
    const label = page.locator('label', { has: offload });
    await expect.poll(() => label.locator('.error').textContent(), { timeout: 60_000 }).toBe(titanWhy);
    expect(await offload.locator('option[value="optimizer+params"]').isDisabled()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it("Train: fit memory at the band's P90, disabled with the CLI's reason on Megatron, gives `llmecon train --stack torchtitan --memory-fit p90`; the link keeps it", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const fit = page.locator('#train-memory-fit');
    const megatronWhy = await cliMessage(`${TRAIN} --model llama-3-8b --memory-fit p90`, '--memory-fit');
    expect(await fit.locator('option[value="p90"]').isDisabled()).toBe(true);
    expect(await fit.locator('option[value="p90"]').getAttribute('title')).toBe(megatronWhy);
    await page.locator('#train-stack').selectOption('torchtitan');
    expect(await fit.locator('option[value="p90"]').isDisabled()).toBe(false);
    await fit.selectOption('p90');
    const cli = await cliJson(`${TRAIN} --model llama-3-8b --stack torchtitan --memory-fit p90`);
    expect(cli.memoryFitAt).toBe('p90');
    await expectTrainFigures(page, cli);
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-memory-fit').inputValue()).toBe('p90');
    await expectTrainFigures(again.page, cli);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train: MTP modules as `llmecon train --mtp-layers 2`; the link keeps it; a stack without MTP disables the counts and answers a kept one with the CLI's message", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const mtp = page.locator('#train-mtp');
    expect(await mtp.inputValue()).toBe('checkpoint');
    await mtp.selectOption('2');
    const cli = await cliJson(`${TRAIN} --model llama-3-8b --mtp-layers 2`);
    expect(cli.mtpModules).toBe(2);
    await expectTrainFigures(page, cli);
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-mtp').inputValue()).toBe('2');
    await expectTrainFigures(again.page, cli);
    // Hugging Face's Trainer builds no MTP modules: counts above none disabled, the kept 2 refused as the CLI does.
    await page.locator('#train-stack').selectOption('hf');
    const hfWhy = await cliMessage(`${TRAIN} --model llama-3-8b --stack hf --mtp-layers 2`, '--mtp-layers');
    const label = page.locator('label', { has: mtp });
    await expect.poll(() => label.locator('.error').textContent(), { timeout: 60_000 }).toBe(hfWhy);
    expect(await mtp.locator('option[value="1"]').isDisabled()).toBe(true);
    expect(await mtp.locator('option[value="0"]').isDisabled()).toBe(false);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train: TP comm overlap as `llmecon train --tp 2 --tp-comm-overlap`; the link keeps it; a stack without it disables the box and answers a kept one with the CLI's message", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const box = page.locator('#train-tp-comm-overlap');
    expect(await box.isChecked()).toBe(false);
    await changeField(page.locator('#train-tp'), '2');
    const exposed = await cliJson(`${TRAIN} --model llama-3-8b --tp 2`);
    await expectTrainFigures(page, exposed);
    await box.check();
    const cli = await cliJson(`${TRAIN} --model llama-3-8b --tp 2 --tp-comm-overlap`);
    expect(cli.overlapTensorParallel).toBe(true);
    // Overlapping the collectives shortens the step: the figures move, to the CLI's.
    expect(cli.costUsd).toBeLessThan(exposed.costUsd);
    await expectTrainFigures(page, cli);
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-tp-comm-overlap').isChecked()).toBe(true);
    await expectTrainFigures(again.page, cli);
    // Hugging Face's Trainer has no modelled overlap: the kept box refused as the CLI refuses the flag.
    await page.locator('#train-stack').selectOption('hf');
    const why = await cliMessage(
      `${TRAIN} --model llama-3-8b --tp 2 --stack hf --tp-comm-overlap`,
      '--tp-comm-overlap',
    );
    const label = page.locator('label', { has: box });
    await expect.poll(() => label.locator('.error').textContent(), { timeout: 60_000 }).toBe(why);
    expect(await page.locator('#train-result').count()).toBe(0);
    // Unchecked there, the box is disabled with the reason.
    await box.uncheck();
    await expect.poll(() => box.isDisabled(), { timeout: 60_000 }).toBe(true);
    expect(await label.getAttribute('title')).toBe(why);
    expect(await page.locator('main').textContent()).not.toMatch(/internal error|NaN/);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train: one CUDA graph per step as `llmecon train --full-iteration-cuda-graphs`; the link keeps it; a stack without it answers a kept box with the CLI's message", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const box = page.locator('#train-cuda-graphs');
    expect(await box.isChecked()).toBe(false);
    await page.locator('#train-model').selectOption('qwen3-30b-a3b');
    const eager = await cliJson(`${TRAIN} --model qwen3-30b-a3b`);
    await expectTrainFigures(page, eager);
    await box.check();
    const cli = await cliJson(`${TRAIN} --model qwen3-30b-a3b --full-iteration-cuda-graphs`);
    expect(cli.fullIterationCudaGraphs).toBe(true);
    // The host time per expert drops out: the figures move, to the CLI's.
    expect(cli.costUsd).toBeLessThan(eager.costUsd);
    await expectTrainFigures(page, cli);
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-cuda-graphs').isChecked()).toBe(true);
    await expectTrainFigures(again.page, cli);
    await page.locator('#train-stack').selectOption('hf');
    const why = await cliMessage(
      `${TRAIN} --model qwen3-30b-a3b --stack hf --full-iteration-cuda-graphs`,
      '--full-iteration-cuda-graphs',
    );
    const label = page.locator('label', { has: box });
    await expect.poll(() => label.locator('.error').textContent(), { timeout: 60_000 }).toBe(why);
    await box.uncheck();
    await expect.poll(() => box.isDisabled(), { timeout: 60_000 }).toBe(true);
    expect(await label.getAttribute('title')).toBe(why);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train: BF16 main-grad buffers as `llmecon train --bf16-grad-buffers`; the link keeps them; a stack without them answers a kept box with the CLI's message", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    const box = page.locator('#train-bf16-grad-buffers');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    const cli = await cliJson(`${TRAIN} --model llama-3-8b --bf16-grad-buffers`);
    expect(cli.bf16GradBuffers).toBe(true);
    await expectTrainFigures(page, cli);
    const again = await reopenFromLink(page);
    expect(await again.page.locator('#train-bf16-grad-buffers').isChecked()).toBe(true);
    await expectTrainFigures(again.page, cli);
    await page.locator('#train-stack').selectOption('hf');
    const why = await cliMessage(
      `${TRAIN} --model llama-3-8b --stack hf --bf16-grad-buffers`,
      '--bf16-grad-buffers',
    );
    const label = page.locator('label', { has: box });
    await expect.poll(() => label.locator('.error').textContent(), { timeout: 60_000 }).toBe(why);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.page.close();
    await page.close();
  }, 240_000);

  it("Train: searched, some layers recomputed as the CLI picks; with full recomputation fixed, `llmecon train`'s hints — block recomputation and activation offload — with the CLI's layer counts", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    await page.locator('#train-model').selectOption('llama-3.1-405b');
    await changeField(page.locator('#train-gpus'), '1024');
    await changeField(page.locator('#train-seq'), '8192');
    const run = `${TRAIN.replace('--gpus 64', '--gpus 1024').replace('--seq-len 4096', '--seq-len 8192')} --model llama-3.1-405b`;
    const searched = await cliJson(run);
    expect(searched.layout.recomputeLayers).toBeGreaterThan(0);
    await expectTrainFigures(page, searched);
    expect(await page.locator('main').textContent()).toContain(
      `recompute full (first ${searched.layout.recomputeLayers} layers of the model)`,
    );
    // Searched: no partial-recomputation hint (the layout runs it), the offload hint as the CLI's.
    expect(searched.recomputeHint).toBeNull();
    const hints = page.locator('#train-hints');
    await hints.waitFor({ timeout: 120_000 });
    expect(await hints.getAttribute('data-recompute-layers')).toBe('');
    expect(await hints.getAttribute('data-offload-layers')).toBe(
      String(searched.activationOffloadHint.layers),
    );
    // Full recomputation fixed: the hint names the layers that would fit that layout (no offload hint:
    // the recomputation is given).
    await page.locator('#train-recompute').selectOption('full');
    const cli = await cliJson(`${run} --recompute full`);
    expect(cli.layout.recompute).toBe('full');
    expect(cli.activationOffloadHint).toBeNull();
    await expectTrainFigures(page, cli);
    await expect
      .poll(() => hints.getAttribute('data-recompute-layers'), { timeout: 120_000 })
      .toBe(String(cli.recomputeHint.layers));
    expect(await hints.getAttribute('data-offload-layers')).toBe('');
    expect(await hints.textContent()).toContain(`--recompute-num-layers ${cli.recomputeHint.layers}`);
    await screenshot(page, 'web-train-hints');
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it('Train: where even the memory band P10 of the chosen layout exceeds the GPU, the layout that fits at the P90, as the CLI names it', async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    await page.locator('#train-model').selectOption('llama-3.1-405b');
    await page.locator('#train-stack').selectOption('torchtitan');
    await changeField(page.locator('#train-gpus'), '512');
    await changeField(page.locator('#train-seq'), '8192');
    await changeField(page.locator('#train-tp'), '4');
    const run = `${TRAIN.replace('--gpus 64', '--gpus 512').replace('--seq-len 4096', '--seq-len 8192')} --model llama-3.1-405b --stack torchtitan --tp 4`;
    const cli = await cliJson(run);
    expect(cli.memoryFit).toBe('p10-over');
    await expectTrainFigures(page, cli);
    const likely = page.locator('#train-likely-fit');
    await expect
      .poll(() => likely.getAttribute('data-step-seconds'), { timeout: 120_000 })
      .toBe(String(cli.likelyFit.best.stepSeconds));
    const l = cli.likelyFit.best.layout;
    expect(await likely.textContent()).toContain(`tp ${l.tp} · pp ${l.pp} · dp ${l.dp}`);
    expect(await likely.textContent()).toContain(`mb ${l.microBatch} · recompute ${l.recompute}`);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it("Train: an invalid ETP combination gives the CLI's messages by their fields, no crash", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor({ timeout: 60_000 });
    await page.locator('#train-model').selectOption('qwen3-30b-a3b');
    await page.locator('#train-stack').selectOption('deepspeed');
    await changeField(page.locator('#train-tp'), '2');
    await page.locator('#train-etp').selectOption('1');
    const line = `${TRAIN} --model qwen3-30b-a3b --stack deepspeed --tp 2 --etp 1`;
    const etpWhy = await cliMessage(line, '--etp');
    const tpWhy = await cliMessage(line, '--tp');
    const etpLabel = page.locator('label', { has: page.locator('#train-etp') });
    await expect.poll(() => etpLabel.locator('.error').textContent(), { timeout: 60_000 }).toBe(etpWhy);
    const tpLabel = page.locator('label', { has: page.locator('#train-tp') });
    expect(await tpLabel.locator('.error').textContent()).toBe(tpWhy);
    expect(await page.locator('main').textContent()).not.toMatch(/internal error|NaN/);
    expect(await page.locator('#train-result').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);

  it('Adapt: full, LoRA and QLoRA with optimizer offload give `llmecon finetune --offload optimizer`, dense and MoE (ETP 1)', async () => {
    const { page, problems } = await open();
    await page.getByRole('button', { name: 'Adapt', exact: true }).click();
    const rows = page.locator('#adapt-table tbody tr[data-cost]');
    await rows.nth(2).waitFor({ timeout: 60_000 });
    expect(await page.locator('#adapt-etp').count()).toBe(0);
    await page.locator('#adapt-offload').selectOption('optimizer');
    const check = async (model: string, flags: string) => {
      for (const [i, method] of METHODS.entries()) {
        const cli = await cliJson(
          `${FINETUNE} --model ${model} --method ${method}${adapterFlags(method)}${flags}`,
        );
        const row = rows.nth(i);
        await expect
          .poll(async () => Number(await row.getAttribute('data-cost')), { timeout: 90_000 })
          .toBeCloseTo(cli.computeCostUsd, 9);
        expect(await number(row, 'data-gpu-hours')).toBeCloseTo(cli.gpuHours, 9);
        expect(await number(row, 'data-memory')).toBe(cli.memoryPerGpuBytes);
        // The stack's measured-peak band and the verdict it gives, as `finetune --json`.
        expect(await row.getAttribute('data-memory-fit')).toBe(cli.memoryFit);
        expect(await number(row, 'data-memory-p90')).toBeCloseTo(cli.range.memoryPerGpuBytes.p90, 0);
        expect(await row.locator('td').nth(3).locator('small.band').first().textContent()).toMatch(
          /^P10 .* GiB – P90 .* GiB$/,
        );
        expect(await number(row, 'data-host-bytes')).toBe(cli.offload.bytesPerGpu);
      }
    };
    await check('llama-3-8b', ' --offload optimizer');
    await page.locator('#adapt-model').selectOption('qwen3-30b-a3b');
    await page.locator('#adapt-etp').selectOption('1');
    await check('qwen3-30b-a3b', ' --offload optimizer --etp 1');
    await screenshot(page, 'web-adapt-offload');
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  it("Adapt: BF16 main-grad buffers disabled with the CLI's reason on the default stack; on Megatron the full row is `llmecon finetune --stack megatron --bf16-grad-buffers`", async () => {
    const { page, problems } = await open();
    await page.getByRole('button', { name: 'Adapt', exact: true }).click();
    const rows = page.locator('#adapt-table tbody tr[data-cost]');
    await rows.nth(2).waitFor({ timeout: 60_000 });
    const box = page.locator('#adapt-bf16-grad-buffers');
    const why = await cliMessage(
      `${FINETUNE} --model llama-3-8b --method full --bf16-grad-buffers`,
      '--bf16-grad-buffers',
    );
    expect(await box.isDisabled()).toBe(true);
    expect(await page.locator('label', { has: box }).getAttribute('title')).toBe(why);
    await page.locator('#adapt-stack').selectOption('megatron');
    await expect.poll(() => box.isDisabled(), { timeout: 60_000 }).toBe(false);
    await box.check();
    const cli = await cliJson(
      `${FINETUNE} --model llama-3-8b --method full --stack megatron --bf16-grad-buffers`,
    );
    await expect
      .poll(async () => Number(await rows.nth(0).getAttribute('data-cost')), { timeout: 90_000 })
      .toBeCloseTo(cli.computeCostUsd, 9);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);
});
