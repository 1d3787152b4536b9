/**
 * InternVL (internvl.ts): the HF `internvl` and the original `internvl_chat` formats read to the same
 * counts, InternViT and its projector counted apart, against the published totals.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

// OpenGVLab/InternVL3-8B's language model: Qwen2.5-7B with InternVL's 151,674-token vocabulary.
const qwen25_7b = {
  model_type: 'qwen2',
  vocab_size: 151_674,
  hidden_size: 3584,
  intermediate_size: 18_944,
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  max_position_embeddings: 32_768,
  tie_word_embeddings: false,
};
// InternViT-300M-448px.
const vit300m = {
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
};

describe('InternVL', () => {
  it('InternVL3-8B (HF format): the Qwen2.5 text model and InternViT-300M with its projector, 7.94B as the card', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'internvl',
        downsample_ratio: 0.5,
        text_config: qwen25_7b,
        vision_config: {
          ...vit300m,
          model_type: 'internvl_vision',
          attention_bias: true,
          image_size: [448, 448],
          patch_size: [14, 14],
        },
      },
      'internvl3-8b',
    );
    const p = paramCount(spec);
    // InternViT-300M: 304,012,288 (the "300M"); the projector LayerNorm(4096) → 3584 → 3584: 27,540,480.
    expect(p.visionParams).toBe(304_012_288 + 27_540_480);
    expect(p.totalParams + p.visionParams).toBe(7_944_373_760);
    expect(spec.modelType).toBe('internvl');
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('the original internvl_chat format (llm_config, fused qkv keys) counts the same', () => {
    const hf = specFromHfConfig(
      {
        model_type: 'internvl',
        text_config: qwen25_7b,
        vision_config: { ...vit300m, attention_bias: true, image_size: 448, patch_size: 14 },
      },
      'a',
    );
    const original = specFromHfConfig(
      {
        model_type: 'internvl_chat',
        downsample_ratio: 0.5,
        llm_config: qwen25_7b,
        vision_config: {
          ...vit300m,
          model_type: 'intern_vit_6b',
          qkv_bias: true,
          qk_normalization: false,
          norm_type: 'layer_norm',
          image_size: 448,
          patch_size: 14,
        },
      },
      'b',
    );
    expect(paramCount(original).visionParams).toBe(paramCount(hf).visionParams);
    expect(paramCount(original).totalParams).toBe(paramCount(hf).totalParams);
  });

  it('InternVL2.5-8B (internvl_chat with an InternLM2.5 llm_config): 8.08B as the card', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'internvl_chat',
        downsample_ratio: 0.5,
        llm_config: {
          model_type: 'internlm2',
          vocab_size: 92_544,
          hidden_size: 4096,
          intermediate_size: 14_336,
          num_hidden_layers: 32,
          num_attention_heads: 32,
          num_key_value_heads: 8,
          bias: false,
          max_position_embeddings: 32_768,
          tie_word_embeddings: false,
        },
        vision_config: {
          ...vit300m,
          qkv_bias: true,
          qk_normalization: false,
          norm_type: 'layer_norm',
          image_size: 448,
        },
      },
      'internvl2.5-8b',
    );
    const p = paramCount(spec);
    expect(p.totalParams + p.visionParams).toBe(8_075_291_648);
  });

  it('refuses a downsample ratio that is not 1/k and a non-square image, naming the field', () => {
    const base = { model_type: 'internvl', text_config: qwen25_7b, vision_config: vit300m };
    expect(
      inputErrorOf(() => specFromHfConfig({ ...base, downsample_ratio: 0.3 }, 'x')).issues[0]?.path,
    ).toEqual(['downsample_ratio']);
    const rect = { ...base, vision_config: { ...vit300m, image_size: [448, 336] } };
    expect(inputErrorOf(() => specFromHfConfig(rect, 'x')).issues[0]?.path).toEqual([
      'vision_config',
      'image_size',
    ]);
  });
});
