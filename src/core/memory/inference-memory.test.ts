import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../model/kv-cache.js';
import { inferenceMemory } from './inference-memory.js';

const qwen = specFromHfConfig(hfFixture('qwen3.5-397b-a17b'), 'qwen3.5-397b-a17b');
const nano = specFromHfConfig(hfFixture('nemotron-3-nano-30b-a3b'), 'nemotron-3-nano');
const scout = specFromHfConfig(hfFixture('llama-4-scout-17b-16e-instruct'), 'scout');

describe('inference memory of hybrid models', () => {
  test.prop([
    fc.integer({ min: 1, max: 1_000_000 }),
    fc.integer({ min: 1, max: 256 }),
    fc.constantFrom(1, 2, 4, 8),
  ])(
    'KV from attention layers only, plus a constant recurrent state per sequence split over TP',
    (context, batch, tp) => {
      for (const spec of [qwen, nano]) {
        const m = inferenceMemory(spec, {
          weightFormat: 'bf16',
          kvFormat: 'bf16',
          batchSize: batch,
          contextTokens: context,
          tensorParallel: tp,
        });
        const a = spec.attention;
        const kvShare = a.kind === 'gqa' ? Math.max(1, a.numKvHeads / tp) / a.numKvHeads : 1;
        expect(m.kvCacheBytes).toBeCloseTo(batch * kvCacheBytes(spec, context).bytesPerSequence * kvShare, 0);
        const heads = spec.linearAttention?.numValueHeads ?? spec.stateSpace?.numHeads ?? 1;
        expect(m.recurrentStateBytes).toBeCloseTo(
          (batch * recurrentStateBytes(spec).bytesPerSequence * Math.max(1, heads / tp)) / heads,
          0,
        );
        expect(m.totalBytes).toBeCloseTo(
          m.weightsBytes +
            m.kvCacheBytes +
            m.recurrentStateBytes +
            m.workspaceBytes +
            m.frameworkOverheadBytes,
          0,
        );
      }
    },
  );

  test.prop([fc.integer({ min: 8192, max: 10_000_000 })])(
    'Llama 4 chunked layers stop growing past the chunk',
    (context) => {
      const at = (c: number) => kvCacheBytes(scout, c).bytesPerSequence;
      // Past one chunk only the 12 global (NoPE) layers grow: 12 × K,V × 8 heads × 128 × 2 B per token.
      expect(at(context + 1000) - at(context)).toBe(12 * 2 * 8 * 128 * 2 * 1000);
    },
  );
});
