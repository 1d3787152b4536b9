/**
 * Without --weights or --kv a model is served as its checkpoint was released (config.json
 * quantization_config): gpt-oss's MXFP4 experts, DeepSeek-V3's FP8 — in `serve`, `compare-api`,
 * `memory --mode infer`, scenarios' serve phases and lever baselines alike, each saying so.
 */
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../test/run-cli.js';
import { findGpu, loadCatalog } from '../catalog/catalog.js';
import { inferenceMemory } from '../core/memory/inference-memory.js';
import { checkpointFormat, servedFormat } from '../core/model/checkpoint-format.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { baselineState } from '../levers/levers.js';
import { servingBaselineSchema } from '../levers/schema.js';
import type { ServingState } from '../levers/state.js';
import { parseScenario } from '../scenario/load.js';
import { prepareScenario } from '../scenario/prepare.js';

const LENGTHS = '--input-tokens 2000 --output-tokens 500';

describe("the checkpoint's own formats by default", () => {
  it('serves gpt-oss-120b as released: MXFP4 experts on one H100, as vLLM runs it', async () => {
    const r = await runCliJson(
      `serve --model gpt-oss-120b --gpu h100 ${LENGTHS} --tokens-per-day 2e9 --tp 1`,
    );
    expect(r.code).toBe(0);
    expect(r.json.formats).toEqual([
      "weights fp4, the checkpoint's quant_method mxfp4 (MXFP4 routed experts; attention projections BF16)",
    ]);
    expect(r.json.layout.weights).toBe('fp4');
    // Its modules_to_not_convert: the attention stays BF16 as released.
    expect(r.json.layout.attentionWeights).toBe('bf16');
    const text = await runCli(`serve --model gpt-oss-120b --gpu h100 ${LENGTHS} --tokens-per-day 2e9 --tp 1`);
    expect(text.stdout).toMatch(/^formats: weights fp4, the checkpoint's quant_method mxfp4/m);
    expect(text.stdout).toMatch(/best: h100-sxm TP1 fp4\/bf16/);
  });

  it('--weights and --kv still choose, and then nothing is said', async () => {
    const r = await runCliJson(
      `serve --model gpt-oss-120b --gpu h100 --weights bf16 --kv bf16 ${LENGTHS} --tokens-per-day 2e9`,
    );
    expect(r.code).toBe(0);
    expect(r.json.formats).toEqual([]);
    expect(r.json.layout.weights).toBe('bf16');
    expect(r.json.layout.attentionWeights).toBeNull();
    // Stated at the release's own format: its attention stays BF16, and the plan says so.
    const stated = await runCliJson(
      `serve --model gpt-oss-120b --gpu h100 --weights fp4 ${LENGTHS} --tokens-per-day 2e9 --tp 1`,
    );
    expect(stated.json.formats).toEqual(['attention bf16 at weights fp4, as the checkpoint releases it']);
    expect(stated.json.layout.attentionWeights).toBe('bf16');
    // BF16 weights take about twice the memory: more GPUs per replica than the released MXFP4.
    expect(r.json.layout.gpusPerReplica).toBeGreaterThan(1);
  });

  it('params names the checkpoint format serve loads', async () => {
    const oss = await runCli('params gpt-oss-120b');
    expect(oss.stdout).toMatch(
      /^checkpoint {6}fp4 \(quant_method mxfp4 .*; what serve loads without --weights\)$/m,
    );
    expect((await runCliJson('params deepseek-v3')).json.checkpointFormat).toEqual({
      weights: 'fp8',
      kv: null,
      attentionWeights: null,
      scheme: 'quant_method fp8 (e4m3, 128×128 blocks)',
    });
    expect((await runCliJson('params llama-3-8b')).json.checkpointFormat).toBeNull();
  });

  it("'checkpoint' names the released format in a --weights search, beside others", async () => {
    const r = await runCliJson(
      `serve --model gpt-oss-120b --gpu h100 --weights checkpoint,bf16 --kv checkpoint ${LENGTHS} --tokens-per-day 2e9 --top 40`,
    );
    expect(r.code).toBe(0);
    expect(r.json.formats[0]).toMatch(/^weights fp4, the checkpoint's quant_method mxfp4/);
    const searched = new Set(
      [r.json.layout, ...r.json.alternatives.map((a: { layout: unknown }) => a.layout)].map((l) => l.weights),
    );
    expect([...searched].sort()).toEqual(['bf16', 'fp4']);
    const bad = await runCli(`serve --model gpt-oss-120b --gpu h100 --weights checkpoints ${LENGTHS}`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--weights: must be one of checkpoint, fp32, bf16/);
  });

  it('a BF16 release says nothing and serves BF16', async () => {
    const r = await runCliJson(`serve --model llama-3-8b --gpu h100 ${LENGTHS}`);
    expect(r.json.formats).toEqual([]);
    expect(r.json.layout.weights).toBe('bf16');
    expect(r.json.layout.attentionWeights).toBeNull();
  });

  it("compare-api and memory --mode infer take DeepSeek-V3's FP8 the same way", async () => {
    const api = await runCliJson(
      `compare-api --model deepseek-v3 --gpu h200 --api deepseek-chat ${LENGTHS} --tokens-per-day 1e10`,
    );
    expect(api.code).toBe(0);
    expect(api.json.formats).toEqual([
      "weights fp8, the checkpoint's quant_method fp8 (e4m3, 128×128 blocks)",
    ]);
    expect(api.json.atVolume.selfHost.layout.weights).toBe('fp8');
    const mem = await runCliJson(
      'memory deepseek-v3 --mode infer --gpu h200 --tp 8 --batch 1 --context 4096',
    );
    expect(mem.json).toMatchObject({ weightFormat: 'fp8', kvFormat: 'bf16' });
    expect(mem.json.formats).toMatch(/^weights fp8/);
    const bf16 = await runCliJson(
      'memory deepseek-v3 --mode infer --gpu h200 --tp 8 --batch 1 --context 4096 --weights bf16',
    );
    expect(bf16.json.formats).toBeNull();
    // 671B parameters at one byte against two: the FP8 weights are about half.
    expect(mem.json.weightsBytes / bf16.json.weightsBytes).toBeGreaterThan(0.45);
    expect(mem.json.weightsBytes / bf16.json.weightsBytes).toBeLessThan(0.55);
  });

  it("memory --mode infer keeps gpt-oss's BF16 attention at its own fp4, stated or not, and says so; int4 requantizes it", async () => {
    const run = async (weights: string) =>
      (await runCliJson(`memory gpt-oss-120b --mode infer --gpu h100 ${weights}`)).json;
    const defaulted = await run('');
    const stated = await run('--weights fp4');
    expect(defaulted).toMatchObject({ weightFormat: 'fp4', attentionWeightFormat: 'bf16' });
    expect(stated).toMatchObject({ weightFormat: 'fp4', attentionWeightFormat: 'bf16', formats: null });
    expect(stated.weightsBytes).toBe(defaulted.weightsBytes);
    expect((await run('--weights int4')).attentionWeightFormat).toBeNull();
    const text = await runCli('memory gpt-oss-120b --mode infer --gpu h100 --weights fp4');
    expect(text.stdout).toMatch(/weights fp4 \(attention bf16, as released\)/);
  });

  it("a scenario's serve phase and a lever baseline without weights load the checkpoint's", () => {
    const scenario = parseScenario(
      [
        'name: oss',
        'model: gpt-oss-120b',
        'horizonMonths: 12',
        'phases:',
        '  - kind: serve',
        '    name: api',
        '    months: 12',
        '    gpu: h100',
        '    inputTokens: 2000',
        '    outputTokens: 500',
        '    tokensPerDay: 1000000000',
        '    hardware: { rent: { usdPerGpuHour: 2.5 } }',
      ].join('\n'),
      'oss.yaml',
    );
    const prepared = prepareScenario(scenario).phases[0]!;
    expect(prepared.kind === 'serve' && prepared.layout).toMatch(/fp4\/bf16/);
    expect(prepared.warnings.some((w) => /^phases\[0\]: weights fp4, the checkpoint's/.test(w))).toBe(true);
    const lever = baselineState(
      servingBaselineSchema.parse({
        kind: 'serve',
        model: 'deepseek-v3',
        gpu: 'h200',
        inputTokens: 1000,
        outputTokens: 300,
        tokensPerDay: 1e9,
      }),
    ) as ServingState;
    expect([lever.weights, lever.kv]).toEqual(['fp8', 'bf16']);
  });

  it('every quantized catalog checkpoint holds fewer weight bytes as released than in BF16, on every GPU it runs on', () => {
    let quantized = 0;
    for (const entry of loadCatalog().models.values()) {
      const checkpoint = checkpointFormat(entry.config);
      if (checkpoint?.weights == null) continue;
      quantized += 1;
      const spec = modelSpecFrom(entry.config, entry.name);
      for (const gpu of ['h100', 'a100', 'b200']) {
        const served = servedFormat(checkpoint, findGpu(gpu));
        const bytes = (weightFormat: 'bf16' | typeof served.weights) =>
          inferenceMemory(spec, {
            weightFormat,
            kvFormat: 'bf16',
            batchSize: 1,
            contextTokens: 1024,
            tensorParallel: 8,
          }).weightsBytes;
        expect(bytes(served.weights), `${entry.id} on ${gpu}`).toBeLessThan(bytes('bf16'));
      }
    }
    // DeepSeek-V3/V3.2/V4, Kimi K2, MiMo-V2-Flash, MiniMax M2.5 (FP8) and both gpt-oss (MXFP4).
    expect(quantized).toBeGreaterThanOrEqual(9);
  });
});
