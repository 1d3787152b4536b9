/**
 * Qianfan-OCR (`qianfan_ocr`), qianfan-ocr.ts: the Qwen3 text model by its own family, Qianfan-ViT
 * and the pixel-shuffle projector (modeling_qianfan_ocr.py), counted here module by module on
 * QianfanOCRConfig's class defaults (the fixture: no released config.json was found quoted).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { qianfanOcrWrapper } from './qianfan-ocr.js';
import type { Family } from './readers.js';

const qianfanOcr = qianfanOcrWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/qianfan-ocr.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => qianfanOcr(new Fields(c, 'qianfan_ocr'), 'qianfan-ocr');
const withVision = (over: Json): Json => {
  const c = release();
  c.vision_config = { ...(c.vision_config as Json), ...over };
  return c;
};

// Qwen3Config(): 32 layers of 4096, 32 query and 32 KV heads of 128, SwiGLU 22,016, vocab 151,936.
const t = 4096;
const vocab = 151_936;
const q = 32 * 128;
// q_proj, k_proj, v_proj, o_proj (no bias), q_norm and k_norm [128], two RMSNorms, gate/up/down.
const textLayer = t * q + 2 * t * q + q * t + 2 * 128 + 2 * t + 3 * t * 22_016;
// embed_tokens, the layers, the final norm, an untied lm_head.
const textUntied = vocab * t + 32 * textLayer + t + vocab * t;
// QianfanOCRVisionConfig(): 24 × 1024, MLP 4096, 448 px, patch 14 → 32² = 1024 patches.
const h = 1024;
// patch Conv2d [h, 3, 14, 14] + bias, cls_token, position table of 1024 + 1 rows.
const embeddings = 3 * 14 * 14 * h + h + h + 1025 * h;
// q/k/v with bias, projection_layer with bias, fc1/fc2 with bias, lambda_1/2, two LayerNorms.
const attn = 3 * (h * h + h) + h * h + h;
const mlp = h * 4096 + 4096 + 4096 * h + h;
const visionLayer = attn + mlp + 2 * h + 2 * (2 * h);
const tower = embeddings + 24 * visionLayer;
// Pixel shuffle by 2: LayerNorm(4h), linear_1 [t, 4h] + bias, linear_2 [t, t] + bias.
const projector = (m: number) => 2 * m + m * t + t + t * t + t;

describe('Qianfan-OCR', () => {
  it('QianfanOCRConfig defaults: 12,049,461,248 in the untied Qwen3 model, 337,583,104 in Qianfan-ViT and the projector', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('qianfan_ocr');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.warnings ?? []).toHaveLength(0);
    expect(paramCount(spec).totalParams).toBe(textUntied);
    expect(paramCount(spec).totalParams).toBe(12_049_461_248);
    // InternViT-300M's 304,012,288 (internvl.test.ts) plus the projector.
    expect(tower).toBe(304_012_288);
    expect(spec.vision?.params).toBe(tower + projector(4 * h));
    expect(spec.vision?.params).toBe(337_583_104);
    expect(spec.vision?.description).toBe('Qianfan-ViT 24 × 1024, 448px tiles, patch 14');
    // Every layer full attention: K and V of 32 heads × 128 in bf16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(32 * 2 * q * 2 * 8192);
  });

  it('builds the default sub-configs when the config gives none', () => {
    const spec = read({ model_type: 'qianfan_ocr' });
    expect(paramCount(spec).totalParams).toBe(textUntied);
    expect(spec.vision?.params).toBe(tower + projector(4 * h));
  });

  it('takes the class defaults for keys a given sub-config omits', () => {
    const c = release();
    const { vocab_size: _v, head_dim: _d, ...text } = c.text_config as Json;
    const { attention_bias: _b, image_size: _i, use_mean_pooling: _p, ...vision } = c.vision_config as Json;
    c.text_config = text;
    c.vision_config = vision;
    const spec = read(c);
    expect(paramCount(spec).totalParams).toBe(textUntied);
    expect(spec.vision?.params).toBe(tower + projector(4 * h));
  });

  it("reads vLLM's original key spellings (qkv_bias, qk_normalization) and an int image size", () => {
    const { attention_bias: _b, use_qk_norm: _n, ...vision } = release().vision_config as Json;
    const c = release();
    c.vision_config = { ...vision, qkv_bias: false, qk_normalization: true, image_size: 448, patch_size: 14 };
    // No q/k/v biases (3h a layer), q_norm and k_norm RMSNorms (2h a layer).
    expect(read(c).vision?.params).toBe(tower - 24 * 3 * h + 24 * 2 * h + projector(4 * h));
  });

  it('counts the optional vision modules by their switches', () => {
    const base = tower + projector(4 * h);
    expect(read(withVision({ use_mask_token: true })).vision?.params).toBe(base + h);
    expect(read(withVision({ use_absolute_position_embeddings: false })).vision?.params).toBe(
      base - 1025 * h,
    );
    // The final LayerNorm exists only without mean pooling.
    expect(read(withVision({ use_mean_pooling: false })).vision?.params).toBe(base + 2 * h);
    // RMSNorm keeps the weight, drops the bias: h less per norm, two per layer.
    expect(read(withVision({ norm_type: 'rms_norm' })).vision?.params).toBe(base - 24 * 2 * h);
    // A 448 × 336 image with 14 × 28 patches: 32 × 12 positions, a [h, 3, 14, 28] kernel.
    const rect = read(withVision({ image_size: [448, 336], patch_size: [14, 28] }));
    expect(rect.vision?.params).toBe(base + 3 * 14 * 14 * h - (1024 - 32 * 12) * h);
    // downsample_ratio 0.25 shuffles 4 × 4 patches: the projector takes 16h.
    const c = release();
    c.downsample_ratio = 0.25;
    expect(read(c).vision?.params).toBe(tower + projector(16 * h));
  });

  it("ties lm_head by the top-level tie_word_embeddings, not text_config's", () => {
    const c = release();
    c.text_config = { ...(c.text_config as Json), tie_word_embeddings: true };
    expect(read(c).tieWordEmbeddings).toBe(false);
    expect(paramCount(read(c)).totalParams).toBe(textUntied);
    const d = release();
    d.tie_word_embeddings = true;
    expect(paramCount(read(d)).totalParams).toBe(textUntied - vocab * t);
  });

  it('reads a text_config of another model_type by its own family', () => {
    const c = release();
    c.text_config = {
      model_type: 'qwen2',
      vocab_size: 1000,
      hidden_size: 256,
      intermediate_size: 512,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
    };
    // Qwen2: q/k/v with bias, o without; head_dim 64; two RMSNorms; SwiGLU 512.
    const layer = 256 * 256 + 256 + 2 * (256 * 128 + 128) + 256 * 256 + 2 * 256 + 3 * 256 * 512;
    const spec = read(c);
    expect(paramCount(spec).totalParams).toBe(2 * 1000 * 256 + 2 * layer + 256);
    expect(spec.vision?.params).toBe(tower + 2 * 4 * h + 4 * h * 256 + 256 + 256 * 256 + 256);
  });

  it('names the field of bad input', () => {
    const c = release();
    c.downsample_ratio = 0.3;
    expect(inputErrorOf(() => read(c)).message).toMatch(/'downsample_ratio' must be 1\/k for a whole k/);
    expect(() => read(withVision({ norm_type: 'batch_norm' }))).toThrow(/vision_config\.norm_type/);
    expect(() => read(withVision({ image_size: [448, 448, 3] }))).toThrow(/vision_config\.image_size/);
    expect(() => read(withVision({ image_size: 7 }))).toThrow(/vision_config\.image_size.*at least one/);
    const d = release();
    d.text_config = { ...(d.text_config as Json), model_type: 'made_up' };
    expect(() => read(d)).toThrow(/text_config\.model_type.*'made_up'/);
    const e = release();
    e.text_config = { ...(e.text_config as Json), num_hidden_layers: 'many' };
    expect(() => read(e)).toThrow(/text_config\.num_hidden_layers/);
  });
});
