/**
 * LightOnOCR (`lighton_ocr`), lighton-ocr.ts: the Qwen3 text model by its own family, the Pixtral
 * encoder and the bias-free Mistral 3 style projector (modeling_lighton_ocr.py), counted here module
 * by module on LightOnOcrConfig's defaults (the LightOnOCR-1B-1025 / LightOnOCR-2-1B shape).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { lightonOcrWrapper } from './lighton-ocr.js';
import type { Family } from './readers.js';

const lightonOcr = lightonOcrWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/lighton-ocr.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => lightonOcr(new Fields(c, 'lighton_ocr'), 'lightonocr-1b');

// Qwen3 text model: 28 layers of 1024, 16 query heads and 8 KV heads of 128, SwiGLU 3072, vocab 151,936.
const h = 1024;
const vocab = 151_936;
const q = 16 * 128;
const kv = 8 * 128;
// q_proj, k_proj, v_proj, o_proj (no bias), q_norm and k_norm [128], two RMSNorms, gate/up/down.
const textLayer = h * q + 2 * h * kv + q * h + 2 * 128 + 2 * h + 3 * h * 3072;
const textTied = vocab * h + 28 * textLayer + h;
// Pixtral 24 × 1024, patch 14, SwiGLU 4096: patch_conv [h, 3, 14, 14], ln_pre; per layer
// attention_norm, ffn_norm, q/k/v/o [h, h], gate/up/down.
const v = 1024;
const tower = v * 3 * 14 * 14 + v + 24 * (2 * v + 4 * v * v + 3 * v * 4096);
// vision_projection: norm [v], patch_merger.merging_layer [v, 4v], linear_1 [h, v], linear_2 [h, h].
const projector = v + 4 * v * v + v * h + h * h;

describe('LightOnOCR', () => {
  it('LightOnOcrConfig defaults: 596,049,920 in the tied Qwen3 text model, 409,597,952 in Pixtral and the projector', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('lighton_ocr');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(paramCount(spec).totalParams).toBe(596_049_920);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(spec.vision?.params).toBe(409_597_952);
    // 1540 / 14 = 110 patches a side; the 2×2 merge leaves 55² tokens.
    expect(spec.vision?.description).toMatch(/12100 patches → 3025 tokens/);
    // Every layer full attention: K and V of 8 heads × 128 in bf16.
    const perToken = 28 * 2 * kv * 2;
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(perToken * 8192);
  });

  it('builds the default sub-configs when the config gives none', () => {
    const spec = read({ model_type: 'lighton_ocr' });
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(spec.vision?.params).toBe(tower + projector);
  });

  it("ties by the top-level tie_word_embeddings, not text_config's, and never biases linear_1/linear_2", () => {
    const c = release();
    c.tie_word_embeddings = false;
    c.text_config = { ...(c.text_config as Json), tie_word_embeddings: true };
    c.multimodal_projector_bias = true;
    const spec = read(c);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(textTied + vocab * h);
    expect(spec.vision?.params).toBe(tower + projector);
  });

  it('takes Qwen3Config defaults for keys a given text_config omits', () => {
    const c = release();
    const { vocab_size: _omitted, ...text } = c.text_config as Json;
    c.text_config = text;
    expect(paramCount(read(c)).totalParams).toBe(textTied);
  });

  it('names the field of a bad sub-config', () => {
    const c = release();
    c.vision_config = { ...(c.vision_config as Json), model_type: 'siglip_vision_model' };
    expect(() => read(c)).toThrow(/vision_config\.model_type.*is 'siglip_vision_model'/);
    const d = release();
    d.text_config = { ...(d.text_config as Json), num_hidden_layers: 'many' };
    expect(() => read(d)).toThrow(/text_config\.num_hidden_layers/);
    const e = release();
    e.text_config = { ...(e.text_config as Json), model_type: 'made_up' };
    expect(() => read(e)).toThrow(/text_config\.model_type.*'made_up'/);
  });
});
