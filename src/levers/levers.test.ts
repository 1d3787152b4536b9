import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../test/hf-fixtures.js';
import { findGpu } from '../catalog/catalog.js';
import { resolveHardware } from '../catalog/training-defaults.js';
import { InputError } from '../core/errors.js';
import { gemmSeconds } from '../core/hardware/roofline.js';
import { specFromHfConfig } from '../core/model/hf-config.js';
import { paramCount } from '../core/model/param-count.js';
import { stackMemoryBand } from '../validation/memory-cases.js';
import { applyLever, baselineState, evaluateState, type LeverState, runWaterfall } from './levers.js';
import { PRESETS } from './presets.js';
import {
  type Lever,
  leverSchema,
  leverStudySchema,
  servingBaselineSchema,
  trainingBaselineSchema,
} from './schema.js';

const trainInput = {
  kind: 'train',
  model: 'llama-3-8b',
  tokens: 1e12,
  gpu: 'h100',
  gpus: 64,
  usdPerGpuHour: 2,
} as const;
const train = baselineState(trainingBaselineSchema.parse(trainInput));
const serve = baselineState(
  servingBaselineSchema.parse({
    kind: 'serve',
    model: 'llama-3.1-70b',
    gpu: 'h100',
    inputTokens: 1000,
    outputTokens: 300,
    tokensPerDay: 2e9,
    tpotSloSeconds: 0.05,
    usdPerGpuHour: 2,
    days: 30,
  }),
);
const lever = (l: unknown) => leverSchema.parse(l) as Lever;
const step = (s: LeverState, l: unknown) => applyLever(s, lever(l), 0).state;
const outcome = (s: LeverState) => evaluateState(s);
const notApplicable = (s: LeverState, l: unknown) => {
  try {
    applyLever(s, lever(l), 3);
  } catch (e) {
    if (e instanceof InputError) return e.issues[0]!;
  }
  throw new Error('expected an InputError');
};

