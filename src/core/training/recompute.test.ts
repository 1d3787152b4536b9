/**
 * What recomputation re-runs (recompute.ts) and which attention kernel is timed: the per-op policy
 * costs half the matmuls and every element-wise op again; Megatron's selective policy nothing beyond
 * FlashAttention's own; a named fused kernel is timed on its published curve where the GPU has one.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findGpu, findModel } from '../../catalog/catalog.js';
import { type ClusterSpec, defaultCluster } from '../hardware/cluster-spec.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { recomputeShares } from './recompute.js';
import { type TrainingOptions, trainingStepTime } from './step-time.js';

const spec = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const h100 = findCluster('dgx-h100');
const base: TrainingOptions = { seqLen: 8192, globalBatchSize: 16, precision: 'bf16', optimizer: 'adamw' };
/** torchtitan's Table 1 layout: FSDP over 8 GPUs, local batch 2. */
const fsdp8 = { ...DEFAULT_LAYOUT, dataParallel: 8, microBatchSize: 2, zeroStage: 3 } as const;
const layout = (recompute: ParallelLayout['recompute']): ParallelLayout => ({ ...fsdp8, recompute });

describe('recomputation shares', () => {
  it('full re-runs every part, none and Megatron-selective nothing, the per-op policy half the matmuls and all element-wise ops', () => {
    expect(Object.values(recomputeShares('full')).every((s) => s === 1)).toBe(true);
    expect(Object.values(recomputeShares('none', 'ops')).every((s) => s === 0)).toBe(true);
    expect(Object.values(recomputeShares('selective')).every((s) => s === 0)).toBe(true);
    const ops = recomputeShares('selective', 'ops');
    expect([ops.gemm, ops.elementwise, ops.attention, ops.cp]).toEqual([0.5, 1, 0, 0]);
  });

  it('per-op selective costs, between none and full, exactly its shares of the forward parts', () => {
    const none = trainingStepTime(spec, h100, layout('none'), base);
    const ops = trainingStepTime(spec, h100, layout('selective'), { ...base, selectiveCheckpoint: 'ops' });
    const full = trainingStepTime(spec, h100, layout('full'), base);
    expect(ops.stepSeconds).toBeGreaterThan(none.stepSeconds);
    expect(ops.stepSeconds).toBeLessThan(full.stepSeconds);
    // Megatron's policy: FlashAttention already recomputes the scores, nothing more is timed.
    expect(trainingStepTime(spec, h100, layout('selective'), base).stepSeconds).toBe(none.stepSeconds);
  });
});

describe('the fused attention kernel timed', () => {
  const attention = (cluster: ClusterSpec, kernel?: 'flash2' | 'flash3') =>
    trainingStepTime(spec, cluster, layout('none'), { ...base, ...(kernel && { attentionKernel: kernel }) })
      .breakdown.attentionSeconds;
  it('H100: FlashAttention-2 takes its published curve, FlashAttention-3 / FlashAttention-2 ≈ 0.653 / 0.374 at 8K tokens', () => {
    expect(attention(h100, 'flash2') / attention(h100, 'flash3')).toBeCloseTo(0.6529 / 0.374, 1);
    expect(attention(h100, 'flash2')).toBeGreaterThan(attention(h100));
  });
  it('A100 (no per-kernel curves): the profile figures whatever the kernel', () => {
    const a100 = defaultCluster(findGpu('a100-80gb'));
    expect(attention(a100, 'flash2')).toBe(attention(a100));
  });
});

describe('element-wise ops without fusion (a compiled stack run eagerly)', () => {
  it('norm, rotary and SwiGLU move their eager bytes: the element-wise time grows, GEMMs and attention do not', () => {
    const fused = trainingStepTime(spec, h100, layout('none'), base).breakdown;
    const eager = trainingStepTime(spec, h100, layout('none'), { ...base, eagerElementwise: true }).breakdown;
    expect(eager.gemmSeconds).toBe(fused.gemmSeconds);
    expect(eager.attentionSeconds).toBe(fused.attentionSeconds);
    // Residual adds are one kernel either way, so the growth is below the norm's 9×.
    expect(eager.elementwiseSeconds / fused.elementwiseSeconds).toBeGreaterThan(1.5);
    expect(eager.elementwiseSeconds / fused.elementwiseSeconds).toBeLessThan(9);
  });
});
