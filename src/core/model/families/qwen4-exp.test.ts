/**
 * Qwen4-Exp (`qwen4_exp`, `qwen4_exp_text`; qwen4-exp.ts) on the released shape: 48 layers (36 Gated
 * DeltaNet, 12 QSA attention), 512 experts top-10 with a gated shared expert, no layer or final norms,
 * hyper-connections reported in a warning, one PLE layer held as lookup tables, the Qwen3.5 vision tower
 * counted apart.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { qwen4ExpText, qwen4ExpWrapper } from './qwen4-exp.js';
import type { Family } from './readers.js';

const config = hfFixture('hand-built/qwen4-exp') as Json;
const text = config.text_config as Json;
const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const spec = qwen4ExpWrapper(familyOf)(new Fields(config, 'qwen4_exp'), 'x');

const h = 2560;
const vocab = 248_320;
// Qwen3_5Attention: q_proj (queries and output gate, 2·24·256), k and v (2·256), o, q/k RMSNorm(256).
const attention = h * 2 * 24 * 256 + 2 * h * 2 * 256 + 24 * 256 * h + 2 * 256;
// Qwen4ExpTextQSAIndexer: index_qk_proj h → (4 + 1)·128, q_layernorm and k_layernorm of 128.
const indexer = h * 5 * 128 + 2 * 128;
// Qwen3_5GatedDeltaNet: in_proj_qkv (2·16·128 + 48·128), in_proj_z (48·128), in_proj_b and _a (48),
// conv1d over qkv × 4, dt_bias and A_log (48), norm (128), out_proj.
const qkv = 2 * 16 * 128 + 48 * 128;
const gdn = h * qkv + h * 48 * 128 + 2 * h * 48 + qkv * 4 + 2 * 48 + 128 + 48 * 128 * h;
// Qwen3NextSparseMoeBlock: router h → 512, 512 SwiGLU experts of 640, shared expert of 640 and its gate.
const expert = 3 * h * 640;
const moe = h * 512 + 512 * expert + expert + h;
const total = 2 * vocab * h + 12 * (attention + indexer) + 36 * gdn + 48 * moe;

/** The `count` primes from `from` on, by trial division. */
function primes(from: number, count: number): number[] {
  const out: number[] = [];
  for (let p = from; out.length < count; p++) {
    let prime = p > 1;
    for (let d = 2; d * d <= p && prime; d++) prime = p % d !== 0;
    if (prime) out.push(p);
  }
  return out;
}

// The PLE layer: 16 n-gram heads of 2560 / 16 = 160, each a table of the next prime ≥ 20,000,000 rows,
// padded to 128, with key_proj (E → 4h), value_proj (E → h), three norms over the 4 streams and a conv of 4.
const ple =
  Math.ceil(primes(20_000_000, 16).reduce((a, b) => a + b, 0) / 128) * 128 * 160 +
  h * 4 * h +
  h * h +
  3 * 4 * h +
  4 * h * 4;

describe('qwen4_exp (Qwen4-Exp, hand-built from the released config)', () => {
  it('counts the text model exactly to the parameter', () => {
    const p = paramCount(spec);
    // The PLE tables are lookups held like the embedding: in the total and the embedding count; a token
    // reads a few of their rows, so they are not active.
    expect(p.totalParams).toBe(total + ple);
    expect(p.activeParams).toBe(total - 48 * (512 - 10) * expert);
    expect(p.breakdown.lookupTables).toBe(ple);
    expect(p.embeddingParams).toBe(2 * vocab * h + ple);
    expect(p.breakdown.norms).toBe(0);
    // The MTP module: pre-fc norms (and llmecon's final norm), fc_embedding + fc_hidden, a QSA + MoE layer.
    expect(p.mtpParams).toBe(3 * h + 2 * h * h + attention + indexer + moe);
    expect(spec.layers.filter((l) => l.attention === 'sparse')).toHaveLength(12);
    expect(spec.layers[3]?.attention).toBe('sparse');
    expect(spec.sparseAttention).toEqual({ numHeads: 4, headDim: 128, topKTokens: 2048, blockTokens: 4 });
  });

  it('counts the Qwen3.5 vision tower and merger apart', () => {
    const v = 1152;
    const block = 2 * 2 * v + (v * 3 * v + 3 * v) + (v * v + v) + (v * 4304 + 4304) + (4304 * v + v);
    const merged = 4 * v;
    const tower = 3 * 2 * 16 * 16 * v + v + 2304 * v + 27 * block;
    const merger = 2 * v + merged * merged + merged + merged * h + h;
    expect(paramCount(spec).visionParams).toBe(tower + merger);
  });

  it('caches K and V on the 12 QSA layers plus one 128-wide indexer key each', () => {
    const perToken = 12 * (2 * 2 * 256 + 128) * 2;
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(perToken);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(perToken * 4096);
  });

  it('reports the hyper-connections it does not count, and the PLE layer it counts as lookup tables', () => {
    const n = 4;
    const r = 320;
    const mixer = n * h + 2 * n * h * r;
    const residuals = 2 * (mixer + n * n * h);
    const fmt = (x: number) => x.toLocaleString('en-US');
    const warnings = spec.warnings?.join('\n') ?? '';
    expect(warnings).toContain(`${fmt(48 * residuals + mixer)} parameters`);
    expect(warnings).toContain(
      `(${fmt(ple)} parameters, ${((2 * ple) / 1e9).toFixed(1)} GB in BF16) are counted as lookup tables`,
    );
    expect(warnings).toContain(`MTP module's hyper-connections (${fmt(residuals + mixer)} parameters)`);
  });

  it('reads a bare text config with Qwen4ExpTextConfig defaults', () => {
    const bare = qwen4ExpText(
      new Fields(
        {
          model_type: 'qwen4_exp_text',
          indexer_n_heads: 4,
          indexer_kv_heads: 1,
          indexer_head_dim: 128,
          indexer_budget: 2048,
          indexer_compress_ratio: 4,
        },
        'qwen4_exp_text',
      ),
      'x',
    );
    expect(bare.numLayers).toBe(40);
    expect(bare.layers.filter((l) => l.attention === 'sparse')).toHaveLength(10);
    expect(bare.moe?.expertIntermediateSize).toBe(512);
    expect(bare.linearAttention?.numValueHeads).toBe(32);
  });

  it('names the field of a bad config', () => {
    const read = (overrides: Json) =>
      qwen4ExpText(new Fields({ ...text, ...overrides }, 'qwen4_exp_text'), 'x');
    expect(() => read({ indexer_head_dim: null })).toThrow(/indexer_head_dim/);
    expect(() => read({ indexer_kv_heads: 2 })).toThrow(/indexer_kv_heads/);
    expect(() => read({ indexer_budget: 2050 })).toThrow(/indexer_budget/);
    expect(() => read({ ple_layer_ids: [4] })).toThrow(/ple_layer_ids/);
    expect(() => read({ ple_embed_dim: 2561 })).toThrow(/ple_embed_dim/);
    expect(() => read({ layer_types: ['sliding_attention'] })).toThrow(/layer_types/);
  });
});
