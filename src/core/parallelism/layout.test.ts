import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import {
  DEFAULT_LAYOUT,
  degreesText,
  EP_DIVIDES_DP_CP,
  ETP_IS_1_OR_TP,
  expertDataParallelOf,
  expertTensorParallelOf,
  globalBatchIssue,
  layoutIssues,
  microbatchCount,
  VPP_NEEDS_PP,
} from './layout.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const dense = spec('llama-3-8b');

describe('layout issues use domain paths', () => {
  it('names the layout field, not a CLI flag', () => {
    const issues = layoutIssues(dense, { ...DEFAULT_LAYOUT, tensorParallel: 3, pipelineParallel: 64 }, 4096);
    expect(issues.map((i) => i.path)).toEqual([
      ['layout', 'tensorParallel'],
      ['layout', 'pipelineParallel'],
    ]);
  });

  it('marks the EP-divides-DP×CP check by a rule id', () => {
    const issues = layoutIssues(
      spec('mixtral-8x7b'),
      { ...DEFAULT_LAYOUT, expertParallel: 4, dataParallel: 2 },
      4096,
    );
    expect(issues.some((i) => i.rule === EP_DIVIDES_DP_CP && i.path[1] === 'expertParallel')).toBe(true);
  });

  it('refuses virtual stages without pipeline parallelism, by a rule id', () => {
    const interleaved = { ...DEFAULT_LAYOUT, schedule: 'interleaved' as const, virtualStages: 8 };
    const issues = layoutIssues(dense, interleaved, 4096);
    expect(issues.map((i) => [i.path[1], i.rule])).toEqual([['virtualStages', VPP_NEEDS_PP]]);
    expect(layoutIssues(dense, { ...interleaved, pipelineParallel: 2, virtualStages: 4 }, 4096)).toEqual([]);
  });
});

describe('expert tensor parallelism (MoE parallel folding)', () => {
  const qwen = spec('qwen3-235b-a22b');
  // NeMo 25.09's Qwen3 235B on 64 GB200: TP2, DP32, EP64 with expert_tensor_parallel_size = 1.
  const folded = { ...DEFAULT_LAYOUT, tensorParallel: 2, dataParallel: 32, expertParallel: 64 };

  it('ETP 1 lets EP span the TP ranks: EP × ETP divides TP × DP × CP', () => {
    expect(layoutIssues(qwen, { ...folded, expertTensorParallel: 1 }, 4096)).toEqual([]);
    const unfolded = layoutIssues(qwen, folded, 4096);
    expect(unfolded.map((i) => i.rule)).toEqual([EP_DIVIDES_DP_CP]);
    expect(unfolded[0]!.message).toContain('expert tensor parallelism 1 lets EP span the TP ranks');
    const tooWide = layoutIssues(qwen, { ...folded, expertParallel: 128, expertTensorParallel: 1 }, 4096);
    expect(tooWide[0]!.message).toBe(
      'expert parallelism 128 × expert tensor parallelism 1 must divide tp × dp × cp = 64',
    );
  });

  it('ETP is TP by default, or 1; anything else is named with what is allowed', () => {
    expect(expertTensorParallelOf(folded)).toBe(2);
    expect(expertTensorParallelOf({ ...folded, expertTensorParallel: 1 })).toBe(1);
    const issues = layoutIssues(
      qwen,
      { ...folded, tensorParallel: 4, dataParallel: 16, expertTensorParallel: 2 },
      4096,
    );
    expect(issues.find((i) => i.rule === ETP_IS_1_OR_TP)?.message).toBe(
      'expert tensor parallelism must be 1 or the tensor parallelism 4, got 2',
    );
    expect(
      layoutIssues(dense, { ...DEFAULT_LAYOUT, tensorParallel: 2, expertTensorParallel: 1 }, 4096)[0]!.path,
    ).toEqual(['layout', 'expertTensorParallel']);
  });

  it('expert data parallelism = TP·DP·CP / (EP·ETP): the same at ETP = TP as DP·CP / EP', () => {
    expect(expertDataParallelOf({ ...folded, expertTensorParallel: 1 })).toBe(1);
    expect(expertDataParallelOf({ ...folded, expertParallel: 8 })).toBe(4);
    expect(expertDataParallelOf({ ...folded, expertParallel: 8, expertTensorParallel: 1 })).toBe(8);
  });
});

describe('global batch and microbatches, computed once', () => {
  it('the global batch splits over dp × micro-batch', () => {
    expect(globalBatchIssue(512, { dataParallel: 8, microBatchSize: 2 })).toBeNull();
    expect(globalBatchIssue(6, { dataParallel: 4, microBatchSize: 1 })).toEqual({
      code: 'infeasible',
      path: ['globalBatchSize'],
      message: 'global batch 6 must be a multiple of dp × micro-batch = 4',
    });
  });
  it('microbatches = global batch / (dp × micro-batch), at least 1', () => {
    expect(microbatchCount(512, { dataParallel: 8, microBatchSize: 2 })).toBe(32);
    expect(microbatchCount(4, { dataParallel: 8, microBatchSize: 2 })).toBe(1);
  });
});

describe('degreesText', () => {
  it('names every degree a layout sets: EP, CP and VPP above 1, ETP where stated', () => {
    expect(degreesText(DEFAULT_LAYOUT)).toBe('tp 1 · pp 1 · dp 1');
    const wide = {
      ...DEFAULT_LAYOUT,
      tensorParallel: 2,
      pipelineParallel: 16,
      dataParallel: 64,
      expertParallel: 64,
      expertTensorParallel: 1,
      contextParallel: 2,
      virtualStages: 3,
    };
    expect(degreesText(wide)).toBe('tp 2 · pp 16 · dp 64 · ep 64 · etp 1 · cp 2 · vpp 3');
  });
});
