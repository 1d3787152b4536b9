/**
 * GLM-4 (`glm4`: GLM-4-0414) and GLM-4.1V (`glm4v`, its `glm4v_text`): the dense GLM decoder with
 * four RMSNorms per layer and q/k/v bias, and the GLM-4V vision tower (glm4v.ts) counted apart.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

// zai-org/GLM-4-9B-0414's shape: Glm4vTextConfig's defaults (GLM-4.1V's text model is GLM-4-9B's
// shape), with the file's explicit head_dim and partial rotary.
const glm4_9b = {
  ...SUB_CONFIG_DEFAULTS.glm4v_text,
  model_type: 'glm4',
  head_dim: 128,
  partial_rotary_factor: 0.5,
};

describe('GLM-4 and GLM-4.1V', () => {
  it('GLM-4-9B-0414: q/k/v bias, o without, fused gate_up, four norms per layer: 9.40B', () => {
    const spec = specFromHfConfig(glm4_9b, 'glm4');
    const h = 4096;
    const attention = h * h + h + 2 * (h * 256 + 256) + h * h;
    const layer = attention + 3 * h * 13_696 + 4 * h;
    expect(paramCount(spec).totalParams).toBe(2 * 151_552 * h + 40 * layer + h);
    expect(paramCount(spec).totalParams).toBe(9_400_279_040);
    expect(spec.norm.perLayer).toBe(4);
    expect(spec.attention).toMatchObject({ qkvBias: true, outputBias: false });
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('GLM-4.1V: the glm4v_text model at its class defaults and the ViT counted apart (10.3B, the card)', () => {
    // A config with both sub-configs at their class defaults (GLM-4.1V-9B's shape).
    const spec = specFromHfConfig(
      {
        model_type: 'glm4v',
        text_config: { model_type: 'glm4v_text' },
        vision_config: { model_type: 'glm4v_vision' },
      },
      'glm4.1v',
    );
    const p = paramCount(spec);
    expect(p.totalParams).toBe(9_400_279_040);
    // 24 blocks of 28,314,624, the stem, the downsample and a merger of intermediate_size 13696.
    expect(p.visionParams).toBe(892_498_432);
    expect((p.totalParams + p.visionParams) / 1e9).toBeCloseTo(10.3, 1);
    expect(spec.vision?.description).toMatch(/^GLM-4V ViT 24 × 1536/);
  });

  it('GLM-4.6V (glm46v): the GLM-4.1V wrapper over whichever text and vision models its sub-configs name', () => {
    // Dense (GLM-4.6V-Flash: glm4v_text, the default) reads as GLM-4.1V; MoE (GLM-4.6V: glm4v_moe_text and
    // glm4v_moe_vision, as modular_glm46v.py builds them with AutoModel.from_config) as GLM-4.5V.
    const dense = { text_config: {}, vision_config: {} };
    const count = (c: object, type: string) => {
      const spec = specFromHfConfig({ ...c, model_type: type }, type);
      return { ...paramCount(spec), modelType: spec.modelType, moe: spec.moe !== null };
    };
    expect(count(dense, 'glm46v')).toEqual({ ...count(dense, 'glm4v'), modelType: 'glm46v' });
    const moe = {
      text_config: { model_type: 'glm4v_moe_text', head_dim: 128 },
      vision_config: { model_type: 'glm4v_moe_vision' },
    };
    const glm46v = count(moe, 'glm46v');
    expect(glm46v).toEqual({ ...count(moe, 'glm4v_moe'), modelType: 'glm46v' });
    expect(glm46v.moe).toBe(true);
    expect(glm46v.visionParams).toBe(892_498_432);
  });
});
