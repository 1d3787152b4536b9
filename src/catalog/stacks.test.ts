import { describe, expect, it } from 'vitest';
import { parseTargets, trainableParams } from '../core/model/adapters.js';
import { paramCount } from '../core/model/param-count.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { calibrationSummary, STACK_IDS, type StackId } from '../core/training/stack.js';
import { findModel } from './catalog.js';
import { allStackCalibrations, asTrainedBy, findStack } from './stacks.js';

describe('a stack without cases of its own takes the calibration of the stack whose modules it runs (calibrationFrom)', () => {
  it('deepspeed takes the hf calibration (its ZeRO-3 cases ran DeepSpeed under the Trainer), marked as fitted on hf', () => {
    const hf = findStack('hf').calibrations;
    const ds = findStack('deepspeed').calibrations;
    expect(hf.length).toBeGreaterThan(0);
    expect(ds).toHaveLength(hf.length);
    for (const [i, c] of ds.entries()) {
      expect(c.fittedOn).toBe('hf');
      expect(c.stepTimeScale).toBe(hf[i]!.stepTimeScale);
      expect(c.zero3LayerOverheadSeconds).toBe(hf[i]!.zero3LayerOverheadSeconds);
      expect(calibrationSummary(c)).toContain('of the hf stack');
    }
    expect(hf.every((c) => c.fittedOn === undefined)).toBe(true);
  });
  it('the pooled calibrations hold each fit once (a borrowed one is not counted twice)', () => {
    const pool = allStackCalibrations();
    expect(pool.every((c) => c.fittedOn === undefined)).toBe(true);
    expect(pool).toHaveLength(
      STACK_IDS.reduce(
        (n, id) => n + findStack(id).calibrations.filter((c) => c.fittedOn === undefined).length,
        0,
      ),
    );
  });
  it('unsloth (fused Triton kernels, not the hf modules) borrows nothing: uncalibrated', () => {
    expect(findStack('unsloth').calibrations).toHaveLength(0);
  });
});

describe('a stack states the dtype of its gradient reduction (gradientReduction)', () => {
  it('FSDP stacks that reduce in FP32 say so (torchtitan, LLM Foundry); the others take the precision’s gradient bytes', () => {
    expect(findStack('torchtitan').gradReduceInFp32).toBe(true);
    expect(findStack('llm-foundry').gradReduceInFp32).toBe(true);
    expect(findStack('megatron').gradReduceInFp32).toBeUndefined();
  });
});

describe('the model as a stack builds it (fusedProjections)', () => {
  const llama = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
  const lora16 = { method: 'lora' as const, rank: 16, targets: parseTargets('all') };
  const trainable = (stack: StackId) =>
    trainableParams(asTrainedBy(llama, undefined, findStack(stack), []), lora16);
  it("megatron's LoRA adapts linear_qkv and linear_fc1 whole: r·(h + q + 2kv) and r·(h + 2·ffn) per layer, not PEFT's seven pairs", () => {
    // Per layer: qkv 16·(4096 + 6144), proj 16·(4096 + 4096), fc1 16·(4096 + 2·14336), fc2 16·(14336 + 4096).
    expect(trainable('megatron')).toBe(32 * (163_840 + 131_072 + 524_288 + 294_912));
    // Hugging Face's PEFT on the checkpoint's q, k, v, o, gate, up and down: its printed 41,943,040.
    expect(trainable('hf')).toBe(41_943_040);
    expect(trainable('torchtitan')).toBe(41_943_040);
  });
  it('the GEMMs are the same either way: the operation list already runs q/k/v and gate/up as one GEMM', () => {
    const built = asTrainedBy(llama, undefined, findStack('megatron'), []);
    expect(paramCount(built).totalParams).toBe(paramCount(llama).totalParams);
  });
});
