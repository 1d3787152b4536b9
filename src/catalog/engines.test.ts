/**
 * Engine profiles on a GPU (engines.ts engineForGpu): settings the engine picks by GPU memory, and
 * SGLang's memory share derived per replica (core engineMemoryFraction) against hand evaluations of
 * ServerArgs._handle_gpu_memory_settings.
 */
import { describe, expect, it } from 'vitest';
import { engineMemoryFraction, expertAlignmentOn } from '../core/inference/engine.js';
import { MIB } from '../core/units.js';
import { findGpu } from './catalog.js';
import { engineForGpu, engineVendorError, findEngine } from './engines.js';

const sglang = findEngine('sglang');
const share = (gpu: string, tensorParallel: number, expertParallel = 1) =>
  engineMemoryFraction(engineForGpu(sglang, gpu), findGpu(gpu).memoryBytes, {
    tensorParallel,
    expertParallel,
  });

describe('SGLang memory share per GPU and layout', () => {
  it('reproduces the catalog reference: H100 80 GB (81,559 MiB) at TP1 = (81,559 − 13,440) / 81,559', () => {
    // 512 + 8,192 × 1.5 + 256 × 2 + 1 × 128 = 13,440 MiB
    expect(share('h100-sxm', 1)).toBe(0.835);
    expect(share('h100-sxm', 1)).toBe(sglang.memoryFraction);
  });

  it('grows with GPU memory and shrinks with the parallel group (H200, 143,771 MiB)', () => {
    expect(share('h200', 1)).toBe(0.907); // 13,440 MiB reserved
    // TP8: 512 + 12,288 + 512 × 2 + 8 × 128 = 14,848 MiB
    expect(share('h200', 8)).toBe(Math.round(((143771 - 14848) / 143771) * 1000) / 1000);
    // Attention DP over 8 ranks adds 512 × 8 × 3 + 512 × 8 × 1.5 MiB of padding
    expect(share('h200', 1, 8)).toBe(Math.round(((143771 - 14848 - 18432) / 143771) * 1000) / 1000);
    expect(share('h200', 1, 8)).toBeLessThan(share('h200', 8));
  });

  it('takes the token budget and graph batch of the GPU memory tier (B200: 16,384-token chunks)', () => {
    expect(engineForGpu(sglang, 'b200').maxBatchedTokens).toBe(16384);
    expect(engineForGpu(sglang, 'h200').maxBatchedTokens).toBe(8192);
    // 512 + 16,384 × 1.5 + 512 × 2 + 128 = 26,240 MiB
    const mib = findGpu('b200').memoryBytes / MIB;
    expect(share('b200', 1)).toBe(Math.round(((mib - 26240) / mib) * 1000) / 1000);
  });

  it('leaves a GPU outside the catalog at the reference values of the profile', () => {
    const e = engineForGpu(sglang, 'not-in-the-catalog');
    expect(e.maxBatchedTokens).toBe(sglang.maxBatchedTokens);
    expect(e.memoryReserve).toBeUndefined();
  });

  it('keeps a fixed share for engines without the rule', () => {
    const vllm = engineForGpu(findEngine('vllm'), 'h200');
    expect(
      engineMemoryFraction(vllm, findGpu('h200').memoryBytes, { tensorParallel: 8, expertParallel: 1 }),
    ).toBe(vllm.memoryFraction);
  });
});

describe("vLLM's batch defaults by device (EngineArgs.get_batch_defaults)", () => {
  const vllm = findEngine('vllm');
  const defaults = (gpu: string) => {
    const e = engineForGpu(vllm, gpu);
    return [e.maxBatchedTokens, e.maxRunningSequences];
  };
  it('8,192 tokens and 1,024 sequences a step on GPUs of 70 GiB or more (H100, H200, B200, MI300X, H20)', () => {
    for (const gpu of ['h100-sxm', 'h200', 'b200', 'mi300x', 'h20'])
      expect(defaults(gpu)).toEqual([8192, 1024]);
  });
  it('2,048 and 256 on an A100 of any size (the name rule) and under 70 GiB (L40S, A10, RTX 4090)', () => {
    for (const gpu of ['a100-80gb', 'a100-80gb-pcie', 'a100-40gb', 'l40s', 'a10', 'rtx-4090'])
      expect(defaults(gpu)).toEqual([2048, 256]);
  });
  it("a GPU outside the catalog keeps the profile's values; the rule is vLLM's alone", () => {
    expect(defaults('not-in-the-catalog')).toEqual([vllm.maxBatchedTokens, vllm.maxRunningSequences]);
    expect(engineForGpu(findEngine('sglang'), 'a100-80gb').maxRunningSequences).toBe(
      findEngine('sglang').maxRunningSequences,
    );
  });
});

describe("vLLM's weight-only MoE padding (weightOnlyMoeAlignment)", () => {
  it('pads 4-bit experts served weight-only (Hopper), not on FP4 tensor cores, not 8-bit, not on the other engines', () => {
    const vllm = findEngine('vllm');
    expect(vllm.weightOnlyMoeAlignment).toEqual({ intermediate: 128, hidden: 256 });
    expect(expertAlignmentOn(vllm, 'fp4', findGpu('h100-sxm'))).toEqual({ intermediate: 128, hidden: 256 });
    expect(expertAlignmentOn(vllm, 'fp4', findGpu('b200'))).toBeUndefined();
    expect(expertAlignmentOn(vllm, 'fp8', findGpu('h100-sxm'))).toBeUndefined();
    for (const id of ['sglang', 'trt-llm'])
      expect(expertAlignmentOn(findEngine(id), 'fp4', findGpu('h100-sxm'))).toBeUndefined();
  });
});

describe('the GPU vendors an engine runs on (gpuVendors)', () => {
  it('TensorRT-LLM runs on NVIDIA GPUs only; vLLM and SGLang state no bound', () => {
    const trt = findEngine('trt-llm');
    expect(engineVendorError(trt, 'h100-sxm')).toBeNull();
    expect(engineVendorError(trt, 'mi300x')).toBe(
      "TensorRT-LLM (PyTorch backend, 1.x) runs on NVIDIA GPUs only (trtllm-supported-hardware); mi300x is AMD's: use vllm or sglang",
    );
    for (const id of ['vllm', 'sglang']) expect(engineVendorError(findEngine(id), 'mi300x')).toBeNull();
  });
});
