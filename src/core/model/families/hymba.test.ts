/**
 * Hymba (`hymba`), read by calling the family directly: counts tensor by tensor from the modules of
 * the Hub remote code `modeling_hymba.py` (HymbaBlock's fused in_proj, conv1d, x_proj, dt_proj, A_log,
 * D, Δ/B/C norms, pre_avg_layernorm1/2 and out_proj; HymbaDecoderLayer's norms and MLP; HymbaModel's
 * embedding, meta tokens and final norm): the parallel branches read as two blocks, KV reuse groups,
 * the meta tokens in the sliding window, class defaults, and errors that name the field.
 *
 * Fixture: `verbatim/hymba-1.5b-base.json`, nvidia/Hymba-1.5B-Base's config.json (see
 * test/fixtures/hf-configs/README.md); 1,522,797,824 parameters, the card's 1.52B, and 3.05 GB of BF16
 * safetensors on the Hub (1,522,797,824 × 2 bytes = 3.046 GB).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { request } from '../../../../test/operation-setup.js';
import { kvCacheBytes } from '../kv-cache.js';
import { layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hymba } from './hymba.js';

const HYMBA_15B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/verbatim/hymba-1.5b-base.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => hymba(new Fields(config, 'hymba'), 'hymba');

/** One HymbaDecoderLayer of the 1.5B (h 1600, e 2, 25 heads, 5 KV heads, dt rank 100, state 16, MLP 5504). */
function layerTensors(ownsKv: boolean): number {
  const h = 1600;
  const inner = 2 * h;
  const k = (5 / 25) * h; // 320
  const v = 2 * k; // 640: values of e·h / heads
  const inProj = h * (h + (ownsKv ? k + v : 0) + 2 * inner); // q, (k, v), x, z
  const conv = inner * 4 + inner; // depthwise weight and bias
  const xProj = inner * (100 + 2 * 16);
  const dtProj = 100 * inner + inner;
  const aLogAndD = inner * 16 + inner;
  const innerNorms = 100 + 2 * 16;
  const preAvgNorms = 2 * inner;
  const outProj = inner * h;
  const mlp = 3 * h * 5504;
  const layerNorms = 2 * h; // input_layernorm, pre_moe_layernorm
  return inProj + conv + xProj + dtProj + aLogAndD + innerNorms + preAvgNorms + outProj + mlp + layerNorms;
}

