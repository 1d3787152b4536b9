/**
 * Sliding-window layers in serving: gpt-oss alternates 128-token sliding layers with full ones, so
 * its KV pool, its decode step and the simulator's KV pool must bound those layers by the window —
 * at a 32K context its KV per token is about half that of the same model with every layer full.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import type { ModelSpec } from '../model/spec.js';
import { GENERIC_ENGINE, kvCapacity } from './engine.js';
import { servingStepSeconds } from './serving-step.js';
import { simulateReplica } from './simulator/simulate.js';

const gptOss = modelSpecFrom(findModel('gpt-oss-120b').config, 'gpt-oss-120b');
/** The same model with every sliding layer made full: the all-full reference. */
const allFull: ModelSpec = {
  ...gptOss,
  layers: gptOss.layers.map((l) => (l.attention === 'sliding' ? { ...l, attention: 'full' } : l)),
};
const h200 = resolveHardware('h200', undefined).cluster;
const replica = { tensorParallel: 1, expertParallel: 1, weightFormat: 'fp4', kvFormat: 'bf16' } as const;

describe('sliding-window layers are bounded by the window (gpt-oss-120b, 18 of 36 layers at 128 tokens)', () => {
  it('has half its layers sliding', () => {
    expect(gptOss.slidingWindow).toBe(128);
    expect(gptOss.layers.filter((l) => l.attention === 'sliding').length).toBe(18);
  });

  it('KV pool: bytes per token at a 32K context are about half those of all-full layers', () => {
    const windowed = kvCapacity(gptOss, h200, replica, GENERIC_ENGINE, 32_768).bytesPerTokenPerGpu;
    const full = kvCapacity(allFull, h200, replica, GENERIC_ENGINE, 32_768).bytesPerTokenPerGpu;
    // 18 full layers × 2 (K, V) × 8 KV heads × 64 dims × 2 B = 36,864 B, + 18 sliding layers' 128 tokens spread over 32K.
    expect(full).toBe(36 * 2 * 8 * 64 * 2);
    expect(windowed / full).toBeGreaterThan(0.5);
    expect(windowed / full).toBeLessThan(0.51);
  });

  it('decode step: attention time grows with context only on the full layers', () => {
    const step = (s: ModelSpec, context: number) =>
      servingStepSeconds(s, h200, replica, {
        decodeSequences: 64,
        tokensPerSequence: 1,
        context,
        prefillTokens: 0,
        prefillContext: 0,
      });
    const growth = (s: ModelSpec) => step(s, 32_768) - step(s, 8_192);
    expect(growth(allFull)).toBeGreaterThan(0);
    expect(growth(gptOss) / growth(allFull)).toBeGreaterThan(0.45);
    expect(growth(gptOss) / growth(allFull)).toBeLessThan(0.55);
  });

  it('simulator: the replica holds about twice the tokens of the all-full model', () => {
    const requests = [{ arrivalSeconds: 0, inputTokens: 32_000, outputTokens: 16 }];
    const run = (s: ModelSpec) =>
      simulateReplica(s, h200, replica, requests, { engine: GENERIC_ENGINE, arrival: { kind: 'burst' } })
        .kvCapacityTokens;
    expect(run(gptOss) / run(allFull)).toBeGreaterThan(1.9);
    expect(run(gptOss) / run(allFull)).toBeLessThan(2.05);
  });
});
