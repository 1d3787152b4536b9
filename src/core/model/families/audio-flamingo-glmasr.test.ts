/**
 * Audio Flamingo 3 (`audioflamingo3`) and GLM-ASR (`glmasr`), audio-flamingo-glmasr.ts: the releases
 * counted tensor by tensor from the modules of transformers' `modeling_audioflamingo3.py` /
 * `modeling_glmasr.py` (and the Qwen2 / Llama text models), written here from the fixtures and not
 * through the reader. Audio Flamingo 3's total is the 8,267,215,360 a stored audit of
 * nvidia/music-flamingo-hf (the same modules and shapes) quotes from the Hub's safetensors metadata;
 * GLM-ASR's text model is tied, as a stored port's loader checks (embed_tokens equals lm_head).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Cfg, llamaTextTensors, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { audioFlamingo3Wrapper, glmAsrWrapper } from './audio-flamingo-glmasr.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const af3 = audioFlamingo3Wrapper(familyOf);
const glmAsr = glmAsrWrapper(familyOf);

const load = (name: string): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );
const af3Fixture = () => load('audio-flamingo-3-hf');
const glmFixture = () => load('glm-asr-nano-2512');
const readAf3 = (c: Cfg) => af3(new Fields(c, 'audioflamingo3'), 'audio-flamingo-3-hf');
const readGlm = (c: Cfg) => glmAsr(new Fields(c, 'glmasr'), 'glm-asr-nano-2512');

/**
 * Qwen2 language model: embed_tokens [V, h], lm_head [V, h] (untied), norm [h]; per layer two
 * RMSNorms [h], q_proj [H·d, h] + bias, k_proj and v_proj [K·d, h] + biases, o_proj [h, H·d],
 * gate_proj and up_proj [I, h], down_proj [h, I].
 */
function qwen2Tensors(x: Cfg): number {
  const h = x.hidden_size;
  const d = h / x.num_attention_heads;
  const q = x.num_attention_heads * d;
  const kv = x.num_key_value_heads * d;
  const t = new Tensors();
  t.add([x.vocab_size, h], [x.vocab_size, h], [h]);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [q, h], [q], [kv, h], [kv], [kv, h], [kv], [h, q]);
    t.add([x.intermediate_size, h], [x.intermediate_size, h], [h, x.intermediate_size]);
  }
  return t.total;
}

/**
 * AudioFlamingo3Encoder: conv1 [d, mel, 3] + [d], conv2 [d, d, 3] + [d], embed_positions [1500, d];
 * per layer q_proj, v_proj, out_proj [d, d] + [d], k_proj [d, d], two LayerNorms [d] + [d], fc1
 * [ffn, d] + [ffn], fc2 [d, ffn] + [d]; layer_norm [d] + [d]. Projector linear_1 [D, d] and
 * linear_2 [D, D], with biases [D] when `bias`.
 */
function af3AudioTensors(a: Cfg, D: number, bias: boolean): number {
  const d = a.hidden_size;
  const ffn = a.intermediate_size;
  const t = new Tensors();
  t.add([d, a.num_mel_bins, 3], [d], [d, d, 3], [d], [a.max_source_positions, d]);
  for (let i = 0; i < a.num_hidden_layers; i += 1) {
    t.add([d, d], [d], [d, d], [d, d], [d], [d, d], [d]);
    t.add([d], [d], [d], [d], [ffn, d], [ffn], [d, ffn], [d]);
  }
  t.add([d], [d], [D, d], [D, D]);
  if (bias) t.add([D], [D]);
  return t.total;
}

/**
 * GlmAsrEncoder: conv1 [d, mel, 3] + [d], conv2 [d, d, 3] + [d]; per layer input_layernorm and
 * post_attention_layernorm [d] + [d], q_proj [H·hd, d] + [H·hd], k_proj [K·hd, d], v_proj [K·hd, d]
 * + [K·hd], o_proj [d, H·hd] + [d], mlp.fc1 [ffn, d] + [ffn], mlp.fc2 [d, ffn] + [d]; norm [d] + [d].
 */
