/**
 * Moondream 2 (`moondream1`) and Moondream 3 (`moondream3`), read by calling the families directly.
 * The helpers below rebuild the state dict tensor by tensor from the remote code's modules (vikhyat/moondream
 * `moondream/torch/` text.py, vision.py, moondream.py for Moondream 2; Moondream 3's text.py/layers.py as
 * vLLM `models/moondream3.py` loads them), from the config numbers alone.
 *
 * Fixtures: `hand-built/moondream2.json` (vikhyatk/moondream2, release 2025-06-21: an empty `config`,
 * every size a config.py default) and `hand-built/moondream3-preview.json` (moondream/moondream3-preview:
 * its `architectures` and `model_type`). Published: Moondream 2 "1.86B" (its 2025-06-21 model.safetensors
 * is 3,854,538,968 bytes of BF16, 1.927B values with the header); Moondream 3 "9B total, 2B active".
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { moondream1, moondream3 } from './moondream.js';

const fixture = (file: string): Json => hfFixture(`hand-built/${file}`);
const MD2 = fixture('moondream2');
const MD3 = fixture('moondream3-preview');

const read2 = (config: Json) => moondream1(new Fields(config, 'moondream1'), 'x');
const read3 = (config: Json) => moondream3(new Fields(config, 'moondream3'), 'x');
/** A config whose `config.text` is `text` (other dicts at their defaults). */
const withText = (base: Json, text: Json): Json => ({ ...base, config: { text } });

interface Moe {
  readonly experts: number;
  readonly start: number;
  readonly topK: number;
  readonly inner: number;
}

/** text.py build_text_model's tensors: total, and what one token runs (its top-k experts). */
function textTensors(c: {
  vocab: number;
  dim: number;
  layers: number;
  heads: number;
  ff: number;
  moe: Moe | null;
}) {
  const qkv = 3 * c.dim; // n_kv_heads = n_heads, head_dim 64
  const tau = c.moe ? 2 * c.heads * qkv + c.heads : 0; // attn.tau.wq, wv [H, qkv]; alpha [H]
  const common = 2 * c.dim + (qkv * c.dim + qkv) + (c.dim * c.dim + c.dim) + tau;
  const dense = c.ff * c.dim + c.ff + c.dim * c.ff + c.dim;
  const expert = (m: Moe) => 2 * m.inner * c.dim + c.dim * m.inner; // fc1 [2I, h] + fc2 [h, I] slices
  let total = c.vocab * c.dim + 2 * c.dim + (c.vocab * c.dim + c.vocab); // wte, post_ln, lm_head + bias
  let idle = 0;
  for (let i = 0; i < c.layers; i++) {
    const m = c.moe && i >= c.moe.start ? c.moe : null;
    total += common + (m ? m.experts * c.dim + m.experts + m.experts * expert(m) : dense);
    idle += m ? (m.experts - m.topK) * expert(m) : 0;
  }
  return { total, active: total - idle };
}

/** vision.py build_vision_model: patch_emb, pos_emb, 27 blocks, post_ln and proj_mlp. */
function visionTensors(
  h: number,
  depth: number,
  ff: number,
  patch: number,
  crop: number,
  inner: number,
  out: number,
) {
  const block = 2 * h + (3 * h * h + 3 * h) + (h * h + h) + 2 * h + (ff * h + ff) + (h * ff + h);
  const embed = h * 3 * patch * patch + h + (crop / patch) ** 2 * h;
  return embed + depth * block + 2 * h + (inner * 2 * h + inner) + (out * inner + out);
}

/** The region head: Moondream 2's MLP decoders (moondream.py), Moondream 3's LayerNorm and Linears (vLLM). */
function regionTensors(version: 2 | 3, dim = 2048) {
  const features = 128 + 2 * 256; // coord_features [1, 128], size_features [2, 256]
  const encoders = 256 * dim + dim + (512 * dim + dim);
  if (version === 3) return features + encoders + 2 * dim + (1024 * dim + 1024) + (2048 * dim + 2048);
  const mlp = (out: number) => 8192 * dim + 8192 + (out * 8192 + out);
  return features + encoders + mlp(1024) + mlp(2048);
}

const MD2_TEXT = { vocab: 51_200, dim: 2048, layers: 24, heads: 32, ff: 8192, moe: null };
const MD3_TEXT = { ...MD2_TEXT, moe: { experts: 64, start: 4, topK: 8, inner: 1024 } };
const VISION = visionTensors(1152, 27, 4304, 14, 378, 8192, 2048);