describe('training levers re-run the training engine', () => {
  const base = outcome(train);
  it('FP8: cheaper, by less than the FP8 GEMM speed-up the engine predicts and far from a blanket 50%', () => {
    const fp8 = outcome(step(train, { lever: 'fp8' }));
    const h100 = findGpu('h100');
    // An 8B-sized GEMM (8K tokens × 4096 × 14336): FP8 over BF16 time, as the engine's roofline sees it.
    const gemmRatio =
      gemmSeconds(h100, 'fp8', 8192, 14336, 4096, 1) / gemmSeconds(h100, 'bf16', 8192, 14336, 4096, 2);
    const ratio = fp8.costUsd / base.costUsd;
    expect(gemmRatio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(1);
    expect(ratio).toBeGreaterThan(gemmRatio); // attention, element-wise and communication stay BF16-bound
    expect(Math.abs(ratio - 0.5)).toBeGreaterThan(0.1);
  });
  it('MoE: training compute per token ≈ active/total of a dense model of the same total size', () => {
    const moe = step(train, { lever: 'moe', model: 'qwen3-30b-a3b' });
    const p = paramCount(moe.spec);
    expect(p.activeParams / p.totalParams).toBeCloseTo(3.35 / 30.53, 2);
    // Fewer FLOPs per token do not make the MoE cheaper on Megatron: its host work per MoE layer
    // (per local expert) eats the saving, as published — NeMo 25.11 on H100 runs Qwen3 30B-A3B at
    // 5,275 tokens/s/GPU and Llama 3 8B at 14,451 (2.74×). The model stays within that ratio.
    expect(outcome(moe).costUsd / base.costUsd).toBeGreaterThan(0.5);
    expect(outcome(moe).costUsd / base.costUsd).toBeLessThan(14_451 / 5_275);
    expect(notApplicable(moe, { lever: 'moe', model: 'deepseek-v3' }).message).toMatch(
      /'moe' does not apply: .* is a mixture of experts already/,
    );
    expect(notApplicable(train, { lever: 'moe', model: 'llama-3.1-70b' }).message).toMatch(
      /is not a mixture of experts/,
    );
    // DeepSeek-V4's compressed attention has no GQA form: refused, not a crash; as it is, it applies.
    expect(
      notApplicable(train, { lever: 'moe', model: 'deepseek-v4-flash', attention: 'gqa' }).message,
    ).toMatch(/compressed attention .* has no GQA form/);
    expect(
      paramCount(step(train, { lever: 'moe', model: 'deepseek-v4-flash' }).spec).totalParams,
    ).toBeGreaterThan(2.8e11);
    expect(
      notApplicable(step(train, { lever: 'moe', model: 'deepseek-v4-flash' }), { lever: 'mla' }).message,
    ).toMatch(/compressed attention caches one shared head per window token/);
  });
  it('gradient checkpointing: full recomputation trades time for activation memory', () => {
    const fixed = {
      ...train,
      constraints: { tensorParallel: 1, pipelineParallel: 1, dataParallel: 64, microBatchSize: 1 },
    };
    const none = outcome(step(fixed, { lever: 'recompute', mode: 'none' }));
    const full = outcome(step(fixed, { lever: 'recompute', mode: 'full' }));
    expect(full.memoryPerGpuBytes).toBeLessThan(none.memoryPerGpuBytes);
    expect(full.timeSeconds).toBeGreaterThan(none.timeSeconds);
  });
  it('optimizer: 8-bit Adam shrinks optimizer memory (2 of 8 bytes per parameter kept, Dettmers et al. 2022)', () => {
    const fixed = {
      ...train,
      constraints: {
        tensorParallel: 8,
        pipelineParallel: 1,
        dataParallel: 8,
        zeroStage: 0 as const,
        recompute: 'full' as const,
      },
    };
    const adam = outcome(fixed);
    const eightBit = outcome(step(fixed, { lever: 'optimizer', optimizer: 'adam-8bit' }));
    const params = paramCount(train.spec).totalParams;
    // Moments are sharded over TP 8 with the weights: 6 bytes saved per parameter, over 8 GPUs.
    expect((8 * (adam.memoryPerGpuBytes - eightBit.memoryPerGpuBytes)) / params).toBeCloseTo(6, 1);
  });
  it('newer GPU: A100 → H100 shortens the run', () => {
    const a100 = step(train, { lever: 'gpu', gpu: 'a100', usdPerGpuHour: 2 });
    expect(outcome(a100).timeSeconds).toBeGreaterThan(base.timeSeconds * 1.5);
  });
  it('spot: cost × (1 − discount) / (1 − restart overhead)', () => {
    const spot = outcome(step(train, { lever: 'spot', discount: 0.6, restartOverhead: 0.05 }));
    expect(spot.costUsd / base.costUsd).toBeCloseTo(0.4 / 0.95, 6);
  });
  it('spot, then another GPU: the new GPU is rented on spot too (its price was reset to on-demand)', () => {
    const spot = { lever: 'spot', discount: 0.5, restartOverhead: 0.2 };
    const h200 = { lever: 'gpu', gpu: 'h200', usdPerGpuHour: 4 };
    for (const s of [train, serve]) {
      const both = applyLever(step(s, spot), lever(h200), 1);
      const alone = outcome(step(s, h200));
      expect(outcome(both.state).costUsd / alone.costUsd).toBeCloseTo(0.5 / 0.8, 6);
      expect(both.caveat).toMatch(/at \$4\.00\/GPU-hour, \$2\.\d\d with the spot lever's ×0\.\d\d/);
    }
  });
  it('data efficiency: cost is linear in tokens; curated data worth 2× raw tokens halves the run', () => {
    const curated = outcome(
      step(train, { lever: 'data', effectiveTokenMultiplier: 2, assumption: 'stated for the test' }),
    );
    expect(curated.costUsd / base.costUsd).toBeCloseTo(0.5, 2);
  });
  it('layout search never does worse than the naive layout it replaces', () => {
    const naive = {
      ...train,
      constraints: { tensorParallel: 8, pipelineParallel: 2, recompute: 'full' as const },
    };
    expect(outcome(step(naive, { lever: 'layout' })).costUsd).toBeLessThanOrEqual(outcome(naive).costUsd);
    expect(notApplicable(train, { lever: 'layout' }).message).toMatch(/searched already/);
  });
  it('distillation adds the teacher generation and trains the smaller student', () => {
    const big = {
      ...train,
      ...baselineState(
        trainingBaselineSchema.parse({
          kind: 'train',
          model: 'llama-3.1-70b',
          tokens: 1e12,
          gpu: 'h100',
          gpus: 64,
          usdPerGpuHour: 2,
        }),
      ),
    } as LeverState;
    const student = step(big, { lever: 'distill', student: 'llama-3-8b', teacherTokens: 1e10 });
    expect(student.extraUsd).toBeGreaterThan(0);
    expect(outcome(student).costUsd).toBeLessThan(outcome(big).costUsd);
    // The teacher's generation carries its own (serving) range, added to the student run's cost range.
    expect(student.extraUsdRange.p10).toBeGreaterThan(0);
    expect(student.extraUsdRange.p10).toBeLessThan(student.extraUsd);
    expect(student.extraUsdRange.p90).toBeGreaterThan(student.extraUsd);
    const o = outcome(student);
    const engineUsd = o.costUsd - student.extraUsd;
    expect(o.range.costUsd.p10).toBeCloseTo(engineUsd * o.band.low + student.extraUsdRange.p10, 6);
    expect(o.range.costUsd.p90).toBeCloseTo(engineUsd * o.band.high + student.extraUsdRange.p90, 6);
    expect(
      notApplicable(train, { lever: 'distill', student: 'llama-3.1-70b', teacherTokens: 1e9 }).message,
    ).toMatch(/is not smaller than/);
  });
  it('DualPipe needs experts; serving levers do not apply to a training run', () => {
    expect(notApplicable(train, { lever: 'schedule', schedule: 'dualpipe' })).toMatchObject({
      path: ['levers', 3, 'lever'],
      message: "'schedule' does not apply: DualPipe overlaps expert all-to-all; the model has no experts",
    });
    expect(notApplicable(train, { lever: 'quantize', weights: 'int4' }).message).toBe(
      "'quantize' does not apply: it changes a deployment; the baseline is a training run",
    );
  });
});

describe('the baseline names its software stack', () => {
  it('FP8 does not apply on a stack without an FP8 recipe; it does on one with it', () => {
    const deepspeed = baselineState(
      trainingBaselineSchema.parse({ ...trainInput, stack: 'megatron-deepspeed' }),
    );
    expect(notApplicable(deepspeed, { lever: 'fp8' }).message).toBe(
      "'fp8' does not apply: Megatron-DeepSpeed (BigScience, Microsoft; GPT-NeoX) has no FP8 training recipe",
    );
    const titan = baselineState(trainingBaselineSchema.parse({ ...trainInput, stack: 'torchtitan' }));
    expect(step(titan, { lever: 'fp8' })).toMatchObject({ precision: 'fp8' });
  });
  it('a pretraining baseline on torchtitan is planned and banded as torchtitan, not the default megatron', () => {
    const titan = baselineState(trainingBaselineSchema.parse({ ...trainInput, stack: 'torchtitan' }));
    const a = outcome(train);
    const b = outcome(titan);
    expect(a.band.key).toMatch(/^train:megatron×/);
    expect(b.band.key).toMatch(/^train:torchtitan×/);
    expect(b.costUsd).not.toBe(a.costUsd);
  });

  it('an unknown stack names the field and the allowed ids', () => {
    const r = trainingBaselineSchema.safeParse({ ...trainInput, stack: 'jax' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['stack']);
    expect(r.error!.issues[0]!.message).toMatch(/megatron.*torchtitan.*deepspeed.*hf.*unsloth/);
  });
});

describe('serving levers re-plan the deployment', () => {
  const base = outcome(serve);
  it('FP8 and INT4 weights shrink weight memory; INT4 on a GPU without FP8 is cheaper than BF16', () => {
    expect(outcome(step(serve, { lever: 'fp8' })).costUsd).toBeLessThan(base.costUsd);
    const a100 = step(serve, { lever: 'gpu', gpu: 'a100', usdPerGpuHour: 2 });
    expect(outcome(step(a100, { lever: 'quantize', weights: 'int4' })).costUsd).toBeLessThan(
      outcome(a100).costUsd,
    );
  });
  it('2:4 sparsity speeds up GPUs with sparse tensor cores; unstructured zeros change nothing', () => {
    expect(outcome(step(serve, { lever: 'sparsity', pattern: '2:4' })).costUsd).toBeLessThan(base.costUsd);
    expect(outcome(step(serve, { lever: 'sparsity', pattern: 'unstructured' })).costUsd).toBe(base.costUsd);
    const mi325 = step(serve, { lever: 'gpu', gpu: 'mi325x', usdPerGpuHour: 2 });
    expect(notApplicable(mi325, { lever: 'sparsity', pattern: '2:4' }).message).toMatch(
      /has no sparse tensor cores/,
    );
  });
  it('MLA shrinks the KV cache to 28% of GQA-8 at 128 heads', () => {
    const moe = step(serve, { lever: 'moe', model: 'deepseek-v3', attention: 'gqa' });
    const mla = applyLever(moe, lever({ lever: 'mla' }), 0);
    expect(mla.caveat).toMatch(/2048 → 576 elements \(28\.1%\)/);
  });
  it("MLA on Gemma 4 replaces the global layers' attention too; not on KV-shared layers", () => {
    const gemma = { ...serve, spec: specFromHfConfig(hfFixture('gemma-4-31b-it-nvfp4'), 'gemma') };
    expect(applyLever(gemma, lever({ lever: 'mla' }), 0).state.spec.fullAttention).toBeUndefined();
    const e2b = { ...serve, spec: specFromHfConfig(hfFixture('hand-built/gemma-4-e2b-it'), 'e2b') };
    expect(notApplicable(e2b, { lever: 'mla' }).message).toMatch(/reuses keys and values across layers/);
  });
  it('training levers do not apply to a deployment', () => {
    expect(notApplicable(serve, { lever: 'recompute', mode: 'full' }).message).toBe(
      "'recompute' does not apply: it changes a training run; the baseline is a deployment",
    );
  });
});

describe('presets', () => {
  it('DeepSeek-V3 recipe: from ~$61.6M (Llama 3.1 405B) to ~$5.3M (DeepSeek-V3 pretraining) lever by lever', () => {
    const w = runWaterfall(leverStudySchema.parse(PRESETS['deepseek-v3-recipe']));
    // Published: Llama 3.1 405B 30.84M H100-hours × $2; DeepSeek-V3 pretraining 2.664M H800-hours × $2.
    // Regression guards just above today's errors (baseline +5.8%, −0.8% before the fifty-sixth pass and
    // −21% before the fiftieth; final +30%, +32% and +21%): the engine runs on the Megatron stack's Hopper
    // calibration, fitted on NeMo's FP8 runs with their TP collectives overlapped (compute × 1.31 since the
    // search recomputes only some layers); DeepSeek's own stack was faster than NeMo's. The ratio between
    // them (published 11.6, here 9.4; 8.7 and 7.6 before) is the point here.
    expect(Math.abs(w.baselineCostUsd / (30.84e6 * 2) - 1)).toBeLessThan(0.07);
    expect(Math.abs(w.finalCostUsd / (2.664e6 * 2) - 1)).toBeLessThan(0.35);
    expect(w.baselineCostUsd / w.finalCostUsd).toBeGreaterThan(7);
    // Interactions: FP8 alone on the dense run saves far more than FP8 after MoE (fewer FLOPs left to speed up).
    const fp8 = w.steps.find((s) => s.lever === 'FP8')!;
    expect(fp8.aloneDeltaUsd!).toBeLessThan(3 * fp8.deltaUsd);
    expect(w.steps[0]!.aloneDeltaUsd).toBe(w.steps[0]!.deltaUsd);
    expect(w.steps.find((s) => s.lever === 'dualpipe schedule')!.aloneDeltaUsd).toBeNull(); // needs experts
    for (const name of ['MoE', 'FP8', 'dualpipe'])
      expect(w.steps.find((s) => s.lever.startsWith(name))!.deltaUsd).toBeLessThan(0);
    // MoE is the largest saving. On the baseline's TP 8 the search already folds the TP ranks into an
    // EP 16 group at expert tensor parallelism 1 (as NeMo's MoE recipes run) over 2 nodes (EP 32 before
    // the fiftieth pass, when the Megatron Hopper host time per local expert was 0.35 ms, not 0.28), so
    // each GPU holds 16 experts; DeepSeek's TP 1 layout then changes the cost by little either way.
    const moe = w.steps.find((s) => s.lever.startsWith('MoE'))!;
    const layout = w.steps.find((s) => s.lever.startsWith('layout'))!;
    expect([...w.steps].sort((a, b) => a.deltaUsd - b.deltaUsd)[0]).toBe(moe);
    expect(moe.detail).toMatch(/tp 8 · .*ep 16/);
    expect(Math.abs(layout.deltaUsd)).toBeLessThan(0.1 * Math.abs(moe.deltaUsd));
    for (const s of w.steps) {
      expect(Number.isFinite(s.costUsd) && s.costUsd > 0).toBe(true);
      expect(s.caveat.length).toBeGreaterThan(10);
    }
  });
  it('serving preset: every step re-plans; the final deployment is cheaper than the baseline', () => {
    const w = runWaterfall(leverStudySchema.parse(PRESETS['llama-70b-serving']));
    expect(w.finalCostUsd).toBeLessThan(w.baselineCostUsd / 5);
    expect(w.steps.map((s) => s.costUsd + 0).every((c) => c > 0)).toBe(true);
  });
  it('the GPU of a study resolves through the catalog (unknown ids name the field)', () => {
    expect(() =>
      baselineState(
        trainingBaselineSchema.parse({
          kind: 'train',
          model: 'llama-3-8b',
          tokens: 1e12,
          gpu: 'h1000',
          gpus: 8,
        }),
      ),
    ).toThrow(/baseline\.gpu: unknown GPU 'h1000'/);
    expect(resolveHardware('h800', undefined).gpu.id).toBe('h800');
  });
});

describe('fine-tuning levers re-run the fine-tuning engine', () => {
  it('LoRA and QLoRA instead of full fine-tuning: fewer trainable parameters, less memory, cheaper', () => {
    const w = runWaterfall(leverStudySchema.parse(PRESETS['llama-70b-finetune']));
    const [lora, qlora, oneNode] = w.steps;
    expect(lora!.costUsd).toBeLessThan(w.baselineCostUsd);
    expect(lora!.memoryPerGpuBytes).toBeLessThan(w.baseline.memoryPerGpuBytes);
    expect(lora!.detail).toMatch(/207\.1M trainable/);
    // QLoRA: NF4 base (0.516 B/param) fits the 70B model on one node of 8 H100.
    expect(qlora!.detail).toMatch(/^qlora/);
    expect(oneNode!.gpus).toBe(8);
    expect(oneNode!.memoryPerGpuBytes).toBeLessThan(findGpu('h100').memoryBytes);
  });
  it('an adapter lever needs a fine-tuning baseline', () => {
    expect(notApplicable(train, { lever: 'adapter', method: 'lora' }).message).toBe(
      "'adapter' does not apply: it replaces full fine-tuning; the baseline is not a fine-tuning run",
    );
  });
});

describe('P10–P90 bands on every outcome and step (the band of the estimate each step re-runs)', () => {
  /** The 8B run on 64 GPUs of `gpu` with one lever. */
  const study8b = (gpu: string, l: unknown) =>
    runWaterfall(
      leverStudySchema.parse({
        name: 'an 8B run',
        baseline: { kind: 'train', model: 'llama-3-8b', tokens: 1e12, gpu, gpus: 64, usdPerGpuHour: 2 },
        levers: [l],
      }),
    );
  const finite = (r: { p10: number; p90: number }) =>
    Number.isFinite(r.p10) && Number.isFinite(r.p90) && r.p10 > 0 && r.p10 < r.p90;

  it('a training outcome scales cost, GPU-hours, wall-clock, energy and CO2 by one band', () => {
    const o = outcome(train);
    expect(o.band.key).toBe('train:megatron×hopper');
    for (const field of ['costUsd', 'timeSeconds', 'gpuHours', 'energyKWh', 'co2Kg'] as const) {
      const range = o.range[field]!;
      expect(finite(range)).toBe(true);
      expect(range.p10 / o[field]!).toBeCloseTo(o.band.low, 9);
      expect(range.p90 / o[field]!).toBeCloseTo(o.band.high, 9);
    }
    expect(o.gpuHours).toBeCloseTo((64 * o.timeSeconds) / 3600, 6);
  });

  it("a training outcome's memory carries its stack's measured-peak band, as `llmecon train` does; a deployment's none", () => {
    const titan = evaluateState(
      baselineState(trainingBaselineSchema.parse({ ...trainInput, stack: 'torchtitan' })),
    );
    // The band of the chosen layout's regime (with or without pipeline parallelism).
    const ratio = titan.range.memoryPerGpuBytes!.p10 / titan.memoryPerGpuBytes;
    const band = [
      stackMemoryBand('torchtitan', true, false),
      stackMemoryBand('torchtitan', false, false),
    ].find((b) => Math.abs(b.low - ratio) < 1e-9)!;
    expect(band.cases).toBeGreaterThan(1);
    expect(titan.range.memoryPerGpuBytes!.p90 / titan.memoryPerGpuBytes).toBeCloseTo(band.high, 9);
    // Megatron has no measured peaks yet: no band, as `llmecon train --stack megatron` prints none.
    expect(outcome(train).range.memoryPerGpuBytes).toBeNull();
    expect(outcome(serve).range.memoryPerGpuBytes).toBeNull();
  });

  it('a deployment takes the serving engine band (TensorRT-LLM × hopper), inverse to throughput', () => {
    const o = outcome(serve);
    expect(o.band.key).toBe('serve:trt-llm×hopper');
    expect(o.band.outside).toEqual([]);
    expect(o.band.low).toBeLessThan(1);
    expect(o.band.high).toBeGreaterThan(1);
    expect(finite(o.range.costUsd) && finite(o.range.timeSeconds)).toBe(true);
  });

  it('a GPU outside every calibration says so (MI300X has no Megatron or TensorRT-LLM cases)', () => {
    const mi = step(train, { lever: 'gpu', gpu: 'mi300x', usdPerGpuHour: 2 });
    const o = outcome(mi);
    expect(o.band.outside.join(' ')).toMatch(/no calibration cases/);
    expect(o.band.basis).toMatch(/pooled/);
    expect(finite(o.range.costUsd)).toBe(true);
    const s = outcome(step(serve, { lever: 'gpu', gpu: 'mi300x', usdPerGpuHour: 2 }));
    expect(s.band.outside.join(' ')).toMatch(/no serving calibration/);
  });

  it('savings on one calibration share the residual draw: the ratio has no calibration spread', () => {
    const w = study8b('h100', { lever: 'fp8' });
    expect(w.savings.sameCalibration).toBe(true);
    expect(w.savings.range.p10).toBeCloseTo(w.savings.ratio, 12);
    expect(w.savings.range.p90).toBeCloseTo(w.savings.ratio, 12);
    expect(w.finalRange).toEqual(w.steps[0]!.range);
    expect(w.steps[0]!.outsideCalibration).toEqual([]);
  });

  it('savings across calibrations (A100 → H100) are drawn independently: a band around the ratio', () => {
    const w = study8b('a100', { lever: 'gpu', gpu: 'h100', usdPerGpuHour: 2 });
    expect(w.savings.sameCalibration).toBe(false);
    const r = w.savings.range;
    expect(r.p10).toBeLessThan(r.p90);
    // Independent lognormals: the log-width of the ratio is √2-ish of the ends', never wider than their sum.
    const width = (lo: number, hi: number) => Math.log(hi / lo);
    const base = width(w.baseline.band.low, w.baseline.band.high);
    const final = width(w.finalRange.costUsd.p10, w.finalRange.costUsd.p90);
    expect(width(r.p10, r.p90)).toBeLessThanOrEqual(base + final);
    expect(width(r.p10, r.p90)).toBeGreaterThanOrEqual(Math.max(base, final) - 1e-9);
  });
});
