/**
 * The EP all-to-all's network volume: a token crosses the network once per node its routing groups
 * reach (DeepEP's normal kernels, prefill and training) or, in a serving prefill or a training step
 * dispatched by DeepEP without node-limited routing, once per node its experts reach (once per GPU inside
 * one node under DeepEP); once per expert at decode (low-latency kernels).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { byName, request } from '../../../test/operation-setup.js';
import { layerOperations, type Operation } from './operations.js';
import { expectedNodesReached } from './operations-mlp.js';

describe('expected nodes a group-limited token reaches', () => {
  it('one group per node: the groups a token may use (DeepSeek-V3: 4 of 8)', () => {
    expect(expectedNodesReached(8, 4, 8)).toBeCloseTo(4, 12);
  });
  it('two groups per node: 4 · (1 − C(6,4)/C(8,4)) = 22/7 nodes, not 8 copies', () => {
    expect(expectedNodesReached(8, 4, 4)).toBeCloseTo((4 * (70 - 15)) / 70, 12);
    expect(expectedNodesReached(8, 4, 2)).toBeCloseTo(2 * (1 - 1 / 70), 12);
  });
  test.prop([
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 1, max: 16 }),
  ])(
    'never more than the nodes or the groups a token uses, never fewer than one node',
    (logGroups, logNodes, m) => {
      const groups = 2 ** logGroups;
      const nodes = 2 ** Math.min(logNodes, logGroups);
      const perToken = Math.min(m, groups);
      const reached = expectedNodesReached(groups, perToken, nodes);
      expect(reached).toBeLessThanOrEqual(Math.min(nodes, perToken) + 1e-9);
      expect(reached).toBeGreaterThanOrEqual(1 - 1e-9);
    },
  );
});

describe('dispatch bytes over EP ranks on nodes of 8 GPUs', () => {
  const tokens = 2 * 4096;
  const dispatchBytes = (
    ep: number,
    phase: 'forward' | 'prefill' | 'decode',
    spec = byName('deepseek-v3'),
    tokenDispatcher?: 'deepep',
  ) => {
    const ops = layerOperations(
      spec,
      { attention: 'full', mlp: 'moe' },
      request({
        ep,
        phase,
        datatype: 'fp8',
        gemmInputBytes: 1,
        layout: {
          tensorParallel: 1,
          contextParallel: 1,
          expertParallel: ep,
          sequenceParallel: false,
          gpusPerNode: 8,
          ...(tokenDispatcher && { tokenDispatcher }),
        },
      }),
    );
    const op = ops.find((o): o is Extract<Operation, { type: 'collective' }> => o.name === 'dispatch');
    return op!.bytes / (tokens * spec.hiddenSize);
  };
  it('without routing groups (Qwen3-235B, top-8 of 128): a serving prefill once per node its experts reach, training per expert', () => {
    const qwen = byName('qwen3-235b-a22b');
    let untouched = 1;
    for (let i = 0; i < 8; i += 1) untouched *= (64 - i) / (128 - i);
    expect(dispatchBytes(16, 'prefill', qwen)).toBeCloseTo(2 * (1 - untouched), 9);
    expect(dispatchBytes(16, 'forward', qwen)).toBeCloseTo(8, 9);
    expect(dispatchBytes(16, 'decode', qwen)).toBeCloseTo(8, 9);
  });
  it('EP32 over 4 nodes: 22/7 node copies per FP8 token in prefill and training, all 8 experts at decode', () => {
    expect(dispatchBytes(32, 'prefill')).toBeCloseTo(22 / 7, 9);
    expect(dispatchBytes(32, 'forward')).toBeCloseTo(22 / 7, 9);
    expect(dispatchBytes(32, 'decode')).toBeCloseTo(8, 9);
  });
  it('EP64 over 8 nodes (DeepSeek-V3 training): 4 nodes per token; EP8 in one node: every expert over NVLink', () => {
    expect(dispatchBytes(64, 'forward')).toBeCloseTo(4, 9);
    expect(dispatchBytes(8, 'prefill')).toBeCloseTo(8, 9);
  });
  it('training with DeepEP (Qwen3-235B, top-8 of 128): once per node its experts reach across nodes, once per GPU inside one', () => {
    const qwen = byName('qwen3-235b-a22b');
    const distinct = (holders: number) => {
      let untouched = 1;
      for (let i = 0; i < 8; i += 1) untouched *= (128 - 128 / holders - i) / (128 - i);
      return holders * (1 - untouched);
    };
    expect(dispatchBytes(32, 'forward', qwen, 'deepep')).toBeCloseTo(distinct(4), 9);
    expect(dispatchBytes(8, 'forward', qwen, 'deepep')).toBeCloseTo(distinct(8), 9);
    expect(dispatchBytes(8, 'forward', qwen, 'deepep')).toBeLessThan(6);
    // Node-limited routing keeps its groups' count; decode's low-latency kernels send per expert.
    expect(dispatchBytes(64, 'forward', byName('deepseek-v3'), 'deepep')).toBeCloseTo(4, 9);
    expect(dispatchBytes(32, 'decode', qwen, 'deepep')).toBeCloseTo(8, 9);
  });
});
