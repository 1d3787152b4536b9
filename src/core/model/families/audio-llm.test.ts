/**
 * Voxtral (`voxtral`) and Qwen2-Audio (`qwen2_audio`), audio-llm.ts: the releases counted tensor by
 * tensor from the modules of transformers' `modeling_voxtral.py` / `modeling_qwen2_audio.py` (and the
 * Llama / Qwen2 text models), written here from config.json and not through the reader, against the
 * published sizes: the Hub's safetensors counts of mistralai/Voxtral-Mini-3B-2507 (4.68B),
 * Voxtral-Small-24B-2507 (24.3B) and Qwen/Qwen2-Audio-7B-Instruct (8.4B), as the model pages show
 * them (not read from a stored copy here; Mini's ~9.5 GB of BF16 quoted elsewhere agrees). The
 * Voxtral Small text model is Mistral Small 3.1's, whose 23,572,403,200 ministral3-solar-open.test.ts
 * also counts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { qwen2AudioWrapper, readWhisperEncoder, voxtralWrapper } from './audio-llm.js';
import { Fields } from './fields.js';
import { llama, mistral, qwen2 } from './llama.js';
import type { Family } from './readers.js';

const TEXT: Record<string, Family> = { llama, mistral, qwen2 };
const familyOf = (type: string): Family | undefined => TEXT[type];
const voxtral = voxtralWrapper(familyOf);
const qwen2Audio = qwen2AudioWrapper(familyOf);

const mini = () => structuredClone(hfFixture('hand-built/voxtral-mini-3b-2507')) as Cfg;
const q2a = () => structuredClone(hfFixture('hand-built/qwen2-audio-7b-instruct')) as Cfg;
const readVoxtral = (c: Cfg) => voxtral(new Fields(c, 'voxtral'), 'voxtral-mini-3b-2507');
const readQ2a = (c: Cfg) => qwen2Audio(new Fields(c, 'qwen2_audio'), 'qwen2-audio-7b-instruct');

/** Voxtral-Small-24B-2507: the Mini file with Mistral Small 3.1's text shape (the audio tower is the same). */
function small(): Cfg {
  const c = mini();
  Object.assign(c.text_config, { hidden_size: 5120, intermediate_size: 32_768, num_hidden_layers: 40 });
  c.hidden_size = 5120;
  return c;
}

/**
 * language_model: model.embed_tokens [V, h], lm_head [V, h] (untied), model.norm [h]; per layer
 * input_layernorm and post_attention_layernorm [h], q_proj [H·d, h], k_proj and v_proj [K·d, h]
 * (with biases [H·d], [K·d], [K·d] when `qkvBias`, Qwen2), o_proj [h, H·d], gate_proj and up_proj
 * [I, h], down_proj [h, I].
 */
function textTensors(x: Cfg, qkvBias: boolean): number {
  const h = x.hidden_size;
  const d = x.head_dim ?? h / x.num_attention_heads;
  const q = x.num_attention_heads * d;
  const kv = x.num_key_value_heads * d;
  const t = new Tensors();
  t.add([x.vocab_size, h], [x.vocab_size, h], [h]);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [q, h], [kv, h], [kv, h], [h, q]);
    if (qkvBias) t.add([q], [kv], [kv]);
    t.add([x.intermediate_size, h], [x.intermediate_size, h], [h, x.intermediate_size]);
  }
  return t.total;
}

/**
 * audio_tower: conv1.weight [d, mel, 3] and bias [d], conv2.weight [d, d, 3] and bias [d],
 * embed_positions.weight [positions, d]; per layer self_attn.q_proj, v_proj, out_proj [d, d] with
 * biases [d], k_proj [d, d] without, self_attn_layer_norm and final_layer_norm weight and bias [d],
 * fc1 [ffn, d] and bias [ffn], fc2 [d, ffn] and bias [d]; layer_norm weight and bias [d].
 */
function encoderTensors(d: number, layers: number, ffn: number, mel: number, positions: number): number {
  const t = new Tensors();
  t.add([d, mel, 3], [d], [d, d, 3], [d], [positions, d]);
  for (let i = 0; i < layers; i += 1) {
    t.add([d, d], [d], [d, d], [d, d], [d], [d, d], [d]);
    t.add([d], [d], [d], [d], [ffn, d], [ffn], [d, ffn], [d]);
  }
  t.add([d], [d]);
  return t.total;
}

