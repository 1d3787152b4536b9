/**
 * Phi-3.5-vision (phi3-v.ts): the Phi-3-mini decoder and the CLIP ViT-L/14-336 tower, HD separators and
 * projector counted from the modules the release's remote code builds (`modeling_phi3_v.py`,
 * `image_embedding_phi3_v.py`, CLIP's `modeling_clip.py`), on microsoft/Phi-3.5-vision-instruct's config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { phi3V } from './phi3-v.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const read = (c: Cfg) => phi3V(new Fields(c, 'phi3_v'), 'x');
const release = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(
        '../../../../test/fixtures/hf-configs/hand-built/phi-3.5-vision-instruct.json',
        import.meta.url,
      ),
      'utf8',
    ),
  );

/** A Linear's weight and bias; a LayerNorm's weight and bias. */
const fc = (i: number, o: number) => i * o + o;
const ln = (w: number) => 2 * w;

/**
 * Phi3VModel + lm_head: embed_tokens [V, h] (shared with vision_embed_tokens.wte), per layer qkv_proj
 * [(heads + 2·kv)·d, h], o_proj [h, heads·d], gate_up_proj [2i, h], down_proj [h, i] (no biases) and
 * two RMSNorms; the final norm; lm_head [V, h] (untied).
 */
function decoderParams(c: Cfg, kvHeads = c.num_key_value_heads): number {
  const h = c.hidden_size;
  const d = h / c.num_attention_heads;
  const layer =
    h * (c.num_attention_heads + 2 * kvHeads) * d +
    c.num_attention_heads * d * h +
    h * 2 * c.intermediate_size +
    c.intermediate_size * h +
    2 * h;
  return 2 * c.vocab_size * h + c.num_hidden_layers * layer + h;
}

/**
 * CLIPVisionModel at ViT-L/14-336 (1024 wide, 24 layers, MLP 4096): patch_embedding [1024, 3, 14, 14]
 * without bias, class_embedding, 577 positions, pre_layrnorm; per layer layer_norm1/2, q/k/v/out_proj
 * and fc1/fc2 (biased); post_layernorm. Then glb_GN and sub_GN (4096 each) and img_projection
 * 4096 → h → h (biased).
 */
function visionParams(textHidden: number): number {
  const [w, i] = [1024, 4096];
  const embeddings = 3 * 14 * 14 * w + w + (24 * 24 + 1) * w + ln(w);
  const layer = 2 * ln(w) + 4 * fc(w, w) + fc(w, i) + fc(i, w);
  const tower = embeddings + 24 * layer + ln(w);
  return tower + 2 * 4 * w + fc(4 * w, textHidden) + fc(textHidden, textHidden);
}

describe('Phi-3-Vision (phi3_v)', () => {
  it('microsoft/Phi-3.5-vision-instruct: 3,821,079,552 in the decoder, 325,541,888 in the vision side, 4,146,621,440 in all', () => {
    const c = release();
    const spec = read(c);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(decoderParams(c));
    expect(p.totalParams).toBe(3_821_079_552);
    expect(spec.vision?.params).toBe(visionParams(3072));
    expect(spec.vision?.params).toBe(303_507_456 + 8192 + 22_026_240);
    expect(p.totalParams + p.visionParams).toBe(4_146_621_440);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision?.patchSize).toBe(14);
    expect(spec.vision?.flopsPerImage).toBeNull();
    expect(spec.vision?.description).toContain('313 tokens for a 336px image');
  });

  it('caches K and V of 32 heads of 96 on each of the 32 layers (the 262,144 window never binds)', () => {
    const spec = read(release());
    expect(kvCacheBytes(spec, 131_072, 'bf16').bytesPerSequence).toBe(32 * 2 * 32 * 96 * 2 * 131_072);
  });

  it('takes Phi3VConfig defaults for omitted decoder keys, and builds no vision side without an embd_layer object', () => {
    const spec = read({ model_type: 'phi3_v' });
    const defaults = {
      vocab_size: 32_064,
      hidden_size: 3072,
      intermediate_size: 8192,
      num_hidden_layers: 32,
      num_attention_heads: 32,
    };
    expect(paramCount(spec).totalParams).toBe(decoderParams(defaults, 32));
    expect(spec.vision).toBeNull();
    expect(read({ ...release(), embd_layer: 'default' }).vision).toBeNull();
    // The tower is fixed in code: a different text width changes only the projector.
    const c = release();
    const wide = read({ ...c, hidden_size: 4096, num_attention_heads: 32 });
    expect(wide.vision?.params).toBe(visionParams(4096));
  });

  it('refuses another tower, a feature width not CLIP-L’s, the non-HD builds and a missing img_processor', () => {
    const c = release();
    const tower = inputErrorOf(() =>
      read({ ...c, img_processor: { ...c.img_processor, model_name: 'openai/clip-vit-base-patch32' } }),
    );
    expect(tower.message).toContain('img_processor.model_name');
    const dim = inputErrorOf(() => read({ ...c, img_processor: { ...c.img_processor, image_dim_out: 768 } }));
    expect(dim.message).toContain('img_processor.image_dim_out');
    const tokens = inputErrorOf(() =>
      read({ ...c, img_processor: { ...c.img_processor, num_img_tokens: undefined } }),
    );
    expect(tokens.message).toContain('img_processor.num_img_tokens');
    const hd = inputErrorOf(() => read({ ...c, embd_layer: { ...c.embd_layer, use_hd_transform: false } }));
    expect(hd.message).toContain('embd_layer.use_hd_transform');
    const proj = inputErrorOf(() =>
      read({ ...c, embd_layer: { ...c.embd_layer, projection_cls: 'linear' } }),
    );
    expect(proj.message).toContain('embd_layer.projection_cls');
    const missing = inputErrorOf(() => read({ ...c, img_processor: undefined }));
    expect(missing.message).toContain('img_processor');
  });
});
