import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_LENGTHS as base, runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

describe('llmecon compare-api', () => {
  const args = ['compare-api', '--model', 'llama-3.1-70b', '--gpu', 'h100', '--weights', 'fp8', ...base];
  it('finds the break-even volume against a catalog API', async () => {
    const result = await run([...args, '--api', 'gpt-4o-mini', '--tokens-per-day', '5B', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    const be = json.breakEvenTokensPerDay;
    expect(be).toBeGreaterThan(1e6);
    // Below the break-even the API is cheaper everywhere on the grid; at it, self-hosting is not dearer.
    for (const p of json.series)
      if (p.tokensPerDay < be) expect(p.selfHostUsdPerDay).toBeGreaterThan(p.apiUsdPerDay);
    expect(json.atVolume.selfHostUsdPerDay).toBeGreaterThan(0);
    expect(json.atVolume.apiUsdPerDay).toBeCloseTo((5e9 * (1024 * 0.15 + 256 * 0.6)) / 1280 / 1e6, 6);
    // The band: faster serving (P90 of published / predicted) breaks even sooner and costs less.
    expect(json.range.basis).toMatch(/^trt-llm × hopper/);
    expect(json.range.breakEvenTokensPerDay.p10).toBeLessThanOrEqual(be);
    const p90 = json.range.breakEvenTokensPerDay.p90;
    if (p90 !== null) expect(p90).toBeGreaterThanOrEqual(be);
    expect(json.range.selfHostUsdPerDay.p10).toBeLessThanOrEqual(json.atVolume.selfHostUsdPerDay);
    expect(json.range.selfHostUsdPerDay.p90).toBeGreaterThanOrEqual(json.atVolume.selfHostUsdPerDay);
    const text = await run([...args, '--api', 'gpt-4o-mini', '--tokens-per-day', '5B']);
    expect(text.stdout).toMatch(
      /break-even: [\d.]+[KMB]? tokens\/day \([\d.]+ req\/s; P10 [\d.]+[KMB]? – P90 ([\d.]+[KMB]?|none up to 1T)\)/,
    );
    expect(text.stdout).toMatch(/self-host \$[\d.]+[K]?\/day \(P10 \$[\d.]+K? – P90 \$[\d.]+K?\)/);
    // The layout as `serve` labels it (GPU, TP, experts, formats).
    expect(text.stdout).toMatch(/on \d+ × h100-sxm TP\d+ fp8\/\w+ \(utilisation \d+%\)/);
    expect(text.stdout).toMatch(/P10–P90 from trt-llm × hopper/);
  });
  it("compares a 2026 open model with its maker's API, and states each band clause once", async () => {
    // DeepSeek-V4-Flash self-hosted against DeepSeek's own deepseek-v4-flash API (2026-05 price page).
    const v4 = [
      'compare-api',
      '--model',
      'deepseek-v4-flash',
      '--gpu',
      'h200',
      ...base,
      '--api',
      'deepseek-v4-flash',
    ];
    const json = JSON.parse((await run([...v4, '--json'])).stdout);
    expect(json.api.priceBasis).toBe('deepseek-api-pricing-v4, 2026-05-22');
    expect(json.api.inputUsdPerMillion).toBe(0.14);
    expect(json.api.outputUsdPerMillion).toBe(0.28);
    // Its candidates differ in expert layout (inside TP or not), each with its own extrapolation clause.
    const clauses: string[] = json.range.basis.split('; ');
    expect(clauses.some((c) => /^experts whole over the TP group/.test(c))).toBe(true);
    expect(new Set(clauses).size).toBe(clauses.length);
    expect(json.range.basis).not.toMatch(/ \| /);
  });
  it('a break-even the throughput band does not move says so instead of printing P10 = P90', async () => {
    // Llama 3 8B against GPT-4o: one H100 serves the break-even volume at either end of the band.
    const flat = ['compare-api', '--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--api', 'gpt-4o'];
    const json = JSON.parse((await run([...flat, '--json'])).stdout);
    expect(json.range.breakEvenTokensPerDay.p10).toBeCloseTo(json.range.breakEvenTokensPerDay.p90, 0);
    const text = (await run(flat)).stdout;
    expect(text).toMatch(
      /break-even: [\d.]+M tokens\/day \([\d.]+ req\/s; the same at P10 and P90: .*only the prices move it\)/,
    );
    expect(text).not.toMatch(/P10 ([\d.]+M) – P90 \1\)/);
  });
  it('names the drafter of speculative decoding, and self-hosting pays for a draft model', async () => {
    const drafted = ['--draft-tokens', '3', '--acceptance-rate', '0.7', '--api', 'gpt-4o-mini', '--json'];
    const json = async (extra: string[]) => JSON.parse((await run([...args, ...drafted, ...extra])).stdout);
    const model = await json(['--draft-model', 'llama-3.2-1b']);
    const free = await json([]);
    expect(model.speculation.text).toMatch(/drafted by Llama 3\.2 1B/);
    expect(free.speculation.drafter).toBe('none');
    expect(model.breakEvenTokensPerDay).toBeGreaterThanOrEqual(free.breakEvenTokensPerDay);
  });
  it("reads LiteLLM's price file (USD per token → per million)", async () => {
    const result = await run([
      ...args,
      '--api',
      'gpt-4o-mini',
      '--api-prices',
      'test/fixtures/litellm-prices.json',
      '--json',
    ]);
    const json = JSON.parse(result.stdout);
    expect(json.api).toMatchObject({ id: 'gpt-4o-mini', inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 });
    expect(json.api.cachedInputUsdPerMillion).toBeCloseTo(0.075, 12);
  });
  it('a malformed LiteLLM entry names the key and field', async () => {
    const result = await run([
      ...args,
      '--api',
      'broken-model',
      '--api-prices',
      'test/fixtures/litellm-prices.json',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--api-prices\.broken-model\.input_cost_per_token: /);
  });
  it("a price file's entry: standard prices only, its max_input_tokens, a per-token price at most $0.01", async () => {
    const file = ['--api', 'gpt-4o-mini', '--api-prices', 'test/fixtures/litellm-prices.json'];
    const batch = await run([...args, ...file, '--tier', 'batch']);
    expect([batch.code, batch.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --tier: a LiteLLM price file/),
    ]);
    expect((await run([...args, ...file, '--tier', 'bogus'])).stderr).toMatch(/^error: --tier: /);
    const long = ['compare-api', '--model', 'llama-3.1-70b', '--gpu', 'h100', '--weights', 'fp8'];
    const over = await run([...long, '--input-tokens', '200000', '--output-tokens', '100', ...file]);
    expect([over.code, over.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --input-tokens: gpt-4o-mini takes at most 128,000 input tokens/),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-'));
    const prices = join(dir, 'p.json');
    writeFileSync(
      prices,
      JSON.stringify({ m: { input_cost_per_token: 1e300, output_cost_per_token: 1e-6 } }),
    );
    const huge = await run([...args, '--api', 'm', '--api-prices', prices]);
    expect([huge.code, huge.stderr]).toEqual([
      2,
      expect.stringMatching(/^error: --api-prices\.m\.input_cost_per_token: at most 0\.01 USD per token/),
    ]);
  });
  it('an unknown key suggests near ones', async () => {
    const result = await run([
      ...args,
      '--api',
      'gpt-4o-mni',
      '--api-prices',
      'test/fixtures/litellm-prices.json',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("did you mean 'gpt-4o-mini'");
  });
  it('a model that cannot be served says why, as serve does (memory here, no SLO was given)', async () => {
    const bf16 = [
      'compare-api',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'h100',
      ...base,
      '--api',
      'gpt-4o-mini',
    ];
    const r = await run([...bf16, '--gpus', '1']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^cannot serve Llama 3\.1 70B: the weights and one sequence's KV cache do not fit/,
    );
    const slo = await run([...bf16, '--tpot-slo', '0.0001']);
    expect(slo.code).toBe(3);
    expect(slo.stdout).toMatch(/no layout meets the latency SLO at any batch; relax --ttft-slo\/--tpot-slo/);
  });
  it('a vanishing daily traffic is refused by --tokens-per-day, not NaN percentiles or e+287 prices', async () => {
    const r = await run([
      ...SERVE_8B_H100,
      ...base,
      '--tokens-per-day',
      '1e-300',
      '--simulate',
      '--requests',
      '20',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --tokens-per-day: must be at least 1 and at most 1e16 \(tokens per day\), got '1e-300'/,
    );
  });
  it('a volume a fixed fleet cannot carry is said at that volume and in the table, not dropped', async () => {
    const r = await run([
      ...['compare-api', '--model', 'llama-3.1-8b', '--gpu', 'h100', ...base, '--api', 'gpt-4o-mini'],
      ...['--gpus', '4', '--tokens-per-day', '1T'],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^at 1\.00T tokens\/day: API \$[\d.]+[KM]\/day · self-hosting cannot serve it: 4 GPUs cannot carry this traffic/m,
    );
    expect(r.stdout).toMatch(/^1\.00T +\$[\d.]+[KM] +— +API \(self-hosting cannot serve it\)$/m);
  });
});
