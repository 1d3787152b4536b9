/** The wrapper's settings against its text config's: which `tie_word_embeddings` builds the head. */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

const fixture = () => hfFixture('qwen3-vl-30b-a3b-instruct');
type Json = Record<string, unknown>;

describe('wrapped text models', () => {
  it("count the head untied where the top level says so and a transformers 5 re-save wrote text_config's default", () => {
    const released = specFromHfConfig(fixture(), 'released');
    const resavedConfig = {
      ...fixture(),
      text_config: { ...(fixture().text_config as Json), tie_word_embeddings: true },
    };
    const resaved = specFromHfConfig(resavedConfig, 'resaved');
    // Qwen3-VL-30B-A3B's checkpoint stores lm_head apart: 30,532,122,624 text parameters (safetensors index).
    expect(paramCount(released).totalParams).toBe(30_532_122_624);
    expect(paramCount(resaved).totalParams).toBe(30_532_122_624);
    expect(resaved.warnings).toContainEqual(
      expect.stringMatching(
        /^tie_word_embeddings is false at the top level and true in text_config: .* untied/,
      ),
    );
    expect(released.warnings ?? []).toEqual([]);
  });
  it('take the text config’s key when the top level gives none', () => {
    const config: Json = {
      ...fixture(),
      text_config: { ...(fixture().text_config as Json), tie_word_embeddings: true },
    };
    delete config.tie_word_embeddings;
    const spec = specFromHfConfig(config, 'tied');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.warnings ?? []).toEqual([]);
  });
});
