/** Shared test fixtures: published architectures without a config.json, and fixed cost assumptions. */
import { specFromInput } from '../src/core/model/model-spec-schema.js';
import type { CalibrationTerms } from '../src/core/training/step-time-types.js';
import type { CalibrationCase } from '../src/validation/calibration-case.js';

/** GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, d_model 12,288, 96 heads, 4·d FFN, learned positions. */
export const gpt3_175b = specFromInput({
  name: 'GPT-3 175B',
  vocabSize: 50257,
  hiddenSize: 12288,
  numLayers: 96,
  maxContextTokens: 2048,
  tieWordEmbeddings: true,
  learnedPositionEmbeddings: 2048,
  norm: 'layernorm',
  attention: { kind: 'gqa', numHeads: 96, qkvBias: true, outputBias: true },
  mlp: { intermediateSize: 49152, gated: false, bias: true },
});

/** LLaMA-65B (Touvron et al. 2023, Table 2; FFN width of the released checkpoint). */
export const llama65b = specFromInput({
  name: 'LLaMA-65B',
  vocabSize: 32000,
  hiddenSize: 8192,
  numLayers: 80,
  maxContextTokens: 2048,
  attention: { kind: 'gqa', numHeads: 64 },
  mlp: { intermediateSize: 22016 },
});

/** Fixed run-cost assumptions for tests that check time and money, not the catalog defaults. */
export const testCost = {
  goodput: 1,
  usdPerGpuHour: 2,
  energy: {
    nodeWattsPerGpu: 1275,
    powerFraction: 0.75,
    pue: 1.1,
    kgCo2PerKWh: 0.4,
    electricityUsdPerKWh: 0.08,
  },
  networkingShareOfHardware: 0.19,
};

/**
 * Qwen-7B (v1, 2023) as the fine-tuning profiles state it (catalog/validation/finetune-runs.json;
 * Qwen technical report Table 1): untied embedding and head of 151,936 × 4,096, q/k/v bias, SwiGLU 11,008.
 */
export const qwen7bV1 = specFromInput({
  name: 'Qwen-7B',
  vocabSize: 151_936,
  hiddenSize: 4096,
  numLayers: 32,
  maxContextTokens: 8192,
  attention: { kind: 'gqa', numHeads: 32, qkvBias: true },
  mlp: { intermediateSize: 11_008 },
});

/** Llama 3 8B pretraining on 16 GPUs at 4,096 tokens: the stack tests' run. */
export const llama8bRun = {
  seqLen: 4096,
  globalBatchSize: 256,
  precision: 'bf16',
  optimizer: 'adamw',
  gpus: 16,
} as const;

/**
 * A megatron calibration case of a 1-second engine step (published and engine in one unit) with the
 * given calibration terms (default: a tenth of the step in attention), its shares read from them.
 */
export function syntheticCalibrationCase(
  id: string,
  family: string,
  engine: number,
  published: number,
  terms: Partial<CalibrationTerms> = {},
): CalibrationCase {
  const t: CalibrationTerms = {
    attentionSeconds: 0.1,
    expertGemmSeconds: 0,
    expertCommSeconds: 0,
    localExpertPasses: 0,
    layerPasses: 0,
    zero3LayerPasses: 0,
    ...terms,
  };
  const experts = t.expertGemmSeconds + t.expertCommSeconds;
  return {
    id,
    stack: 'megatron',
    family,
    gpuFamily: family,
    source: 's',
    locator: 'l',
    gpus: 8,
    published,
    engine,
    stepSeconds: 1,
    calibrationTerms: t,
    attentionFraction: t.attentionSeconds,
    expertFraction: experts,
    localExpertPassesPerSecond: t.localExpertPasses,
    layerPassesPerSecond: t.layerPasses,
    zero3LayerPassesPerSecond: t.zero3LayerPasses,
    mixers: ['full'],
    eagerDispatch: false,
    detail: {
      model: id,
      moe: experts > 0,
      paramsBillions: 8,
      precision: 'bf16',
      seqLen: 4096,
      layout: 'tp1',
      microbatches: 1,
      shares: { gemm: 1, attention: 0, elementwise: 0, comm: 0, bubble: 0, dpOpt: 0 },
    },
  };
}
