/**
 * ViP-LLaVA (`vipllava`) and Video-LLaVA (`video_llava`), llava-variants.ts: the released 7B
 * configs' Vicuna-7B text models, CLIP towers (one at 336 px, two at 224 px) and projectors from the
 * module shapes; the projectors widened by their feature-layer lists; what the modules cannot build
 * refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { videoLlavaWrapper, vipLlavaWrapper } from './llava-variants.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (file: string): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}.json`, import.meta.url),
      'utf8',
    ),
  ) as Cfg;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const vip = (json: Cfg) => vipLlavaWrapper(familyOf)(new Fields(json, 'vipllava'), 'x');
const video = (json: Cfg) => videoLlavaWrapper(familyOf)(new Fields(json, 'video_llava'), 'x');

// Vicuna-7B (LlamaConfig's shape, 32,064 tokens) and CLIP ViT-L/14 (1024 wide, MLP 4096, 24 layers).
const [H, I, L, V] = [4096, 11_008, 32, 32_064];
const [h, inter, depth, patch] = [1024, 4096, 24, 14];

/** Llama: untied embedding and head, q/k/v/o, gate/up/down, two RMSNorms a layer, the final norm. */
const text = 2 * V * H + L * (4 * H * H + 3 * H * I + 2 * H) + H;

/** CLIPVisionModel at `image` px: bias-free patch conv, class embedding, positions, pre/post-LayerNorm, blocks. */
function clip(image: number): number {
  const side = image / patch;
  const block = 2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h);
  return 3 * patch * patch * h + h + (side * side + 1) * h + 2 * h + depth * block + 2 * h;
}

/** linear_1 (n·h → H) and linear_2 (H → H), both biased. */
const mlpProjector = (n: number) => n * h * H + H + H * H + H;

describe('vipllava (ViP-LLaVA 7B)', () => {
  it('text 6,738,939,904 + CLIP-336 and the 5-layer projector 341,274,624 = 7,080,214,528', () => {
    const spec = vip(fixture('vip-llava-7b-hf'));
    expect(spec.modelType).toBe('vipllava');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(6_738_939_904);
    // projector_layernorm over 5 × 1024 (weight and bias), then the MLP from 5120.
    const vision = clip(336) + 2 * 5 * h + mlpProjector(5);
    expect(spec.vision?.params).toBe(vision);
    expect(text + vision).toBe(7_080_214_528);
    expect(spec.vision?.imageSize).toBe(336);
    expect(spec.vision?.description).toBe(
      'CLIP 24 × 1024, 336px, patch 14, 5 hidden states concatenated (576 tokens)',
    );
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(L * 2 * 32 * 128 * 2);
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('reads vision_feature_layers, not the legacy vision_feature_layer: an index is one hidden state', () => {
    const five = vip(fixture('vip-llava-7b-hf')).vision!;
    const one = vip({ ...fixture('vip-llava-7b-hf'), vision_feature_layers: -2 }).vision!;
    expect(five.params - one.params).toBe(4 * h * H + 2 * 4 * h);
    const twice = vip({ ...fixture('vip-llava-7b-hf'), vision_feature_layers: [0, 0, 1, 1, 0, 24] }).vision!;
    expect(twice.params - five.params).toBe(h * H + 2 * h);
  });

  it("builds VipLlavaConfig's CLIP ViT-L/14-336 when vision_config is absent", () => {
    const cfg = fixture('vip-llava-7b-hf');
    delete cfg.vision_config;
    expect(vip(cfg).vision?.params).toBe(vip(fixture('vip-llava-7b-hf')).vision?.params);
  });

  it('refuses feature layers outside the 25 hidden states and a tower without a class token, naming the field', () => {
    expect(() => vip({ ...fixture('vip-llava-7b-hf'), vision_feature_layers: [-2, 25] })).toThrowError(
      /'vision_feature_layers' must be a hidden-state index .* in \[-25, 24\]/,
    );
    expect(() => vip({ ...fixture('vip-llava-7b-hf'), vision_feature_layers: [] })).toThrowError(
      /'vision_feature_layers'/,
    );
    const siglip = { ...fixture('vip-llava-7b-hf').vision_config, model_type: 'siglip_vision_model' };
    expect(() => vip({ ...fixture('vip-llava-7b-hf'), vision_config: siglip })).toThrowError(
      /'vision_config\.model_type' is 'siglip_vision_model'/,
    );
  });
});

describe('video_llava (Video-LLaVA 7B)', () => {
  it('text 6,738,939,904 + image and video CLIP-224 towers and the projector 627,339,264 = 7,366,279,168', () => {
    const spec = video(fixture('video-llava-7b-hf'));
    expect(spec.modelType).toBe('video_llava');
    expect(paramCount(spec).totalParams).toBe(text);
    const vision = 2 * clip(224) + mlpProjector(1);
    expect(spec.vision?.params).toBe(vision);
    expect(text + vision).toBe(7_366_279_168);
    expect(spec.vision?.imageSize).toBe(224);
    expect(spec.vision?.description).toBe(
      'CLIP 24 × 1024, 224px, patch 14 (256 tokens); a second tower of that shape for video frames (257 tokens each)',
    );
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(L * 2 * 32 * 128 * 2);
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('an image: the tower over 257 positions, then 256 tokens through linear_1 and linear_2', () => {
    const spec = video(fixture('video-llava-7b-hf'));
    const layerMatmuls = 4 * h * h + 2 * h * inter;
    const tower = 2 * 256 * 3 * patch * patch * h + depth * (2 * 257 * layerMatmuls + 4 * h * 257 * 257);
    expect(spec.vision?.flopsPerImage).toBe(tower + 2 * 256 * (h * H + H * H));
  });

  it('a vision_feature_layer list widens linear_1; "full" keeps the class token', () => {
    const base = video(fixture('video-llava-7b-hf')).vision!;
    const three = video({ ...fixture('video-llava-7b-hf'), vision_feature_layer: [-2, -5, -8] }).vision!;
    expect(three.params - base.params).toBe(2 * h * H);
    expect(three.flopsPerImage! - base.flopsPerImage!).toBe(2 * 256 * 2 * h * H);
    const full = video({ ...fixture('video-llava-7b-hf'), vision_feature_select_strategy: 'full' }).vision!;
    expect(full.description).toMatch(/^CLIP 24 × 1024, 224px, patch 14 \(257 tokens\)/);
  });

  it("builds VideoLlavaConfig's CLIP ViT-L/14-224 when vision_config is absent", () => {
    const cfg = fixture('video-llava-7b-hf');
    delete cfg.vision_config;
    expect(video(cfg).vision?.params).toBe(2 * clip(224) + mlpProjector(1));
  });

  it('refuses an unknown select strategy, a feature layer past the tower and a non-CLIP tower, naming the field', () => {
    expect(() =>
      video({ ...fixture('video-llava-7b-hf'), vision_feature_select_strategy: 'cls' }),
    ).toThrowError(/'vision_feature_select_strategy' is 'cls'/);
    expect(() => video({ ...fixture('video-llava-7b-hf'), vision_feature_layer: -26 })).toThrowError(
      /'vision_feature_layer' must be a hidden-state index/,
    );
    expect(() => video({ ...fixture('video-llava-7b-hf'), vision_feature_layer: 'last' })).toThrowError(
      /'vision_feature_layer'/,
    );
    const siglip = { ...fixture('video-llava-7b-hf').vision_config, model_type: 'siglip_vision_model' };
    expect(() => video({ ...fixture('video-llava-7b-hf'), vision_config: siglip })).toThrowError(
      /'vision_config\.model_type'/,
    );
  });
});
