/**
 * The source documents' training claims (the project's seed documents, each quoted with its primary
 * source in the test's name): reproduced from published inputs, or explained where the engine differs.
 */
import { describe, expect, it } from 'vitest';
import { findApi, findCluster, findModel, loadCatalog } from '../../src/catalog/catalog.js';
import { trainingFlopsPerToken } from '../../src/core/model/flops.js';
import { specFromInput } from '../../src/core/model/model-spec-schema.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import type { MlaAttention } from '../../src/core/model/spec.js';
import { DEFAULT_LAYOUT } from '../../src/core/parallelism/layout.js';
import { trainingRunCost } from '../../src/core/training/run-cost.js';
import { layerCosts, trainingStepTime } from '../../src/core/training/step-time.js';
import { runTrainingCase, trainingCases } from '../../src/validation/training-cases.js';
import { testCost } from '../fixtures.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const caseResult = (id: string) => runTrainingCase(trainingCases().find((c) => c.id === id)!);

describe('seed claims about training cost', () => {
  it('DeepSeek-V3: 2.788M H800 GPU-hours at $2 = $5.576M (report Table 1); the engine predicts the 2.664M pre-training part within 15%', () => {
    const published = { pretraining: 2_664_000, contextExtension: 119_000, postTraining: 5_000 };
    const total = published.pretraining + published.contextExtension + published.postTraining;
    expect(total).toBe(2_788_000);
    expect(total * 2).toBe(5_576_000);
    const predicted = caseResult('deepseek-v3-gpu-hours').predicted;
    expect(Math.abs(predicted * 2 - 5_328_000) / 5_328_000).toBeLessThan(0.15);
  });

  it("Llama 3.1 405B: ~$61.6M = 30.84M H100-hours × $2 (the seed's figure); the engine estimates 15.6T tokens on 16,384 H100 within 25%", () => {
    expect(Math.round((30.84e6 * 2) / 1e5) / 10).toBe(61.7);
    const cluster = findCluster('dgx-h100');
    const layout = {
      ...DEFAULT_LAYOUT,
      tensorParallel: 8,
      pipelineParallel: 16,
      dataParallel: 128,
      sequenceParallel: true,
      virtualStages: 6,
      schedule: 'interleaved' as const,
      recompute: 'full' as const,
    };
    const step = trainingStepTime(spec('llama-3.1-405b'), cluster, layout, {
      seqLen: 8192,
      globalBatchSize: 2048,
      precision: 'bf16',
      optimizer: 'adamw',
    });
    const a = loadCatalog().assumptions;
    const run = trainingRunCost(step, {
      tokens: 15.6e12,
      gpus: 16384,
      ...testCost,
      goodput: a.goodput.value,
    });
    expect(Math.abs(run.costUsd - 61.6e6) / 61.6e6).toBeLessThan(0.25);
  });

  it('"1M vs 420K GPU-hours per trillion tokens": the seed quotes LLaMA-65B\'s total (1.02M for 1.4T) as per trillion', () => {
    const llama65PerTrillion = 1_022_362 / 1.4; // A100-hours
    const llama3_70PerTrillion = 6.4e6 / 15; // H100-hours
    expect(Math.round(llama65PerTrillion / 1000)).toBe(730);
    expect(Math.round(llama3_70PerTrillion / 1000)).toBe(427);
    // Per trillion tokens the published drop is 1.7×, not 2.4×; and it mixes A100- and H100-hours.
    expect(llama65PerTrillion / llama3_70PerTrillion).toBeCloseTo(1.71, 2);
  });
});

describe('FP8 vs BF16 (the seed: FP8 at "~50% of the cost")', () => {
  it('the engine predicts FP8 speeds the GEMMs by the FP8 GEMM efficiency, not 2×, and the step by less', () => {
    const cluster = findCluster('hgx-h800-deepseek');
    const layout = {
      ...DEFAULT_LAYOUT,
      pipelineParallel: 16,
      dataParallel: 128,
      expertParallel: 64,
      schedule: 'dualpipe' as const,
      recompute: 'full' as const,
    };
    const options = { seqLen: 4096, globalBatchSize: 15360, optimizer: 'adamw-bf16-moments' as const };
    const bf16 = trainingStepTime(spec('deepseek-v3'), cluster, layout, { ...options, precision: 'bf16' });
    const fp8 = trainingStepTime(spec('deepseek-v3'), cluster, layout, { ...options, precision: 'fp8' });
    const costs = (precision: 'bf16' | 'fp8') =>
      layerCosts(spec('deepseek-v3'), cluster, layout, { ...options, precision }).byKind.get('full/moe')!;
    const gemmSpeedup = costs('bf16').forward.gemm / costs('fp8').forward.gemm;
    const stepRatio = fp8.stepSeconds / bf16.stepSeconds;
    expect(gemmSpeedup).toBeGreaterThan(1.2);
    expect(gemmSpeedup).toBeLessThan(2); // 2× peak, but FP8 GEMMs reach 55–65% vs BF16's ~80% (DeepGEMM vs MAMF)
    expect(stepRatio).toBeGreaterThan(0.6); // attention, element-wise work and communication do not shrink
    expect(stepRatio).toBeLessThan(0.95);
  });
});

describe('MoE: ~5% of parameters active', () => {
  it('DeepSeek-V3 activates 5.6% of its parameters and needs ~6% of the training FLOPs of a dense model of equal size', () => {
    const moe = spec('deepseek-v3');
    const p = paramCount(moe);
    expect(p.activeParams / p.totalParams).toBeCloseTo(0.056, 3);
    // A dense model with the same attention and total size: every layer's MLP holds all the experts.
    const dense = specFromInput({
      name: 'dense-671B',
      vocabSize: moe.vocabSize,
      hiddenSize: moe.hiddenSize,
      numLayers: moe.numLayers,
      maxContextTokens: moe.maxContextTokens,
      attention: { ...(moe.attention as MlaAttention) },
      mlp: {
        intermediateSize: Math.round(
          (p.totalParams - p.breakdown.attention - 2 * p.breakdown.embedding) /
            (3 * moe.hiddenSize * moe.numLayers),
        ),
      },
    });
    expect(Math.abs(paramCount(dense).totalParams / p.totalParams - 1)).toBeLessThan(0.01);
    const ratio =
      trainingFlopsPerToken(moe, 4096).causal.flopsPerToken /
      trainingFlopsPerToken(dense, 4096).causal.flopsPerToken;
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(0.07);
  });
});

describe('API prices falling (the Innovation 2025 seed, catalog/apis/)', () => {
  it('GLM-3-Turbo $0.7 → $0.14 is an 80% cut; DeepSeek input $0.14 → $0.014 (cache hits) a 90% cut', () => {
    const glm = findApi('glm-3-turbo');
    expect(1 - glm.prices.input.value / glm.history![0]!.prices.input!.value).toBeCloseTo(0.8, 12);
    const ds = findApi('deepseek-chat').history![0]!.prices;
    expect(1 - ds.cachedInput!.value / ds.input!.value).toBeCloseTo(0.9, 12);
    // "Only 1% of the cost of GPT-4o": $0.014 is 0.56% of GPT-4o's $2.50 input price.
    expect(ds.cachedInput!.value / findApi('gpt-4o').prices.input.value).toBeCloseTo(0.0056, 4);
  });
  it('"$0.007 per million, meaning $1 processes 14 million tokens": $1 buys 142.9M tokens at that price (the seed is off by 10×)', () => {
    const batch = findApi('glm-3-turbo').prices.batchInput!.value;
    expect(1e6 / batch).toBeCloseTo(142.857e6, -3);
  });
});
