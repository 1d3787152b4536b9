/**
 * PLaMo 3 (`plamo3`), read by calling the family directly: counts tensor by tensor from the modules vLLM's
 * `plamo3.py` builds (qkv_proj, q_norm and k_norm of head_dim, o_proj; four RMSNorms per layer; gate_up_proj
 * and down_proj; a final norm; the tied lm_head), the full/sliding pattern, the legacy window keys, class
 * defaults, and errors that name the field.
 *
 * Fixture: `hand-built/plamo-3-nict-8b-base.json` (see test/fixtures/hf-configs/README.md): its count,
 * 8,091,348,992, is the one a fine-tune of the 8B base states and agrees with its Q8_0 GGUF's 8,601,238,080 bytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { plamo3 } from './plamo3.js';

const PLAMO3_8B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/plamo-3-nict-8b-base.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => plamo3(new Fields(config, 'plamo3'), 'plamo3');

/** Every tensor: per layer qkv, o, q/k norms, four norms, gate_up and down; the tied embedding and final norm. */
function tensors(s: {
  h: number;
  layers: number;
  heads: number;
  kv: number;
  d: number;
  inter: number;
  vocab: number;
}) {
  const qkv = s.h * (s.heads + 2 * s.kv) * s.d;
  const o = s.heads * s.d * s.h;
  const layer = qkv + o + 2 * s.d + 4 * s.h + 3 * s.h * s.inter;
  return s.layers * layer + s.vocab * s.h + s.h;
}

describe('plamo3', () => {
  it('PLaMo 3 NICT 8B: 8,091,348,992 with the head tied', () => {
    const spec = read(PLAMO3_8B);
    const expected = tensors({
      h: 4096,
      layers: 32,
      heads: 32,
      kv: 4,
      d: 128,
      inter: 16_384,
      vocab: 107_520,
    });
    expect(paramCount(spec).totalParams).toBe(expected);
    expect(expected).toBe(8_091_348_992);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.attention).toMatchObject({ qkNorm: 'per-head', fusedQkv: true, qkvBias: false });
    expect(spec.mlp).toMatchObject({ fusedGateUp: true, intermediateSize: 16_384 });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
  });

  it('one full layer in eight, the rest over window_size: "4 full attention + 28 sliding-window"', () => {
    const spec = read(PLAMO3_8B);
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([7, 15, 23, 31]);
    expect(spec.slidingWindow).toBe(2048);
    // 4 full layers hold 4,096 tokens, 28 sliding ones 2,048: 4 KV heads of 128, K and V, BF16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe((4 * 4096 + 28 * 2048) * 2 * 4 * 128 * 2);
  });

  it('the legacy sliding_window (an int, or the per-layer list) and layer_types', () => {
    const { window_size: _w, ...legacy } = PLAMO3_8B;
    expect(read({ ...legacy, sliding_window: 1024 }).slidingWindow).toBe(1024);
    const list = Array.from({ length: 32 }, (_, i) => ((i + 1) % 8 === 0 ? null : 512));
    expect(read({ ...legacy, sliding_window: list }).slidingWindow).toBe(512);
    expect(read(legacy).slidingWindow).toBe(128);
    expect(read(legacy).warnings![0]).toMatch(/no window_size .* 128 tokens .* an older copy has 2048/);
    expect(read(PLAMO3_8B).warnings).toBeUndefined();
    const types = Array.from({ length: 32 }, (_, i) => (i % 2 ? 'full_attention' : 'sliding_attention'));
    expect(
      read({ ...PLAMO3_8B, layer_types: types }).layers.filter((l) => l.attention === 'full'),
    ).toHaveLength(16);
  });

  it('Plamo3Config defaults: a config that leaves them out reads as the class builds it', () => {
    const bare = read({ model_type: 'plamo3' });
    expect(paramCount(bare).totalParams).toBe(
      tensors({ h: 4096, layers: 32, heads: 32, kv: 4, d: 128, inter: 13_312, vocab: 32_000 }),
    );
    expect(bare.maxContextTokens).toBe(2048);
  });

  it('errors name the field', () => {
    const path = (config: Json) => inputErrorOf(() => read(config)).issues[0]?.path;
    expect(path({ ...PLAMO3_8B, window_size: 0 })).toEqual(['window_size']);
    expect(path({ ...PLAMO3_8B, sliding_window_pattern: 0 })).toEqual(['sliding_window_pattern']);
    const { window_size: _w, ...legacy } = PLAMO3_8B;
    expect(path({ ...legacy, sliding_window: [512, 'wide'] })).toEqual(['sliding_window']);
    expect(path({ ...PLAMO3_8B, num_key_value_heads: 3 })).toEqual(['num_key_value_heads']);
  });
});
