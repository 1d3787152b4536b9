/**
 * GOT-OCR 2.0 (`got_ocr2`), got-ocr2.ts: the Qwen2 text model by its own family, and the SAM ViT,
 * its neck and the conv/linear projector (modeling_got_ocr2.py) counted here module by module on
 * GotOcr2Config's defaults (the stepfun-ai/GOT-OCR-2.0-hf shape).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { gotOcr2Wrapper } from './got-ocr2.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const gotOcr2 = gotOcr2Wrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/got-ocr-2.0-hf.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => gotOcr2(new Fields(c, 'got_ocr2'), 'got-ocr-2.0');
const withVision = (extra: Json): Json => {
  const c = release();
  c.vision_config = { ...(c.vision_config as Json), ...extra };
  return c;
};

// Qwen2 text model: 24 layers of 1024, 16 heads of 64 (no GQA), SwiGLU 2816, vocab 151,860, tied.
const h = 1024;
const vocab = 151_860;
// q_proj, k_proj, v_proj with bias, o_proj without, gate/up/down, two RMSNorms.
const textLayer = 3 * (h * h + h) + h * h + 3 * h * 2816 + 2 * h;
const textTied = vocab * h + 24 * textLayer + h;

// SAM ViT 12 × 768, 12 heads of 64, 1024 px, patch 16 (64 × 64 patches), MLP 3072, window 14,
// global layers 2, 5, 8, 11; output_channels 256.
const v = 768;
const side = 64;
const patches = side * side;
const patchEmbed = 3 * 16 * 16 * v + v;
const posEmbed = patches * v;
// layer_norm1/2, qkv [3v, v] + bias, proj [v, v] + bias, lin1 [3072, v] + bias, lin2 [v, 3072] + bias.
const block = 2 * 2 * v + (3 * v * v + 3 * v) + (v * v + v) + (v * 3072 + 3072) + (3072 * v + v);
// rel_pos_h and rel_pos_w: 2·14 − 1 rows of 64 in windowed layers, 2·64 − 1 in global ones.
const relWindowed = 2 * (2 * 14 - 1) * 64;
const relGlobal = 2 * (2 * side - 1) * 64;
const layers = 12 * block + 8 * relWindowed + 4 * relGlobal;
// neck: conv1 [256, v, 1, 1], layer_norm1, conv2 [256, 256, 3, 3], layer_norm2 (no conv bias).
const neck = 256 * v + 2 * 256 + 256 * 256 * 9 + 2 * 256;
// conv_upsampler1 [512, 256, 3, 3], conv_upsampler2 [h, 512, 3, 3], multimodal_projector [h, h] + bias.
const projector = 512 * 256 * 9 + h * 512 * 9 + h * h + h;
const towerAndProjector = patchEmbed + posEmbed + layers + neck + projector;

describe('GOT-OCR 2.0', () => {
  it('GotOcr2Config defaults: 463,909,888 in the tied Qwen2 text model, 96,618,752 in the SAM ViT and projector', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('got_ocr2');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(paramCount(spec).totalParams).toBe(463_909_888);
    expect(spec.vision?.params).toBe(towerAndProjector);
    expect(spec.vision?.params).toBe(96_618_752);
    expect(spec.vision?.imageSize).toBe(1024);
    expect(spec.vision?.patchSize).toBe(16);
    // 64² patches; each stride-2 conv halves the grid: 32², then 16² = 256 tokens.
    expect(spec.vision?.description).toMatch(/window 14 \(4 global\) \(4096 patches → 256 tokens\)/);
    // Every text layer full attention: K and V of 16 heads × 64 in bf16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(24 * 2 * 16 * 64 * 2 * 8192);
  });

  it('forward FLOPs of one 1024-pixel image, windows zero-padded from 64 to 70 a side', () => {
    // Windowed layers: 25 windows of 14² over a 70² padded grid; global layers: one window of 64².
    const attention = (span: number, tokens: number) =>
      2 * tokens * 4 * v * v + (tokens / span ** 2) * 4 * v * span ** 4 + 4 * v * tokens * span;
    const mlp = 2 * patches * 2 * v * 3072;
    const encoder =
      2 * patches * 3 * 16 * 16 * v + 8 * attention(14, 70 * 70) + 4 * attention(side, patches) + 12 * mlp;
    const neckFlops = 2 * patches * (v * 256 + 9 * 256 * 256);
    const projectorFlops = 2 * 32 * 32 * 9 * 256 * 512 + 2 * 256 * (9 * 512 * h + h * h);
    expect(read(release()).vision?.flopsPerImage).toBe(encoder + neckFlops + projectorFlops);
  });

  it('builds the default sub-configs when the config gives none', () => {
    const spec = read({ model_type: 'got_ocr2' });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(spec.vision?.params).toBe(towerAndProjector);
  });

  it('takes GotOcr2VisionConfig defaults for the keys a vision_config omits, whatever its model_type', () => {
    const c = release();
    c.vision_config = { model_type: 'sam_vision_model', mlp_dim: 4096 };
    expect(read(c).vision?.params).toBe(towerAndProjector + 12 * (2 * v * 1024 + 1024));
  });

  it('drops rel-pos tables, position table and qkv bias as the config says; window_size 0 makes every layer global', () => {
    const noRel = read(withVision({ use_rel_pos: false, use_abs_pos: false, qkv_bias: false }));
    expect(noRel.vision?.params).toBe(
      towerAndProjector - 8 * relWindowed - 4 * relGlobal - posEmbed - 12 * 3 * v,
    );
    const global = read(withVision({ window_size: 0 }));
    expect(global.vision?.params).toBe(towerAndProjector + 8 * (relGlobal - relWindowed));
    expect(global.vision?.description).toMatch(/global attention \(4096 patches/);
  });

  it('unties lm_head when text_config says so', () => {
    const c = release();
    c.text_config = { ...(c.text_config as Json), tie_word_embeddings: false };
    const spec = read(c);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(textTied + vocab * h);
  });

  it('names the field of a bad sub-config', () => {
    expect(() => read(withVision({ num_attention_heads: 7 }))).toThrow(
      /vision_config\.hidden_size.*divisible by 'vision_config\.num_attention_heads'/,
    );
    expect(() => read(withVision({ image_size: 8 }))).toThrow(/vision_config\.image_size/);
    expect(() => read(withVision({ global_attn_indexes: 'all' }))).toThrow(
      /vision_config\.global_attn_indexes/,
    );
    const c = release();
    c.text_config = { ...(c.text_config as Json), model_type: 'made_up' };
    expect(() => read(c)).toThrow(/text_config\.model_type.*'made_up'/);
  });
});
