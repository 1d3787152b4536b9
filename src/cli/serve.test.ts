import { describe, expect, it } from 'vitest';
import { SERVE_LENGTHS as base, runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

describe('llmecon serve', () => {
  it('a tensor-parallel degree the heads cannot split is refused, not priced', async () => {
    const base = [...SERVE_8B_H100, '--input-tokens', '100', '--output-tokens', '100'];
    const r = await run([...base, '--tp', '3', '--concurrency', '4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --tp: tensor parallelism 3 must divide the 32 attention heads .* 8 KV heads/,
    );
    const moe = await run([
      'serve',
      '--model',
      'mixtral-8x7b',
      '--gpu',
      'h100',
      '--input-tokens',
      '100',
      '--output-tokens',
      '100',
      '--ep',
      '3',
      '--concurrency',
      '4',
    ]);
    expect(moe.code).toBe(2);
    expect(moe.stderr).toMatch(/--ep: expert parallelism 3 must divide the 8 experts/);
  });
  it('--json has the issue-specified fields, finite and consistent', async () => {
    const result = await run([
      ...SERVE_8B_H100,
      '--weights',
      'fp8',
      ...base,
      '--requests-per-second',
      '10',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    for (const key of [
      'outputTokensPerSecondPerGpu',
      'inputTokensPerSecondPerGpu',
      'ttftSeconds',
      'tpotSeconds',
      'maxConcurrency',
      'gpusNeeded',
      'costPerMillionInputTokensUsd',
      'costPerMillionOutputTokensUsd',
    ]) {
      expect(json[key], key).toBeGreaterThan(0);
    }
    expect(json.layout).toMatchObject({ gpu: 'h100-sxm', weights: 'fp8', kv: 'bf16' });
    // The GPUs carry the traffic: capacity ≥ demand, and the utilisation is their ratio.
    expect(json.capacityRequestsPerSecond).toBeGreaterThanOrEqual(10);
    expect(json.utilization).toBeCloseTo(10 / json.capacityRequestsPerSecond, 9);
    expect(json.gpusNeeded).toBe(json.layout.replicas * json.layout.gpusPerReplica);
    expect(json.usdPerDay).toBeCloseTo(json.gpusNeeded * 24 * json.usdPerGpuHour, 6);
  });
  it('searches GPU types and precisions; the cheapest comes first', async () => {
    const result = await run([
      'serve',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'h100,a100',
      '--weights',
      'bf16,fp8',
      ...base,
      '--tokens-per-day',
      '2B',
      '--json',
    ]);
    const json = JSON.parse(result.stdout);
    const days = [json.usdPerDay, ...json.alternatives.map((a: { usdPerDay: number }) => a.usdPerDay)];
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(
      new Set(json.alternatives.map((a: { layout: { gpu: string } }) => a.layout.gpu)).size,
    ).toBeGreaterThanOrEqual(1);
  });
  it('MoE: expert parallelism, MTP and disaggregated prefill', async () => {
    const result = await run([
      'serve',
      '--model',
      'deepseek-v3',
      '--gpu',
      'h800',
      '--weights',
      'fp8',
      '--kv',
      'fp8',
      '--tp',
      '1',
      '--ep',
      '64',
      '--prefill-ep',
      '32',
      '--disaggregated',
      '--mtp',
      '--input-tokens',
      '4096',
      '--output-tokens',
      '1024',
      '--tokens-per-day',
      '100B',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.layout).toMatchObject({ expertParallel: 64, tensorParallel: 1 });
    expect(json.layout.prefill).toMatchObject({ expertParallel: 32 });
    expect(json.layout.prefill.gpus % 32).toBe(0);
    expect(json.workload.speculative).toEqual({ draftTokens: 1, acceptanceRate: 0.85 });
  });
  it('searches aggregated and disaggregated pools unless one is pinned, and says why it chose', async () => {
    const args = [...SERVE_8B_H100, '--weights', 'fp8', '--kv', 'fp8'];
    const traffic = ['--input-tokens', '8000', '--output-tokens', '200', '--requests-per-second', '20'];
    const searched = JSON.parse((await run([...args, ...traffic, '--json'])).stdout);
    expect(searched.mode.searched).toEqual(['aggregated', 'disaggregated']);
    // Both pools priced and compared: one is cheaper, or they tie to the percent and the tie is said.
    expect(searched.mode.reason).toMatch(/\d+% cheaper than|cost the same within the SLO/);
    expect(searched.mode.reason).toMatch(
      /aggregated \(\$[\d,]+\/day\).*disaggregated \(|disaggregated \(.*aggregated \(\$/,
    );
    const agg = JSON.parse((await run([...args, ...traffic, '--aggregated', '--json'])).stdout);
    expect(agg.mode).toMatchObject({ chosen: 'aggregated', searched: ['aggregated'] });
    expect(searched.usdPerDay).toBeLessThanOrEqual(agg.usdPerDay);
    const both = await run([...args, ...traffic, '--aggregated', '--disaggregated']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--aggregated or --disaggregated, not both/);
  });
  it('keeps the faster of two modes that cost the same: the lower end-to-end latency of a request', async () => {
    const args = ['serve', '--model', 'llama-3.1-70b', '--gpu', 'h100', '--input-tokens', '2000'];
    const traffic = ['--output-tokens', '500', '--tokens-per-day', '5e9', '--json'];
    const [searched, agg, disagg] = await Promise.all(
      [[], ['--aggregated'], ['--disaggregated']].map(async (mode) =>
        JSON.parse((await run([...args, ...traffic, ...mode])).stdout),
      ),
    );
    // 20 GPUs either way: the same $/day; disaggregated serves each request sooner at the traffic.
    expect(agg.usdPerDay).toBe(disagg.usdPerDay);
    const e2e = (j: { atTraffic: { ttftSeconds: number; tpotSeconds: number } }) =>
      j.atTraffic.ttftSeconds + 499 * j.atTraffic.tpotSeconds;
    expect(e2e(disagg)).toBeLessThan(e2e(agg));
    expect(searched.mode.chosen).toBe('disaggregated');
    expect(searched.mode.reason).toMatch(
      /cost the same .*; disaggregated kept \(equal cost, lower end-to-end latency at this traffic\)/,
    );
    // A fixed fleet is planned per request: costs that differ below the percent are no tie, no latency said.
    const fleet = 'serve --model llama-3.1-8b --gpu a100 --gpus 16 --input-tokens 500'.split(' ');
    const perRequest = JSON.parse((await run([...fleet, '--output-tokens', '1000', '--json'])).stdout);
    expect(perRequest.mode.reason).toMatch(/\(to the percent\); aggregated kept$/);
  });
  it('--expert-imbalance slows an EP replica and is refused on a dense model or out of range', async () => {
    const args = ['serve', '--model', 'qwen3-30b-a3b', '--gpu', 'h100', '--weights', 'fp8', '--kv', 'fp8'];
    const fixed = ['--tp', '1', '--ep', '4', '--aggregated', ...base, '--concurrency', '512', '--json'];
    const balanced = JSON.parse((await run([...args, ...fixed])).stdout);
    const skewed = JSON.parse((await run([...args, ...fixed, '--expert-imbalance', '1.5'])).stdout);
    expect(skewed.tpotSeconds).toBeGreaterThan(balanced.tpotSeconds);
    const dense = await run([...SERVE_8B_H100, ...base, '--expert-imbalance', '1.2']);
    expect(dense.code).toBe(2);
    expect(dense.stderr).toMatch(/--expert-imbalance: .*dense/);
    const low = await run([...args, ...base, '--expert-imbalance', '0.5']);
    expect(low.stderr).toMatch(
      /--expert-imbalance: must be at least 1 and at most 16 \(max \/ mean routed tokens/,
    );
  });
  it('a fixed fleet reports its own cost and utilisation', async () => {
    const result = await run([
      ...SERVE_8B_H100,
      '--tp',
      '1',
      ...base,
      '--gpus',
      '8',
      '--requests-per-second',
      '5',
      '--json',
    ]);
    const json = JSON.parse(result.stdout);
    expect(json.gpusNeeded).toBe(8);
    expect(json.utilization).toBeLessThan(1);
  });
  it('owned hardware: the purchase price amortised with its server over the life, plus energy', async () => {
    const result = await run([...SERVE_8B_H100, ...base, '--purchase-price-per-gpu', '25000', '--json']);
    const json = JSON.parse(result.stdout);
    // $25,000 × 1.64 server factor / (5 years × 8,766 h) + 1.275 kW × 0.75 × PUE 1.1 × $0.0771/kWh.
    expect(json.usdPerGpuHour).toBeCloseTo((25000 * 1.64) / (5 * 8766) + 1.275 * 0.75 * 1.1 * 0.0771, 3);
    expect(json.priceBasis).toMatch(/^owned/);
  });
  it('context beyond max_position_embeddings: computed, with a warning naming the limit', async () => {
    const args = [...SERVE_8B_H100, '--input-tokens', '8000'];
    const result = await run([...args, '--output-tokens', '500', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.warnings).toEqual([expect.stringContaining('max_position_embeddings of 8192')]);
    expect(json.ttftSeconds).toBeGreaterThan(0);
    // Blended $/M: all GPU cost over input + output tokens.
    const perDay = json.requestsPerSecond * 8500 * 86400;
    expect(json.costPerMillionBlendedTokensUsd).toBeCloseTo((json.usdPerDay * 1e6) / perDay, 9);
    const text = await run([...args, '--output-tokens', '500']);
    expect(text.stdout.split('\n')[0]).toMatch(/^warning: input \+ output \(8500 tokens\) exceed/);
  });
  it('--engine applies the engine profile: its KV share caps concurrency, its metrics are stated', async () => {
    const args = ['serve', '--model', 'llama-2-7b', '--gpu', 'a100', '--tp', '1'];
    const w = ['--input-tokens', '128', '--output-tokens', '2048', '--json'];
    const bare = JSON.parse((await run([...args, ...w])).stdout);
    const vllm = JSON.parse((await run([...args, ...w, '--engine', 'vllm'])).stdout);
    expect(vllm.engine.id).toBe('vllm');
    expect(vllm.engine.metrics.tpot).toMatch(/output tokens − 1/);
    // 92% of memory for weights + KV (vLLM) holds fewer sequences than all of it, and ≥ 60 (issue 17).
    expect(vllm.maxConcurrency).toBeLessThan(bare.maxConcurrency);
    expect(vllm.maxConcurrency).toBeGreaterThanOrEqual(60);
    // Bands: vLLM has too few A100 rows for a fit of its own: the fit pooled over A100 and Hopper, and says so.
    expect(vllm.range.basis).toMatch(/^vllm pooled over ampere \+ hopper.*too few vllm rows on ampere GPUs/);
    expect(vllm.range.outputTokensPerSecondPerGpu.p10).toBeLessThanOrEqual(vllm.outputTokensPerSecondPerGpu);
    expect(vllm.range.outputTokensPerSecondPerGpu.p90).toBeGreaterThanOrEqual(
      vllm.outputTokensPerSecondPerGpu,
    );
    const h200 = JSON.parse(
      (
        await run([
          'serve',
          '--model',
          'llama-3.1-70b',
          '--gpu',
          'h200',
          '--weights',
          'fp8',
          ...w,
          '--engine',
          'trt-llm',
        ])
      ).stdout,
    );
    for (const key of ['outputTokensPerSecondPerGpu', 'tpotSeconds', 'costPerMillionOutputTokensUsd']) {
      expect(h200.range[key].p10, key).toBeLessThanOrEqual(h200[key]);
      expect(h200.range[key].p90, key).toBeGreaterThanOrEqual(h200[key]);
    }
    expect(h200.range.basis).toMatch(/^trt-llm × hopper/);
  });
  it('more clients than a replica holds: it runs full and the rest wait for a slot (Little), not a refusal', async () => {
    const args = [
      'serve',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'h100',
      '--gpus',
      '2',
      '--tp',
      '2',
      '--weights',
      'fp8',
      '--kv',
      'fp8',
      '--engine',
      'trt-llm',
      '--aggregated',
      '--input-tokens',
      '5000',
      '--output-tokens',
      '500',
    ];
    const at = async (c: number) =>
      JSON.parse((await run([...args, '--concurrency', String(c), '--json'])).stdout);
    const full = await at(10_000);
    const most = full.maxConcurrency;
    expect(full.concurrencyPerReplica).toBe(most);
    expect(full.queuedClientsPerReplica).toBe(10_000 - most);
    const atMost = await at(most);
    expect(atMost.queuedClientsPerReplica).toBe(0);
    expect(full.outputTokensPerSecondPerGpu).toBeCloseTo(atMost.outputTokensPerSecondPerGpu, 9);
    // Each slot turns over every TTFT + 499 TPOT; a client waits (clients − slots) of those / slots.
    const turn = atMost.ttftSeconds + 499 * atMost.tpotSeconds;
    expect(full.ttftSeconds).toBeCloseTo(atMost.ttftSeconds + ((10_000 - most) * turn) / most, 6);
    const text = await run([...args, '--concurrency', '10000']);
    expect(text.stdout).toMatch(
      new RegExp(
        `concurrency ${most} per replica \\(max ${most}\\); ${10_000 - most} more clients wait for a slot`,
      ),
    );
  });
  it('the text output carries the P10–P90 band of every headline figure and names its basis', async () => {
    const r = await run([...SERVE_8B_H100, ...base, '--engine', 'vllm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /TTFT \d+ ms \(P10 \d+ – P90 \d+\) · TPOT [\d.]+ ms \(P10 [\d.]+ – P90 [\d.]+\)/,
    );
    expect(r.stdout).toMatch(/output tokens\/s per GPU \(P10 [\d.]+K? – P90 [\d.]+K?\)/);
    expect(r.stdout).toMatch(/\/M blended \(P10 \$[\d.]+ – P90 \$[\d.]+\)/);
    expect(r.stdout).toMatch(/P10–P90 from vllm × hopper leave-one-out residuals/);
    // The band brackets the figure it belongs to.
    const [, tpot, lo, hi] = r.stdout.match(/TPOT ([\d.]+) ms \(P10 ([\d.]+) – P90 ([\d.]+)\)/)!.map(Number);
    expect(lo).toBeLessThanOrEqual(tpot!);
    expect(hi).toBeGreaterThanOrEqual(tpot!);
  });
  const failures: [string, string[], number, RegExp][] = [
    [
      'an unknown engine',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--engine', 'tgi'],
      2,
      /--engine: unknown engine 'tgi'; one of vllm, sglang, trt-llm/,
    ],
    [
      'zero traffic',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--requests-per-second', '0'],
      2,
      /--requests-per-second: must be at least 1e-6 and at most 1e9 \(requests per second\), got '0'/,
    ],
    [
      'weights that no four nodes hold',
      ['--model', 'llama-3.1-405b', '--gpu', 'a10', '--price-per-gpu-hour', '1', ...base],
      3,
      /do not fit on any layout tried \(a10, up to TP16, 16 GPUs\); try --weights fp8 or int4, a larger GPU, --pp 8 \(a pipeline of TP stages over nodes\)/,
    ],
    [
      'a fleet too small',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--gpus', '2', '--requests-per-second', '500'],
      3,
      /2 GPUs cannot carry this traffic( within the SLO)? as requests arrive at random; \d+ would/,
    ],
    [
      'a disaggregated fleet too small for a replica at full use (no traffic stated)',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--gpus', '1', '--disaggregated'],
      3,
      /1 GPU cannot hold a replica at full use and the prefill GPUs it needs \(--disaggregated\); \d+ would \(drop --gpus to see that plan, or state a lighter traffic with --requests-per-second\)/,
    ],
    [
      'an SLO no layout meets',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--tpot-slo', '0.0001'],
      3,
      /no layout meets the latency SLO/,
    ],
    [
      'EP on a dense model',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--ep', '2'],
      2,
      /--ep: Meta Llama 3 8B is dense/,
    ],
    [
      'MTP on a model without MTP',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--mtp'],
      2,
      /--mtp: Meta Llama 3 8B has no MTP modules/,
    ],
    [
      'half a speculative setting',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--draft-tokens', '3'],
      2,
      /--acceptance-rate: speculative decoding needs --draft-tokens and --acceptance-rate \(or --acceptance-length\)/,
    ],
    [
      'a cache-hit rate of 1',
      ['--model', 'llama-3-8b', '--gpu', 'h100', ...base, '--cache-hit-rate', '1'],
      2,
      /--cache-hit-rate: a fraction in \[0, 1\)/,
    ],
    [
      'both traffic forms',
      [
        '--model',
        'llama-3-8b',
        '--gpu',
        'h100',
        ...base,
        '--tokens-per-day',
        '1B',
        '--requests-per-second',
        '1',
      ],
      2,
      /either --requests-per-second or --tokens-per-day/,
    ],
    [
      'no price for a GPU',
      ['--model', 'llama-3-8b', '--gpu', 'mi355x', ...base],
      2,
      /the catalog has no rental price for mi355x; give --price-per-gpu-hour/,
    ],
  ];
  for (const [name, args, code, message] of failures) {
    it(`${name}: exit ${code} with a precise message`, async () => {
      const result = await run(['serve', ...args]);
      expect(result.code).toBe(code);
      expect(code === 2 ? result.stderr : result.stdout).toMatch(message);
      expect(result.stdout).not.toMatch(/NaN|Infinity/);
    });
  }
  it('full use stops short of the prefill queue’s knee: the chosen point holds by Little’s law', async () => {
    // Ring-2.5-1T (1T, 63B active) on H200 at 1000 in / 500 out: past the knee a concurrency decoded
    // as fast as the maximum's printed a 265 s TTFT, its clients mostly queued for a first token.
    const args = [
      'serve',
      '--model',
      'test/fixtures/hf-configs/hand-built/ring-2.5-1t.json',
      '--gpu',
      'h200',
      '--input-tokens',
      '1000',
      '--output-tokens',
      '500',
      '--aggregated',
      '--json',
    ];
    const json = JSON.parse((await run(args)).stdout);
    const decodeSeconds = 499 * json.tpotSeconds;
    expect(json.ttftSeconds).toBeLessThan(decodeSeconds);
    // Little: the loop of `concurrency` clients completes about the requests a second it reports.
    const loopRate = json.concurrencyPerReplica / (json.ttftSeconds + decodeSeconds);
    const perReplica = json.capacityRequestsPerSecond / json.layout.replicas;
    expect(loopRate / perReplica).toBeGreaterThan(0.9);
  });
});
