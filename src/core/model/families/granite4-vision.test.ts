/**
 * Granite 4 Vision (`granite4_vision`), granite4-vision.ts: granite-vision-4.1-4b counted tensor by
 * tensor from the modules of transformers' `modeling_granite4_vision.py` (Granite4VisionModel,
 * Granite4VisionWindowQFormerDownsampler), `modeling_blip_2.py` (Blip2QFormerModel),
 * `modeling_siglip.py` (SiglipVisionModel with its pooling head) and the Granite (Llama-layer) text
 * model, written here from config.json and not through the reader.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Cfg, llamaTextTensors, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { granite4VisionWrapper } from './granite4-vision.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const granite4Vision = granite4VisionWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const FIXTURE: Cfg = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/granite4-vision.json', import.meta.url),
    'utf8',
  ),
);
const release = () => structuredClone(FIXTURE);
const read = (c: Cfg) => granite4Vision(new Fields(c, 'granite4_vision'), 'granite-vision-4.1-4b');

/**
 * vision_tower.vision_model: embeddings.patch_embedding [h, 3, p, p] and bias [h], position_embedding
 * [(image/p)², h]; per layer layer_norm1 and layer_norm2 [h] ×2, q/k/v/out_proj [h, h] and biases [h],
 * mlp.fc1 [I, h] and bias [I], fc2 [h, I] and bias [h]; post_layernorm [h] ×2; head.probe [1, 1, h],
 * head.attention.in_proj_weight [3h, h] and in_proj_bias [3h], out_proj [h, h] and bias [h],
 * head.layernorm [h] ×2, head.mlp.fc1 and fc2 with biases.
 */
function towerTensors(v: Cfg): number {
  const h = v.hidden_size;
  const i = v.intermediate_size;
  const p = v.patch_size;
  const side = v.image_size / p;
  const t = new Tensors();
  t.add([h, v.num_channels, p, p], [h], [side * side, h]);
  for (let l = 0; l < v.num_hidden_layers; l += 1) {
    t.add([h], [h], [h], [h]);
    t.add([h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h]);
    t.add([i, h], [i], [h, i], [h]);
  }
  t.add([h], [h]);
  t.add([1, 1, h], [3 * h, h], [3 * h], [h, h], [h], [h], [h], [i, h], [i], [h, i], [h]);
  return t.total;
}

/**
 * One Granite4VisionWindowQFormerDownsampler, its Q-Former the one Granite4VisionConfig derives (1 layer,
 * FFN 3072, vision-wide): norm [vh] ×2, query [1, q², vh], image_positions [1, w², vh];
 * qformer.layernorm [vh] ×2; attention query, key, value, output.dense [vh, vh] with biases,
 * output.LayerNorm ×2; crossattention the same (encoder width vh); intermediate_query.dense [3072, vh]
 * and bias, output_query.dense [vh, 3072] and bias, output_query.LayerNorm ×2; out_linear [th, vh] and bias.
 */
function projectorTensors(c: Cfg): number {
  const vh = c.vision_config.hidden_size;
  const th = c.text_config.hidden_size;
  const [q, w] = (c.downsample_rate as string).split('/').map(Number) as [number, number];
  const t = new Tensors();
  t.add([vh], [vh], [1, q * q, vh], [1, w * w, vh], [vh], [vh]);
  for (let a = 0; a < 2; a += 1)
    t.add([vh, vh], [vh], [vh, vh], [vh], [vh, vh], [vh], [vh, vh], [vh], [vh], [vh]);
  t.add([3072, vh], [3072], [vh, 3072], [vh], [vh], [vh]);
  t.add([th, vh], [th]);
  return t.total;
}

/** Tower, image_newline [th], one projector per deepstack pair and the four spatial ones. */
const visionTensors = (c: Cfg) =>
  towerTensors(c.vision_config) +
  c.text_config.hidden_size +
  (c.deepstack_layer_map.length + 4) * projectorTensors(c);

