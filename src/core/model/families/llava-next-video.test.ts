/**
 * LLaVA-NeXT-Video (`llava_next_video`, llava-next-video.ts): LLaVA-NeXT-Video-7B's Vicuna-7B text
 * model, CLIP ViT-L/14-336 tower, projector and image_newline from the module shapes, the frame
 * pooler (no weights when averaging, a Conv2d in "conv" mode) and the projector widened for a list
 * of feature layers; the shapes transformers cannot build are refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { llavaNextVideoWrapper } from './llava-next-video.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/llava-next-video-7b-hf.json', import.meta.url),
      'utf8',
    ),
  ) as Cfg;

const family = llavaNextVideoWrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const read = (json: Cfg) => family(new Fields(json, 'llava_next_video'), 'x');

// Vicuna-7B (Llama shape, 32,064 tokens) and the CLIP ViT-L/14 tower at 336 px.
const [H, I, L, V] = [4096, 11_008, 32, 32_064];
const [h, inter, depth, patch, side] = [1024, 4096, 24, 14, 24];

/** Llama: untied embedding and head, q/k/v/o, gate/up/down, two RMSNorms a layer, the final norm. */
const text = 2 * V * H + L * (4 * H * H + 3 * H * I + 2 * H) + H;
/** CLIPVisionModel: bias-free patch conv, class embedding, 577 positions, pre- and post-LayerNorm, 24 blocks. */
const clip =
  3 * patch * patch * h +
  h +
  (side * side + 1) * h +
  2 * h +
  depth * (2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h)) +
  2 * h;
/** linear_1 (h → H) and linear_2 (H → H), both biased, and image_newline (H). */
const projectorAndNewline = h * H + H + H * H + H + H;

describe('llava_next_video (LLaVA-NeXT-Video-7B)', () => {
  it("text 6,738,939,904 + CLIP, projector and image_newline 324,491,264 = 7,063,431,168, the card's 7.06B", () => {
    const spec = read(fixture());
    expect(spec.modelType).toBe('llava_next_video');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(6_738_939_904);
    expect(spec.vision?.params).toBe(clip + projectorAndNewline);
    expect(paramCount(spec).totalParams + spec.vision!.params).toBe(7_063_431_168);
    expect(spec.vision?.flopsPerImage).toBeNull();
    expect(spec.vision?.description).toBe(
      'CLIP 24 × 1024, 336px, patch 14 (anyres tiles of 576 tokens); video frames pooled 2×2 (average) to 144 tokens',
    );
    expect(spec.tieWordEmbeddings).toBe(false);
    // Full attention, 32 KV heads of 128 in every layer: K and V in bf16.
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(L * 2 * 32 * 128 * 2);
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('max pooling has no weights; "conv" pooling adds a biased Conv2d h → h of kernel s × s', () => {
    const avg = read(fixture()).vision!;
    expect(read({ ...fixture(), spatial_pool_mode: 'max' }).vision!.params).toBe(avg.params);
    const conv = read({ ...fixture(), spatial_pool_mode: 'conv', spatial_pool_stride: 3 }).vision!;
    expect(conv.params - avg.params).toBe(h * h * 3 * 3 + h);
    expect(conv.description).toMatch(/pooled 3×3 \(conv\) to 64 tokens$/);
  });

  it('a vision_feature_layer list concatenates its hidden states: linear_1 takes h × the count', () => {
    const avg = read(fixture()).vision!;
    const multi = read({ ...fixture(), vision_feature_layer: [-2, -5, -8] }).vision!;
    expect(multi.params - avg.params).toBe(2 * h * H);
  });

  it('a text_config without a key takes LlamaConfig’s default (vocabulary 32,000)', () => {
    const cfg = fixture();
    delete cfg.text_config.vocab_size;
    expect(paramCount(read(cfg)).totalParams).toBe(text - 2 * (V - 32_000) * H);
  });

  it('refuses what LlavaNextVideoPooler and the projector cannot build, naming the field', () => {
    expect(() => read({ ...fixture(), spatial_pool_mode: 'bilinear' })).toThrowError(
      /spatial_pool_mode' is 'bilinear'/,
    );
    expect(() =>
      read({ ...fixture(), spatial_pool_mode: 'conv', spatial_pool_out_channels: 2048 }),
    ).toThrowError(/spatial_pool_out_channels' \(2048\) must equal/);
    expect(() =>
      read({ ...fixture(), spatial_pool_mode: 'conv', vision_feature_layer: [-2, -3] }),
    ).toThrowError(/vision_feature_layer' must be one layer/);
    expect(() => read({ ...fixture(), vision_feature_layer: 'last' })).toThrowError(/vision_feature_layer/);
    expect(() => read({ ...fixture(), spatial_pool_stride: 25 })).toThrowError(/spatial_pool_stride' \(25\)/);
    expect(() => read({ ...fixture(), spatial_pool_stride: 0 })).toThrowError(/spatial_pool_stride/);
  });
});
