/**
 * Ultravox (`ultravox`), ultravox.ts: fixie-ai/ultravox-v0_5-llama-3_2-1b counted tensor by tensor
 * from the modules of its remote `ultravox_model.py` (UltravoxProjector, ModifiedWhisperEncoder over
 * transformers' WhisperEncoder) and the Llama text model, written here from the fixture and not
 * through the reader. The fixture is hand-built: the release's top-level keys and Whisper
 * large-v3-turbo audio_config as a stored verifier of that snapshot checks them, plus as text_config
 * the meta-llama/Llama-3.2-1B-Instruct config its text_model_id names (which the release file omits).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Cfg, llamaTextTensors, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';
import { ultravoxWrapper } from './ultravox.js';

const ultravox = ultravoxWrapper((t) => (FAMILIES as Record<string, Family>)[t]);

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL(
        '../../../../test/fixtures/hf-configs/hand-built/ultravox-v0_5-llama-3_2-1b.json',
        import.meta.url,
      ),
      'utf8',
    ),
  );
const read = (c: Cfg) => ultravox(new Fields(c, 'ultravox'), 'ultravox-v0_5-llama-3_2-1b');

/**
 * audio_tower: conv1.weight [d, mel, 3] and bias [d], conv2.weight [d, d, 3] and bias [d],
 * embed_positions.weight [positions, d]; per layer self_attn.q_proj, v_proj, out_proj [d, d] with
 * biases [d], k_proj [d, d] without, self_attn_layer_norm and final_layer_norm weight and bias [d],
 * fc1 [ffn, d] and bias [ffn], fc2 [d, ffn] and bias [d]; layer_norm weight and bias [d].
 */
function encoderTensors(a: Cfg): number {
  const d = a.d_model;
  const ffn = a.encoder_ffn_dim;
  const t = new Tensors();
  t.add([d, a.num_mel_bins, 3], [d], [d, d, 3], [d], [a.max_source_positions, d]);
  for (let i = 0; i < a.encoder_layers; i += 1) {
    t.add([d, d], [d], [d, d], [d, d], [d], [d, d], [d]);
    t.add([d], [d], [d], [d], [ffn, d], [ffn], [d, ffn], [d]);
  }
  t.add([d], [d]);
  return t.total;
}

/**
 * multi_modal_projector: ln_pre.weight [d·S], linear_1.weight [H, d·S], linear_2.weight [D, H/2]
 * (swiglu), ln_mid.weight [H/2] (projector_ln_mid) or ln_post.weight [D].
 */
function projectorTensors(c: Cfg): number {
  const dimIn = c.audio_config.d_model * c.stack_factor;
  const mid = c.hidden_size / 2;
  const text = c.text_config.hidden_size;
  const t = new Tensors();
  t.add([dimIn], [c.hidden_size, dimIn], [text, mid], c.projector_ln_mid ? [mid] : [text]);
  return t.total;
}

describe('ultravox (fixie-ai/ultravox-v0_5-llama-3_2-1b)', () => {
  it('reads the Llama 3.2 1B text model (16 layers, 32/8 heads of 64, tied) and the audio side', () => {
    const spec = read(fixture());
    expect(spec.modelType).toBe('ultravox');
    expect(spec.layers).toEqual(Array(16).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 64 });
    expect(spec.hiddenSize).toBe(2048);
    expect(spec.vocabSize).toBe(128_256);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision).toBeNull();
    expect(spec.audio?.description).toBe(
      'Whisper encoder 32 × 1280, 20 heads; 8 frames stacked → 188 tokens per chunk, projector 10240 → 4096, SwiGLU → 2048, RMSNorm, → 2048',
    );
  });

  it('text 1,235,814,400 + audio 636,968,960 + 46,149,632 = 1,918,932,992', () => {
    const c = fixture();
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(llamaTextTensors(c.text_config, true));
    expect(p.totalParams).toBe(1_235_814_400);
    expect(p.audioParams).toBe(encoderTensors(c.audio_config) + projectorTensors(c));
    expect(encoderTensors(c.audio_config)).toBe(636_968_960);
    expect(projectorTensors(c)).toBe(46_149_632);
    expect(p.totalParams + p.audioParams!).toBe(1_918_932_992);
  });

  it('v0.4 layout (projector_ln_mid false): ln_post on the text width instead of ln_mid', () => {
    const c = fixture();
    c.projector_ln_mid = false;
    const p = paramCount(read(c));
    expect(p.audioParams).toBe(encoderTensors(c.audio_config) + projectorTensors(c));
    expect(projectorTensors(c)).toBe(46_149_632);
    c.text_config.hidden_size = 3072;
    c.text_config.head_dim = 96;
    expect(paramCount(read(c)).audioParams).toBe(encoderTensors(c.audio_config) + projectorTensors(c));
  });

  it('KV cache: K and V of 8 heads × 64 on 16 layers (the encoder and projector keep none)', () => {
    expect(kvCacheBytes(read(fixture()), 4096, 'bf16').bytesPerToken).toBe(16 * 2 * 8 * 64 * 2);
  });

  it('refuses a config that names only text_model_id or audio_model_id, naming the field', () => {
    const release = fixture();
    delete release.text_config;
    const e = inputErrorOf(() => read(release));
    expect(e.issues[0]?.path).toEqual(['text_model_id']);
    expect(e.message).toMatch(/'text_model_id' \("meta-llama\/Llama-3\.2-1B-Instruct"\) names a checkpoint/);
    const audio = fixture();
    delete audio.audio_config;
    audio.audio_model_id = 'openai/whisper-large-v3-turbo';
    expect(inputErrorOf(() => read(audio)).issues[0]?.path).toEqual(['audio_model_id']);
  });

  it('refuses bad projector and tower settings, naming the field', () => {
    const act = fixture();
    act.projector_act = 'mish2';
    expect(inputErrorOf(() => read(act)).issues[0]?.path).toEqual(['projector_act']);
    const odd = fixture();
    odd.hidden_size = 4095;
    expect(inputErrorOf(() => read(odd)).message).toMatch(/'hidden_size' \(4095\) must be even/);
    const alias = fixture();
    alias.audio_config.num_hidden_layers = 4;
    expect(inputErrorOf(() => read(alias)).issues[0]?.path).toEqual(['audio_config', 'num_hidden_layers']);
    const tower = fixture();
    tower.audio_config.model_type = 'wav2vec2-bert';
    expect(inputErrorOf(() => read(tower)).issues[0]?.path).toEqual(['audio_config', 'model_type']);
  });

  it('builds the class defaults without sub-configs: LlamaConfig() and WhisperConfig() (whisper-tiny)', () => {
    const spec = read({ model_type: 'ultravox' });
    expect(spec.hiddenSize).toBe(4096);
    const tiny = {
      d_model: 384,
      encoder_layers: 4,
      encoder_ffn_dim: 1536,
      num_mel_bins: 80,
      max_source_positions: 1500,
    };
    // UltravoxConfig defaults: hidden_size 4096, stack_factor 8, swiglu, ln_post on the text width.
    const projector = 384 * 8 + 384 * 8 * 4096 + 2048 * 4096 + 4096;
    expect(paramCount(spec).audioParams).toBe(encoderTensors(tiny) + projector);
  });
});