describe('hymba', () => {
  it('Hymba-1.5B-Base: 17 KV-owning and 15 reusing layers, meta tokens, tied head — 1,522,797,824', () => {
    const spec = read(HYMBA_15B);
    const embedding = 32_001 * 1600;
    const metaTokens = 128 * 1600;
    expect(layerTensors(true)).toBe(46_700_932);
    expect(layerTensors(false)).toBe(45_164_932);
    const expected = 17 * layerTensors(true) + 15 * layerTensors(false) + embedding + metaTokens + 1600;
    const params = paramCount(spec);
    expect(params.totalParams).toBe(expected);
    expect(params.totalParams).toBe(1_522_797_824);
    expect(params.breakdown.lookupTables).toBe(metaTokens);
    expect(spec.tieWordEmbeddings).toBe(true);
  });

  it('two blocks per layer: attention (3 full, 29 sliding over 1024 + 128 meta tokens), then Mamba-1 + MLP', () => {
    const spec = read(HYMBA_15B);
    expect(spec.layers).toHaveLength(64);
    const attention = spec.layers.filter((_, i) => i % 2 === 0);
    expect(attention.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([0, 15, 31]);
    expect(attention.filter((l) => l.attention === 'sliding')).toHaveLength(29);
    expect(spec.slidingWindow).toBe(1152);
    expect(attention.flatMap((l, i) => (l.kvShared ? [i] : []))).toEqual([
      2, 4, 6, 8, 10, 12, 14, 17, 18, 20, 22, 24, 26, 28, 30,
    ]);
    expect(
      spec.layers.filter((_, i) => i % 2 === 1).every((l) => l.attention === 'mamba' && l.mlp === 'dense'),
    ).toBe(true);
    expect(spec.attention).toMatchObject({ numHeads: 25, numKvHeads: 5, headDim: 64, valueHeadDim: 128 });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 3200,
      headDim: 1,
      stateSize: 16,
      outputProjection: false,
    });
    expect(spec.stateSpace?.selective).toEqual({ timeStepRank: 100, innerNorms: true });
  });

  it('the KV cache: 17 layers of 320 keys and 640 values — 78 MB at 8K, the paper\'s "79 MB" with the meta tokens', () => {
    const spec = read(HYMBA_15B);
    const kv = kvCacheBytes(spec, 8192, 'bf16');
    expect(kv.bytesPerToken).toBe(17 * (320 + 640) * 2);
    // 3 full layers hold 8,192 tokens, 14 sliding ones 1,152: 78.15 MB; the meta tokens' 128 on the
    // full layers (0.74 MB, not modelled) bring it to Hymba's 78.9.
    expect(kv.bytesPerSequence).toBe((3 * 8192 + 14 * 1152) * 1920);
  });

  it('one out_proj per layer: the attention block projects e·h → h, the scan has none of its own', () => {
    const spec = read(HYMBA_15B);
    const names = (i: number) =>
      layerOperations(spec, spec.layers[i]!, request({ phase: 'decode' })).map((o) => o.name);
    expect(names(1).some((n) => n.includes('out_proj'))).toBe(false);
    expect(names(1)).toContain('in_proj');
  });

  it('kv_reuse_every_i_layer, no meta tokens, kq norms and biases; the class defaults', () => {
    const { kv_reuse_group: _groups, ...ungrouped } = HYMBA_15B;
    const every = read({ ...ungrouped, kv_reuse_every_i_layer: 2 });
    expect(every.layers.filter((l) => l.kvShared)).toHaveLength(16);
    const noMeta = read({ ...HYMBA_15B, num_memory_tokens: 0 });
    expect(noMeta.slidingWindow).toBe(1024);
    expect(paramCount(noMeta).totalParams).toBe(1_522_797_824 - 128 * 1600);
    expect(noMeta.warnings).toHaveLength(1);
    const normed = read({ ...HYMBA_15B, kq_norm: 'rms' });
    expect(normed.attention).toMatchObject({ qkNorm: 'per-head' });
    expect(read({ ...HYMBA_15B, kq_norm: 'perhead-rms' }).attention).toMatchObject({ qkNorm: 'full' });
    const biased = read({ ...HYMBA_15B, mamba_proj_bias: true });
    // in_proj's bias (its full output) and out_proj's (h), per layer.
    const inProjOut = (owns: boolean) => 1600 + (owns ? 960 : 0) + 6400;
    expect(paramCount(biased).totalParams - 1_522_797_824).toBe(
      17 * inProjOut(true) + 15 * inProjOut(false) + 32 * 1600,
    );
    // No sliding_window or no global_attn_idx: every layer full.
    expect(read({ ...HYMBA_15B, sliding_window: null }).slidingWindow).toBeNull();
    const bare = read({ model_type: 'hymba' });
    expect(bare.layers).toHaveLength(64);
    expect(bare.slidingWindow).toBeNull();
    expect(bare.layers.some((l) => l.kvShared)).toBe(false);
    expect(bare.attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 128, valueHeadDim: 256 });
  });

  it('errors name the field', () => {
    const path = (config: Json) => inputErrorOf(() => read(config)).issues[0]?.path;
    expect(path({ ...HYMBA_15B, kv_weight_reuse: true })).toEqual(['kv_weight_reuse']);
    expect(path({ ...HYMBA_15B, memory_tokens_interspersed_every: 512 })).toEqual([
      'memory_tokens_interspersed_every',
    ]);
    expect(path({ ...HYMBA_15B, attn_hidden_size: 800 })).toEqual(['attn_hidden_size']);
    expect(path({ ...HYMBA_15B, kq_head_dim: 32 })).toEqual(['kq_head_dim']);
    expect(path({ ...HYMBA_15B, kv_reuse_group: [[1, 40]] })).toEqual(['kv_reuse_group']);
    expect(path({ ...HYMBA_15B, kv_reuse_group: 'pairs' })).toEqual(['kv_reuse_group']);
    expect(path({ ...HYMBA_15B, kq_norm: 'layer' })).toEqual(['kq_norm']);
    expect(path({ ...HYMBA_15B, num_attention_heads: 7 })).toEqual(['hidden_size']);
    expect(path({ ...HYMBA_15B, num_hidden_layers: 6000 })).toEqual(['num_hidden_layers']);
  });
});
