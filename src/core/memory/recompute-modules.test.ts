/**
 * Selective recomputation by Megatron-Core module (`--recompute-modules`): what each module stops keeping
 * (activations.ts) and what it re-runs (recompute.ts, step-time.ts).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import {
  DEFAULT_LAYOUT,
  type ParallelLayout,
  RECOMPUTE_MODULES,
  type RecomputeModule,
} from '../parallelism/layout.js';
import { recomputeShares } from '../training/recompute.js';
import { trainingStepTime } from '../training/step-time.js';
import { activationBytesPerLayer } from './activations.js';
import { trainingMemory } from './training-memory.js';

const qwen = modelSpecFrom(findModel('qwen3-235b-a22b').config, 'qwen3-235b-a22b');
// Megatron-MoE-ModelZoo's long-context layout: TP 4 with sequence parallelism, EP 8 at ETP 1, 16K tokens.
const layout: ParallelLayout = {
  ...DEFAULT_LAYOUT,
  tensorParallel: 4,
  pipelineParallel: 8,
  virtualStages: 4,
  dataParallel: 8,
  expertParallel: 8,
  expertTensorParallel: 1,
  sequenceParallel: true,
  recompute: 'selective',
  schedule: 'interleaved',
};
const s = 16384;
const t = 4;
const options = { seqLen: s, flashAttention: true, dropout: false };
const moeLayer = (modules?: readonly RecomputeModule[]) =>
  activationBytesPerLayer(qwen, 'moe', layout, { ...options, ...(modules && { recomputeModules: modules }) });

describe('activations kept under recompute modules (Qwen3-235B MoE layer, 16K tokens, TP 4 · SP, ETP 1)', () => {
  const h = qwen.hiddenSize;
  const moe = qwen.moe!;
  it('core_attn alone is Megatron selective recomputation: with FlashAttention nothing more is dropped', () => {
    expect(moeLayer(['core_attn'])).toBe(moeLayer());
  });
  it('layernorm drops the two norm outputs (QKV and MoE inputs, BF16, sequence-parallel shards)', () => {
    expect(moeLayer() - moeLayer(['layernorm'])).toBe(2 * ((2 * s * h) / t));
  });
  it("moe_act drops each routed copy's activation output (fc2 input, BF16)", () => {
    expect(moeLayer() - moeLayer(['moe_act'])).toBeCloseTo(
      (moe.topK * 2 * s * moe.expertIntermediateSize) / t,
      0,
    );
  });
  it("moe keeps only the layer's input: the routed copies, their MLP tensors and the router logits go", () => {
    const dispatched = moe.topK * ((2 * s * h) / t); // ETP 1: each rank its sequence shard's copies
    const expertMlp = (moe.topK * s * moe.expertIntermediateSize * (2 * 2 + 2)) / t;
    expect(moeLayer() - moeLayer(['moe'])).toBeCloseTo(dispatched + expertMlp + 4 * s * moe.numExperts, 0);
    // With the norms recomputed too, the MoE layer's input (the norm's output) is not kept either.
    expect(moeLayer(['moe']) - moeLayer(['layernorm', 'moe'])).toBe(2 * ((2 * s * h) / t));
  });
  test.prop([fc.subarray([...RECOMPUTE_MODULES])])(
    'any module set keeps no more than selective without modules and no less than full recomputation',
    (modules) => {
      expect(moeLayer(modules)).toBeLessThanOrEqual(moeLayer());
      expect(moeLayer(modules)).toBeGreaterThanOrEqual(
        activationBytesPerLayer(qwen, 'moe', { ...layout, recompute: 'full' }, options),
      );
    },
  );
});

describe('what the modules re-run, and the memory they save on a whole stage', () => {
  it('moe re-runs the routed experts and their all-to-all; the other modules time nothing apart', () => {
    const shares = recomputeShares('selective', 'attention', ['layernorm', 'moe']);
    expect(shares.experts).toBe(1);
    expect(shares.ep).toBe(1);
    expect(shares.gemm).toBe(0);
    expect(recomputeShares('selective', 'ops', ['layernorm', 'moe_act'])).toEqual(recomputeShares('none'));
    expect(recomputeShares('full', 'attention', ['moe'])).toEqual(recomputeShares('full'));
  });
  const cluster = findCluster('dgx-h100');
  const run = { seqLen: s, globalBatchSize: 256, precision: 'bf16' as const, optimizer: 'adamw' as const };
  it('recomputing the MoE layer costs its forward experts and all-to-all once more, and no other time', () => {
    const plain = trainingStepTime(qwen, cluster, layout, run);
    const withMoe = trainingStepTime(qwen, cluster, layout, {
      ...run,
      recomputeModules: ['layernorm', 'moe'],
    });
    const extra = withMoe.stepSeconds - plain.stepSeconds;
    expect(extra).toBeGreaterThan(0);
    // At most the forward's expert GEMMs and all-to-all (a third of their forward + backward time each).
    expect(extra).toBeLessThan(
      (plain.calibrationTerms.expertGemmSeconds + plain.breakdown.expertParallelCommSeconds) / 2,
    );
  });
  it('the published layout fits an 80 GB H100 with layernorm and moe recomputed, and not with attention alone', () => {
    const peak = (modules?: readonly RecomputeModule[]) =>
      trainingMemory(qwen, layout, { ...run, ...(modules && { recomputeModules: modules }) }).peak.totalBytes;
    expect(peak()).toBeGreaterThan(cluster.gpu.memoryBytes);
    expect(peak(['layernorm', 'moe'])).toBeLessThan(0.75 * cluster.gpu.memoryBytes);
  });
});

describe('mla_up_proj, mlp and shared_experts (DeepSeek-V3: MLA, a dense first layers, one shared expert)', () => {
  const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
  const a = v3.attention as Extract<typeof v3.attention, { kind: 'mla' }>;
  const moe = v3.moe!;
  // NeMo's GB300 recipe for DeepSeek-V3 (Megatron-Bridge perf_recipes deepseek/gb300: PP 2 · VP 8, EP 32,
  // micro-batch 2, recompute_modules ["mla_up_proj"]), 4K tokens.
  const gb300: ParallelLayout = {
    ...DEFAULT_LAYOUT,
    pipelineParallel: 2,
    virtualStages: 8,
    dataParallel: 128,
    expertParallel: 32,
    microBatchSize: 2,
    recompute: 'selective',
    schedule: 'interleaved',
  };
  const tokens = 2 * 4096;
  const v3Options = { seqLen: 4096, flashAttention: true, dropout: false, gemmInputBytes: 1 };
  const kept = (layer: 'dense' | 'moe', modules: readonly RecomputeModule[]) =>
    activationBytesPerLayer(v3, layer, gb300, { ...v3Options, recomputeModules: modules });
  it('mla_up_proj frees the up-projected Q, K and V (BF16), keeping the latents and the attention output', () => {
    const qkv = 2 * tokens * a.numHeads * (2 * (a.qkNopeHeadDim + a.qkRopeHeadDim) + a.vHeadDim);
    expect(kept('moe', ['core_attn']) - kept('moe', ['mla_up_proj'])).toBe(qkv);
  });
  it('mlp drops the dense MLP tensors of the dense layers only; shared_experts the shared expert tensors', () => {
    const i = v3.mlp.intermediateSize;
    expect(kept('dense', ['core_attn']) - kept('dense', ['mlp'])).toBe(tokens * i * (2 * 2 + 1));
    expect(kept('moe', ['mlp'])).toBe(kept('moe', ['core_attn']));
    const shared = moe.numSharedExperts * moe.sharedIntermediateSize;
    expect(kept('moe', ['core_attn']) - kept('moe', ['shared_experts'])).toBe(tokens * shared * (2 * 2 + 1));
  });
  const gb300Cluster = findCluster('gb300-nvl72');
  const run = { seqLen: 4096, globalBatchSize: 4096, precision: 'fp8' as const, optimizer: 'adamw' as const };
  it('each re-runs its own GEMMs once more, less than full recomputation re-runs', () => {
    const step = (modules?: readonly RecomputeModule[], layout = gb300) =>
      trainingStepTime(v3, gb300Cluster, layout, { ...run, ...(modules && { recomputeModules: modules }) })
        .stepSeconds;
    const plain = step();
    for (const m of ['mla_up_proj', 'shared_experts'] as const) expect(step([m])).toBeGreaterThan(plain);
    // The MoE layer's checkpoint holds its shared experts: naming them too changes nothing, time or memory.
    expect(step(['moe', 'shared_experts'])).toBe(step(['moe']));
    expect(kept('moe', ['moe', 'shared_experts'])).toBe(kept('moe', ['moe']));
    const llama = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
    const dense = { ...DEFAULT_LAYOUT, dataParallel: 8, recompute: 'selective' as const };
    const llamaStep = (modules?: readonly RecomputeModule[]) =>
      trainingStepTime(llama, findCluster('dgx-h100'), dense, {
        ...run,
        globalBatchSize: 64,
        ...(modules && { recomputeModules: modules }),
      });
    const before = llamaStep();
    const extra = llamaStep(['mlp']).stepSeconds - before.stepSeconds;
    // The dense MLP's forward GEMMs once more: more than nothing, less than all the forward GEMMs.
    expect(extra).toBeGreaterThan(0);
    expect(extra).toBeLessThan(before.breakdown.gemmSeconds / 3);
    expect(step(['mla_up_proj', 'mlp', 'shared_experts'])).toBeLessThan(
      step(undefined, { ...gb300, recompute: 'full' }),
    );
  });
  it('the recipe layout fits a GB300 with mla_up_proj and not without it', () => {
    const peak = (modules: readonly RecomputeModule[]) =>
      trainingMemory(v3, gb300, { ...run, mainGradsInFp32: false, recomputeModules: modules }).peak
        .totalBytes;
    expect(peak(['core_attn'])).toBeGreaterThan(gb300Cluster.gpu.memoryBytes);
    expect(peak(['mla_up_proj'])).toBeLessThan(0.85 * gb300Cluster.gpu.memoryBytes);
  });
});
