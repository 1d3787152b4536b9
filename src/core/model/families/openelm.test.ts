/**
 * Apple OpenELM (`openelm`, openelm.ts): the released configs counted module by module against the
 * remote code modeling_openelm.py — per layer a fused qkv_proj h → (q + 2·kv)·head_dim, q_norm and
 * k_norm of head_dim, out_proj q·head_dim → h, proj_1 h → 2·I, proj_2 I → h, attn_norm and ffn_norm;
 * a final norm and the head tied to the embedding. Per-layer widths are written out below as
 * OpenELMConfig.__post_init__ derives them (and as the ggml converter's MODELS_CONFIG lists them).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes, queryHeadCounts } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { makeDivisible, openelm } from './openelm.js';

const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );

const read = (config: Json): ModelSpec => openelm(new Fields(config, 'openelm'), 'x');

const vocab = 32_000;

/** One decoder layer: qkv_proj, out_proj, q/k norms (head_dim each), proj_1 (h → 2I), proj_2, two norms. */
const layer = (h: number, hd: number, q: number, kv: number, ffn: number, qkNorm = true): number =>
  h * (q + 2 * kv) * hd + q * hd * h + (qkNorm ? 2 * hd : 0) + 2 * h * ffn + ffn * h + 2 * h;

interface Release {
  readonly h: number;
  readonly hd: number;
  readonly q: readonly number[];
  readonly ffn: readonly number[];
}

/** Tied embedding, the layers, the final norm. KV heads are q / num_gqa_groups (4). */
const total = (r: Release): number =>
  vocab * r.h + r.h + r.q.reduce((sum, q, i) => sum + layer(r.h, r.hd, q, q / 4, r.ffn[i]!), 0);

const OPENELM_270M: Release = {
  h: 1280,
  hd: 64,
  q: [12, 12, 12, 12, 12, 16, 16, 16, 16, 16, 16, 16, 20, 20, 20, 20],
  ffn: [768, 1024, 1280, 1536, 1792, 2048, 2560, 2816, 3072, 3328, 3584, 3840, 4352, 4608, 4864, 5120],
};
const OPENELM_450M: Release = {
  h: 1536,
  hd: 64,
  q: [12, 12, 12, 16, 16, 16, 16, 16, 16, 16, 20, 20, 20, 20, 20, 20, 24, 24, 24, 24],
  ffn: [
    768, 1024, 1280, 1536, 1792, 2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096, 4352, 4608, 5120, 5376, 5632,
    5888, 6144,
  ],
};
const OPENELM_1_1B: Release = {
  h: 2048,
  hd: 64,
  q: [
    16, 16, 16, 20, 20, 20, 20, 20, 20, 20, 24, 24, 24, 24, 24, 24, 24, 24, 28, 28, 28, 28, 28, 28, 32, 32,
    32, 32,
  ],
  ffn: [
    1024, 1280, 1536, 1792, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096, 4608, 4608, 5120, 5376,
    5632, 5888, 6144, 6400, 6656, 6912, 7168, 7424, 7680, 7936, 8192,
  ],
};
const OPENELM_3B: Release = {
  h: 3072,
  hd: 128,
  q: [
    12, 12, 12, 12, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 20, 20, 20, 20, 20, 20, 20, 20,
    20, 20, 20, 20, 24, 24, 24, 24, 24, 24,
  ],
  ffn: [
    1536, 1792, 2048, 2560, 2816, 3072, 3328, 3584, 4096, 4352, 4608, 4864, 5120, 5632, 5888, 6144, 6400,
    6656, 7168, 7424, 7680, 7936, 8192, 8704, 8960, 9216, 9472, 9728, 10_240, 10_496, 10_752, 11_008, 11_264,
    11_776, 12_032, 12_288,
  ],
};

/** Each layer's query heads, KV heads and FFN width as the formulas see them. */
const shapes = (spec: ModelSpec) =>
  spec.layers.map((l) => ({
    q: l.numHeads ?? (spec.attention.kind === 'gqa' ? spec.attention.numHeads : 0),
    kv: l.numKvHeads ?? (spec.attention.kind === 'gqa' ? spec.attention.numKvHeads : 0),
    ffn: l.intermediateSize ?? spec.mlp.intermediateSize,
  }));

const expectRelease = (spec: ModelSpec, r: Release) =>
  expect(shapes(spec)).toEqual(r.q.map((q, i) => ({ q, kv: q / 4, ffn: r.ffn[i] })));

