/**
 * Nemotron Nano VL (nemotron-nano-vl.ts): NVIDIA-Nemotron-Nano-12B-v2-VL (`NemotronH_Nano_VL_V2`) and
 * Llama-3.1-Nemotron-Nano-VL-8B-V1 (`Llama_Nemotron_Nano_VL`): the text model by its own family, the
 * RADIO ViT-H/16 tower and mlp1 counted from their module shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { llamaNemotronNanoVlFamily, nemotronNanoVlV2Family } from './nemotron-nano-vl.js';
import type { Family } from './readers.js';

const load = (name: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  ) as Record<string, Json>;
const v2Fixture = load('nemotron-nano-12b-v2-vl');
const llamaFixture = load('llama-nemotron-nano-vl-8b');
const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const readV2 = (json: Json) =>
  nemotronNanoVlV2Family(familyOf)(new Fields(json, 'NemotronH_Nano_VL_V2'), 'x');
const readLlama = (json: Json) =>
  llamaNemotronNanoVlFamily(familyOf)(new Fields(json, 'Llama_Nemotron_Nano_VL'), 'x');
const textOf = (fixture: Record<string, Json>, type: string) =>
  familyOf(type)!(new Fields(fixture.llm_config as Json, type), 'x');

const linear = (i: number, o: number, bias: boolean) => i * o + (bias ? o : 0);

// RADIO ViT-H/16 (vit_huge_patch16_224): h 1280, 32 blocks, MLP 5120; CPE at 2048 px → a 128 × 128 position
// table; 4 teachers with cls_token_per_teacher → 4 class tokens, register_multiple 8 → 4 registers.
const H = 1280;
const PATCH_DIM = 3 * 16 * 16;
const embeddings = PATCH_DIM * H + 128 * 128 * H + (4 + 4) * H;
const block =
  2 * 2 * H + // norm1, norm2
  linear(H, 3 * H, true) + // attn.qkv
  linear(H, H, true) + // attn.proj
  linear(H, 4 * H, true) + // mlp.fc1
  linear(4 * H, H, true); // mlp.fc2
const radio = embeddings + 32 * block;
// Pixel shuffle 2 × 2: mlp1 sees 1280 · 4 = 5120 features.
const IN = 4 * H;
// V2: RMSNorm(5120) → 20480 → 5120 (the 12B text width), no bias.
const v2Projector = IN + IN * 20_480 + 20_480 * 5120;
// Llama: LayerNorm(5120) → 4096 → 4096 (Llama 3.1 8B's width), with bias.
const llamaProjector = 2 * IN + linear(IN, 4096, true) + linear(4096, 4096, true);

describe('Nemotron Nano VL', () => {
  it('NVIDIA-Nemotron-Nano-12B-v2-VL: nemotron_h text, RADIO ViT-H and the ReLU² mlp1', () => {
    const spec = readV2(v2Fixture);
    const text = textOf(v2Fixture, 'nemotron_h');
    expect(paramCount(spec).totalParams).toBe(paramCount(text).totalParams);
    expect(paramCount(spec).totalParams).toBe(12_310_001_152);
    expect(spec.layers).toEqual(text.layers);
    expect(spec.modelType).toBe('NemotronH_Nano_VL_V2');
    expect(spec.vision?.params).toBe(radio + v2Projector);
    expect(spec.vision?.params).toBe(861_363_200);
    expect(spec.vision?.patchSize).toBe(16);
    expect(spec.audio).toBeNull();
  });

  it('Llama-3.1-Nemotron-Nano-VL-8B-V1: llama text, C-RADIOv2-H and the biased LayerNorm/GELU mlp1', () => {
    const spec = readLlama(llamaFixture);
    const text = textOf(llamaFixture, 'llama');
    expect(paramCount(spec).totalParams).toBe(paramCount(text).totalParams);
    expect(paramCount(spec).totalParams).toBe(8_030_261_248);
    expect(spec.modelType).toBe('Llama_Nemotron_Nano_VL');
    expect(spec.vision?.params).toBe(radio + llamaProjector);
    expect(spec.vision?.params).toBe(689_410_048);
  });

  it('reads text_config, video tubelets, a final norm and the register count', () => {
    const { llm_config, vision_config, ...rest } = v2Fixture;
    const vision = vision_config as Record<string, Json>;
    const args = vision.args as Record<string, Json>;
    const at = (v: Json, a: Json = {}) =>
      readV2({
        ...rest,
        text_config: llm_config!,
        vision_config: { ...vision, ...(v as object), args: { ...args, ...(a as object) } },
      }).vision?.params;
    expect(at({})).toBe(radio + v2Projector);
    // T = 2: video_embedder Linear(3 · 2 · 16² → 1280), no bias.
    expect(at({ video_temporal_patch_size: 2, separate_video_embedder: true })).toBe(
      radio + v2Projector + 2 * PATCH_DIM * H,
    );
    // model_norm keeps timm's final LayerNorm.
    expect(at({}, { model_norm: true })).toBe(radio + v2Projector + 2 * H);
    // register_multiple 16: 16 − 4 registers; cpe_num_registers wins over it; one class token without
    // cls_token_per_teacher (8 − 1 registers: the same 8 rows).
    expect(at({}, { register_multiple: 16 })).toBe(radio + v2Projector + 8 * H);
    expect(at({}, { register_multiple: 16, cpe_num_registers: 2 })).toBe(radio + v2Projector - 2 * H);
    expect(at({}, { cls_token_per_teacher: false })).toBe(radio + v2Projector);
  });

  it('counts the Parakeet sound encoder of a config with sound_config', () => {
    const sound = {
      model_type: 'parakeet',
      hidden_size: 1024,
      num_attention_heads: 8,
      num_hidden_layers: 24,
      intermediate_size: 4096,
      conv_kernel_size: 9,
      convolution_bias: false,
      subsampling_conv_channels: 256,
      subsampling_conv_kernel_size: 3,
      subsampling_conv_stride: 2,
      subsampling_factor: 8,
      num_mel_bins: 128,
      projection_hidden_size: 4096,
      projection_bias: false,
    };
    const D = 1024;
    const subsampling =
      256 * 9 + 256 + 2 * (256 * 9 + 256 + linear(256, 256, true)) + linear(256 * 16, D, true);
    const conformer =
      2 * 2 * D * 4096 + // feed_forward1, feed_forward2
      5 * D * D + // q, k, v, o, relative_k_proj
      2 * D + // bias_u, bias_v
      2 * D * D + // pointwise_conv1
      D * 9 + // depthwise_conv
      2 * D + // BatchNorm1d
      D * D + // pointwise_conv2
      5 * 2 * D; // five LayerNorms
    const projector = D + D * 4096 + 4096 * 5120;
    const spec = readV2({ ...v2Fixture, sound_config: sound });
    expect(spec.audio?.params).toBe(subsampling + 24 * conformer + projector);
    expect(spec.vision?.params).toBe(radio + v2Projector);
  });

  it('names the field a config gets wrong', () => {
    const vision = v2Fixture.vision_config as Record<string, Json>;
    const args = vision.args as Record<string, Json>;
    const withArgs = (a: Json) => ({ ...v2Fixture, vision_config: { ...vision, args: a } });
    expect(
      inputErrorOf(() => readV2(withArgs({ ...args, model: 'vit_giant_patch14_224' }))).message,
    ).toContain('vision_config.args.model');
    const { cpe_max_size: _, ...noCpe } = args;
    expect(inputErrorOf(() => readV2(withArgs(noCpe))).message).toContain('vision_config.args.cpe_max_size');
    expect(inputErrorOf(() => readLlama({ ...llamaFixture, vit_hidden_size: 1024 })).message).toContain(
      'vit_hidden_size',
    );
    expect(inputErrorOf(() => readLlama({ ...llamaFixture, downsample_ratio: 0.3 })).message).toContain(
      'downsample_ratio',
    );
  });
});
