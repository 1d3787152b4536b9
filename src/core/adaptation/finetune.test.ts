import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findGpu } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { energyAssumptions } from '../../catalog/training-defaults.js';
import { defaultCluster } from '../hardware/cluster-spec.js';
import { specFromInput } from '../model/model-spec-schema.js';
import { NEUTRAL_CALIBRATION_TERMS, type StackCalibration } from '../training/stack.js';
import { type FinetuneMethod, planFinetune } from './finetune.js';
import { type Dataset, datasetTokens, stepSequenceLength } from './finetune-dataset.js';

// A Llama-style 1B (Llama 3.2 1B shapes) on one H200, the shape of issue 16's held-back runs.
const spec = specFromInput({
  name: 'Llama 1B',
  vocabSize: 128256,
  hiddenSize: 2048,
  numLayers: 16,
  maxContextTokens: 131072,
  tieWordEmbeddings: true,
  attention: { kind: 'gqa', numHeads: 32, numKvHeads: 8 },
  mlp: { intermediateSize: 8192 },
});
const gpu = findGpu('h200');
const cluster = { ...defaultCluster(gpu), gpu };

const calibration = (p: Partial<StackCalibration>): StackCalibration => ({
  family: gpu.efficiency.family,
  stepTimeScale: 1,
  ...NEUTRAL_CALIBRATION_TERMS,
  extrapolated: [],
  leaveOneOutLogResiduals: [0.1, -0.1, 0.05],
  cases: ['a', 'b', 'c'],
  maxGpus: 8,
  maxParams: 1e12,
  ...p,
});

const plan = (cal: StackCalibration, o: { zeroStage: 0 | 3; method?: FinetuneMethod; gpus?: number }) => {
  const gpus = o.gpus ?? 1;
  return planFinetune(spec, cluster, {
    method: o.method ?? 'full',
    rank: 16,
    targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    seqLen: 2048,
    globalBatchSize: 8 * gpus,
    precision: 'bf16',
    optimizer: 'adamw',
    flashAttention: true,
    gpus,
    constraints: { dataParallel: gpus, zeroStage: o.zeroStage, microBatchSize: 2, recompute: 'full' },
    stack: { ...findStack('hf'), calibrations: [cal] },
    dataset: { tokens: 8 * gpus * 2048 * 10, epochs: 1, packing: true },
    cost: {
      goodput: 1,
      usdPerGpuHour: 1,
      energy: energyAssumptions(gpu, cluster, {}),
      networkingShareOfHardware: 0,
    },
  }).chosen.step;
};

describe('host time of an eager stack per layer pass (calibration terms h and z)', () => {
  const engine = plan(calibration({}), { zeroStage: 0 });
  it('a layer pass is one micro-batch through one layer: 4 micro-batches × 16 layers', () => {
    expect(engine.microbatches).toBe(4);
    expect(engine.calibrationTerms.layerPasses).toBeCloseTo(4 * 16, 9);
    expect(engine.calibrationTerms.zero3LayerPasses).toBe(0);
    const fsdp = plan(calibration({}), { zeroStage: 3, gpus: 2 });
    expect(fsdp.calibrationTerms.zero3LayerPasses).toBeCloseTo(fsdp.calibrationTerms.layerPasses, 9);
  });

  test.prop([
    fc.double({ min: 0.5, max: 5, noNaN: true }),
    fc.double({ min: 0, max: 0.02, noNaN: true }),
    fc.double({ min: 0, max: 0.05, noNaN: true }),
    fc.constantFrom<0 | 3>(0, 3),
    fc.constantFrom<FinetuneMethod>('full', 'lora', 'qlora'),
  ])(
    'calibrated step = k · engine + h · layer passes + z · ZeRO-3 layer passes; the breakdown sums to it',
    (k, h, z, zeroStage, method) => {
      const gpus = zeroStage === 3 ? 2 : 1;
      const raw = plan(calibration({}), { zeroStage, method, gpus });
      const cal = plan(
        calibration({ stepTimeScale: k, layerOverheadSeconds: h, zero3LayerOverheadSeconds: z }),
        { zeroStage, method, gpus },
      );
      const t = raw.calibrationTerms;
      expect(cal.stepSeconds).toBeCloseTo(
        k * raw.stepSeconds + h * t.layerPasses + z * t.zero3LayerPasses,
        9,
      );
      const parts = Object.values(cal.breakdown).reduce((a, b) => a + b, 0);
      expect(parts).toBeCloseTo(cal.stepSeconds, 9);
      expect(cal.breakdown.hostOverheadSeconds).toBeCloseTo(h * t.layerPasses + z * t.zero3LayerPasses, 9);
      expect(Number.isFinite(cal.tokensPerSecond)).toBe(true);
    },
  );
});