/** Voxtral: the encoder and multi_modal_projector.linear_1 [h, ffn], linear_2 [h, h] (no biases). */
function voxtralAudioTensors(c: Cfg): number {
  const a = c.audio_config;
  const h = c.text_config.hidden_size;
  const t = new Tensors();
  t.add([h, a.intermediate_size], [h, h]);
  return (
    encoderTensors(a.hidden_size, a.num_hidden_layers, a.intermediate_size, a.num_mel_bins, 1500) + t.total
  );
}

/** Qwen2-Audio: the encoder and multi_modal_projector.linear [h, d] with bias [h]. */
function qwen2AudioTensors(c: Cfg, h: number): number {
  const a = c.audio_config;
  const t = new Tensors();
  t.add([h, a.d_model], [h]);
  return encoderTensors(a.d_model, a.encoder_layers, a.encoder_ffn_dim, a.num_mel_bins, 1500) + t.total;
}

/** Qwen2-Audio's text_config with Qwen2Config's defaults under the keys the release omits. */
const q2aText = (c: Cfg) => ({
  hidden_size: 4096,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  ...c.text_config,
});

describe('readWhisperEncoder', () => {
  it('counts Whisper large-v3’s encoder: 636,968,960, the 1500 × 1280 position table a parameter', () => {
    const f = new Fields(
      { d_model: 1280, encoder_layers: 32, encoder_attention_heads: 20, encoder_ffn_dim: 5120 },
      'whisper',
    ).with({ num_mel_bins: 128, max_source_positions: 1500 });
    const e = readWhisperEncoder(f, {
      width: 'd_model',
      layers: 'encoder_layers',
      heads: 'encoder_attention_heads',
      ffn: 'encoder_ffn_dim',
    });
    expect(e.params).toBe(encoderTensors(1280, 32, 5120, 128, 1500));
    expect(e.params).toBe(636_968_960);
    expect(e.positionParams).toBe(1_920_000);
  });
});

