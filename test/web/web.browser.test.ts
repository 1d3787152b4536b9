/**
 * The web app in a real browser: built with Vite, served from 127.0.0.1, driven by playwright-core and
 * Debian's Chromium. Numbers are checked against the CLI's --json for the same inputs.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeState } from '../../web/src/state-link.js';
import { ARTIFACTS, launchChromium, screenshot, serveBuiltApp, watchedPage } from '../browser.js';
import { runCli } from '../run-cli.js';

const outDir = mkdtempSync(join(tmpdir(), 'llmecon-web-'));
let app: Awaited<ReturnType<typeof serveBuiltApp>>;
let base = '';
let browser: Browser;
const timings: Record<string, number> = {};

beforeAll(async () => {
  app = await serveBuiltApp(outDir);
  base = app.base;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(`${ARTIFACTS}web-timings.json`, `${JSON.stringify(timings, null, 2)}\n`);
});

async function open(url = base, viewport?: { width: number; height: number }) {
  const w = await watchedPage(browser, viewport);
  const started = Date.now();
  await w.page.goto(url);
  await w.page.waitForSelector('body[data-ready="true"]');
  return { ...w, loadMs: Date.now() - started };
}

const view = async (page: Page, label: string) => {
  await page.getByRole('button', { name: label, exact: true }).click();
};

const cli = async (args: string[]) => {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

const study = (file: string, baseline: string) => {
  const path = join(outDir, file);
  writeFileSync(path, `name: web check\nbaseline:\n${baseline}levers:\n  - lever: fp8\n`);
  return path;
};

describe('web app in Chromium', () => {
  it('Train: first render, the same cost as the CLI, recompute on an input change, no errors', async () => {
    const { page, problems, requests, loadMs } = await open();
    timings.firstRenderMs = loadMs;
    const result = page.locator('#train-result');
    await result.waitFor();
    const w = await cli([
      'levers',
      study(
        'train.yaml',
        '  kind: train\n  model: llama-3-8b\n  tokens: 1e12\n  gpu: h100\n  gpus: 64\n  usdPerGpuHour: 2\n  seqLen: 4096\n',
      ),
      '--json',
    ]);
    expect(Number(await result.getAttribute('data-cost'))).toBe(w.baseline.costUsd);
    // Each GPU figure carries its source on hover.
    expect(await page.locator('.gpu-facts abbr').first().getAttribute('title')).toMatch(
      /^NVIDIA H100 .*datasheet.*\(vendor-spec\)/i,
    );
    await page.locator('#train-gpus').fill('128');
    await page.locator('#train-gpus').dispatchEvent('change');
    // Twice the GPUs: about the same cost (GPU-hours), about half the wall-clock.
    await expect
      .poll(async () => Number(await result.getAttribute('data-seconds')), { timeout: 20_000 })
      .toBeLessThan(0.7 * w.baseline.timeSeconds);
    timings.trainRecomputeMs = Number(await result.getAttribute('data-ms'));
    expect(problems).toEqual([]);
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    await page.locator('svg[aria-label="Wall-clock days by GPU count"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('svg[aria-label="Step time breakdown in seconds"]').count()).toBe(1);
    await screenshot(page, 'web-train');
    await page.close();
  });

  it("Train on a TPU: stacks with no port there are disabled with the CLI's reason; the chosen one answers at its field", async () => {
    const { page } = await open();
    await page.locator('#train-result').waitFor();
    await page.locator('#train-gpu').selectOption('tpu-v6e');
    const refused = await runCli('train --model llama-3-8b --tokens 1T --gpu tpu-v6e --stack torchtitan');
    expect(refused.code).toBe(2);
    const why = refused.stderr.replace(/^error: --stack: /, '').trim();
    const option = page.locator('#train-stack option[value="torchtitan"]');
    await expect.poll(() => option.isDisabled(), { timeout: 20_000 }).toBe(true);
    expect(await option.getAttribute('title')).toBe(why);
    // Megatron, the view's choice, stays selectable: the run refuses it at the stack field.
    expect(await page.locator('#train-stack option[value="megatron"]').isDisabled()).toBe(false);
    expect(await page.locator('#train-stack option[value="hf"]').isDisabled()).toBe(false);
    await page.close();
  });

  it("Train with a fixed pipeline: the CLI's cost for the same layout, and the 1F1B timeline", async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor();
    await page.locator('#train-pp').fill('4');
    await page.locator('#train-pp').dispatchEvent('change');
    await page.locator('svg[aria-label="Pipeline timeline, 4 stages"]').waitFor({ timeout: 20_000 });
    const w = await cli([
      'levers',
      study(
        'pp.yaml',
        '  kind: train\n  model: llama-3-8b\n  tokens: 1e12\n  gpu: h100\n  gpus: 64\n  usdPerGpuHour: 2\n  seqLen: 4096\n  layout: { pp: 4 }\n',
      ),
      '--json',
    ]);
    expect(Number(await page.locator('#train-result').getAttribute('data-cost'))).toBe(w.baseline.costUsd);
    expect(w.baseline.detail).toMatch(/pp 4/);
    await screenshot(page, 'web-train-pipeline');
    // Another software stack: the CLI's cost for the same study with `stack: torchtitan`.
    const before = await page.locator('#train-result').getAttribute('data-cost');
    await page.locator('#train-stack').selectOption('torchtitan');
    await page.waitForFunction(
      (old) => {
        const cost = document.querySelector('#train-result')?.getAttribute('data-cost');
        return cost && cost !== old;
      },
      before,
      { timeout: 20_000 },
    );
    const titan = await cli([
      'levers',
      study(
        'titan.yaml',
        '  kind: train\n  model: llama-3-8b\n  tokens: 1e12\n  gpu: h100\n  gpus: 64\n  usdPerGpuHour: 2\n  seqLen: 4096\n  layout: { pp: 4 }\n  stack: torchtitan\n',
      ),
      '--json',
    ]);
    expect(Number(await page.locator('#train-result').getAttribute('data-cost'))).toBe(
      titan.baseline.costUsd,
    );
    // A layout that cannot be split is an error by the field.
    await page.locator('#train-pp').fill('7');
    await page.locator('#train-pp').dispatchEvent('change');
    await page.waitForFunction(() =>
      /cannot be split/.test(document.querySelector('main')?.textContent ?? ''),
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('share URL: the link reproduces the inputs and the numbers', async () => {
    const { page } = await open();
    await page.locator('#train-tokens').fill('2e12');
    await page.locator('#train-tokens').dispatchEvent('change');
    await page.waitForFunction(() => (document.body.dataset.url ?? '').includes('#s='));
    await page.locator('#train-result').waitFor();
    await page.waitForFunction(() => document.querySelector('#train-result')?.getAttribute('data-cost'));
    const url = await page.evaluate(() => document.body.dataset.url!);
    const cost = await page.locator('#train-result').getAttribute('data-cost');
    const again = await open(url);
    expect(await again.page.locator('#train-tokens').inputValue()).toBe('2000000000000');
    await again.page.locator('#train-result').waitFor();
    expect(await again.page.locator('#train-result').getAttribute('data-cost')).toBe(cost);
    await page.close();
    await again.page.close();
  });

  it('config.json upload: a Hugging Face config gives the catalog model its numbers; a broken one an error by the field', async () => {
    const { page } = await open();
    await page.locator('#train-result').waitFor();
    const catalogCost = await page.locator('#train-result').getAttribute('data-cost');
    const entry = JSON.parse(
      readFileSync(new URL('../../catalog/models/llama-3-8b.json', import.meta.url), 'utf8'),
    );
    const good = join(outDir, 'config.json');
    writeFileSync(good, JSON.stringify(entry.config));
    await page.locator('#train-config').setInputFiles(good);
    await page.waitForFunction(() => document.querySelector('#train-model')?.hasAttribute('disabled'));
    await page.waitForFunction(
      (c) => document.querySelector('#train-result')?.getAttribute('data-cost') === c,
      catalogCost,
    );
    const bad = join(outDir, 'broken.json');
    writeFileSync(bad, '{"model_type": "llama", "hidden_size": "big"');
    await page.locator('#train-config').setInputFiles(bad);
    await expect(page.locator('[role=alert]').first()).toBeDefined();
    await page.waitForFunction(() => /not valid JSON/.test(document.body.textContent ?? ''));
    await page.close();
  });

  it('config.json upload shows the layer mix: Qwen3.5 hybrid (Gated DeltaNet + full, MoE, vision) and Nemotron-H (Mamba-2, bare Infinity)', async () => {
    const { page, problems } = await open();
    await page.locator('#train-result').waitFor();
    const fixture = (f: string) => new URL(`../fixtures/hf-configs/${f}`, import.meta.url).pathname;
    const rows = async () =>
      Object.fromEntries(
        await page
          .locator('#model-mix tbody tr')
          .evaluateAll((trs) =>
            trs.map((r) => [
              r.getAttribute('data-mixer') ?? `mlp:${r.getAttribute('data-mlp')}`,
              Number(r.getAttribute('data-layers')),
            ]),
          ),
      );
    await page.locator('#train-config').setInputFiles(fixture('qwen3.5-35b-a3b.json'));
    await page.locator('#model-mix').waitFor();
    const params = await cli(['params', fixture('qwen3.5-35b-a3b.json'), '--json']);
    expect(await rows()).toEqual({ full: 10, linear: 30, 'mlp:moe': 40 });
    expect(Number(await page.locator('#model-facts').getAttribute('data-total'))).toBe(params.totalParams);
    expect(Number(await page.locator('#model-facts').getAttribute('data-active'))).toBe(params.activeParams);
    expect(await page.locator('#model-vision').textContent()).toMatch(/Vision tower/);
    expect(await page.locator('#model-mix caption').textContent()).toBe(params.layerMixDescription);
    // A BF16 release names no checkpoint format; an FP8 one does, as `llmecon params` reads it.
    expect(await page.locator('#model-checkpoint').count()).toBe(0);
    await screenshot(page, 'web-upload-qwen3.5');
    await page.locator('#train-config').setInputFiles(fixture('hand-built/deepseek-v4-flash.json'));
    await page.locator('#model-checkpoint').waitFor();
    expect(await page.locator('#model-checkpoint').getAttribute('data-weights')).toBe('fp8');
    expect(await page.locator('#model-checkpoint').textContent()).toMatch(
      /quant_method fp8 \(e4m3, 128×128 blocks\)/,
    );
    await page.locator('#train-config').setInputFiles(fixture('nemotron-h-56b-base-8k.json'));
    await page.waitForFunction(() => document.querySelector('#model-mix tr[data-mixer="mamba"]'));
    const kv = await cli(['kv', fixture('nemotron-h-56b-base-8k.json'), '--json']);
    const mix = await rows();
    const p2 = await cli(['params', fixture('nemotron-h-56b-base-8k.json'), '--json']);
    for (const [kind, n] of Object.entries(p2.layerMix as Record<string, number>))
      expect(mix[kind] ?? 0, kind).toBe(n);
    expect(Number(await page.locator('#model-facts').getAttribute('data-kv-bytes-per-token'))).toBe(
      kv.bytesPerToken,
    );
    expect(Number(await page.locator('#model-facts').getAttribute('data-state-bytes'))).toBe(
      kv.recurrentStateBytesPerSequence,
    );
    // The run computes on it (the file's bare Infinity is read, not refused).
    await page.waitForFunction(
      () => document.querySelector('#train-result')?.getAttribute('data-cost'),
      null,
      {
        timeout: 60_000,
      },
    );
    expect(await page.locator('main').textContent()).not.toMatch(/not valid JSON/);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('Adapt: full, LoRA and QLoRA cost what `llmecon levers` says for the same run', async () => {
    const { page, problems } = await open();
    await view(page, 'Adapt');
    await page.locator('#adapt-table tbody tr[data-cost]').nth(2).waitFor({ timeout: 20_000 });
    const costs = await page
      .locator('#adapt-table tbody tr[data-cost]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-cost'))));
    const path = join(outDir, 'adapt.yaml');
    writeFileSync(
      path,
      'name: adapt\nbaseline:\n  kind: finetune\n  model: llama-3-8b\n  tokens: 100e6\n  epochs: 3\n  method: full\n  gpu: h100\n  gpus: 8\n  seqLen: 4096\n  globalBatch: 64\n  usdPerGpuHour: 2\nlevers:\n  - { lever: adapter, method: lora, rank: 16 }\n  - { lever: adapter, method: qlora, rank: 16 }\n',
    );
    const w = await cli(['levers', path, '--json']);
    expect(costs).toEqual([w.baselineCostUsd, ...w.steps.map((s: { costUsd: number }) => s.costUsd)]);
    // GRPO: the same run as `llmecon rl --json`.
    await page.locator('#rl-result').waitFor({ timeout: 20_000 });
    const rl = await cli([
      'rl',
      '--model',
      'qwen2.5-7b',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      '--steps',
      '500',
      '--max-response-tokens',
      '16384',
      '--price-per-gpu-hour',
      '2',
      '--json',
    ]);
    expect(Number(await page.locator('#rl-result').getAttribute('data-cost'))).toBe(rl.costUsd);
    expect(await page.locator('#rl-longest').count()).toBe(0);
    // The policy update in pure BF16: `llmecon rl --precision bf16-pure`.
    await page.locator('#rl-precision').selectOption('bf16-pure');
    const rlArgs = [
      ...['rl', '--model', 'qwen2.5-7b', '--gpu', 'h100', '--gpus', '8', '--steps', '500'],
      ...['--max-response-tokens', '16384'],
    ];
    const pure = await cli([...rlArgs, '--price-per-gpu-hour', '2', '--precision', 'bf16-pure', '--json']);
    expect(pure.costUsd).not.toBe(rl.costUsd);
    await expect
      .poll(async () => Number(await page.locator('#rl-result').getAttribute('data-cost')), {
        timeout: 20_000,
      })
      .toBe(pure.costUsd);
    // The policy update on Megatron-Core: `llmecon rl --stack megatron`.
    await page.locator('#rl-stack').selectOption('megatron');
    const onMegatron = await cli([
      ...rlArgs,
      '--price-per-gpu-hour',
      '2',
      '--precision',
      'bf16-pure',
      '--stack',
      'megatron',
      '--json',
    ]);
    expect(onMegatron.costUsd).not.toBe(pure.costUsd);
    await expect
      .poll(async () => Number(await page.locator('#rl-result').getAttribute('data-cost')), {
        timeout: 20_000,
      })
      .toBe(onMegatron.costUsd);
    // Responses up to 64K tokens on the Hugging Face stack: no layout holds the longest, as `llmecon rl` says (exit 3).
    await page.locator('#rl-stack').selectOption('hf');
    await page.locator('#rl-max-response').fill('65536');
    await page.locator('#rl-max-response').dispatchEvent('change');
    const long = await runCli([
      ...rlArgs.slice(0, -2),
      '--max-response-tokens',
      '65536',
      '--precision',
      'bf16-pure',
    ]);
    expect(long.code).toBe(3);
    const verdict = long.stdout.match(
      /fits the mean sequence's micro-batches, but no layout on h100-sxm holds .*/,
    )![0];
    await expect
      .poll(() => page.locator('#rl-longest').textContent(), { timeout: 20_000 })
      .toBe(
        `Policy update: ${verdict.replace('--max-response-tokens', '“Max response tokens”').replace('--stack', '“Stack”')}`,
      );
    expect(problems).toEqual([]);
    await screenshot(page, 'web-adapt');
    await page.close();
  }, 60_000);

  it('Serve: $ per day equals the CLI for the same deployment; the API break-even chart is labelled', async () => {
    const { page, problems } = await open();
    await view(page, 'Serve');
    await page.locator('#serve-result').waitFor({ timeout: 20_000 });
    const path = join(outDir, 'serve.yaml');
    writeFileSync(
      path,
      'name: serve\nbaseline:\n  kind: serve\n  model: llama-3.1-70b\n  gpu: h100\n  weights: fp8\n  kv: fp8\n  inputTokens: 1000\n  outputTokens: 300\n  tokensPerDay: 2e9\n  tpotSloSeconds: 0.05\n  usdPerGpuHour: 2\n  days: 1\nlevers:\n  - { lever: gpu, gpu: h200, usdPerGpuHour: 2 }\n',
    );
    const w = await cli(['levers', path, '--json']);
    expect(Number(await page.locator('#serve-result').getAttribute('data-usd-per-day'))).toBe(
      w.baselineCostUsd,
    );
    // Self-hosting vs the API comes last (its own task in the worker).
    await page.locator('svg[aria-label^="Self-hosting vs gpt-5.4-mini"]').waitFor({ timeout: 60_000 });
    // Its break-even carries the serving band's P10–P90 and names the calibration behind it.
    expect(
      await page
        .locator('figure', { has: page.locator('svg[aria-label^="Self-hosting vs gpt-5.4-mini"]') })
        .locator('figcaption')
        .textContent(),
    ).toMatch(/\(P10 ([\d.]+[KMB]?|none up to 1T) – P90 ([\d.]+[KMB]?|none up to 1T);\s+trt-llm × hopper/);
    // The frontier (both modes, the plan ringed), the simulated replica's percentiles and timeline.
    const frontier = page.locator('svg[aria-label^="Frontier:"]');
    await frontier.waitFor();
    expect(await frontier.locator('circle').count()).toBeGreaterThan(5);
    await page.locator('#serve-percentiles tbody tr').nth(3).waitFor({ timeout: 60_000 });
    expect(
      await page
        .locator('#serve-percentiles tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-metric'))),
    ).toEqual(['TTFT', 'TPOT', 'ITL', 'E2E']);
    expect(
      await page.locator('svg[aria-label="Timeline of one replica: running and waiting requests"]').count(),
    ).toBe(1);
    expect(
      await page.locator('svg[aria-label="Timeline of one replica: KV cache use and preemptions"]').count(),
    ).toBe(1);
    expect(problems).toEqual([]);
    await screenshot(page, 'web-serve');
    await page.close();
  }, 90_000);

  it('Serve on TensorRT-LLM at a memory share of 0.8 with lognormal lengths: band, frontier and simulated percentiles equal `llmecon serve --mem-fraction 0.8 --simulate --pareto --json`', async () => {
    const { page, problems } = await open(base, { width: 375, height: 800 });
    await view(page, 'Serve');
    await page.locator('#serve-result').waitFor({ timeout: 20_000 });
    await page.locator('#serve-engine').selectOption('trt-llm');
    await page.locator('#serve-mem-fraction').fill('0.8');
    await page.locator('#serve-mem-fraction').dispatchEvent('change');
    await page.locator('#serve-lengths').selectOption('lognormal');
    await page.locator('#serve-requests').fill('300');
    await page.locator('#serve-requests').dispatchEvent('change');
    await page.locator('#serve-seed').fill('7');
    await page.locator('#serve-seed').dispatchEvent('change');
    const w = await cli(
      (
        'serve --model llama-3.1-70b --gpu h100-sxm --weights fp8 --kv fp8 --engine trt-llm --mem-fraction 0.8 --input-tokens 1000 ' +
        '--output-tokens 300 --tokens-per-day 2000000000 --tpot-slo 0.05 --price-per-gpu-hour 2 --input-p90 3000 ' +
        '--output-p90 900 --simulate --requests 300 --seed 7 --pareto --json'
      ).split(' '),
    );
    // The simulation of these inputs (not an earlier one) is shown.
    await page.waitForFunction(
      () => {
        const t = document.querySelector('#serve-simulation .status')?.textContent ?? '';
        return /of 300 requests/.test(t) && /seed 7/.test(t) && /lognormal/.test(t) && /TensorRT/.test(t);
      },
      null,
      { timeout: 60_000 },
    );
    // The same simulation; the browser's V8 may round a libm call differently in the last bit.
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);
    for (const metric of ['TTFT', 'TPOT', 'ITL', 'E2E'] as const) {
      const row = page.locator(`#serve-percentiles tr[data-metric="${metric}"]`);
      const stats =
        w.simulation[
          { TTFT: 'ttftSeconds', TPOT: 'tpotSeconds', ITL: 'itlSeconds', E2E: 'e2eSeconds' }[metric]
        ];
      for (const q of ['p50', 'p90', 'p99'] as const)
        expect(close(Number(await row.getAttribute(`data-${q}`)), stats[q]), `${metric} ${q}`).toBe(true);
    }
    expect(
      close(
        Number(await page.locator('#serve-goodput').getAttribute('data-goodput')),
        w.simulation.goodputRequestsPerSecond,
      ),
    ).toBe(true);
    expect(Number(await page.locator('#serve-result').getAttribute('data-usd-per-day'))).toBe(w.usdPerDay);
    // The P10–P90 bands on $/M tokens and tokens/s per GPU: the CLI's ranges.
    for (const [card, key] of [
      ['#serve-blended', 'costPerMillionBlendedTokensUsd'],
      ['#serve-throughput', 'outputTokensPerSecondPerGpu'],
    ] as const) {
      const band = page.locator(`${card} small[data-p10]`);
      expect(close(Number(await band.getAttribute('data-p10')), w.range[key].p10), key).toBe(true);
      expect(close(Number(await band.getAttribute('data-p90')), w.range[key].p90), key).toBe(true);
      expect(await band.textContent()).toMatch(/^P10–P90 /);
    }
    expect(await page.locator('svg[aria-label^="Frontier:"] circle').count()).toBeGreaterThanOrEqual(
      w.frontier.length,
    );
    // Phone width: the new charts and the table stay inside the screen.
    await page.locator('svg[aria-label="Timeline of one replica: KV cache use and preemptions"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'web-serve-phone');
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('Serve with speculative decoding: a draft model priced as `llmecon serve --draft-model`; MTP refused next to its field where the model has none', async () => {
    const { page, problems } = await open();
    await view(page, 'Serve');
    await page.locator('#serve-result').waitFor({ timeout: 20_000 });
    await page.locator('#serve-speculative').selectOption('mtp');
    expect(
      await page.locator('label:has(#serve-speculative) .error').textContent({ timeout: 20_000 }),
    ).toMatch(/Llama 3\.1 70B has no MTP modules: choose a draft model/);
    await page.locator('#serve-speculative').selectOption('draft');
    // A draft model as large as the target is refused next to its own field (it cannot be faster).
    await page.locator('#serve-draft-model').selectOption('llama-3.1-405b');
    expect(
      await page.locator('label:has(#serve-draft-model) .error').textContent({ timeout: 20_000 }),
    ).toMatch(/Llama 3\.1 405B .* is not smaller than Llama 3\.1 70B/);
    await page.locator('#serve-draft-model').selectOption('llama-3.2-1b');
    for (const [id, value] of [
      ['#serve-draft-tokens', '4'],
      ['#serve-acceptance', '0.7'],
    ] as const) {
      await page.locator(id).fill(value);
      await page.locator(id).dispatchEvent('change');
    }
    await page.waitForFunction(
      () => /4 drafts per step at 70%/.test(document.querySelector('#serve-speculation')?.textContent ?? ''),
      null,
      { timeout: 30_000 },
    );
    const w = await cli(
      (
        'serve --model llama-3.1-70b --gpu h100-sxm --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 2000000000 --tpot-slo 0.05 --price-per-gpu-hour 2 --draft-model llama-3.2-1b ' +
        '--draft-tokens 4 --acceptance-rate 0.7 --json'
      ).split(' '),
    );
    expect(Number(await page.locator('#serve-result').getAttribute('data-usd-per-day'))).toBe(w.usdPerDay);
    expect(await page.locator('#serve-speculation').textContent()).toContain('drafted by Llama 3.2 1B');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('Serve: a hostile link renders as text; values outside the domains are replaced, with a message', async () => {
    // Encoded here as the app encodes its state (a link anyone could craft).
    const hostile = `#s=${await encodeState({
      view: 'serve',
      serve: {
        api: '<img src=x onerror=alert(1)>',
        engine: '<b>x</b>',
        requests: 1e9,
        lengths: 'lognormal',
        inputP90: 10,
      },
    } as never)}`;
    const { page, problems } = await open(`${base}${hostile}`);
    await page.locator('#link-issues').waitFor();
    expect(await page.locator('#link-issues').textContent()).toMatch(
      /serve\.engine: must be one of none, vllm, sglang, trt-llm/,
    );
    expect(await page.locator('#link-issues').textContent()).toMatch(/serve\.requests: .*10,000/);
    await page.waitForFunction(() =>
      /unknown API|unknown api/i.test(document.querySelector('main')?.textContent ?? ''),
    );
    expect(await page.locator('main img, #link-issues b').count()).toBe(0);
    // A P90 below its median is in the domain but not a lognormal: refused next to the field.
    expect(await page.locator('label:has(#serve-input-p90) .error').textContent()).toMatch(
      /the P90 must be at least the median \(1000\), got 10/,
    );
    expect(await page.locator('#link-issues').textContent()).toContain('"<b>x</b>"');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('Levers: the waterfall equals `llmecon levers --json`, with a labelled chart', async () => {
    const { page, problems } = await open();
    await view(page, 'Levers');
    await page.locator('#levers-preset').selectOption('llama-70b-serving');
    await page.locator('#levers-table tbody tr[data-cost]').first().waitFor();
    const costs = await page
      .locator('#levers-table tbody tr[data-cost]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-cost'))));
    const w = await cli(['levers', '--preset', 'llama-70b-serving', '--json']);
    expect(costs).toEqual(w.steps.map((s: { costUsd: number }) => s.costUsd));
    expect(await page.locator('svg[aria-label^="Cost waterfall"]').count()).toBe(1);
    expect(problems).toEqual([]);
    await screenshot(page, 'web-levers');
    await page.close();
  });

  it('Project: the scenario report equals `llmecon run --json`; exports; markup in names stays text', async () => {
    const { page, problems } = await open();
    await view(page, 'Project');
    await page.locator('#project-example').selectOption('startup-serving-8b.yaml');
    await page.locator('#project-samples').fill('0');
    await page.locator('#project-samples').dispatchEvent('change');
    await page.locator('#project-run').click();
    await page.locator('#project-result').waitFor();
    const run = await cli([
      'run',
      new URL('../../examples/startup-serving-8b.yaml', import.meta.url).pathname,
      '--json',
    ]);
    expect(Number(await page.locator('#project-result').getAttribute('data-total'))).toBe(run.totalCostUsd);
    expect(Number(await page.locator('#project-result').getAttribute('data-npv'))).toBe(run.npvUsd);
    await screenshot(page, 'web-project');
    // A hostile scenario: names with markup render as text in the sandboxed report; nothing runs.
    const yaml = await page.locator('#project-yaml').inputValue();
    await page
      .locator('#project-yaml')
      .fill(
        yaml.replace(
          'name: Startup serving a fine-tuned 8B model',
          'name: "<img src=x onerror=alert(1)><script>parent.pwned=1</script>"',
        ),
      );
    await page.locator('#project-yaml').dispatchEvent('change');
    await page.locator('#project-run').click();
    await page.waitForFunction(() =>
      (document.querySelector('iframe.report') as HTMLIFrameElement | null)?.srcdoc.includes(
        '&lt;script&gt;',
      ),
    );
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const frame = page.frameLocator('iframe.report');
    await expect(frame.locator('h1').textContent()).resolves.toBe(
      '<img src=x onerror=alert(1)><script>parent.pwned=1</script>',
    );
    // A malformed scenario: the error names the path and line.
    await page
      .locator('#project-yaml')
      .fill(yaml.replace('horizonMonths: 24', 'horizonMonths: 24\nhorizon_years: 2'));
    await page.locator('#project-yaml').dispatchEvent('change');
    await page.locator('#project-run').click();
    await page.locator('#project-errors').waitFor();
    expect(await page.locator('#project-errors').textContent()).toMatch(/line \d+: .*horizon_years/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Project: every shipped scenario (the seeds' cases) runs in the browser to the CLI's total", async () => {
    const { page, problems } = await open();
    await view(page, 'Project');
    await page.locator('#project-samples').fill('0');
    await page.locator('#project-samples').dispatchEvent('change');
    const files = (await page.locator('#project-example option').allTextContents()).filter((f) =>
      f.endsWith('.yaml'),
    );
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      await page.locator('#project-example').selectOption(file);
      await page.locator('#project-run').click();
      await page.waitForFunction(() => !document.querySelector('#project-run')?.hasAttribute('disabled'));
      await page.locator('#project-result').waitFor();
      const run = await cli(['run', new URL(`../../examples/${file}`, import.meta.url).pathname, '--json']);
      expect(Number(await page.locator('#project-result').getAttribute('data-total')), file).toBe(
        run.totalCostUsd,
      );
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('Scaling laws: the same allocations as `llmecon scaling --json`, recomputed instantly', async () => {
    const { page } = await open();
    await view(page, 'Scaling laws');
    await page.locator('#scaling-table').waitFor();
    const params = await page
      .locator('#scaling-table tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-params'))));
    const s = await cli(['scaling', '--flops', '5.76e23', '--json']);
    expect(params).toEqual(Object.values(s.allocations).map((a) => (a as { params: number }).params));
    timings.scalingRecomputeMs = Number(await page.locator('#scaling-flops-out').getAttribute('data-ms'));
    await screenshot(page, 'web-scaling');
    await page.close();
  });

  it('Validate: every cited case, predicted vs published', async () => {
    const { page } = await open();
    await view(page, 'Validate');
    await page.locator('#validate-serving').waitFor({ timeout: 60_000 });
    const v = await cli(['validate', '--json']);
    const errors = await page
      .locator('#validate-training tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-error'))));
    expect(errors).toEqual(v.cases.map((c: { error: number }) => c.error));
    await screenshot(page, 'web-validate');
    await page.close();
  }, 90_000);

  it('a hostile URL renders as text; keyboard reaches the views; phone width does not overflow', async () => {
    const { page: p0 } = await open();
    await p0.locator('#train-result').waitFor();
    const hostile = await p0.evaluate(async () => {
      const state = { view: 'train', train: { model: '<img src=x onerror=alert(1)>' } };
      const bytes = new TextEncoder().encode(JSON.stringify(state));
      const out = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
      const packed = new Uint8Array(await new Response(out).arrayBuffer());
      return `#s=${btoa(String.fromCharCode(...packed))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')}`;
    });
    const { page, problems } = await open(`${base}${hostile}`);
    await page.waitForFunction(() => /unknown model/.test(document.body.textContent ?? ''));
    expect(problems).toEqual([]);
    expect(await page.locator('main img').count()).toBe(0);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main#view-adapt');
    for (const label of ['Train', 'Adapt', 'Serve', 'Project', 'Levers', 'Scaling laws']) {
      const phone = await open(base, { width: 390, height: 844 });
      await view(phone.page, label);
      await phone.page.waitForTimeout(300);
      const overflow = await phone.page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow, label).toBeLessThanOrEqual(0);
      if (label === 'Train') await screenshot(phone.page, 'web-train-phone');
      await phone.page.close();
    }
    await page.close();
    await p0.close();
    // Seven page loads: as long as its neighbours under a loaded machine.
  }, 90_000);
});