describe('no packing with variable-length examples: padding to the longest in flight', () => {
  const dataset = (d: Partial<Dataset>): Dataset => ({
    tokens: 1000 * 4000,
    examples: 1000,
    epochs: 1,
    packing: false,
    padding: 'longest',
    ...d,
  });
  test.prop([
    fc.integer({ min: 500, max: 8000 }),
    fc.double({ min: 1.05, max: 14, noNaN: true }),
    fc.integer({ min: 1, max: 4096 }),
    fc.integer({ min: 1, max: 4096 }),
  ])(
    'between the mean and seqLen, never shorter with more examples in flight or a wider spread',
    (mean, ratio, n, more) => {
      const seqLen = 32768;
      const d = dataset({ tokens: 1000 * mean, lengthP99: mean * ratio });
      const len = stepSequenceLength(d, seqLen, n);
      expect(len).toBeGreaterThanOrEqual(Math.ceil(mean) - 1);
      expect(len).toBeLessThanOrEqual(seqLen);
      // Within one token: the length is rounded from a numerical integral.
      expect(stepSequenceLength(d, seqLen, n + more)).toBeGreaterThanOrEqual(len - 1);
      expect(
        stepSequenceLength({ ...d, lengthP99: mean * Math.min(14.5, ratio * 1.05) }, seqLen, n),
      ).toBeGreaterThanOrEqual(len - 1);
    },
  );
  it('packing, padding to max-length, or no spread: seqLen, seqLen, the mean', () => {
    expect(stepSequenceLength(dataset({ packing: true }), 8192, 16)).toBe(8192);
    expect(stepSequenceLength(dataset({ padding: 'max-length' }), 8192, 16)).toBe(8192);
    expect(stepSequenceLength(dataset({}), 8192, 16)).toBe(4000);
    // 16 ranks at micro-batch 1, P99 3× the mean: the longest of 16 is about twice the mean.
    const s1 = stepSequenceLength(dataset({ lengthP99: 12000 }), 32768, 16);
    expect(s1 / 4000).toBeGreaterThan(1.8);
    expect(s1 / 4000).toBeLessThan(2.6);
  });
  it('a P99 no lognormal of that mean has, or a spread without padding to the longest: errors naming --length-p99', () => {
    expect(() => stepSequenceLength(dataset({ lengthP99: 3000 }), 8192, 4)).toThrow(
      /--length-p99|above the mean/,
    );
    expect(() => stepSequenceLength(dataset({ lengthP99: 4000 * 20 }), 131072, 4)).toThrow(/14\.9/);
    expect(() => datasetTokens(dataset({ padding: 'max-length', lengthP99: 12000 }), 8192)).toThrow(
      /--padding longest/,
    );
  });
  it('planFinetune runs the step at the longest in flight: processed tokens are sequences × that length', () => {
    const run = (d: Dataset) =>
      planFinetune(spec, cluster, {
        method: 'full',
        rank: 16,
        targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
        baseFormat: 'bf16',
        seqLen: 16384,
        globalBatchSize: 8,
        precision: 'bf16',
        optimizer: 'adamw',
        flashAttention: true,
        gpus: 1,
        constraints: { dataParallel: 1, zeroStage: 0, microBatchSize: 2, recompute: 'full' },
        stack: { ...findStack('hf'), calibrations: [] },
        dataset: d,
        cost: {
          goodput: 1,
          usdPerGpuHour: 1,
          energy: energyAssumptions(gpu, cluster, {}),
          networkingShareOfHardware: 0,
        },
      });
    const spread = run(dataset({ tokens: 64 * 2000, examples: 64, lengthP99: 6000 }));
    const flat = run(dataset({ tokens: 64 * 2000, examples: 64 }));
    const padded = run(dataset({ tokens: 64 * 2000, examples: 64, padding: 'max-length' }));
    expect(flat.stepSequenceTokens).toBe(2000);
    expect(spread.stepSequenceTokens).toBe(
      stepSequenceLength(dataset({ tokens: 64 * 2000, examples: 64, lengthP99: 6000 }), 16384, 2),
    );
    expect(spread.tokensProcessed).toBe(64 * spread.stepSequenceTokens);
    expect(padded.stepSequenceTokens).toBe(16384);
    // Slower than every example at the mean, faster than every example padded to seqLen.
    expect(spread.run!.wallClockDays).toBeGreaterThan(flat.run!.wallClockDays);
    expect(spread.run!.wallClockDays).toBeLessThan(padded.run!.wallClockDays);
  });
});
