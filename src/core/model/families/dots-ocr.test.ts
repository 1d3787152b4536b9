/**
 * dots.ocr (dots-ocr.ts): the Qwen2 text model and the NaViT tower and patch merger counted from the
 * modules the remote code builds (modeling_dots_vision.py, modeling_dots_ocr.py; vLLM
 * `model_executor/models/dots_ocr.py`), on the released rednote-hilab/dots.ocr config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { dotsOcr } from './dots-ocr.js';
import { Fields } from './fields.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const read = (c: Cfg) => dotsOcr(new Fields(c, 'dots_ocr'), 'x');
const release = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/dots-ocr.json', import.meta.url),
      'utf8',
    ),
  );

/**
 * Qwen2ForCausalLM: embed_tokens [V, h], final norm [h], lm_head [V, h] unless tied; per layer
 * input/post-attention RMSNorms, q_proj [heads·d, h] + bias, k/v_proj [kv·d, h] + bias, o_proj
 * [h, heads·d] without bias, gate/up_proj [I, h], down_proj [h, I].
 */
function qwen2Params(c: Cfg, tied: boolean): number {
  const h = c.hidden_size;
  const d = h / c.num_attention_heads;
  const q = c.num_attention_heads * d;
  const kv = c.num_key_value_heads * d;
  const layer = 2 * h + (h * q + q) + 2 * (h * kv + kv) + q * h + 3 * h * c.intermediate_size;
  return c.vocab_size * h * (tied ? 1 : 2) + h + c.num_hidden_layers * layer;
}

/**
 * vision_tower: patchifier Conv2d [e, c, p, p] + bias and RMSNorm(e); per block norm1, norm2, qkv
 * [3e, e], proj [e, e], fc1/fc3 [I, e], fc2 [e, I] (biases per use_bias); post_trunk_norm(e) per
 * post_norm; merger ln_q LayerNorm(e) (weight and bias), mlp.0 [e·m², e·m²] + bias, mlp.2 [out, e·m²] + bias.
 */
function visionParams(v: Cfg): number {
  const [e, i, p, m] = [v.embed_dim, v.intermediate_size, v.patch_size, v.spatial_merge_size];
  const b = v.use_bias ? 1 : 0;
  const block = 2 * e + (3 * e * e + b * 3 * e) + (e * e + b * e) + 2 * (e * i + b * i) + (i * e + b * e);
  const merged = e * m * m;
  const merger = 2 * e + (merged * merged + merged) + (merged * v.hidden_size + v.hidden_size);
  const tower = v.num_channels * p * p * e + e + e + v.num_hidden_layers * block + (v.post_norm ? e : 0);
  return tower + merger;
}

/** DotsVisionConfig's defaults (the release's tower; its vision_config omits embed_dim). */
const VISION = {
  embed_dim: 1536,
  hidden_size: 1536,
  intermediate_size: 4224,
  num_hidden_layers: 42,
  num_channels: 3,
  patch_size: 14,
  spatial_merge_size: 2,
  use_bias: false,
  post_norm: true,
};

describe('dots.ocr', () => {
  it('rednote-hilab/dots.ocr: 1,777,088,000 in the Qwen2 text model, 1,262,091,264 in the vision side', () => {
    const c = release();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(qwen2Params(c, false));
    expect(p.totalParams).toBe(1_777_088_000);
    expect(spec.vision?.params).toBe(visionParams({ ...VISION, ...c.vision_config }));
    expect(spec.vision?.params).toBe(1_262_091_264);
    expect(p.totalParams + p.visionParams).toBe(3_039_179_264);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.modelType).toBe('dots_ocr');
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
  });

  it('caches K and V of 2 heads of 128 on all 28 layers (use_sliding_window false)', () => {
    const spec = read(release());
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(28 * 2 * 2 * 128 * 2 * 32_768);
  });

  it('counts biases per use_bias and drops post_trunk_norm per post_norm', () => {
    const c = release();
    const biased = read({ ...c, vision_config: { ...c.vision_config, use_bias: true } });
    expect(biased.vision?.params).toBe(visionParams({ ...VISION, ...c.vision_config, use_bias: true }));
    expect((biased.vision?.params ?? 0) - 1_262_091_264).toBe(42 * (3 * 1536 + 1536 + 2 * 4224 + 1536));
    const bare = read({ ...c, vision_config: { ...c.vision_config, post_norm: false } });
    expect(1_262_091_264 - (bare.vision?.params ?? 0)).toBe(1536);
  });

  it("takes Qwen2Config's and DotsVisionConfig's defaults for an empty config", () => {
    const spec = read({ model_type: 'dots_ocr', vision_config: { hidden_size: 4096 } });
    const text = {
      vocab_size: 151_936,
      hidden_size: 4096,
      intermediate_size: 22_016,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
    };
    expect(paramCount(spec).totalParams).toBe(qwen2Params(text, false));
    expect(spec.vision?.params).toBe(visionParams({ ...VISION, hidden_size: 4096 }));
  });

  it('refuses a merger width unlike the text width and heads that do not divide embed_dim', () => {
    const c = release();
    const width = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, hidden_size: 1024 } }),
    );
    expect(width.message).toContain('vision_config.hidden_size');
    const heads = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, num_attention_heads: 7 } }),
    );
    expect(heads.message).toContain('vision_config.num_attention_heads');
    const vision = inputErrorOf(() => read({ ...c, vision_config: 3 }));
    expect(vision.message).toContain('vision_config');
  });
});
