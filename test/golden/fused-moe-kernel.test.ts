/**
 * The operation list's routed-expert GEMMs against measured fused-MoE kernels. vLLM PR #39902
 * ("Add tuned triton fused_moe configs on H100 for gpt-oss", github.com/vllm-project/vllm/pull/39902,
 * 2026-04-15) times vLLM's Triton fused_moe kernel on one H100 80GB for GPT-OSS 120B's expert shapes
 * (E = 128, hidden 2880, intermediate 2880, top-4) with `benchmark_moe.py`, whose default dtype runs them
 * in BF16: 85.24, 501.58, 2,130.23, 2,199.61 and 2,314.23 µs per layer at 1, 8, 256, 512 and 1,024
 * tokens (the tuned configs). The kernel streams the experts its tokens touch — 4, up to 32, then all 128
 * (6.4 GB) — so it tests the memory side of the expert GEMMs: which experts are read, and at what
 * bandwidth. Guard ±20% (today −14% … +10%).
 *
 * vLLM PR #24700 ("Improve default fused moe configs by analyzing tuned configs",
 * github.com/vllm-project/vllm/pull/24700, 2025-09-11) times the same kernel for Mixtral 8x7B at TP2 on an
 * H100 (BF16, `benchmark_moe.py -tp=2`, its "Tuned Config" run): 144 µs at 1 token to 1,123 µs at 1,536. Up to
 * 256 tokens it streams the touched experts (guard ±20%, today −18% … 0%); from 512 tokens (≥ 128 rows an
 * expert) it is compute-bound at 44–49% of the BF16 peak where the model's GEMMs reach 71–78%: a known
 * gap of the Triton kernel's gathered rows (−25% … −38% today, guard 45%), not modelled per engine.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { resolveHardware } from '../../src/catalog/training-defaults.js';
import { servingRequest } from '../../src/core/inference/serving-step.js';
import { layerKinds } from '../../src/core/model/flops.js';
import { operationSeconds } from '../../src/core/model/operation-seconds.js';
import { layerOperations } from '../../src/core/model/operations.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';

/** vLLM PR #24700, Mixtral 8x7B TP2 on H100, tuned config: tokens → µs per layer. */
const MIXTRAL_TP2_MICROSECONDS: readonly (readonly [tokens: number, microseconds: number])[] = [
  [1, 144.03],
  [8, 434.98],
  [64, 483.14],
  [256, 536.77],
  [512, 662.33],
  [1024, 833.72],
  [1536, 1122.93],
];

/** vLLM PR #39902, GPT-OSS 120B shapes at TP1 on H100, tuned configs: tokens → µs per layer. */
const GPT_OSS_MICROSECONDS: readonly (readonly [tokens: number, microseconds: number])[] = [
  [1, 85.24],
  [8, 501.58],
  [256, 2130.23],
  [512, 2199.61],
  [1024, 2314.23],
];

/** µs of one layer's routed-expert GEMMs for `tokens` decoding tokens, BF16 on one H100 of a TP group. */
function expertMicroseconds(model: string, tensorParallel: number, tokens: number): number {
  const spec = modelSpecFrom(findModel(model).config, model);
  const { cluster } = resolveHardware('h100-sxm', undefined);
  const { layer } = layerKinds(spec)[0]!;
  const replica = { tensorParallel, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' } as const;
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
}

describe('routed experts vs measured fused-MoE kernels (vLLM Triton fused_moe, BF16, H100)', () => {
  it('GPT-OSS 120B shapes (PR #39902): each batch within 20% of the kernel time, and flat once every expert is read', () => {
    const predicted = GPT_OSS_MICROSECONDS.map(([tokens]) => expertMicroseconds('gpt-oss-120b', 1, tokens));
    GPT_OSS_MICROSECONDS.forEach(([tokens, measured], i) => {
      expect(Math.abs(predicted[i]! / measured - 1), `${tokens} tokens`).toBeLessThan(0.2);
    });
    // 256 → 1,024 tokens: every expert already read, the kernel adds 9%; the model within that.
    expect(predicted[4]! / predicted[2]!).toBeLessThan(1.1);
  });

  it('Mixtral 8x7B at TP2 (PR #24700): memory-bound batches within 20%; compute-bound ones a labelled known gap (guard 45%)', () => {
    for (const [tokens, measured] of MIXTRAL_TP2_MICROSECONDS) {
      const error = expertMicroseconds('mixtral-8x7b', 2, tokens) / measured - 1;
      if (tokens <= 256) expect(Math.abs(error), `${tokens} tokens`).toBeLessThan(0.2);
      else {
        // The model is faster than the Triton kernel here (never slower): regression guard above today's −38%.
        expect(error, `${tokens} tokens`).toBeLessThan(0);
        expect(error, `${tokens} tokens`).toBeGreaterThan(-0.45);
      }
    }
  });
});