function glmEncoderTensors(a: Cfg): number {
  const d = a.hidden_size;
  const q = a.num_attention_heads * a.head_dim;
  const kv = a.num_key_value_heads * a.head_dim;
  const ffn = a.intermediate_size;
  const t = new Tensors();
  t.add([d, a.num_mel_bins, 3], [d], [d, d, 3], [d]);
  for (let i = 0; i < a.num_hidden_layers; i += 1) {
    t.add([d], [d], [d], [d], [q, d], [q], [kv, d], [kv, d], [kv], [d, q], [d]);
    t.add([ffn, d], [ffn], [d, ffn], [d]);
  }
  t.add([d], [d]);
  return t.total;
}

/** GlmAsrMultiModalProjector: linear_1 [2h, ffn] + [2h], linear_2 [h, 2h] + [h]. */
function glmProjectorTensors(ffn: number, h: number): number {
  const t = new Tensors();
  t.add([2 * h, ffn], [2 * h], [h, 2 * h], [h]);
  return t.total;
}

describe('audioflamingo3 (nvidia/audio-flamingo-3-hf)', () => {
  it('reads the Qwen2.5-7B text model (28 layers, 28/4 heads of 128, untied) and the audio side', () => {
    const spec = readAf3(af3Fixture());
    expect(spec.modelType).toBe('audioflamingo3');
    expect(spec.layers).toEqual(Array(28).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 28, numKvHeads: 4, headDim: 128 });
    expect(spec.hiddenSize).toBe(3584);
    expect(spec.vocabSize).toBe(151_672);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.vision).toBeNull();
    expect(spec.audio?.description).toBe(
      'Whisper encoder 32 × 1280, 20 heads; 2× average pool → 750 tokens per chunk, projector 1280 → 3584 → 3584',
    );
  });

  it('text 7,612,806,656 + audio 654,408,704 = 8,267,215,360 (Music Flamingo’s published count)', () => {
    const c = af3Fixture();
    const p = paramCount(readAf3(c));
    expect(p.totalParams).toBe(qwen2Tensors(c.text_config));
    expect(p.totalParams).toBe(7_612_806_656);
    expect(p.audioParams).toBe(af3AudioTensors(c.audio_config, 3584, true));
    // Whisper large-v3's encoder 636,968,960 + projector (1280·3584 + 3584) + (3584² + 3584).
    expect(p.audioParams).toBe(636_968_960 + 17_439_744);
    expect(p.totalParams + p.audioParams!).toBe(8_267_215_360);
  });

  it('projector_bias false drops the two projector biases', () => {
    const c = af3Fixture();
    c.projector_bias = false;
    expect(paramCount(readAf3(c)).audioParams).toBe(af3AudioTensors(c.audio_config, 3584, false));
  });

  it('reads the Whisper aliases (d_model, encoder_layers, …) given alone', () => {
    const c = af3Fixture();
    const a = c.audio_config;
    c.audio_config = {
      model_type: 'audioflamingo3_encoder',
      d_model: 1024,
      encoder_layers: 24,
      encoder_attention_heads: 16,
      encoder_ffn_dim: 4096,
      num_mel_bins: a.num_mel_bins,
      max_source_positions: a.max_source_positions,
    };
    const small = { ...a, hidden_size: 1024, num_hidden_layers: 24, intermediate_size: 4096 };
    expect(paramCount(readAf3(c)).audioParams).toBe(af3AudioTensors(small, 3584, true));
  });

  it('builds the class defaults without sub-configs: Qwen2Config() and the large-v3 encoder', () => {
    const spec = readAf3({ model_type: 'audioflamingo3' });
    expect(spec.hiddenSize).toBe(4096);
    const encoder = { hidden_size: 1280, num_hidden_layers: 32, intermediate_size: 5120 };
    const defaults = { ...encoder, num_mel_bins: 128, max_source_positions: 1500 };
    expect(paramCount(spec).audioParams).toBe(af3AudioTensors(defaults, 4096, true));
  });

  it('KV cache: K and V of 4 heads × 128 on 28 layers (the encoder keeps none)', () => {
    expect(kvCacheBytes(readAf3(af3Fixture()), 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 4 * 128 * 2);
  });

  it('refuses a disagreeing alias or another tower type, naming the field', () => {
    const alias = af3Fixture();
    alias.audio_config.d_model = 1024;
    const e = inputErrorOf(() => readAf3(alias));
    expect(e.issues[0]?.path).toEqual(['audio_config', 'd_model']);
    expect(e.message).toMatch(/'audio_config\.d_model' \(1024\) must equal hidden_size \(1280\)/);
    const tower = af3Fixture();
    tower.audio_config.model_type = 'whisper';
    expect(inputErrorOf(() => readAf3(tower)).issues[0]?.path).toEqual(['audio_config', 'model_type']);
  });
});