describe('moondream1 (vikhyatk/moondream2)', () => {
  it('reads 24 parallel Phi-style blocks: fused biased qkv of 32 × 64, fc1/fc2 8192, one LayerNorm', () => {
    const spec = read2(MD2);
    expect(spec.modelType).toBe('moondream1');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 32,
      headDim: 64,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
      fusedQkv: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8192, gated: false, bias: true });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 1 });
    expect(spec.layers).toHaveLength(24);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense' && !l.extras)).toBe(true);
    expect(spec.moe).toBeNull();
    expect(spec).toMatchObject({ vocabSize: 51_200, hiddenSize: 2048, maxContextTokens: 2048 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.headBias).toBe(true);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the state dict: 1,927,237,104 with vision and region (card "1.86B")', () => {
    const spec = read2(MD2);
    const p = paramCount(spec);
    const text = textTensors(MD2_TEXT);
    expect(p.totalParams).toBe(text.total);
    expect(p.totalParams).toBe(1_418_270_720);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.visionParams).toBe(VISION + regionTensors(2));
    expect(VISION).toBe(448_649_072);
    expect(regionTensors(2)).toBe(60_317_312);
    // 1.927B: the BF16 safetensors' 3,854,538,968 bytes are 2 bytes each, leaving 64,760 for the header.
    // The card's "1.86B" is close to text + vision without the region head (1,866,919,792).
    expect(text.total + p.visionParams).toBe(1_927_237_104);
  });

  it('vision: an image of 378 px is the global crop and one tile, 729 tokens projected', () => {
    const v = read2(MD2).vision;
    expect(v).toMatchObject({ patchSize: 14, imageSize: 378 });
    const tokens = 729;
    const blockMatmuls = 4 * 1152 * 1152 + 2 * 1152 * 4304;
    const crop = 2 * tokens * 588 * 1152 + 27 * (2 * tokens * blockMatmuls + 4 * 1152 * tokens * tokens);
    expect(v?.flopsPerImage).toBe(2 * crop + 2 * tokens * (2304 * 8192 + 8192 * 2048));
  });

  it('reads the dicts at the top level as MoondreamConfig.from_dict does; the defaults are the release', () => {
    const explicit = {
      model_type: 'moondream1',
      text: { n_layers: 24, max_context: 2048 },
      vision: {},
      region: {},
    };
    expect(read2(explicit)).toEqual(read2(MD2));
    // vikhyat/moondream config_md05.json (Moondream 0.5B), with the n_kv_heads today's TextConfig needs.
    const md05 = read2({
      model_type: 'moondream1',
      text: { dim: 1024, ff_dim: 4096, n_heads: 16, n_kv_heads: 16 },
      vision: { enc_dim: 720, enc_ff_dim: 2690, enc_n_heads: 10, proj_out_dim: 1024 },
      region: { dim: 1024 },
    });
    const text = textTensors({ ...MD2_TEXT, dim: 1024, heads: 16, ff: 4096 });
    expect(paramCount(md05).totalParams).toBe(text.total);
    expect(md05.vision?.params).toBe(
      visionTensors(720, 27, 2690, 14, 378, 8192, 1024) + regionTensors(2, 1024),
    );
  });

  it('refuses configs the remote code cannot build or run, naming the field', () => {
    const e = inputErrorOf(() => read2(withText(MD2, { n_heads: 16, n_kv_heads: 16 })));
    expect(e.issues[0]?.path).toEqual(['config', 'text', 'dim']);
    expect(e.message).toMatch(/\/ n_heads is 128; it must be 64/);
    expect(inputErrorOf(() => read2(withText(MD2, { moe: {} }))).message).toMatch(
      /'config\.text\.moe' is not a field of Moondream 2's TextConfig/,
    );
    const grid = inputErrorOf(() => read2({ ...MD2, config: { vision: { crop_size: 392 } } }));
    expect(grid.issues[0]?.path).toEqual(['config', 'vision', 'enc_n_layers']);
    expect(grid.message).toMatch(/\(27\) must equal crop_size \/ enc_patch_size \(28\)/);
    expect(inputErrorOf(() => read2({ ...MD2, config: { vision: { proj_out_dim: 1024 } } })).message).toMatch(
      /'config\.vision\.proj_out_dim' \(1024\) must equal text\.dim \(2048\)/,
    );
    expect(
      inputErrorOf(() => read2({ ...MD2, config: { region: { coord_feat_dim: 255 } } })).message,
    ).toMatch(/'config\.region\.coord_feat_dim' \(255\) must be even/);
    expect(inputErrorOf(() => read2({ ...MD2, text_config: {} })).message).toMatch(
      /'text_config' is the transformers Moondream3Config layout/,
    );
  });
});

