/**
 * A serving baseline carries `llmecon serve`'s engine, memory share and expert placement
 * (`--engine --mem-fraction --expert-imbalance --redundant-experts`): the levers, scenarios and the web
 * Serve view price the deployment the CLI plans, and refuse what it refuses, naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { runCli, runCliJson } from '../../test/run-cli.js';
import { parseScenario } from '../scenario/load.js';
import { baselineFromScenario } from './from-scenario.js';
import { baselineState, evaluateState } from './levers.js';
import { servingBaselineSchema } from './schema.js';
import { onModel, type ServingState } from './state.js';

const DEEPSEEK = {
  kind: 'serve',
  model: 'deepseek-v3',
  gpu: 'h200',
  weights: 'fp8',
  kv: 'fp8',
  inputTokens: 1000,
  outputTokens: 300,
  tokensPerDay: 1e9,
  tpotSloSeconds: 0.05,
  days: 1,
};
const state = (o: Record<string, unknown>) =>
  baselineState(servingBaselineSchema.parse({ ...DEEPSEEK, ...o })) as ServingState;

const refusal = (f: () => unknown) => inputErrorOf(f).issues[0]!;

describe('serving baseline: engine and expert placement', () => {
  it('SGLang with 32 EPLB slots at imbalance 1.3: the dollars and band of llmecon serve', async () => {
    const choice = { engine: 'sglang', expertImbalance: 1.3, redundantExperts: 32 };
    const o = evaluateState(state(choice));
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine sglang --expert-imbalance 1.3 --redundant-experts 32',
    );
    expect(cli.code).toBe(0);
    expect(o.costUsd).toBeCloseTo(cli.json.usdPerDay, 6);
    expect(o.band.basis).toMatch(/^sglang × hopper/);
    expect(cli.json.range.basis).toMatch(/^sglang × hopper/);
    // The knobs reach the engine: a balanced, copy-free deployment on the hardware bound prices differently.
    expect(evaluateState(state({})).costUsd).not.toBeCloseTo(o.costUsd, 2);
  });
  it("DeepSeek's EP72 over 256 experts + 32 slots on SGLang at its memory share: serve's plan for --tp 1 --ep 72", async () => {
    const choice = { engine: 'sglang', memFraction: 0.835, tp: 1, ep: 72, redundantExperts: 32 };
    const s = state({ ...choice, gpu: 'h100' });
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h100 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine sglang --mem-fraction 0.835 --tp 1 --ep 72 --redundant-experts 32',
    );
    expect(cli.code).toBe(0);
    expect(cli.json.layout).toMatchObject({ tensorParallel: 1, expertParallel: 72 });
    expect(evaluateState(s).costUsd).toBeCloseTo(cli.json.usdPerDay, 6);
  });
  it("Llama 3.1 405B in BF16 on H100 as a TP8·PP2 pipeline: serve's plan for --tp 8 --pp 2", async () => {
    const s = state({ model: 'llama-3.1-405b', gpu: 'h100', weights: 'bf16', kv: 'bf16', tp: 8, pp: 2 });
    const cli = await runCliJson(
      'serve --model llama-3.1-405b --gpu h100 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --tp 8 --pp 2',
    );
    expect(cli.code).toBe(0);
    expect(cli.json.layout).toMatchObject({ tensorParallel: 8, pipelineParallel: 2 });
    const o = evaluateState(s);
    expect(o.costUsd).toBeCloseTo(cli.json.usdPerDay, 6);
    expect(o.detail).toMatch(/TP8 PP2 bf16/);
  });
  it("DeepSeek-V3 on two H100 nodes, vLLM -tp 8 -pp 2 --enable-expert-parallel: serve's plan for --tp 8 --pp 2 --ep-in-tp", async () => {
    const s = state({ gpu: 'h100', engine: 'vllm', tp: 8, pp: 2, epInTp: true });
    const cli = await runCliJson(
      'serve --model deepseek-v3 --gpu h100 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine vllm --tp 8 --pp 2 --ep-in-tp',
    );
    expect(cli.code).toBe(0);
    expect(cli.json.layout).toMatchObject({
      tensorParallel: 8,
      pipelineParallel: 2,
      expertParallel: 1,
      epInTp: true,
    });
    expect(cli.json.layout.gpusPerReplica).toBe(16);
    const o = evaluateState(s);
    expect(o.costUsd).toBeCloseTo(cli.json.usdPerDay, 6);
    expect(o.detail).toMatch(/TP8 PP2 EP8 in TP fp8/);
    // Beside attention data parallelism it is refused by its field.
    expect(refusal(() => state({ epInTp: true, ep: 8 })).path).toEqual(['baseline', 'epInTp']);
  });
  it('a scenario serve phase as a baseline keeps every engine and layout field it states', () => {
    const text = `name: t
model: deepseek-v3
horizonMonths: 1
phases:
  - { kind: serve, name: s, months: 1, gpu: h100, weights: fp8, kv: fp8, inputTokens: 1000, outputTokens: 300, tokensPerDay: 1e9, tpotSloSeconds: 0.05, hardware: { rent: { usdPerGpuHour: 3 } }, engine: sglang, chunkTokens: 4096, dynamicChunking: 0.5, cudaGraphBatch: 64, mixedChunk: true, tp: 8, pp: 2, epInTp: true, redundantExperts: 32 }
`;
    const baseline = baselineFromScenario(parseScenario(text), 0);
    expect(baseline).toMatchObject({
      kind: 'serve',
      engine: 'sglang',
      chunkTokens: 4096,
      dynamicChunking: 0.5,
      cudaGraphBatch: 64,
      mixedChunk: true,
      tp: 8,
      pp: 2,
      epInTp: true,
      redundantExperts: 32,
    });
    expect(evaluateState(baselineState(servingBaselineSchema.parse(baseline))).detail).toMatch(
      /TP8 PP2 EP8 in TP/,
    );
  });
  it("a long-prompt service on an SGLang pipeline with dynamic chunks: serve's plan for --chunk-tokens --dynamic-chunking", async () => {
    const long = {
      model: 'llama-3.3-70b',
      gpu: 'h200',
      weights: 'fp8',
      kv: 'fp8',
      inputTokens: 100_000,
      outputTokens: 300,
    };
    const choice = { ...long, engine: 'sglang', tp: 4, pp: 4, chunkTokens: 16_384, dynamicChunking: 0.8 };
    const cli = await runCliJson(
      'serve --model llama-3.3-70b --gpu h200 --weights fp8 --kv fp8 --input-tokens 100000 --output-tokens 300 ' +
        '--tokens-per-day 1e9 --tpot-slo 0.05 --engine sglang --tp 4 --pp 4 --chunk-tokens 16384 --dynamic-chunking 0.8',
    );
    expect(cli.code).toBe(0);
    expect(cli.json.promptChunks).toMatch(/16384 tokens first and then sized to take as long/);
    expect(evaluateState(state(choice)).costUsd).toBeCloseTo(cli.json.usdPerDay, 6);
    expect(refusal(() => state({ ...long, chunkTokens: 16_384 })).path).toEqual(['baseline', 'chunkTokens']);
    expect(refusal(() => state({ ...choice, engine: 'vllm' }))).toMatchObject({
      path: ['baseline', 'dynamicChunking'],
      message: expect.stringMatching(/one after another; dynamic chunk sizes are SGLang's/),
    });
  });
  it('refuses what serve refuses, by the baseline field', () => {
    expect(refusal(() => state({ tp: 3 })).path).toEqual(['baseline', 'tp']);
    expect(refusal(() => state({ pp: 2, ep: 8 })).path).toEqual(['baseline', 'pp']);
    expect(refusal(() => state({ ep: 72 })).message).toMatch(
      /^expert parallelism 72 must divide the 256 experts/,
    );
    expect(refusal(() => state({ model: 'llama-3-8b', ep: 2 })).path).toEqual(['baseline', 'ep']);
    expect(refusal(() => state({ ep: 1, redundantExperts: 32 })).path).toEqual([
      'baseline',
      'redundantExperts',
    ]);
    expect(refusal(() => state({ memFraction: 0.8 }))).toMatchObject({ path: ['baseline', 'memFraction'] });
    expect(refusal(() => state({ cudaGraphBatch: 512 })).path).toEqual(['baseline', 'cudaGraphBatch']);
    expect(() => servingBaselineSchema.parse({ ...DEEPSEEK, engine: 'sglang', cudaGraphBatch: 0 })).toThrow(
      /whole number ≥ 1/,
    );
    expect(refusal(() => state({ model: 'llama-3-8b', expertImbalance: 1.2 }))).toMatchObject({
      path: ['baseline', 'expertImbalance'],
      message: 'Meta Llama 3 8B is dense; expert imbalance needs a mixture-of-experts model',
    });
    expect(refusal(() => state({ redundantExperts: 257 })).message).toBe(
      'at most one copy per expert: 0 to 256 for DeepSeek-V3, got 257',
    );
    expect(refusal(() => state({ redundantExperts: 3 })).path).toEqual(['baseline', 'redundantExperts']);
    expect(() => servingBaselineSchema.parse({ ...DEEPSEEK, expertImbalance: 0.5 })).toThrow(/at least 1/);
  });
  it('a lever that swaps the model keeps the engine and drops the layout and placement stated for the old one', () => {
    const s = state({
      engine: 'sglang',
      memFraction: 0.8,
      chunkTokens: 4096,
      dynamicChunking: 0.7,
      cudaGraphBatch: 320,
      ep: 8,
      expertImbalance: 1.5,
      redundantExperts: 32,
    });
    const swapped = onModel(s, 'llama-3-8b', state({ model: 'llama-3-8b' }).spec);
    expect(swapped.engineChoice).toEqual({
      engine: 'sglang',
      memFraction: 0.8,
      chunkTokens: 4096,
      dynamicChunking: 0.7,
      cudaGraphBatch: 320,
    });
    expect(evaluateState(swapped).costUsd).toBeGreaterThan(0);
  });
});

describe('a deployment no replica serves within its SLO', () => {
  it('exits 3 at the baseline or at the lever that causes it, as `llmecon serve` does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-levers-slo-'));
    try {
      const file = join(dir, 'slo.yaml');
      const baseline = (tpot: number) =>
        `name: slo\nbaseline:\n  kind: serve\n  model: llama-3-8b\n  gpu: h100\n  inputTokens: 1000\n  outputTokens: 300\n  tokensPerDay: 1e9\n  tpotSloSeconds: ${tpot}\n  days: 1\n`;
      writeFileSync(file, `${baseline(0.0005)}levers:\n  - { lever: gpu, gpu: h200 }\n`);
      const base = await runCli(['levers', file]);
      expect(base.code).toBe(3);
      expect(base.stderr).toMatch(
        /^error: baseline: no replica of Meta Llama 3 8B on h100-sxm \(bf16 weights\) meets the SLO/,
      );
      // 10 ms per token holds on an H100 and not on an L4: the lever is named.
      writeFileSync(file, `${baseline(0.01)}levers:\n  - { lever: gpu, gpu: l4, usdPerGpuHour: 0.8 }\n`);
      const lever = await runCli(['levers', file]);
      expect(lever.code).toBe(3);
      expect(lever.stderr).toMatch(/^error: levers\[0\]: no replica of Meta Llama 3 8B on l4/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a serving outcome band', () => {
  it('never goes below one replica: a one-GPU fleet is one GPU at P10 too', () => {
    const one = evaluateState(
      baselineState(
        servingBaselineSchema.parse({
          kind: 'serve',
          model: 'llama-3-8b',
          gpu: 'h100',
          inputTokens: 1000,
          outputTokens: 200,
          tokensPerDay: 1e6,
          usdPerGpuHour: 2,
          days: 30,
        }),
      ),
    );
    expect(one.gpus).toBe(1);
    expect(one.range.gpuHours.p10).toBe(one.gpuHours);
    expect(one.range.costUsd.p10).toBeCloseTo(one.costUsd, 6);
    expect(one.range.gpuHours.p90).toBeGreaterThan(one.gpuHours);
  });
});