describe('glmasr (zai-org/GLM-ASR-Nano-2512)', () => {
  it('reads the Llama text model (28 layers, 16/4 heads of 128, tied) and the audio side', () => {
    const spec = readGlm(glmFixture());
    expect(spec.modelType).toBe('glmasr');
    expect(spec.layers).toEqual(Array(28).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 16, numKvHeads: 4, headDim: 128 });
    expect(spec.hiddenSize).toBe(2048);
    expect(spec.vocabSize).toBe(59_264);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.audio?.description).toBe(
      'GLM-ASR encoder 32 × 1280, 20/20 heads of 64; 4 frames stacked per token, projector 5120 → 4096 → 2048',
    );
  });

  it('text 1,472,055,296 + audio 635,048,960 + 29,366,272 = 2,136,470,528', () => {
    const c = glmFixture();
    const p = paramCount(readGlm(c));
    expect(p.totalParams).toBe(llamaTextTensors(c.text_config, true));
    expect(p.totalParams).toBe(1_472_055_296);
    expect(glmEncoderTensors(c.audio_config)).toBe(635_048_960);
    expect(glmProjectorTensors(5120, 2048)).toBe(29_366_272);
    expect(p.audioParams).toBe(glmEncoderTensors(c.audio_config) + glmProjectorTensors(5120, 2048));
    expect(p.totalParams + p.audioParams!).toBe(2_136_470_528);
  });

  it('ties by the top-level tie_word_embeddings, not text_config’s', () => {
    const c = glmFixture();
    c.text_config.tie_word_embeddings = false;
    expect(paramCount(readGlm(c)).totalParams).toBe(1_472_055_296);
    c.tie_word_embeddings = false;
    expect(paramCount(readGlm(c)).totalParams).toBe(llamaTextTensors(c.text_config, false));
  });

  it('reads a GQA encoder with its own head_dim', () => {
    const c = glmFixture();
    Object.assign(c.audio_config, { num_key_value_heads: 4, head_dim: 80 });
    expect(paramCount(readGlm(c)).audioParams).toBe(
      glmEncoderTensors(c.audio_config) + glmProjectorTensors(5120, 2048),
    );
  });

  it('builds the class defaults without sub-configs: the release’s shape', () => {
    const p = paramCount(readGlm({ model_type: 'glmasr' }));
    expect(p.totalParams + p.audioParams!).toBe(2_136_470_528);
  });

  it('KV cache: K and V of 4 heads × 128 on 28 layers (the encoder keeps none)', () => {
    expect(kvCacheBytes(readGlm(glmFixture()), 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 4 * 128 * 2);
  });

  it('refuses bad tower settings, naming the field', () => {
    const ffn = glmFixture();
    ffn.audio_config.intermediate_size = 5000;
    const e = inputErrorOf(() => readGlm(ffn));
    expect(e.issues[0]?.path).toEqual(['audio_config', 'intermediate_size']);
    expect(e.message).toMatch(/\(5000\) must be a multiple of hidden_size \(1280\)/);
    const kv = glmFixture();
    kv.audio_config.num_key_value_heads = 3;
    expect(inputErrorOf(() => readGlm(kv)).issues[0]?.path).toEqual(['audio_config', 'num_key_value_heads']);
    const tower = glmFixture();
    tower.audio_config.model_type = 'whisper';
    expect(inputErrorOf(() => readGlm(tower)).issues[0]?.path).toEqual(['audio_config', 'model_type']);
  });
});
