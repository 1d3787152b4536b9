/**
 * IDEFICS v1 reader (idefics.ts): exact counts derived from the modules transformers builds, the
 * cross layers' vision-width k/v, optional q/k norms and vector gates (spec.ts `CrossAttentionSpec`)
 * in parameters, LoRA and the KV cache, the vision side apart, and the fields it refuses by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { adaptedMatrices } from '../adapters.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { idefics } from './idefics.js';

type Json = Record<string, unknown>;

const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );
const read = (json: Json) => idefics(new Fields(json, 'idefics'), 'x');

/** The language model with its gated cross-attention layers, from the module shapes. */
function textParams(
  h: number,
  inter: number,
  layers: number,
  heads: number,
  crossEvery: number,
  qkNorm: boolean,
) {
  const vocab = 32_000 + 2; // embed_tokens + additional_embedding; lm_head + additional_fc
  const e = 1280; // vision_config.embed_dim: the cross layers' k_proj/v_proj input
  const decoderLayer = 4 * h * h + 3 * h * inter + 2 * h;
  const crossLayer = 2 * h * h + 2 * e * h + (qkNorm ? 2 * (h / heads) : 0) + 3 * h * inter + 2 * h + 2;
  return 2 * vocab * h + layers * decoderLayer + (layers / crossEvery) * crossLayer + h;
}

/** CLIP ViT-H/14 at 224 px (IdeficsVisionTransformer) and the 6-block, 64-latent perceiver resampler. */
const e = 1280;
const vit =
  3 * 14 * 14 * e +
  e +
  (16 * 16 + 1) * e +
  2 * e +
  32 * (4 * (e * e + e) + 4 * e + 2 * e * 5120 + 5120 + e) +
  2 * e;
const perceiver = 64 * e + 6 * (4 * e + 4 * e * 1536 + 2 * e + 8 * e * e) + 2 * e;

describe('IDEFICS (idefics)', () => {
  it('counts idefics-9b: LLaMA-7B, 8 cross layers, the ViT-H and the resampler apart (8.93B)', () => {
    const spec = read(fixture('idefics-9b'));
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(4096, 11_008, 32, 32, 4, false));
    expect(p.visionParams).toBe(vit + perceiver);
    expect(p.totalParams + p.visionParams).toBe(8_929_675_280);
    expect(spec.vocabSize).toBe(32_002);
    expect(spec.numLayers).toBe(40);
    // A cross layer runs before layers 0, 4, 8, …: positions 0, 5, 10, …
    expect(spec.layers.flatMap((l, i) => (l.attention === 'cross' ? [i] : []))).toEqual([
      0, 5, 10, 15, 20, 25, 30, 35,
    ]);
    expect(spec.crossAttention).toEqual({
      contextTokens: 64,
      contextWidth: 1280,
      qkNorm: 'none',
      gateWidth: 1,
    });
  });

  it('counts idefics-80b: LLaMA-65B, 20 cross layers with per-head q/k norms (80B)', () => {
    const spec = read(fixture('idefics-80b'));
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(8192, 22_016, 80, 64, 4, true));
    expect(p.totalParams + p.visionParams).toBe(79_967_841_320);
    expect(spec.layers.filter((l) => l.attention === 'cross')).toHaveLength(20);
  });

  it('reads alpha_type "vector" as h-wide gates and no resampler as the ViT tokens', () => {
    const base = fixture('idefics-9b');
    const vector = paramCount(read({ ...base, alpha_type: 'vector' })).totalParams;
    expect(vector - paramCount(read(base)).totalParams).toBe(8 * 2 * (4096 - 1));
    const spec = read({ ...base, use_resampler: false });
    expect(spec.crossAttention?.contextTokens).toBe(16 * 16 + 1);
    expect(paramCount(spec).visionParams).toBe(vit);
  });

  it('adapts the cross layers k/v from the vision width and caches the image K/V per sequence', () => {
    const spec = read(fixture('idefics-9b'));
    const k = adaptedMatrices(spec, { method: 'lora', rank: 8, targets: ['k'] });
    expect(k.map((m) => [m.inFeatures, m.outFeatures, m.count])).toEqual([
      [1280, 4096, 8],
      [4096, 4096, 32],
    ]);
    expect(kvCacheBytes(spec, 1024).crossBytesPerSequence).toBe(8 * 64 * 2 * 4096 * 2);
  });

  it('refuses a cross_layer_interval that does not divide the layers, and an unknown alpha_type', () => {
    const base = fixture('idefics-9b');
    expect(inputErrorOf(() => read({ ...base, cross_layer_interval: 5 })).issues[0]?.path).toEqual([
      'cross_layer_interval',
    ]);
    expect(inputErrorOf(() => read({ ...base, alpha_type: 'matrix' })).issues[0]?.path).toEqual([
      'alpha_type',
    ]);
  });
});