describe('moondream3 (moondream/moondream3-preview)', () => {
  it('reads 4 dense and 20 MoE blocks (64 GeGLU experts of 1024, top 8, biased router), tau on every block', () => {
    const spec = read3(MD3);
    expect(spec.modelType).toBe('moondream3');
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.layers.map((l) => l.mlp)).toEqual([...Array(4).fill('dense'), ...Array(20).fill('moe')]);
    expect(spec.moe).toEqual({
      numExperts: 64,
      topK: 8,
      expertIntermediateSize: 1024,
      gated: true,
      expertBias: false,
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
      fusedGateUp: true,
    });
    expect(spec.layers.every((l) => l.extras?.params === 2 * 32 * 6144 + 32)).toBe(true);
    expect(spec.layers[0]?.extras?.gemms).toEqual([
      { name: 'attn.tau.wq', n: 32, k: 6144 },
      { name: 'attn.tau.wv', n: 32, k: 6144 },
    ]);
  });

  it('counts the state dict: 9,268,626,928 total (card "9B"), 1.766B text active (+0.46B vision: "2B active")', () => {
    const p = paramCount(read3(MD3));
    const text = textTensors(MD3_TEXT);
    expect(p.totalParams).toBe(text.total);
    expect(p.activeParams).toBe(text.active);
    expect(p.totalParams).toBe(8_812_101_632);
    expect(p.activeParams).toBe(1_765_670_912);
    expect(p.breakdown.layerExtras).toBe(24 * (2 * 32 * 6144 + 32));
    expect(p.visionParams).toBe(VISION + regionTensors(3));
    expect(text.total + p.visionParams).toBe(9_268_626_928);
  });

  it('FLOPs per decoded token ≈ 2 × active (less the embedding lookup) + attention; plain MHA KV cache', () => {
    const spec = read3(MD3);
    const active = paramCount(spec).activeParams;
    const ctx = 4096;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: ctx });
    const estimate = 2 * (active - 51_200 * 2049) + 24 * 4 * 32 * 64 * ctx;
    expect(f.flopsPerToken / estimate).toBeGreaterThan(0.99);
    expect(f.flopsPerToken / estimate).toBeLessThan(1.01);
    expect(f.breakdown.layerExtras).toBe(24 * 2 * 2 * 32 * 6144);
    expect(f.breakdown.routedExperts).toBe(20 * 8 * 2 * 3 * 2048 * 1024);
    expect(kvCacheBytes(spec, ctx, 'bf16').bytesPerToken).toBe(24 * 2 * 32 * 64 * 2);
  });

  it('follows config.text.moe: null is dense everywhere, keys it omits take TextMoeConfig defaults', () => {
    const dense = read3(withText(MD3, { moe: null }));
    expect(dense.moe).toBeNull();
    expect(dense.layers.every((l) => l.mlp === 'dense' && l.extras)).toBe(true);
    const later = read3(withText(MD3, { moe: { start_layer: 20 } }));
    expect(later.layers.filter((l) => l.mlp === 'moe')).toHaveLength(4);
    expect(later.moe).toMatchObject({ numExperts: 64, topK: 8, expertIntermediateSize: 1024 });
  });

  it('refuses GQA under tau and more experts per token than experts, naming the field', () => {
    const kv = inputErrorOf(() => read3(withText(MD3, { n_kv_heads: 8 })));
    expect(kv.issues[0]?.path).toEqual(['config', 'text', 'n_kv_heads']);
    expect(kv.message).toMatch(/\(8\) must equal n_heads \(32\): Moondream 3 scales v/);
    const topK = inputErrorOf(() => read3(withText(MD3, { moe: { experts_per_token: 65 } })));
    expect(topK.issues[0]?.path).toEqual(['config', 'text', 'moe', 'experts_per_token']);
    expect(topK.message).toMatch(/\(65\) exceeds the number of experts \(64\)/);
  });
});
