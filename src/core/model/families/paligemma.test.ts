/**
 * PaliGemma (`paligemma`): the text model of text_config with its class defaults filled (released
 * configs omit head_dim and max_position_embeddings), a SigLIP tower and one linear projector.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

/** SigLIP so400m without head at 224 px, patch 14 (256 patches), and the projector 1152 → `text`. */
function towerAndProjector(text: number, inter = 4304): number {
  const h = 1152;
  const block = 2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h);
  const embedding = 3 * 14 * 14 * h + h + 256 * h;
  return embedding + 27 * block + 2 * h + (h * text + text);
}

describe('PaliGemma', () => {
  it("PaliGemma 3B: Gemma 2B (head_dim 256 and MQA from GemmaConfig) and the tower: 2,923,466,480, the card's 2.92B", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/paligemma-3b-pt-224'), 'paligemma');
    const h = 2048;
    const layer = h * 8 * 256 + 2 * h * 256 + 8 * 256 * h + 3 * h * 16_384 + 2 * h;
    expect(spec.attention).toMatchObject({ kind: 'gqa', headDim: 256, numKvHeads: 1 });
    expect(paramCount(spec).totalParams).toBe(257_216 * h + 18 * layer + h);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision?.params).toBe(towerAndProjector(2048));
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(2_923_466_480);
    expect(spec.vision?.imageSize).toBe(224);
  });

  it("PaliGemma 2 3B: Gemma 2 2B's decoder (sliding window from Gemma2Config) and the tower: 3,032,242,416, the card's 3.03B", () => {
    const spec = specFromHfConfig(hfFixture('hand-built/paligemma2-3b-pt-224'), 'paligemma');
    expect(spec.numLayers).toBe(26);
    expect(spec.vision?.params).toBe(towerAndProjector(2304));
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(3_032_242_416);
  });

  it('builds the Gemma 2B text model and 224 px tower PaliGemmaConfig defaults to when both sub-configs are absent', () => {
    const spec = specFromHfConfig({ model_type: 'paligemma' }, 'bare');
    expect(spec.hiddenSize).toBe(2048);
    expect(spec.numLayers).toBe(18);
    expect(spec.vision?.params).toBe(towerAndProjector(2048, 4096));
  });

  it('refuses a projection_dim other than the text width, and a tower that is not SigLIP, naming the field', () => {
    const config = hfFixture('hand-built/paligemma-3b-pt-224') as Record<string, unknown>;
    expect(() => specFromHfConfig({ ...config, projection_dim: 1024 }, 'x')).toThrow(
      /projection_dim.*\(1024\) must equal the text model's hidden_size \(2048\)/,
    );
    const vision = { ...(config.vision_config as object), model_type: 'clip_vision_model' };
    expect(() => specFromHfConfig({ ...config, vision_config: vision }, 'x')).toThrow(
      /vision_config\.model_type.*SigLIP/,
    );
  });
});
