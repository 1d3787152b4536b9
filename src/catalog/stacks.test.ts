import { describe, expect, it } from 'vitest';
import { calibrationSummary, STACK_IDS } from '../core/training/stack.js';
import { allStackCalibrations, findStack } from './stacks.js';

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