describe('voxtral (Voxtral-Mini-3B-2507, Voxtral-Small-24B-2507)', () => {
  it('reads the Llama text model (30 layers, 32/8 heads of 128, untied) and the audio tower', () => {
    const spec = readVoxtral(mini());
    expect(spec.modelType).toBe('voxtral');
    expect(spec.layers).toEqual(Array(30).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 });
    expect(spec.hiddenSize).toBe(3072);
    expect(spec.vocabSize).toBe(131_072);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.vision).toBeNull();
    expect(spec.audio?.description).toBe(
      'Whisper encoder 32 × 1280, 20 heads; 4 frames stacked → 375 tokens per chunk, projector 5120 → 3072 → 3072',
    );
    expect(spec.warnings).toBeUndefined();
  });

  it('Mini: text 4,014,136,320 + audio 662,134,784 = 4,676,271,104 (the Hub’s 4.68B)', () => {
    const c = mini();
    const p = paramCount(readVoxtral(c));
    expect(p.totalParams).toBe(textTensors(c.text_config, false));
    expect(p.totalParams).toBe(4_014_136_320);
    expect(p.audioParams).toBe(voxtralAudioTensors(c));
    // Encoder 636,968,960 + projector 5120·3072 + 3072² = 25,165,824.
    expect(p.audioParams).toBe(636_968_960 + 25_165_824);
    expect(p.totalParams + p.audioParams!).toBe(4_676_271_104);
    expect((p.totalParams + p.audioParams!) / 1e9).toBeCloseTo(4.68, 2);
  });

  it('Small: text 23,572,403,200 + audio 689,397,760 = 24,261,800,960 (the Hub’s 24.3B)', () => {
    const c = small();
    const p = paramCount(readVoxtral(c));
    expect(p.totalParams).toBe(textTensors(c.text_config, false));
    expect(p.totalParams).toBe(23_572_403_200);
    expect(p.audioParams).toBe(voxtralAudioTensors(c));
    expect(p.audioParams).toBe(636_968_960 + 52_428_800);
    expect((p.totalParams + p.audioParams!) / 1e9).toBeCloseTo(24.26, 2);
  });

  it('KV cache: K and V of 8 heads × 128 on 30 layers', () => {
    expect(kvCacheBytes(readVoxtral(mini()), 4096, 'bf16').bytesPerToken).toBe(30 * 2 * 8 * 128 * 2);
  });

  it('follows VoxtralConfig on omitted keys and a mistral text_config', () => {
    // Keys equal to _default_text_config_kwargs (and LlamaConfig's num_attention_heads 32) may be omitted.
    const sparse = mini();
    for (const k of ['vocab_size', 'hidden_size', 'num_hidden_layers', 'head_dim', 'num_attention_heads'])
      delete sparse.text_config[k];
    sparse.audio_config = { model_type: 'voxtral_encoder' };
    expect(readVoxtral(sparse)).toEqual(readVoxtral(mini()));
    // No text_config or audio_config at all: VoxtralConfig builds the Mini's shapes.
    const { text_config: _t, audio_config: _a, ...bare } = mini();
    expect(paramCount(readVoxtral(bare))).toEqual(paramCount(readVoxtral(mini())));
    // A mistral text_config is read by the mistral family (its sliding_window null: no window).
    const m = mini();
    m.text_config.model_type = 'mistral';
    expect(paramCount(readVoxtral(m))).toEqual(paramCount(readVoxtral(mini())));
  });

  it('names an attribute_map alias that VoxtralEncoderConfig overwrites', () => {
    const c = mini();
    c.audio_config.d_model = 1024;
    const spec = readVoxtral(c);
    expect(spec.audio).toEqual(readVoxtral(mini()).audio);
    expect(spec.warnings).toEqual([
      'voxtral: audio_config.d_model (1024) is ignored: VoxtralEncoderConfig.__init__ sets hidden_size (1,280) after its attribute_map alias',
    ]);
    c.audio_config.d_model = 1280;
    expect(readVoxtral(c).warnings).toBeUndefined();
  });

  it('refuses malformed fields, naming their path', () => {
    const heads = mini();
    heads.audio_config.num_attention_heads = 7;
    const e = inputErrorOf(() => readVoxtral(heads));
    expect(e.issues[0]?.path).toEqual(['audio_config', 'num_attention_heads']);
    expect(e.message).toMatch(/'audio_config\.num_attention_heads' \(7\) must divide hidden_size \(1280\)/);
    const ffn = mini();
    ffn.audio_config.intermediate_size = 4000;
    expect(inputErrorOf(() => readVoxtral(ffn)).message).toMatch(
      /'audio_config\.intermediate_size' \(4000\) must be a multiple of hidden_size \(1280\)/,
    );
    const positions = mini();
    positions.audio_config.max_source_positions = 1502;
    expect(inputErrorOf(() => readVoxtral(positions)).message).toMatch(
      /'audio_config\.max_source_positions' \(1502\) must be divisible by the 4 frames stacked/,
    );
    const whisper = mini();
    whisper.audio_config.model_type = 'whisper';
    expect(inputErrorOf(() => readVoxtral(whisper)).message).toMatch(
      /'audio_config\.model_type' is 'whisper'; llmecon reads VoxtralForConditionalGeneration's audio tower as a 'voxtral_encoder' encoder/,
    );
    const unknown = mini();
    unknown.text_config.model_type = 'mamba';
    expect(inputErrorOf(() => readVoxtral(unknown)).issues[0]?.path).toEqual(['text_config', 'model_type']);
    const notObject = mini();
    notObject.audio_config = 'whisper-large-v3';
    expect(inputErrorOf(() => readVoxtral(notObject)).message).toMatch(/'audio_config' must be an object/);
  });
});

