/**
 * The operation list's routed-expert GEMMs against a measured fused-MoE kernel: vLLM PR #39902
 * ("Add tuned triton fused_moe configs on H100 for gpt-oss", github.com/vllm-project/vllm/pull/39902,
 * 2026-04-15) times vLLM's Triton fused_moe kernel on one H100 80GB for GPT-OSS 120B's expert shapes
 * (E = 128, hidden 2880, intermediate 2880, top-4) with `benchmark_moe.py`, whose default dtype runs them
 * in BF16: 85.24, 501.58, 2,130.23, 2,199.61 and 2,314.23 µs per layer at 1, 8, 256, 512 and 1,024
 * tokens (the tuned configs). The kernel streams the experts its tokens touch — 4, up to 32, then all 128
 * (6.4 GB) — so it tests the memory side of the expert GEMMs: which experts are read, and at what
 * bandwidth. Guard ±20% (today −14% … +10%).
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { resolveHardware } from '../../src/catalog/training-defaults.js';
import { servingRequest } from '../../src/core/inference/serving-step.js';
import { layerKinds } from '../../src/core/model/flops.js';
import { operationSeconds } from '../../src/core/model/operation-seconds.js';
import { layerOperations } from '../../src/core/model/operations.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';

const MEASURED_MICROSECONDS: readonly (readonly [tokens: number, microseconds: number])[] = [
  [1, 85.24],
  [8, 501.58],
  [256, 2130.23],
  [512, 2199.61],
  [1024, 2314.23],
];

describe('routed experts vs a measured fused-MoE kernel (vLLM PR #39902, GPT-OSS 120B shapes, BF16, H100)', () => {
  it('each batch within 20% of the kernel time, and flat once every expert is read', () => {
    const spec = modelSpecFrom(findModel('gpt-oss-120b').config, 'gpt-oss-120b');
    const { cluster } = resolveHardware('h100-sxm', undefined);
    const { layer } = layerKinds(spec)[0]!;
    const replica = { tensorParallel: 1, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' } as const;
    const predicted = MEASURED_MICROSECONDS.map(([tokens]) => {
      const request = servingRequest(cluster, replica, {
        decodeSequences: tokens,
        tokensPerSequence: 1,
        context: 100,
        prefillTokens: 0,
        prefillContext: 0,
      });
      const experts = layerOperations(spec, layer, request).filter(
        (op) => op.type === 'gemm' && op.name.startsWith('experts.'),
      );
      expect(experts.length).toBeGreaterThan(0);
      return 1e6 * experts.reduce((sum, op) => sum + operationSeconds(op, cluster), 0);
    });
    MEASURED_MICROSECONDS.forEach(([tokens, measured], i) => {
      expect(Math.abs(predicted[i]! / measured - 1), `${tokens} tokens`).toBeLessThan(0.2);
    });
    // 256 → 1,024 tokens: every expert already read, the kernel adds 9%; the model within that.
    expect(predicted[4]! / predicted[2]!).toBeLessThan(1.1);
  });
});
