import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { findStack } from '../../catalog/stacks.js';
import { moeLayerParams } from '../model/mixer-params.js';
import { mtpParams } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { ModelSpec } from '../model/spec.js';
import { trainedSpec, untrainedMtpWarning } from '../model/trained-spec.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { trainingMemory } from './training-memory.js';

const dsv3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const noMtp: ModelSpec = { ...dsv3, numMtpModules: 0 };
const layout = (p: number): ParallelLayout => ({
  ...DEFAULT_LAYOUT,
  pipelineParallel: p,
  dataParallel: 8,
  expertParallel: 8,
  microBatchSize: 1,
  recompute: 'none',
  zeroStage: 1,
});
const options = { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' } as const;
const routed = dsv3.moe!.numExperts * moeLayerParams(dsv3, dsv3.moe!).expert;

describe('MTP modules in training memory (on the last pipeline stage, as Megatron-Core places them)', () => {
  it('the last stage holds the MTP module (routed experts over EP) and, under a pipeline, its own embedding copy', () => {
    const withMtp = trainingMemory(dsv3, layout(4), options).stages;
    const without = trainingMemory(noMtp, layout(4), options).stages;
    const module = mtpParams(dsv3) - routed + routed / 8;
    const embedding = dsv3.vocabSize * dsv3.hiddenSize;
    expect(withMtp[3]!.paramsPerGpu - without[3]!.paramsPerGpu).toBeCloseTo(module + embedding, 0);
    // The other stages are as they were.
    for (const i of [0, 1, 2]) expect(withMtp[i]!.totalBytes).toBe(without[i]!.totalBytes);
  });
  it('without a pipeline the one stage already holds the embedding; a tied head is the copy', () => {
    const module = mtpParams(dsv3) - routed + routed / 8;
    const one = (spec: ModelSpec) => trainingMemory(spec, layout(1), options).peak.paramsPerGpu;
    expect(one(dsv3) - one(noMtp)).toBeCloseTo(module, 0);
    const tied = (spec: ModelSpec) =>
      trainingMemory({ ...spec, tieWordEmbeddings: true }, layout(4), options).stages[3]!.paramsPerGpu;
    expect(tied(dsv3) - tied(noMtp)).toBeCloseTo(module, 0);
  });
  it("each depth's loss is saved with the main one: one more microbatch of logits at the loss", () => {
    const last = (spec: ModelSpec) => trainingMemory(spec, layout(4), options).stages[3]!;
    // 1F1B, no recomputation: the loss is the only buffer that grows (6 B per logit, fused cross-entropy).
    expect(last(dsv3).buffers - last(noMtp).buffers).toBeCloseTo(6 * 4096 * dsv3.vocabSize, 0);
    expect(last(dsv3).activations).toBeGreaterThan(last(noMtp).activations);
  });
  it('a stack that does not build MTP modules holds none of them', () => {
    const hf = findStack('hf');
    const flat = { ...layout(1), expertParallel: 1 };
    expect(trainingMemory(dsv3, flat, { ...options, stack: hf })).toEqual(
      trainingMemory(noMtp, flat, { ...options, stack: hf }),
    );
    expect(findStack('megatron').trainsMtp).toBe(true);
    expect(findStack('torchtitan').trainsMtp).toBe(true);
    for (const id of ['hf', 'unsloth', 'deepspeed', 'megatron-deepspeed'])
      expect(findStack(id).trainsMtp).toBe(false);
  });
  it('trainedSpec strips the modules once (the same object each time) and says so', () => {
    const hf = findStack('hf');
    const stripped = trainedSpec(dsv3, hf);
    expect(stripped.numMtpModules).toBe(0);
    expect(trainedSpec(dsv3, hf)).toBe(stripped);
    expect(trainedSpec(dsv3, findStack('megatron'))).toBe(dsv3);
    expect(trainedSpec(dsv3)).toBe(dsv3);
    expect(untrainedMtpWarning(dsv3, hf)).toMatch(/1 MTP module is not trained: Hugging Face Trainer/);
    expect(untrainedMtpWarning(dsv3, findStack('megatron'))).toBeNull();
    expect(untrainedMtpWarning(noMtp, hf)).toBeNull();
  });
});