describe('qwen2_audio (Qwen2-Audio-7B-Instruct)', () => {
  it('reads the Qwen2 text model (Qwen2Config defaults: 32 layers, MHA 32 × 128, q/k/v biases)', () => {
    const spec = readQ2a(q2a());
    expect(spec.modelType).toBe('qwen2_audio');
    expect(spec.layers).toEqual(Array(32).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 32,
      headDim: 128,
      qkvBias: true,
      outputBias: false,
    });
    expect(spec.hiddenSize).toBe(4096);
    expect(spec.vocabSize).toBe(156_032);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(8192);
    // sliding_window 32768 without use_sliding_window: no window.
    expect(spec.slidingWindow).toBeNull();
    expect(spec.audio?.description).toBe(
      'Whisper encoder 32 × 1280, 20 heads; 2× average pool → 750 tokens per chunk, projector 1280 → 4096',
    );
  });

  it('text 7,754,878,976 + audio 642,215,936 = 8,397,094,912 (the Hub’s 8.4B)', () => {
    const c = q2a();
    const p = paramCount(readQ2a(c));
    expect(p.totalParams).toBe(textTensors(q2aText(c), true));
    expect(p.totalParams).toBe(7_754_878_976);
    expect(p.audioParams).toBe(qwen2AudioTensors(c, 4096));
    // Encoder 636,968,960 + projector 1280·4096 + 4096.
    expect(p.audioParams).toBe(636_968_960 + 5_246_976);
    expect(p.totalParams + p.audioParams!).toBe(8_397_094_912);
    expect((p.totalParams + p.audioParams!) / 1e9).toBeCloseTo(8.4, 1);
  });

  it('KV cache: K and V of all 32 heads × 128 on 32 layers (MHA)', () => {
    expect(kvCacheBytes(readQ2a(q2a()), 4096, 'bf16').bytesPerToken).toBe(32 * 2 * 32 * 128 * 2);
  });

  it('follows Qwen2AudioConfig on omitted sub-configs', () => {
    // No audio_config: Qwen2AudioConfig builds the release's encoder.
    const { audio_config: _a, ...noAudio } = q2a();
    expect(readQ2a(noAudio).audio).toEqual(readQ2a(q2a()).audio);
    // No text_config: Qwen2Config() (vocabulary 151936, MLP 22016, context 32768).
    const { text_config: _t, ...noText } = q2a();
    const spec = readQ2a(noText);
    expect(paramCount(spec).totalParams).toBe(
      textTensors(q2aText({ text_config: { vocab_size: 151_936, intermediate_size: 22_016 } }), true),
    );
    expect(spec.maxContextTokens).toBe(32_768);
    // num_hidden_layers, the attribute_map alias of encoder_layers, may repeat it.
    const alias = q2a();
    alias.audio_config.num_hidden_layers = 32;
    expect(readQ2a(alias)).toEqual(readQ2a(q2a()));
  });

  it('refuses malformed fields, naming their path', () => {
    const width = q2a();
    width.audio_config.d_model = '1280';
    const e = inputErrorOf(() => readQ2a(width));
    expect(e.issues[0]?.path).toEqual(['audio_config', 'd_model']);
    expect(e.message).toMatch(/'audio_config\.d_model' must be a non-negative integer, got "1280"/);
    const heads = q2a();
    heads.audio_config.encoder_attention_heads = 24;
    expect(inputErrorOf(() => readQ2a(heads)).message).toMatch(
      /'audio_config\.encoder_attention_heads' \(24\) must divide d_model \(1280\)/,
    );
    const alias = q2a();
    alias.audio_config.num_hidden_layers = 24;
    expect(inputErrorOf(() => readQ2a(alias)).message).toMatch(
      /'audio_config\.num_hidden_layers' \(24\) must equal encoder_layers \(32\)/,
    );
    const kv = q2a();
    kv.text_config.num_key_value_heads = 5;
    expect(inputErrorOf(() => readQ2a(kv)).issues[0]?.path).toEqual(['text_config', 'num_key_value_heads']);
  });

  it('both are registered: each model_type reads through its family, the audio tower counted apart, no fallback', () => {
    for (const [config, read] of [
      [mini(), readVoxtral],
      [q2a(), readQ2a],
    ] as const) {
      const spec = specFromHfConfig(config, 'registered');
      expect(spec.warnings ?? []).not.toContainEqual(expect.stringMatching(/not supported|not counted/));
      expect(paramCount(spec).audioParams).toBe(paramCount(read(config)).audioParams);
      expect(paramCount(spec).totalParams).toBe(paramCount(read(config)).totalParams);
    }
  });
});
