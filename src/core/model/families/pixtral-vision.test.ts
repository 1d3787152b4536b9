/**
 * The Pixtral tower under LLaVA (`llava` with a `pixtral` vision_config: mistral-community/pixtral-12b,
 * ServiceNow Apriel 1.5/1.6): PixtralVisionModel and LlavaMultiModalProjector on every patch, counted
 * apart from the text model; PixtralVisionConfig's defaults for the keys a vision_config leaves out.
 * Expected values are written from the module shapes (transformers modeling_pixtral.py, modeling_llava.py).
 */
import { describe, expect, it } from 'vitest';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';

/** Pixtral-12B's text model (Mistral-NeMo 12B) under LLaVA, with a vision_config of only `extra` beside its type. */
const pixtral12b = (vision: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  model_type: 'llava',
  text_config: {
    model_type: 'mistral',
    vocab_size: 131_072,
    hidden_size: 5120,
    intermediate_size: 14_336,
    num_hidden_layers: 40,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 128,
    max_position_embeddings: 1_024_000,
  },
  vision_config: { model_type: 'pixtral', ...vision },
  vision_feature_layer: -1,
  vision_feature_select_strategy: 'full',
  ...top,
});
const read = (json: Record<string, unknown>) => FAMILIES.llava(new Fields(json, 'llava'), 'x');

/** PixtralVisionModel: bias-free patch conv, ln_pre, blocks of 2 RMSNorms, q/k/v/o and a SwiGLU, no biases. */
const tower = (h: number, inter: number, depth: number, patch: number) =>
  3 * patch * patch * h + h + depth * (4 * h * h + 3 * h * inter + 2 * h);

describe('Pixtral under LLaVA', () => {
  it('pixtral-12b: the tower at PixtralVisionConfig defaults and a biased two-layer projector, 0.43B beside the text', () => {
    const spec = read(pixtral12b({}));
    const text = 5120;
    const projector = 1024 * text + text * text + 2 * text;
    expect(spec.vision?.params).toBe(tower(1024, 4096, 24, 16) + projector);
    expect(spec.vision?.params).toBe(434_957_312);
    // 1024-px images of 16-px patches: 4,096 tokens, each through linear_1 and linear_2.
    expect(spec.vision?.description).toMatch(
      /Pixtral ViT 24 × 1024, 1024px, patch 16 \(4096 patches → 4096 tokens\)/,
    );
    // The text model is Mistral-NeMo's 12.2B.
    expect(paramCount(spec).totalParams).toBe(
      2 * 131_072 * text + 40 * (2 * text * 4096 + 2 * text * 1024 + 3 * text * 14_336 + 2 * text) + text,
    );
  });

  it('multimodal_projector_bias false drops the projector biases; the tower keys override the defaults', () => {
    const plain = read(pixtral12b({}, { multimodal_projector_bias: false }));
    expect(read(pixtral12b({})).vision!.params - plain.vision!.params).toBe(2 * 5120);
    const small = read(pixtral12b({ hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 4 }));
    expect(small.vision?.params).toBe(tower(512, 2048, 4, 16) + 512 * 5120 + 5120 * 5120 + 2 * 5120);
  });
});
