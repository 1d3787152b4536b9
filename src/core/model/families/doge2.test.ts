/**
 * Doge2 (`doge2`), read by calling the family directly: counts tensor by tensor from small-doge
 * `src/small_doge/models/doge2/modeling_doge2.py` (Doge2Attention: q/k/v/o, A and dt_proj over the KV
 * heads, q_norm and k_norm of head_dim; Doge2DecoderLayer: two RMSNorms and two residual scales; DogeMLP
 * or DogeCDMoE without biases), Doge2Config's defaults, and what differs from `doge`.
 *
 * Fixture: `hand-built/doge2-175m.json`, the model_config of small-doge
 * `recipes/doge2/Doge2-160M/config_full.yaml` (hub_model_id Doge2-175M) under `model_type` doge2.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramCount } from '../param-count.js';
import { doge, doge2 } from './doge.js';
import { Fields, type Json } from './fields.js';

const DOGE2_175M: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/doge2-175m.json', import.meta.url),
    'utf8',
  ),
);
const read = (config: Json) => doge2(new Fields(config, 'doge2'), 'doge2');

/** One Doge2DecoderLayer: attention with its dynamic mask and q/k norms, norms, residual scales, the MLP or CDMoE. */
function layer(c: { h: number; heads: number; kv: number; inter: number; experts: number | null }): number {
  const d = c.h / c.heads;
  const attention = 2 * c.h * c.heads * d + 2 * c.h * c.kv * d;
  const mask = c.kv + c.kv * d * c.kv; // A [K], dt_proj K·d → K
  const shared = 3 * c.h * c.inter;
  const cdmoe = c.experts === null ? 0 : c.h * 2 * Math.floor(Math.sqrt(c.experts)) + 2 * c.experts * c.h;
  return attention + 2 * d + mask + 2 * c.h + 2 * c.h + shared + cdmoe;
}

describe('doge2', () => {
  it('Doge2-175M: 30 CDMoE layers of 576, 900 experts, tied — 166,711,578', () => {
    const spec = read(DOGE2_175M);
    const expected = 30 * layer({ h: 576, heads: 9, kv: 3, inter: 1536, experts: 900 }) + 49_152 * 576 + 576;
    expect(paramCount(spec).totalParams).toBe(expected);
    expect(expected).toBe(166_711_578);
    expect(spec.warnings!.every((w) => w.startsWith('doge2: '))).toBe(true);
  });

  it("Doge2Config's defaults, bias-free MLPs whatever mlp_bias says; no remote-code warning for dynamic_mask_ratio", () => {
    const bare = read({ model_type: 'doge2' });
    expect(paramCount(bare).totalParams).toBe(
      32 * layer({ h: 1024, heads: 8, kv: 8, inter: 4096, experts: null }) + 2 * 32_768 * 1024 + 1024,
    );
    expect(paramCount(read({ model_type: 'doge2', mlp_bias: true })).totalParams).toBe(
      paramCount(bare).totalParams,
    );
    expect(read({ ...DOGE2_175M, dynamic_mask_ratio: 0 }).warnings).toHaveLength(2);
    // The same config under `doge` has Doge's defaults and warns about the remote code's key.
    const asDoge = doge(
      new Fields({ ...DOGE2_175M, model_type: 'doge', dynamic_mask_ratio: 0 }, 'doge'),
      'doge',
    );
    expect(
      asDoge.warnings!.some((w) =>
        w.includes("'dynamic_mask_ratio' is a key of SmallDoge's remote DogeConfig"),
      ),
    ).toBe(true);
  });
});
