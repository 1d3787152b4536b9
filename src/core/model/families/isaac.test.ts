/**
 * Perceptron Isaac (`isaac`), isaac.ts: the Qwen3 text model (remote-code flat layout or transformers'
 * nested IsaacTextConfig), the SigLIP2 NaFlex tower and the pixel-shuffle projector
 * (modeling_isaac.py), counted here module by module on Isaac-0.1's shape.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { isaac } from './isaac.js';

const FIXTURE: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/isaac-0.1.json', import.meta.url),
    'utf8',
  ),
);
const release = (): Json => structuredClone(FIXTURE);
const read = (c: Json) => isaac(new Fields(c, 'isaac'), 'isaac-0.1');

// Qwen3 text model: 28 layers of 2048, 16 query heads and 8 KV heads of 128, SwiGLU 6144, vocab 151,936.
const h = 2048;
const vocab = 151_936;
const q = 16 * 128;
const kv = 8 * 128;
// q_proj, k_proj, v_proj, o_proj (no bias), q_norm and k_norm [128], two RMSNorms, gate/up/down.
const textLayer = h * q + 2 * h * kv + q * h + 2 * 128 + 2 * h + 3 * h * 6144;
const textTied = vocab * h + 28 * textLayer + h;
// SigLIP2 so400m/16: patch_embedding [v, 3·16²] + bias, position grid 16 × 16 × v; per layer two
// LayerNorms (weight, bias), q/k/v/out [v, v] + bias, fc1 [4304, v] + bias, fc2 [v, 4304] + bias.
const v = 1152;
const vi = 4304;
const vLayer = 2 * 2 * v + 4 * (v * v + v) + (v * vi + vi) + (vi * v + v);
const tower = 3 * 16 * 16 * v + v + 256 * v + 27 * vLayer + 2 * v;
// 2×2 pixel shuffle → 4v; multimodal_projector linear_1 [16v, 4v], linear_2 [h, 16v], no bias.
const projector = 4 * v * 16 * v + 16 * v * h;

/** The same model in transformers' nested layout (IsaacTextConfig keys, default-valued ones omitted). */
function nested(): Json {
  const c = release();
  const text: Json = { model_type: 'isaac_text' };
  for (const key of [
    'hidden_size',
    'intermediate_size',
    'max_position_embeddings',
    'num_attention_heads',
    'num_hidden_layers',
    'num_key_value_heads',
    'rms_norm_eps',
    'rope_theta',
  ]) {
    text[key] = c[key] ?? null;
    delete c[key];
  }
  // vocab_size (151,936) and head_dim (128) are IsaacTextConfig's defaults: transformers omits them.
  delete c.vocab_size;
  delete c.head_dim;
  c.text_config = text;
  c.vision_config = { ...(c.vision_config as Json), model_type: 'isaac_vision' };
  return c;
}

describe('Perceptron Isaac', () => {
  it('Isaac-0.1: 1,720,574,976 in the tied Qwen3 text model, 535,333,104 in the SigLIP2 tower and projector', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('isaac');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(paramCount(spec).totalParams).toBe(1_720_574_976);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(spec.vision?.params).toBe(535_333_104);
    // The published "2B": text and vision together.
    expect(textTied + tower + projector).toBe(2_255_908_080);
    // Every layer full attention: K and V of 8 heads × 128 in bf16.
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerSequence).toBe(28 * 2 * kv * 2 * 8192);
    // At the 6144-patch budget: patch embedding, 27 blocks with attention over all patches, projector
    // on the 1536 shuffled tokens.
    const p = 6144;
    const blockFlops = 2 * p * (4 * v * v + 2 * v * vi) + 4 * v * p * p;
    const flops = 2 * p * 768 * v + 27 * blockFlops + 2 * 1536 * (4 * v * 16 * v + 16 * v * h);
    expect(spec.vision?.flopsPerImage).toBe(flops);
    expect(spec.vision?.description).toMatch(/6144 patches → 1536 tokens/);
  });

  it("reads transformers' nested layout the same, with IsaacTextConfig's defaults", () => {
    const spec = read(nested());
    expect(paramCount(spec).totalParams).toBe(textTied);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(spec.maxContextTokens).toBe(40_960);
    expect(spec.slidingWindow).toBeNull();
  });

  it("ties by the top-level tie_word_embeddings (absent: untied), not text_config's", () => {
    const c = nested();
    delete c.tie_word_embeddings;
    c.text_config = { ...(c.text_config as Json), tie_word_embeddings: true };
    const spec = read(c);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(paramCount(spec).totalParams).toBe(textTied + vocab * h);
  });

  it('builds the class defaults for omitted sub-config keys', () => {
    // IsaacTextConfig(): Qwen3 32 × 4096, 32 heads of 128, SwiGLU 22,016; IsaacVisionConfig():
    // SigLIP2 base 12 × 768, MLP 3072, patch 16, 256 positions, no shuffle (linear_1 [4·768, 768]).
    const spec = read({ model_type: 'isaac', text_config: {} });
    const dh = 4096;
    const layer = 4 * dh * dh + 2 * 128 + 2 * dh + 3 * dh * 22_016;
    expect(paramCount(spec).totalParams).toBe(2 * vocab * dh + 32 * layer + dh);
    const b = 768;
    const bLayer = 2 * 2 * b + 4 * (b * b + b) + (b * 3072 + 3072) + (3072 * b + b);
    const baseTower = 3 * 16 * 16 * b + b + 256 * b + 12 * bLayer + 2 * b;
    expect(spec.vision?.params).toBe(baseTower + 4 * b * b + 4 * b * dh);
    expect(spec.vision?.flopsPerImage).toBeNull();
  });

  it('names the field of a bad config', () => {
    const c = release();
    c.vision_config = { ...(c.vision_config as Json), num_patches: 255 };
    expect(() => read(c)).toThrow(/vision_config\.num_patches.*must be a square/);
    const d = release();
    d.vision_config = { ...(d.vision_config as Json), pixel_shuffle_scale_factor: 0 };
    expect(() => read(d)).toThrow(/vision_config\.pixel_shuffle_scale_factor/);
    const e = nested();
    e.text_config = { ...(e.text_config as Json), num_hidden_layers: 'many' };
    expect(() => read(e)).toThrow(/text_config\.num_hidden_layers/);
  });
});
