/**
 * Granite SWASH (`granite_swa`, `granitemoe_swa`; granite-swa.ts): full and 128-token sliding layers
 * with a learned sink per head, a dense SwiGLU (granite-swash-2b) or 48 experts top-4 with a shared MLP
 * (granite-swash-3b-a600m).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { graniteMoeSwa, graniteSwa } from './granite-swa.js';

const fixture = (name: string): Json => hfFixture(`hand-built/${name}`) as Json;

/** q/k/v/o of `heads` query and 4 KV heads of h / heads, no bias, plus one sink per head. */
const attention = (h: number, heads: number) => {
  const hd = h / heads;
  return 2 * h * heads * hd + 2 * h * 4 * hd + heads;
};

describe('granite_swa', () => {
  it('granite-swash-2b: 24 dense layers (6 full, 18 sliding over 128 tokens), sinks, tied embeddings', () => {
    const spec = graniteSwa(new Fields(fixture('granite-swash-2b'), 'granite_swa'), 'x');
    const h = 2560;
    const layer = attention(h, 20) + 3 * h * 8192 + 2 * h;
    const total = 24 * layer + h + 100_352 * h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(2_144_463_840);
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([0, 4, 8, 12, 16, 20]);
    expect(spec.slidingWindow).toBe(128);
    // Per token and layer: K and V of 4 heads × 128 in bf16; sliding layers keep 128 tokens.
    const perToken = 2 * 4 * 128 * 2;
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(perToken * (6 * 8192 + 18 * 128));
  });

  it("reads GraniteSWAConfig's defaults (the 2B shape) and refuses a bad layer type, naming the field", () => {
    const bare = graniteSwa(new Fields({}, 'granite_swa'), 'x');
    const full = graniteSwa(new Fields(fixture('granite-swash-2b'), 'granite_swa'), 'x');
    expect(paramCount(bare).totalParams).toBe(paramCount(full).totalParams);
    expect(bare.layers).toEqual(full.layers);
    const types = Array(24).fill('sliding_attention');
    types[3] = 'linear_attention';
    expect(() => graniteSwa(new Fields({ layer_types: types }, 'granite_swa'), 'x')).toThrow(/layer_types/);
  });
});

describe('granitemoe_swa', () => {
  it('granite-swash-3b-a600m: 48 experts top-4 and a shared MLP, 8 full and 20 sliding layers', () => {
    const spec = graniteMoeSwa(new Fields(fixture('granite-swash-3b-a600m'), 'granitemoe_swa'), 'x');
    const h = 1280;
    const expert = 3 * h * 512;
    const router = 48 * h;
    const shared = 3 * h * 1280;
    const norms = 2 * h;
    const embedding = 100_352 * h;
    const total = 28 * (attention(h, 20) + router + 48 * expert + shared + norms) + h + embedding;
    const active = 28 * (attention(h, 20) + router + 4 * expert + shared + norms) + h + embedding;
    const counts = paramCount(spec);
    expect(counts.totalParams).toBe(total);
    expect(counts.activeParams).toBe(active);
    expect([total, active]).toEqual([3_020_382_000, 598_171_440]);
    const full = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(full).toEqual([0, 3, 7, 11, 15, 19, 23, 27]);
    const perToken = 2 * 4 * 64 * 2;
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(perToken * (8 * 8192 + 20 * 128));
  });

  it('no shared MLP at shared_intermediate_size 0 (the class default); a top-k above the experts is refused', () => {
    const config = fixture('granite-swash-3b-a600m');
    const { shared_intermediate_size: _, ...noShared } = config;
    const spec = graniteMoeSwa(new Fields(noShared, 'granitemoe_swa'), 'x');
    expect(spec.moe?.numSharedExperts).toBe(0);
    const withShared = graniteMoeSwa(new Fields(config, 'granitemoe_swa'), 'x');
    expect(paramCount(withShared).totalParams - paramCount(spec).totalParams).toBe(28 * 3 * 1280 * 1280);
    expect(() =>
      graniteMoeSwa(new Fields({ ...config, num_experts_per_tok: 64 }, 'granitemoe_swa'), 'x'),
    ).toThrow(/num_experts_per_tok/);
  });
});
