import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import {
  DEFAULT_LAYOUT,
  EP_DIVIDES_DP_CP,
  globalBatchIssue,
  layoutIssues,
  microbatchCount,
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