describe('openelm', () => {
  it('make_divisible: nearest multiple, at least the divisor, one more when it rounds down by over 10%', () => {
    expect(makeDivisible(1100, 256)).toBe(1024);
    expect(makeDivisible(100, 256)).toBe(256);
    expect(makeDivisible(600, 256)).toBe(768); // 512 < 0.9 · 600
    expect(makeDivisible(2.19 * 2048, 256)).toBe(4608); // 1.1B layer 13: 4485.12 → 4608
    expect(makeDivisible(1280 * 0.73, 64 * 4)).toBe(1024); // 270M layer 4's query width: 16 heads
  });

  it('apple/OpenELM-270M: per-layer heads and FFN widths, exact total, KV cache per layer', () => {
    const spec = read(fixture('openelm-270m'));
    expectRelease(spec, OPENELM_270M);
    expect(paramCount(spec).totalParams).toBe(total(OPENELM_270M));
    expect(paramCount(spec).totalParams).toBe(271_527_168);
    expect(spec).toMatchObject({
      hiddenSize: 1280,
      numLayers: 16,
      maxContextTokens: 2048,
      tieWordEmbeddings: true,
      activation: 'swish',
      norm: { kind: 'rmsnorm', perLayer: 2 },
      attention: { kind: 'gqa', headDim: 64, qkNorm: 'per-head', qkvBias: false, outputBias: false },
      mlp: { gated: true, bias: false, fusedGateUp: true },
    });
    expect(spec.attention).toMatchObject({ fusedQkv: true });
    expect(queryHeadCounts(spec)).toEqual([12, 16, 20]);
    // Keys and values of each layer's own KV heads (3, 4 or 5) × 64, BF16.
    const kv = OPENELM_270M.q.reduce((sum, q) => sum + q / 4, 0);
    expect(kvCacheBytes(spec, 2048, 'bf16').bytesPerSequence).toBe(2048 * 2 * 64 * 2 * kv);
    expect(spec.warnings).toBeUndefined();
  });

  it('apple/OpenELM-1_1B and -3B (head_dim 128): exact totals', () => {
    const small = read(fixture('openelm-1_1b'));
    expectRelease(small, OPENELM_1_1B);
    expect(paramCount(small).totalParams).toBe(total(OPENELM_1_1B));
    expect(paramCount(small).totalParams).toBe(1_079_891_456);
    const large = read(fixture('openelm-3b'));
    expectRelease(large, OPENELM_3B);
    expect(paramCount(large).totalParams).toBe(total(OPENELM_3B));
    expect(paramCount(large).totalParams).toBe(3_036_647_424);
    const kv = OPENELM_3B.q.reduce((sum, q) => sum + q / 4, 0);
    expect(kvCacheBytes(large, 2048, 'bf16').bytesPerSequence).toBe(2048 * 2 * 128 * 2 * kv);
  });

  it('OpenELM-450M from its OpenELM_CONFIGS entry: [first, last] multipliers expanded by rounded linspace', () => {
    const spec = read({
      model_type: 'openelm',
      num_transformer_layers: 20,
      model_dim: 1536,
      head_dim: 64,
      num_gqa_groups: 4,
      normalize_qk_projections: true,
      share_input_output_layers: true,
      ffn_multipliers: [0.5, 4.0],
      qkv_multipliers: [0.5, 1.0],
    });
    expectRelease(spec, OPENELM_450M);
    expect(paramCount(spec).totalParams).toBe(total(OPENELM_450M));
    expect(paramCount(spec).totalParams).toBe(457_179_136);
  });

  it("OpenELMConfig's defaults: 12 uniform MHA layers, FFN 4·h, an untied lm_head, the unused classifier said", () => {
    const spec = read({ model_type: 'openelm' });
    const [h, hd] = [2048, 128];
    // qkv 1.0 → 2048 / 128 = 16 query and 16 KV heads; ffn 4.0 → 8192; no q/k norms.
    expect(shapes(spec)).toEqual(Array(12).fill({ q: 16, kv: 16, ffn: 8192 }));
    expect(paramCount(spec).totalParams).toBe(2 * vocab * h + h + 12 * layer(h, hd, 16, 16, 8192, false));
    expect(spec.warnings?.[0]).toMatch(/classifier \(2048 → 32000, 65,536,000 parameters\).*not counted/);
  });

  it('ffn_with_glu false: proj_1 h → I and proj_2 I → h; a per-layer ffn_multipliers list is taken unrounded', () => {
    const spec = read({
      model_type: 'openelm',
      num_transformer_layers: 3,
      model_dim: 512,
      head_dim: 64,
      share_input_output_layers: true,
      ffn_with_glu: false,
      ffn_dim_divisor: 8,
      ffn_multipliers: [1.0, 2.5, 1.354],
      qkv_multipliers: 1.0,
    });
    // 1.354 · 512 = 693.25 → 696 (rounded to 1.35 it would be 691.2 → 688).
    expect(shapes(spec).map((s) => s.ffn)).toEqual([512, 1280, 696]);
    const plain = (ffn: number) => layer(512, 64, 8, 8, ffn, false) - ffn * 512;
    expect(paramCount(spec).totalParams).toBe(vocab * 512 + 512 + plain(512) + plain(1280) + plain(696));
    expect(spec.mlp).toMatchObject({ gated: false, bias: false });
    expect(spec.mlp.fusedGateUp).toBeUndefined();
  });

  it('refuses inconsistent per-layer lists and unsupported multiplier shapes, naming the field', () => {
    const c = fixture('openelm-270m');
    const heads = [...(c.num_query_heads as number[])];
    heads[3] = 16;
    expect(() => read({ ...c, num_query_heads: heads })).toThrow(
      /num_query_heads.*\(16 at layer 3\) disagrees with qkv_multipliers.*recomputes 12/,
    );
    const kv = [...(c.num_kv_heads as number[])];
    kv[0] = 5;
    expect(() => read({ ...c, num_kv_heads: kv })).toThrow(/num_kv_heads.*\(5 at layer 0\) must divide.*12/);
    expect(() => read({ ...c, num_kv_heads: [3, 3] })).toThrow(/num_kv_heads.*must list 16 head counts/);
    expect(() => read({ ...c, ffn_multipliers: [0.5, 1, 2] })).toThrow(
      /ffn_multipliers.*list of 16 \(one per layer\), got a list of 3/,
    );
    expect(() => read({ ...c, qkv_multipliers: Array(16).fill(1) })).toThrow(
      /qkv_multipliers.*\[first, last\] pair, got a list of 16/,
    );
    expect(() => read({ ...c, num_gqa_groups: null })).toThrow(/num_gqa_groups/);
  });
});
