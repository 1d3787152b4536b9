/**
 * Qwen2.5-Omni (`qwen2_5_omni`, `qwen2_5_omni_thinker`): the thinker's Qwen2 text model, Qwen2.5-VL's
 * ViT and the Whisper-style audio encoder counted apart (written from modeling_qwen2_5_omni.py's
 * modules, not through the reader); the talker and token2wav named in a warning.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;
const omni = (): Cfg => structuredClone(hfFixture('hand-built/qwen2.5-omni-7b')) as Cfg;

describe('qwen2_5_omni (Qwen2.5-Omni-7B)', () => {
  it("the thinker's text model is Qwen2.5-7B's: 7,615,616,512", () => {
    const spec = specFromHfConfig(omni(), 'omni');
    expect(paramCount(spec).totalParams).toBe(7_615_616_512);
    expect(spec.attention).toMatchObject({ qkvBias: true, outputBias: false, numKvHeads: 4 });
    expect(spec.warnings).toEqual([
      expect.stringMatching(
        /^qwen2_5_omni: talker_config and token2wav_config .* are not counted in the parameters, FLOPs, KV cache or memory$/,
      ),
    ]);
  });

  it('the audio encoder: Whisper layers, sinusoid positions (a buffer), bos/eos, ln_post and proj', () => {
    const spec = specFromHfConfig(omni(), 'omni');
    const d = 1280;
    const layer = 3 * (d * d + d) + d * d + 2 * 2 * d + (d * 5120 + 5120) + (5120 * d + d);
    const convs = 3 * 128 * d + d + 3 * d * d + d;
    expect(spec.audio?.params).toBe(convs + 32 * layer + 2 * d + 2 * 3584 + (d * 3584 + 3584));
    expect(spec.audio?.description).toMatch(/750 tokens per chunk, proj 1280 → 3584$/);
  });

  it("the vision encoder is Qwen2.5-VL-7B's (676,550,144); the thinker alone reads the same", () => {
    const spec = specFromHfConfig(omni(), 'omni');
    expect(spec.vision?.params).toBe(676_550_144);
    const thinker = specFromHfConfig(omni().thinker_config, 'thinker');
    expect(paramCount(thinker)).toEqual(paramCount(spec));
    expect(thinker.audio).toEqual(spec.audio);
    expect(thinker.warnings ?? []).toHaveLength(0);
  });
});
