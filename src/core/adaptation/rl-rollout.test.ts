/**
 * The rollout simulation's budget: a step of more sequences than the simulator takes is refused before
 * anything is drawn, a replica beyond one simulation's size is refused naming --prompts, and the
 * shape trials and replicas together stay within the budget (the slowest of those simulated taken).
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import { GENERIC_ENGINE } from '../inference/engine.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { MAX_SIMULATED_WORK, type RolloutOptions, rolloutTime } from './rl-rollout.js';

const cluster = findCluster('dgx-h100');
const qwen = modelSpecFrom(findModel('qwen2.5-7b').config, 'qwen2.5-7b');
const oneToken: RolloutOptions = {
  gpus: 8,
  sequences: 2_000_000,
  promptTokens: 1,
  responseTokens: 1,
  maxResponseTokens: 1,
  engine: GENERIC_ENGINE,
  weightFormat: 'bf16',
  kvFormat: 'bf16',
};

describe('rollout simulation budget', () => {
  it('a step of more sequences than the simulator takes is refused at once, naming --prompts', () => {
    const start = performance.now();
    expect(() => rolloutTime(qwen, cluster, oneToken)).toThrowError(
      '--prompts: prompts × samples per prompt make 2,000,000 sequences a step, more than the 1,000,000 the rollout simulator takes; use fewer prompts or samples per prompt (--prompts, --samples-per-prompt)',
    );
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it('one replica of more sequences than one simulation takes is refused, however short they are', () => {
    expect(() => rolloutTime(qwen, cluster, { ...oneToken, gpus: 1, sequences: 300_000 })).toThrowError(
      '--prompts: one rollout replica would simulate 300,000 sequences and 300,000 response tokens a step, more than one simulation takes (200,000 sequences',
    );
  });

  it('shape trials and replicas share the budget: beyond it, the slowest of the replicas simulated', () => {
    // 60,000 responses of 1,000 tokens on 8 GPUs: 6·10⁷ tokens, twice the budget.
    const r = rolloutTime(qwen, cluster, {
      ...oneToken,
      sequences: 60_000,
      promptTokens: 100,
      responseTokens: 1_000,
      maxResponseTokens: 1_000,
    });
    expect(r.simulatedReplicas).toBeLessThan(r.replicas);
    const perReplica = (60_000 * 1_000) / r.replicas;
    expect(r.simulatedReplicas * perReplica).toBeLessThanOrEqual(MAX_SIMULATED_WORK);
    expect(r.seconds).toBeGreaterThan(0);
    expect(Number.isFinite(r.seconds)).toBe(true);
  });
});
