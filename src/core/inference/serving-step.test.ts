/**
 * One serving step: the engine-side choices the operation list does not make by itself — absorbed
 * MLA decode, the GEMM datatype of FP4 weights per GPU, the EP straggler, where experts live, and
 * EPLB's redundant expert slots.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findGpu, findModel } from '../../catalog/catalog.js';
import { gemmSeconds } from '../hardware/roofline.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { layerKinds } from '../model/flops.js';
import { layerOperations } from '../model/operations.js';
import { busiestRankExperts } from '../model/operations-mlp.js';
import { paramCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { computeType, servingRequest, servingStepSeconds } from './serving-step.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const work = {
  decodeSequences: 256,
  tokensPerSequence: 1,
  context: 4096,
  prefillTokens: 0,
  prefillContext: 0,
};

describe('serving step', () => {
  it('decodes MLA absorbed: (latent + RoPE) + latent per key and head, 3.4x the model-defined FLOPs for DeepSeek-V3', () => {
    const v3 = spec('deepseek-v3');
    const cluster = findCluster('dgx-h100');
    const r = {
      tensorParallel: 1,
      expertParallel: 8,
      weightFormat: 'fp8' as const,
      kvFormat: 'fp8' as const,
    };
    const request = servingRequest(cluster, r, work);
    const layer = layerKinds(v3)[0]!.layer;
    const flops = (absorbed: boolean) =>
      layerOperations(v3, layer, { ...request, absorbedMla: absorbed })
        .filter((op) => op.type === 'attention')
        .reduce((s, op) => s + (op.type === 'attention' ? op.flops : 0), 0);
    expect(request.absorbedMla).toBe(true);
    // (512 + 64 + 512) / (128 + 64 + 128) = 3.4
    expect(flops(true) / flops(false)).toBeCloseTo(3.4, 10);
  });

  it('runs FP4 weights as 4-bit GEMMs where the GPU has FP4 tensor cores and in BF16 (weight-only) where it has not', () => {
    expect(computeType('fp4', findGpu('h100-sxm'))).toBe('bf16');
    expect(computeType('nvfp4', findGpu('b200'))).toBe('fp4');
    expect(computeType('fp4', findGpu('rtx-pro-6000'))).toBe('fp4');
    expect(computeType('fp8', findGpu('h100-sxm'))).toBe('fp8');
    expect(computeType('int4', findGpu('b200'))).toBe('bf16');
  });

  it("a compute-bound 4-bit GEMM runs at the profile's FP4 ceiling times the datasheet rate; other types ignore it", () => {
    const b200 = findGpu('b200');
    const ceiling = b200.efficiency.fp4Ceiling!;
    expect(ceiling).toBeGreaterThan(0);
    expect(ceiling).toBeLessThanOrEqual(1);
    const { fp4Ceiling: _, ...datasheetProfile } = b200.efficiency;
    const datasheet = { ...b200, efficiency: datasheetProfile };
    const time = (gpu: typeof b200, d: 'fp4' | 'fp8') => gemmSeconds(gpu, d, 16384, 16384, 16384, 1);
    expect(time(b200, 'fp4') * ceiling).toBeCloseTo(time(datasheet, 'fp4'), 12);
    expect(time(b200, 'fp8')).toBe(time(datasheet, 'fp8'));
    // A profile without a calibrated ceiling (RTX PRO 6000: generic) computes at the datasheet peak.
    expect(findGpu('rtx-pro-6000').efficiency.fp4Ceiling).toBeUndefined();
  });

  it('an EP straggler slows a compute-bound MoE step and changes nothing on one GPU', () => {
    const moe = spec('qwen3-30b-a3b');
    const cluster = findCluster('dgx-h100');
    const big = { ...work, decodeSequences: 4096, context: 512 };
    const step = (ep: number, imbalance?: number) =>
      servingStepSeconds(
        moe,
        cluster,
        {
          tensorParallel: 1,
          expertParallel: ep,
          weightFormat: 'fp8',
          kvFormat: 'fp8',
          expertImbalance: imbalance,
        },
        big,
      );
    expect(step(4, 1.5)).toBeGreaterThan(step(4, 1) * 1.05);
    expect(step(1, 1.5)).toBe(step(1, 1));
  });

  it('a small batch waits for the GPU that reaches the most of its experts: the order statistic of binomial shares', () => {
    // Two GPUs of two experts, each reached with probability 1/2: E[max of two Binomial(2, ½)] = 1.375.
    expect(busiestRankExperts(2, 2, 0.5)).toBeCloseTo(1.375, 12);
    // One rank, a fractional share, or every expert reached: the mean.
    expect(busiestRankExperts(32, 1, 0.1)).toBeCloseTo(3.2, 12);
    expect(busiestRankExperts(2.5, 8, 0.1)).toBeCloseTo(0.25, 12);
    expect(busiestRankExperts(32, 8, 1)).toBe(32);
    // DeepSeek-V3 decoding one token over EP8 (32 experts a GPU, 8 of 256 reached): the busiest GPU reads
    // about 2.5 experts where the mean is 1 (a Monte Carlo of 20,000 draws gave 2.541); never below the
    // mean, never above the share, and more ranks wait for a busier one.
    expect(busiestRankExperts(32, 8, 8 / 256)).toBeCloseTo(2.54, 2);
    for (const p of [0.01, 0.2, 0.6, 0.95, 0.999]) {
      const b = busiestRankExperts(256, 4, p);
      expect(b).toBeGreaterThanOrEqual(256 * p);
      expect(b).toBeLessThanOrEqual(256);
      expect(busiestRankExperts(256, 16, p)).toBeGreaterThanOrEqual(b);
    }
    // A decode step of 8 sequences over DEP8 reads more expert weights per GPU than the mean would.
    const v3 = spec('deepseek-v3');
    const layer = layerKinds(v3).find((k) => k.layer.mlp === 'moe')!.layer;
    const request = servingRequest(
      findCluster('dgx-h100'),
      { tensorParallel: 1, expertParallel: 8, weightFormat: 'fp8', kvFormat: 'fp8' },
      { ...work, decodeSequences: 8 },
    );
    const experts = layerOperations(v3, layer, request).find((op) => op.name === 'experts.down');
    const mean = (256 * (1 - (1 - 8 / 256) ** 8)) / 8;
    expect(experts?.type === 'gemm' && experts.count / mean).toBeGreaterThan(1.4);
  });

  it('slices every expert over TP without EP (no all-to-all) and spreads whole experts over the replica with it', () => {
    const v3 = spec('deepseek-v3');
    const cluster = findCluster('dgx-h100');
    const moeLayer = layerKinds(v3).find((k) => k.layer.mlp === 'moe')!.layer;
    const ops = (tp: number, ep: number) =>
      layerOperations(
        v3,
        moeLayer,
        servingRequest(
          cluster,
          { tensorParallel: tp, expertParallel: ep, weightFormat: 'fp8', kvFormat: 'bf16' },
          work,
        ),
      );
    const gateUp = (tp: number, ep: number) =>
      ops(tp, ep).find((op) => op.type === 'gemm' && op.name === 'experts.gate_up');
    const allToAll = (tp: number, ep: number) =>
      ops(tp, ep).filter((op) => op.type === 'collective' && op.collective === 'all-to-all').length;
    // TP8 alone (vLLM/SGLang FusedMoE without expert parallelism): 2 × 2,048 / 8 columns of every expert.
    expect(gateUp(8, 1)).toMatchObject({ n: 512, k: 7168 });
    expect(allToAll(8, 1)).toBe(0);
    // DEP8: whole experts (2 × 2,048 columns), 256 / 8 per GPU, dispatched and combined.
    expect(gateUp(1, 8)).toMatchObject({ n: 4096, k: 7168 });
    expect(allToAll(1, 8)).toBe(2);
    // Same expert weight bytes per GPU either way once every expert is reached.
    const bytes = (tp: number, ep: number) => {
      const g = gateUp(tp, ep)!;
      return g.type === 'gemm' ? g.count * g.n * g.k : 0;
    };
    expect(bytes(1, 8) / bytes(8, 1)).toBeCloseTo(1, 3);
  });

  it('EPLB redundant slots: EP72 over 256 + 32 experts keeps the FLOPs, spreads tokens over 4 slots a GPU and holds their weights', () => {
    const v3 = spec('deepseek-v3');
    const cluster = findCluster('dgx-h100');
    const moeLayer = layerKinds(v3).find((k) => k.layer.mlp === 'moe')!.layer;
    const replica = (redundantExperts?: number) =>
      ({
        tensorParallel: 1,
        expertParallel: 72,
        weightFormat: 'fp8',
        kvFormat: 'fp8',
        redundantExperts,
      }) as const;
    const experts = (redundant?: number) =>
      layerOperations(v3, moeLayer, servingRequest(cluster, replica(redundant), big)).filter(
        (op) => op.type === 'gemm' && op.name.startsWith('experts.'),
      );
    const big = { ...work, decodeSequences: 72 * 256 };
    const flops = (redundant?: number) =>
      experts(redundant).reduce(
        (sum, op) => sum + (op.type === 'gemm' ? 2 * op.count * op.m * op.n * op.k : 0),
        0,
      );
    // Every token still meets its top-8 experts once: the same FLOPs, over 288 slots instead of 256.
    expect(flops(32)).toBeCloseTo(flops(0), -6);
    const gateUp = experts(32).find((op) => op.name === 'experts.gate_up')!;
    expect(gateUp.type === 'gemm' && gateUp.count).toBeCloseTo(4, 2);
    // Each GPU holds 4 of the 288 slots: routed weights × 288 / 256 over the 72 GPUs.
    const memory = (redundantExperts: number) =>
      inferenceMemory(v3, {
        weightFormat: 'fp8',
        kvFormat: 'fp8',
        batchSize: 1,
        contextTokens: 1,
        tensorParallel: 1,
        expertParallel: 72,
        redundantExperts,
      }).weightsBytes;
    const routed = paramCount(v3).breakdown.routedExperts;
    expect(memory(32) - memory(0)).toBeCloseTo((routed * (32 / 256)) / 72, -3);
  });
});
