/**
 * A run made with the optimizer in host memory: verl's DeepSeek-V3 GRPO on 96 H20 (catalog/validation/
 * rl-runs.json, held out; its trainer runs Megatron with optimizer_cpu_offload, OFFLOAD_FRACTION 1).
 * Its policy update, planned as `llmecon rl` plans it (packed sequences of prompt + mean response, one
 * global batch of prompts × samples), fits no layout with the optimizer on the GPU and fits with it
 * offloaded, its host memory within the HGX host's.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/catalog.js';
import { offloadOptions } from '../../src/catalog/hosts.js';
import { rlRunsFile } from '../../src/catalog/rl-run.js';
import { stackOptions } from '../../src/catalog/stacks.js';
import { resolveHardware, runCostAssumptions } from '../../src/catalog/training-defaults.js';
import { planFinetune } from '../../src/core/adaptation/finetune.js';
import { hostMemory, trainingMemory } from '../../src/core/memory/training-memory.js';
import { parseTargets } from '../../src/core/model/adapters.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { LayoutDoesNotFitError } from '../../src/core/training/plan.js';

describe('optimizer offload: verl DeepSeek-V3 on 96 × H20', () => {
  const run = rlRunsFile().runs.find((r) => r.id === 'verl-deepseek-v3-96xh20')!;
  const spec = modelSpecFrom(findModel(run.model!).config, run.model!);
  const hw = resolveHardware(run.gpu, run.cluster);
  const seqLen = run.promptTokens + run.meanResponseTokens;
  const sequences = run.prompts * run.samplesPerPrompt;
  const plan = (offload: ReturnType<typeof offloadOptions>) =>
    planFinetune(spec, hw.cluster, {
      method: 'full',
      rank: 16,
      targets: parseTargets('attn,mlp'),
      baseFormat: 'bf16',
      seqLen,
      globalBatchSize: sequences,
      precision: 'bf16',
      optimizer: 'adamw',
      gpus: run.gpus,
      constraints: {},
      ...stackOptions('rl', run.stack),
      offload,
      dataset: { tokens: sequences * seqLen, examples: sequences, epochs: 1, packing: false },
      cost: runCostAssumptions(hw, { usdPerGpuHour: 1 }),
    });

  it('without offload no layout fits, and the largest term named is the optimizer states', () => {
    expect(() => plan(undefined)).toThrow(LayoutDoesNotFitError);
    expect(() => plan(undefined)).toThrow(/largest term is optimizerStates/);
  });

  it('with the optimizer offloaded it fits; the host holds the states and pays the CPU step', () => {
    const offload = offloadOptions('optimizer', hw.gpu)!;
    const p = plan(offload);
    expect(p.chosen.memoryPerGpuBytes).toBeLessThanOrEqual(hw.gpu.memoryBytes);
    expect(p.chosen.layout.zeroStage).toBeGreaterThanOrEqual(1);
    const stages = trainingMemory(spec, p.chosen.layout, {
      seqLen,
      globalBatchSize: sequences,
      precision: 'bf16',
      optimizer: 'adamw',
      stack: stackOptions('rl', run.stack).stack,
      offload,
    }).stages;
    const host = hostMemory(stages, offload.host);
    expect(host.bytesPerGpu).toBeGreaterThan(0);
    expect(host.fits).toBe(true);
    expect(p.chosen.step.breakdown.optimizerSeconds).toBeGreaterThan(0);
    expect(p.chosen.step.breakdown.hostTransferSeconds).toBeGreaterThan(0);
  });
});
