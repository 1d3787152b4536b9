/**
 * GLM-5.3-Flash (`glm5_next`, `glm5_next_text`), glm5-next.ts: totals derived here from the modules of
 * transformers `models/glm5_next/modeling_glm5_next.py`; fixture `hand-built/glm5-next.json`.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { glm5Next, glm5NextText } from './glm5-next.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg => hfFixture('hand-built/glm5-next');
const read = (c: Cfg) => glm5Next(new Fields(c, 'glm5_next'), 'x');

// The fixture's shape.
const h = 4096;
const vocab = 154_880;
const layers = 45;
const dsa = 11; // layers 3, 7, …, 43 (i % 4 == 3)
const kda = layers - dsa;
const dense = 3;
const moeLayers = layers - dense;
const [experts, topK, moeI, denseI] = [288, 8, 2048, 12_288];
const [heads, qLora, kvLora, nope, vDim] = [64, 1536, 512, 256, 256];
const [kdaHeads, kdaDim, conv] = [64, 128, 4];
const [idxHeads, idxDim, kpool] = [32, 128, 4];
const streams = 4;

// Glm5NextTextLinearAttention.
const w = kdaHeads * kdaDim;
const kdaParams =
  3 * h * w +
  3 * w * conv +
  (h * kdaDim + kdaDim * w + w + kdaHeads) +
  h * kdaHeads +
  (h * kdaDim + kdaDim * w) +
  kdaDim +
  w * h;
// Glm5NextTextAttention (NoPE MLA).
const mla =
  h * qLora +
  qLora +
  qLora * heads * nope +
  h * kvLora +
  kvLora +
  kvLora * heads * (nope + vDim) +
  heads * vDim * h;
// Glm5NextTextIndexer: wq_b, wk, k_norm (LayerNorm), weights_proj; then the k-pool ape and gate.
const indexer = qLora * idxHeads * idxDim + h * idxDim + 2 * idxDim + h * idxHeads;
const kpoolParams = kpool * idxDim + idxDim * h;
const swiglu = (i: number) => 3 * h * i;
const moe = experts * swiglu(moeI) + swiglu(moeI) + experts * h + experts;
// Two Glm5NextTextHyperConnection: fn (2 + n)·n × n·h, base (2 + n)·n, scale 3.
const mhc = 2 * ((2 + streams) * streams * streams * h + (2 + streams) * streams + 3);
const exact =
  2 * vocab * h +
  h +
  kda * kdaParams +
  dsa * (mla + indexer + kpoolParams) +
  dense * swiglu(denseI) +
  moeLayers * moe +
  layers * (2 * h + mhc);
// What llmecon's spec cannot say: it counts DeepSeek-V4's hc_head and no k-pool weights.
const hcHead = streams * streams * h + streams + 1;

describe('glm5_next', () => {
  it('counts the modules exactly, but for the k-pool weights and the weightless hc_head', () => {
    const spec = read(base());
    const p = paramCount(spec);
    expect(p.totalParams).toBe(exact - dsa * kpoolParams + hcHead);
    expect(p.activeParams).toBe(p.totalParams - moeLayers * (experts - topK) * swiglu(moeI));
    expect(spec.warnings).toEqual([
      expect.stringContaining(`${hcHead} parameters too many`),
      expect.stringContaining(`${dsa * kpoolParams} parameters over 11 layers`),
      expect.stringContaining('1 MTP layer'),
    ]);
    expect(spec.layers.filter((l) => l.attention === 'sparse')).toHaveLength(dsa);
    expect(spec.layers.slice(0, 4).map((l) => l.mlp)).toEqual(['dense', 'dense', 'dense', 'moe']);
    expect(spec.sparseAttention).toEqual({
      numHeads: idxHeads,
      headDim: idxDim,
      topKTokens: 2048 + kpool - 1,
    });
  });

  it('counts the GLM-OCR-style vision tower apart', () => {
    const [vh, depth, inter, out, merged, patch] = [1024, 24, 4096, 4096, 10_240, 14];
    const block =
      2 * vh + (3 * vh * vh + 3 * vh) + (vh * vh + vh) + 2 * (vh / 16) + (3 * vh * inter + 2 * inter + vh);
    const vision =
      3 * 2 * patch * patch * vh +
      vh +
      depth * block +
      vh +
      (out * vh * 4 + out) +
      (out * out + 2 * out + 3 * out * merged);
    expect(paramCount(read(base())).visionParams).toBe(vision);
  });

  it('caches the MLA latent and one indexer key per DSA layer; KDA keeps a float32 state', () => {
    const spec = read(base());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(dsa * (kvLora + idxDim) * 2);
    expect(recurrentStateBytes(spec).stateBytesPerSequence).toBe(kda * kdaHeads * kdaDim * kdaDim * 4);
  });

  it('reads a flat text-only config, and a shared indexer layer without its indexer, k-pool or keys', () => {
    const c = base();
    // Layer 7 (the second DSA layer) 'S': self.indexer = None (Glm5NextTextAttention).
    const flat = { ...c.text_config, index_topk_pattern: 'FFFFFFFSFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' };
    const spec = glm5NextText(new Fields(flat, 'glm5_next_text'), 'x');
    expect(spec.layers.flatMap((l, i) => (l.indexerShared ? [i] : []))).toEqual([7]);
    expect(paramCount(spec).totalParams).toBe(
      exact - indexer - kpoolParams - (dsa - 1) * kpoolParams + hcHead,
    );
    expect(spec.warnings).toEqual([
      expect.stringContaining(`${hcHead} parameters too many`),
      expect.stringContaining(`${(dsa - 1) * kpoolParams} parameters over 10 layers`),
      expect.stringContaining('1 MTP layer'),
    ]);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe((dsa * kvLora + (dsa - 1) * idxDim) * 2);
    // A 'shared' first DSA layer (layer 3) has no earlier indexer to reuse.
    const first = { ...flat, index_topk_pattern: 'FFFSFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' };
    expect(() => glm5NextText(new Fields(first, 'glm5_next_text'), 'x')).toThrow(
      /index_topk_pattern.*first sparse layer \(3\)/,
    );
  });

  it('refuses RoPE dims and a top-k not divisible by the pool, naming the field', () => {
    const rope = base();
    rope.text_config.qk_rope_head_dim = 64;
    expect(() => read(rope)).toThrow(/text_config\.qk_rope_head_dim.*NoPE/);
    const topk = base();
    topk.text_config.index_topk = 2047;
    expect(() => read(topk)).toThrow(/text_config\.index_topk.*divisible by index_kpool/);
  });
});