describe('granite4_vision (granite-vision-4.1-4b)', () => {
  it('reads the Granite text model: 40 layers of 40 heads and 8 KV heads of 64, untied', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('granite4_vision');
    expect(spec.layers).toEqual(Array(40).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 40, numKvHeads: 8, headDim: 64 });
    expect(spec.hiddenSize).toBe(2560);
    expect(spec.vocabSize).toBe(100_353);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision?.description).toBe(
      'SigLIP 27 × 1152, 384px tiles (anyres), patch 16, pooling head; 4 deepstack + 4 spatial window Q-Former projectors (1 × 1152, 4×4 queries per 8×8 window) → 2560',
    );
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: null, flopsPerImage: null });
    expect(spec.warnings).toBeUndefined();
  });

  it('text 3,659,742,720 + vision 594,367,424 (SigLIP 428,256,704 + newline 2,560 + 8 × 20,763,520) = 4,254,110,144', () => {
    const c = release();
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(llamaTextTensors(c.text_config, false));
    expect(p.visionParams).toBe(visionTensors(c));
    expect(towerTensors(c.vision_config)).toBe(428_256_704);
    expect(projectorTensors(c)).toBe(20_763_520);
    expect(p.totalParams).toBe(3_659_742_720);
    expect(p.visionParams).toBe(594_367_424);
    expect(p.totalParams + p.visionParams).toBe(4_254_110_144);
  });

  it('KV cache: K and V of 8 heads × 64 on 40 layers (the projectors keep none)', () => {
    expect(kvCacheBytes(read(release()), 4096, 'bf16').bytesPerToken).toBe(40 * 2 * 8 * 64 * 2);
  });

  it('follows the configuration classes on omitted keys', () => {
    const c = release();
    const base = read(c);
    // The Q-Former Granite4VisionConfig derives, written out; omitted keys take Blip2QFormerConfig's defaults.
    const explicit = release();
    explicit.qformer_config = {
      num_hidden_layers: 1,
      cross_attention_frequency: 1,
      hidden_size: 1152,
      num_attention_heads: 18,
      encoder_hidden_size: 1152,
    };
    expect(read(explicit)).toEqual(base);
    // text_config as Granite4VisionTextConfig or GraniteConfig by name: the same Granite model.
    for (const type of ['granite4_vision_text', 'granite']) {
      const named = release();
      named.text_config.model_type = type;
      expect(read(named)).toEqual(base);
    }
    // Without vision_use_head false SiglipVisionModel builds the pooling head; false drops it.
    const headless = release();
    headless.vision_config.vision_use_head = false;
    const h = 1152;
    const i = 4304;
    expect(base.vision!.params - read(headless).vision!.params).toBe(
      h + 3 * h * h + 3 * h + h * h + h + 2 * h + h * i + i + i * h + h,
    );
    // Two more deepstack pairs: two more projectors.
    const more = release();
    more.deepstack_layer_map.push([-10, 12], [-4, 18]);
    expect(read(more).vision!.params - base.vision!.params).toBe(2 * projectorTensors(c));
    // use_spatial_sampling false is named: transformers builds the four spatial projectors anyway.
    const off = release();
    off.use_spatial_sampling = false;
    expect(read(off).vision).toEqual(base.vision);
    expect(read(off).warnings).toEqual([
      `granite4_vision: use_spatial_sampling is false, but transformers' Granite4VisionModel builds the 4 spatial projectors whatever it says: counted (${(4 * projectorTensors(c)).toLocaleString('en-US')} parameters)`,
    ]);
  });

  it('refuses malformed or unrunnable fields, naming their path', () => {
    const cases: [(c: Cfg) => void, (string | number)[]][] = [
      [(c) => (c.downsample_rate = '3/8'), ['downsample_rate']],
      [(c) => delete c.downsample_rate, ['downsample_rate']],
      [(c) => delete c.deepstack_layer_map, ['deepstack_layer_map']],
      [(c) => (c.deepstack_layer_map = [[1, 2, 3]]), ['deepstack_layer_map']],
      [(c) => (c.vision_feature_select_strategy = 'default'), ['vision_feature_select_strategy']],
      [(c) => (c.vision_config.image_size = 448), ['vision_config', 'image_size']],
      [(c) => (c.qformer_config = { hidden_size: 768 }), ['qformer_config', 'hidden_size']],
      [(c) => (c.text_config.model_type = 'no_such_text'), ['text_config', 'model_type']],
    ];
    for (const [edit, path] of cases) {
      const c = release();
      edit(c);
      expect(inputErrorOf(() => read(c)).issues[0]?.path).toEqual(path);
    }
    const rate = release();
    rate.downsample_rate = '3/8';
    expect(inputErrorOf(() => read(rate)).message).toMatch(/must halve each side/);
  });
});
