/**
 * GLM-5.2's IndexShare (`glm_moe_dsa`, deepseek.ts glmMoeDsa): GlmMoeDsaConfig's `indexer_types`, or the
 * `index_topk_freq` / `index_skip_topk_offset` schedule it derives them from (configuration_glm_moe_dsa.py),
 * leave `shared` layers without a GlmMoeDsaIndexer (`self.indexer = None`, modeling_glm_moe_dsa.py): no
 * indexer weights, keys or operations. GLM-5's config (test/fixtures/hf-configs/glm-5.json) with GLM-5.2's
 * schedule (freq 4, offset 3: full on layers 0, 1, 2 and every 4th from 6; 21 full, 57 shared).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { glmMoeDsa } from './deepseek.js';
import { Fields, type Json } from './fields.js';

const GLM5: Json = hfFixture('glm-5');
const read = (json: Json) => glmMoeDsa(new Fields(json, 'glm_moe_dsa'), 'x');
const GLM52 = { ...GLM5, index_topk_freq: 4, index_skip_topk_offset: 3 };

// GLM-5's shapes: MLA (q_a_proj, q_a_layernorm, q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj,
// o_proj), GlmMoeDsaIndexer (wq_b, wk, k_norm LayerNorm weight and bias, weights_proj), 2 RMSNorms a layer.
const [h, vocab, layers, heads, qr, kvr, nope, rope, v] = [6144, 154_880, 78, 64, 2048, 512, 192, 64, 256];
const [ih, id, inter, experts, moeI, dense] = [32, 128, 12_288, 256, 2048, 3];
const mla = h * qr + qr + qr * heads * (nope + rope) + h * (kvr + rope) + kvr + kvr * heads * (nope + v);
const attention = mla + heads * v * h;
const indexer = qr * ih * id + h * id + 2 * id + h * ih;
const swiglu = (i: number) => 3 * h * i;
// Router weight and e_score_correction_bias, 256 experts, one shared expert.
const moe = experts * h + experts + experts * swiglu(moeI) + swiglu(moeI);
const total = (indexers: number) =>
  2 * vocab * h +
  h +
  layers * (attention + 2 * h) +
  indexers * indexer +
  dense * swiglu(inter) +
  (layers - dense) * moe;

describe('GLM-5.2 IndexShare (glm_moe_dsa shared indexers)', () => {
  it('GLM-5 (no schedule): an indexer on every layer, unchanged', () => {
    const spec = read(GLM5);
    expect(spec.layers.some((l) => l.indexerShared)).toBe(false);
    expect(paramCount(spec).totalParams).toBe(total(78));
    expect(paramCount(spec).totalParams).toBe(743_911_218_432);
  });

  it('index_topk_freq 4, index_skip_topk_offset 3: 21 layers run an indexer, 57 reuse their top-k', () => {
    const spec = read(GLM52);
    const own = spec.layers.flatMap((l, i) => (l.indexerShared ? [] : [i]));
    expect(own).toEqual([0, 1, 2, ...Array.from({ length: 18 }, (_, k) => 6 + 4 * k)]);
    expect(spec.layers.every((l) => l.attention === 'sparse')).toBe(true);
    expect(paramCount(spec).totalParams).toBe(total(21));
    expect(paramCount(read(GLM5)).totalParams - paramCount(spec).totalParams).toBe(57 * indexer);
    // The MLA latent and rope key on every layer, the indexer key on the 21 full ones.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe((78 * (kvr + rope) + 21 * id) * 2);
  });

  it('the explicit indexer_types list reads the same as the schedule; a shared first layer is refused', () => {
    const types = Array.from({ length: 78 }, (_, i) => (i < 3 || (i - 2) % 4 === 0 ? 'full' : 'shared'));
    const listed = read({ ...GLM5, indexer_types: types });
    expect(listed.layers).toEqual(read(GLM52).layers);
    expect(() => read({ ...GLM5, indexer_types: ['shared', ...types.slice(1)] })).toThrow(
      /indexer_types.*first sparse layer \(0\) 'shared'/,
    );
    expect(() => read({ ...GLM5, index_topk_freq: 4, index_skip_topk_offset: 0 })).toThrow(/index_topk_freq/);
  });

  it('indexer FLOPs only on the full layers: at 1M tokens of decode, 57 indexers’ scoring fewer', () => {
    const decode = (json: Json) =>
      forwardFlopsPerToken(read(json), { attentionMode: 'decode', contextTokens: 1_000_000 }).flopsPerToken;
    // DSA scoring 2·H_I·(d_I + 1) per cached key (layer-kinds.ts) and the indexer's projections, 2 per weight.
    const perIndexer = 2 * ih * (id + 1) * 1_000_000 + 2 * (indexer - 2 * id);
    expect(decode(GLM5) - decode(GLM52)).toBeCloseTo(57 * perIndexer, 0);
  });
});
