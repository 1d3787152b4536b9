/**
 * Nemotron-H Omni (nemotron-h-omni.ts): nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning's released config
 * (`llm_config`, `sound_config`, `vit_hidden_size`), its Nemotron-H text model read as `nemotron_h`, and the
 * C-RADIOv4-H tower, the Parakeet encoder and both projectors counted from their module shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { nemotronHOmniFamily } from './nemotron-h-omni.js';
import type { Family } from './readers.js';

const fixture = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/nemotron-h-omni.json', import.meta.url),
    'utf8',
  ),
) as Json;
const family = nemotronHOmniFamily((t) => (FAMILIES as Record<string, Family>)[t]);
const read = (json: Json) => family(new Fields(json, 'nemotron_h_omni'), 'x');

const linear = (i: number, o: number, bias: boolean) => i * o + (bias ? o : 0);
const TEXT = 2688;

// C-RADIOv4-H (RadioConfig defaults; the release's vision_config gives only patch 16 and T = 2): h 1280,
// 32 layers, MLP 5120, 3 channels, patch 16, a 128 × 128 position grid, 3 cls + 7 register tokens.
const H = 1280;
const radioEmbeddings = 768 * H + 2 * 768 * H + 128 * 128 * H + 10 * H;
const radioLayer =
  2 * 2 * H + // norm1, norm2
  3 * linear(H, H, true) + // q, k, v (qkv_bias)
  linear(H, H, true) + // o_proj
  2 * H + // layer_scale1, layer_scale2
  linear(H, 5120, true) +
  linear(5120, H, true);
const radio = radioEmbeddings + 32 * radioLayer;
// mlp1: RMSNorm(1280·2²) → 20480 → 2688, no bias (projector_hidden_size 20480 in the release).
const visionProjector = 5120 + 5120 * 20_480 + 20_480 * TEXT;

// Parakeet: d 1024, 24 blocks, FFN 4096, 8 heads, kernel 9, no attention or convolution bias; subsampling
// 256 channels, kernel 3, stride 2, 3 steps, 128 mel bins → 16.
const D = 1024;
const subsampling = 256 * 9 + 256 + 2 * (256 * 9 + 256 + linear(256, 256, true)) + linear(256 * 16, D, true);
const conformer =
  2 * (D * 4096 + 4096 * D) + // feed_forward1, feed_forward2
  4 * D * D + // q, k, v, o
  D * D + // relative_k_proj
  2 * D + // bias_u, bias_v
  D * 2 * D + // pointwise_conv1
  D * 9 + // depthwise_conv
  2 * D + // BatchNorm1d
  D * D + // pointwise_conv2
  5 * 2 * D; // five LayerNorms
const parakeet = subsampling + 24 * conformer;
const audioProjector = D + D * 4096 + 4096 * TEXT;

describe('Nemotron-H Omni', () => {
  it('Nemotron-3-Nano-Omni-30B-A3B: the nemotron_h text model, RADIO and Parakeet with their projectors', () => {
    const spec = read(fixture);
    const text = FAMILIES.nemotron_h!(
      new Fields((fixture as { llm_config: Json }).llm_config, 'nemotron_h'),
      'x',
    );
    expect(paramCount(spec).totalParams).toBe(paramCount(text).totalParams);
    expect(spec.modelType).toBe('nemotron_h_omni');
    expect(spec.layers).toEqual(text.layers);
    expect(spec.vision?.params).toBe(radio + visionProjector);
    expect(spec.vision?.params).toBe(813_606_400);
    expect(spec.audio?.params).toBe(parakeet + audioProjector);
    expect(spec.audio?.params).toBe(624_084_992);
    expect(spec.vision?.patchSize).toBe(16);
  });

  it('reads the current key names the same, and counts the MTP vision norm and projector biases', () => {
    const { llm_config, sound_config, vit_hidden_size, ...rest } = fixture as Record<string, Json>;
    const current = read({
      ...rest,
      text_config: llm_config!,
      audio_config: sound_config!,
      vision_hidden_size: vit_hidden_size!,
    });
    expect(current.vision?.params).toBe(radio + visionProjector);
    expect(current.audio?.params).toBe(parakeet + audioProjector);
    // With MTP layers the model builds vision_final_layernorm (LayerNorm 1280); with projection_bias the
    // audio projector gains 4096 + 2688.
    const mtp = read({
      ...rest,
      text_config: { ...(llm_config as Json), num_nextn_predict_layers: 1 },
      audio_config: { ...(sound_config as Json), projection_bias: true },
    });
    expect(mtp.vision?.params).toBe(radio + visionProjector + 2 * H);
    expect(mtp.audio?.params).toBe(parakeet + audioProjector + 4096 + TEXT);
    // Without an audio config there is no audio branch.
    expect(read({ ...rest, text_config: llm_config! }).audio).toBeNull();
  });

  it('names the field a config gets wrong', () => {
    const { projection_hidden_size: _, ...sound } = (fixture as { sound_config: Json }).sound_config;
    expect(inputErrorOf(() => read({ ...fixture, sound_config: sound })).message).toContain(
      'sound_config.projection_hidden_size',
    );
    expect(inputErrorOf(() => read({ ...fixture, downsample_ratio: 2 })).message).toContain(
      'downsample_ratio',
    );
  });
});
