/**
 * QLoRA at the longest length that fitted an 80 GB A100 (Unsloth's Llama 3.3 70B table, source
 * unsloth-llama33-blog; catalog/validation/memory.json, quantity 'capacity-at-max-length'): the
 * footprint there is the GPU's 80 GiB within one search step. Hugging Face + FA2 ran 6,916 tokens,
 * Unsloth with Cut Cross-Entropy 89,389; Llama 3.1 8B with Hugging Face about 28,000. Each within 10% is the memory target; the stack
 * facts that brought them there (PEFT's FP32 adapters and k-bit upcast, Unsloth's offloaded
 * checkpoints and CCE) are checked one by one.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { findStack } from '../../src/catalog/stacks.js';
import { methodAdapter } from '../../src/core/adaptation/finetune.js';
import { trainingMemory } from '../../src/core/memory/training-memory.js';
import { parseTargets } from '../../src/core/model/adapters.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../../src/core/parallelism/layout.js';
import { GIB } from '../../src/core/units.js';
import { memoryCalibration, stackMemoryBand } from '../../src/validation/memory-cases.js';

const spec = modelSpecFrom(findModel('llama-3.1-70b').config, 'llama-3.1-70b');
const adapter = methodAdapter(spec, {
  method: 'qlora',
  rank: 32,
  targets: parseTargets('all'),
})!;
const peak = (stack: string, seqLen: number) =>
  trainingMemory(
    spec,
    { ...DEFAULT_LAYOUT, microBatchSize: 1, zeroStage: 0, recompute: 'full' },
    { seqLen, globalBatchSize: 1, precision: 'bf16', optimizer: 'adamw', stack: findStack(stack), adapter },
  ).peak;

describe('QLoRA at its longest fitted length on 80 GB (Unsloth Llama 3.3 70B table)', () => {
  const m = memoryCalibration();
  it('Hugging Face footprints make its band (these two and the 36 Qwen LoRA points; its DeepSpeed runs are deepspeed’s 27); Unsloth, with one, says it has none', () => {
    expect(stackMemoryBand('hf').cases).toBe(38);
    expect(stackMemoryBand('deepspeed').cases).toBe(27);
    expect(stackMemoryBand('unsloth').cases).toBe(0);
    expect(stackMemoryBand('unsloth').outside.join(' ')).toMatch(
      /one measured memory peak for the unsloth stack \(\+\d+\.\d% against this engine\): a P10–P90 band needs two/,
    );
  });
  for (const [id, today] of [
    ['hf-qlora-llama-3.3-70b-a100-max-length', 0.065],
    ['hf-qlora-llama-3.1-8b-a100-max-length', 0.026],
    ['unsloth-qlora-llama-3.3-70b-a100-max-length', 0.088],
  ] as const)
    it(`${id}: within 10% of the 80 GiB it filled, on the light side (today +${(100 * today).toFixed(1)}%)`, () => {
      const c = m.cases.find((k) => k.id === id)!;
      const error = c.measuredBytes / c.predictedBytes - 1;
      expect(error).toBeGreaterThan(0);
      expect(error).toBeLessThan(0.1);
    });
  it('Hugging Face: PEFT keeps adapters, their gradients and a 4-bit base’s embedding and head in FP32', () => {
    const hf = peak('hf', 6916);
    const unsloth = peak('unsloth', 6916);
    // Embedding + head: 2 × 128,256 × 8,192 parameters at 4 bytes instead of 2.
    const tables = 2 * 128256 * 8192;
    expect(hf.breakdown.weights - unsloth.breakdown.weights).toBeCloseTo(2 * tables, -6);
    expect(hf.breakdown.adapters).toBeCloseTo(2 * unsloth.breakdown.adapters, 0);
    expect(hf.breakdown.gradients).toBeCloseTo(2 * unsloth.breakdown.gradients, 0);
    // FP32 adapters are their own master: AdamW keeps only its two FP32 moments for them.
    const lora = methodAdapter(spec, {
      method: 'lora',
      rank: 32,
      targets: parseTargets('all'),
      baseFormat: 'bf16',
    })!;
    const states = (stack: string) =>
      trainingMemory(
        spec,
        { ...DEFAULT_LAYOUT, microBatchSize: 1, zeroStage: 0, recompute: 'full' },
        {
          seqLen: 4096,
          globalBatchSize: 1,
          precision: 'bf16',
          optimizer: 'adamw',
          stack: findStack(stack),
          adapter: lora,
        },
      ).peak.breakdown.optimizerStates;
    expect(states('hf')).toBeCloseTo(8 * lora.trainableParams, -3);
    expect(states('unsloth')).toBeCloseTo(12 * lora.trainableParams, -3);
  });
  it('Unsloth: all but two checkpointed layer inputs in host memory, no logits in GPU memory', () => {
    const u = peak('unsloth', 89389);
    const checkpoint = 2 * 89389 * 8192; // one layer's BF16 input
    expect(u.offloadedBytes).toBeCloseTo(78 * checkpoint, -6);
    expect(u.breakdown.logits).toBe(0);
    expect(u.totalBytes / GIB).toBeLessThan(80);
    // Hugging Face at the same length holds every checkpoint and FP32 logits: far over the GPU.
    expect(peak('hf', 89389).totalBytes / GIB).toBeGreaterThan(300);
  });
});
