/**
 * MiniCPM-o 2.6 (minicpmo.ts): MiniCPM-V 2.6's Qwen2 text model, SigLIP tower and resampler, the
 * Whisper-medium encoder with its projector (`spec.audio`) and the ConditionalChatTTS decoder (a
 * warning), counted from the modules `modeling_minicpmo.py` builds, on the openbmb/MiniCPM-o-2_6 config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import { minicpmoWrapper } from './minicpmo.js';
import type { Family } from './readers.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const read = (c: Cfg) => minicpmoWrapper(familyOf)(new Fields(c, 'minicpmo'), 'x');
const release: Cfg = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/minicpm-o-2_6.json', import.meta.url),
    'utf8',
  ),
);

/** LayerNorm weight and bias; a Linear's weight and bias; a Conv1d's weight and bias. */
const ln = (w: number) => 2 * w;
const fc = (i: number, o: number) => i * o + o;
const conv = (i: number, o: number, k: number) => i * o * k + o;

/** Qwen2ForCausalLM, untied: embed_tokens, lm_head, final norm; per layer 2 norms, biased q/k/v, o, SwiGLU. */
function textParams(c: Cfg): number {
  const h = c.hidden_size;
  const d = h / c.num_attention_heads;
  const kv = c.num_key_value_heads * d;
  const layer = 2 * h + fc(h, h) + 2 * fc(h, kv) + h * h + 3 * h * c.intermediate_size;
  return 2 * c.vocab_size * h + h + c.num_hidden_layers * layer;
}

/** vpm (all 27 SigLIP layers: drop_vision_last_layer is false) and Resampler2_5 of 64 queries. */
function visionParams(v: Cfg, d: number): number {
  const [h, i, p] = [v.hidden_size, v.intermediate_size, v.patch_size];
  const layer = 2 * ln(h) + 4 * fc(h, h) + fc(h, i) + fc(i, h);
  const tower =
    fc(3 * p * p, h) + Math.floor(v.image_size / p) ** 2 * h + v.num_hidden_layers * layer + ln(h);
  return tower + 64 * d + h * d + fc(d, 3 * d) + fc(d, d) + 3 * ln(d) + d * d;
}

/** apm (conv1, conv2, embed_positions, layers with bias-free k_proj, final LayerNorm) + linear1/linear2. */
function audioParams(a: Cfg, d: number): number {
  const w = a.d_model;
  const layer = 3 * fc(w, w) + w * w + 2 * ln(w) + fc(w, a.encoder_ffn_dim) + fc(a.encoder_ffn_dim, w);
  const encoder =
    conv(a.num_mel_bins, w, 3) +
    conv(w, w, 3) +
    a.max_source_positions * w +
    a.encoder_layers * layer +
    ln(w);
  return encoder + fc(a.encoder_ffn_dim / 4, d) + fc(d, d);
}

/** ConditionalChatTTS at its class defaults with llm_dim 3584 (h 768, 20 layers, 626 audio tokens, 4 codebooks). */
function ttsParams(): number {
  const [h, f, audio, vq] = [768, 3072, 626, 4];
  const projector = fc(3584, h) + fc(h, h);
  const codebooks = vq * audio * h + 21_178 * h + vq * (audio * h + audio);
  const llama = 32_000 * h + 20 * (4 * h * h + 3 * h * f + 2 * h) + h;
  const block = 256 * 7 + 256 + ln(256) + fc(256, 1024) + fc(1024, 256) + 256;
  const decoder = (odim: number) => conv(512, 128, 3) + conv(128, 256, 3) + 12 * block + 256 * odim;
  const fsq = 2 * (fc(512, 4) + fc(4, 512));
  const dvae =
    100 + conv(100, 512, 3) + conv(512, 512, 4) + decoder(1024) + decoder(512) + 512 * 100 * 3 + fsq;
  return projector + codebooks + llama + dvae;
}

describe('MiniCPM-o 2.6 (minicpmo)', () => {
  it('openbmb/MiniCPM-o-2_6: Qwen2-7B text, SigLIP + resampler, Whisper-medium encoder + projector, TTS warned', () => {
    const spec = read(release);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(release));
    expect(p.totalParams).toBe(7_613_007_360);
    expect(spec.vision?.params).toBe(visionParams(release.vision_config, 3584));
    expect(spec.vision?.params).toBe(486_411_504);
    expect(spec.audio?.params).toBe(audioParams(release.audio_config, 3584));
    expect(spec.audio?.params).toBe(307_216_016 + 16_522_608);
    expect(p.totalParams + p.visionParams + (spec.audio?.params ?? 0)).toBe(8_423_157_488);
    expect(spec.modelType).toBe('minicpmo');
    expect(spec.tieWordEmbeddings).toBe(false);
    const tts = spec.warnings?.find((w) => w.includes('ConditionalChatTTS'));
    expect(tts).toContain(`${ttsParams().toLocaleString('en-US')} parameters`);
    // With the TTS, 8,674,997,028: the Hub's safetensors count for openbmb/MiniCPM-o-2_6 (8.67B).
    expect(8_423_157_488 + ttsParams()).toBe(8_674_997_028);
    // 28 layers × 4 KV heads × 128, K and V, BF16.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(28 * 2 * 4 * 128 * 2 * 32_768);
  });

  it('leaves out what init_vision, init_audio and init_tts turn off', () => {
    const spec = read({ ...release, init_vision: false, init_audio: false, init_tts: false });
    expect(spec.vision).toBeNull();
    expect(spec.audio).toBeNull();
    expect(spec.warnings?.some((w) => w.includes('ConditionalChatTTS')) ?? false).toBe(false);
  });

  it('refuses another version and a bad audio or TTS shape, naming the field', () => {
    expect(inputErrorOf(() => read({ ...release, version: 4.5 })).message).toContain('version');
    const audio = inputErrorOf(() =>
      read({ ...release, audio_config: { ...release.audio_config, encoder_attention_heads: 7 } }),
    );
    expect(audio.message).toContain('audio_config.encoder_attention_heads');
    const tts = inputErrorOf(() =>
      read({ ...release, tts_config: { llm_dim: 3584, num_attention_heads: 7 } }),
    );
    expect(tts.message).toContain('tts_config.num_attention_heads');
  });
});
