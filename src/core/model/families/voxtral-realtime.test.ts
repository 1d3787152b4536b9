/**
 * Voxtral Realtime (`voxtral_realtime`), voxtral-realtime.ts, read by calling the family directly:
 * counts tensor by tensor from the modules of transformers `models/voxtral_realtime/modular_voxtral_realtime.py`
 * (VoxtralRealtimeEncoder, VoxtralRealtimeTextForCausalLM with ada_rms_norm) and
 * `models/voxtral/modeling_voxtral.py` (VoxtralMultiModalProjector), the tensor names those of
 * `convert_voxtral_realtime_weights_to_hf.py`; the KV cache, the class defaults, errors naming the field.
 *
 * Fixture: `hand-built/voxtral-mini-4b-realtime-2602.json`: mistralai/Voxtral-Mini-4B-Realtime-2602's
 * config.json as quoted (its shape keys; no rope_parameters) in a stored Rust port's test
 * (REALTIME_HF_CONFIG_JSON), beside the release's params.json, whose dims it matches.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { voxtralRealtime } from './voxtral-realtime.js';

const RELEASE: Json = JSON.parse(
  readFileSync(
    new URL(
      '../../../../test/fixtures/hf-configs/hand-built/voxtral-mini-4b-realtime-2602.json',
      import.meta.url,
    ),
    'utf8',
  ),
);

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values, edited freely by the tests
type Cfg = Record<string, any>;
const release = (): Cfg => structuredClone(RELEASE) as Cfg;
const read = (c: Json) => voxtralRealtime(new Fields(c, 'voxtral_realtime'), 'voxtral-mini-4b-realtime-2602');

const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (...shapes: number[][]) => shapes.reduce((a, s) => a + prod(s), 0);

/**
 * language_model: embed_tokens [V, h] (lm_head tied), norm [h]; per layer input_layernorm and
 * post_attention_layernorm [h], q_proj [H·d, h], k_proj and v_proj [K·d, h], o_proj [h, H·d],
 * gate_proj and up_proj [I, h], down_proj [h, I]; ada_rms_norm.linear1 [32, h] and linear2 [h, 32].
 */
function textTensors(x: Cfg): { total: number; ada: number } {
  const { hidden_size: h, head_dim: d, intermediate_size: i } = x;
  const q = x.num_attention_heads * d;
  const kv = x.num_key_value_heads * d;
  const layer = sum([h], [h], [q, h], [kv, h], [kv, h], [h, q], [i, h], [i, h], [h, i]);
  const ada = x.num_hidden_layers * sum([32, h], [h, 32]);
  return { total: sum([x.vocab_size, h], [h]) + x.num_hidden_layers * layer + ada, ada };
}

/**
 * audio_tower: embedder.conv1 [d, mel, 3] + bias [d], conv2 [d, d, 3] + bias [d]; per layer
 * self_attn.q_proj [H·e, d] + bias [H·e], k_proj [H·e, d], v_proj [H·e, d] + bias [H·e], o_proj
 * [d, H·e] + bias [d], mlp.gate_proj and up_proj [ffn, d], down_proj [d, ffn] + bias [d],
 * self_attn_layer_norm and final_layer_norm [d]; norm [d]. multi_modal_projector.linear_1
 * [h, ffn], linear_2 [h, h].
 */
function audioTensors(c: Cfg): { encoder: number; projector: number } {
  const a = c.audio_config;
  const { hidden_size: d, intermediate_size: ffn, head_dim: e } = a;
  const q = a.num_attention_heads * e;
  const h = c.text_config.hidden_size;
  const layer = sum(
    [q, d],
    [q],
    [q, d],
    [q, d],
    [q],
    [d, q],
    [d],
    [ffn, d],
    [ffn, d],
    [d, ffn],
    [d],
    [d],
    [d],
  );
  const encoder = sum([d, a.num_mel_bins, 3], [d], [d, d, 3], [d]) + a.num_hidden_layers * layer + d;
  return { encoder, projector: sum([h, ffn], [h, h]) };
}

describe('voxtral_realtime (Voxtral-Mini-4B-Realtime-2602)', () => {
  it('reads the Mistral text model (26 sliding layers, 32/8 heads of 128, tied) and the audio side', () => {
    const spec = read(release());
    expect(spec.modelType).toBe('voxtral_realtime');
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 });
    expect(spec.hiddenSize).toBe(3072);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.slidingWindow).toBe(8192);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.mlp).toEqual({ intermediateSize: 9216, gated: true, bias: false });
    const extras = { modules: 'ada_rms_norm (linear1, linear2)', params: 2 * 3072 * 32, gemms: [] };
    expect(spec.layers).toEqual(Array(26).fill({ attention: 'sliding', mlp: 'dense', extras }));
    expect(spec.audio?.description).toBe(
      'RoPE encoder 32 × 1280, 32 heads of 64 (causal, sliding window 750); 4 frames stacked per audio token, added to its text token; projector 5120 → 3072 → 3072',
    );
    // 2 (K, V) · 32 layers · 32 heads · 64 · 750 frames.
    expect(spec.warnings).toEqual([
      "voxtral_realtime: the audio encoder keeps its own KV cache while streaming, 98,304,000 elements per sequence (750 frames), not in the KV cache figures (the text model's)",
    ]);
  });

  it('text 3,434,118,144 (ada norms 5,111,808) + audio 995,561,216 = 4,429,679,360', () => {
    const c = release();
    const p = paramCount(read(c));
    const text = textTensors(c.text_config);
    const audio = audioTensors(c);
    expect(p.totalParams).toBe(text.total);
    expect(p.activeParams).toBe(text.total);
    expect(p.breakdown.layerExtras).toBe(text.ada);
    expect(text.ada).toBe(5_111_808);
    expect(p.totalParams).toBe(3_434_118_144);
    expect(p.audioParams).toBe(audio.encoder + audio.projector);
    expect(audio.encoder).toBe(970_395_392);
    expect(audio.projector).toBe(25_165_824);
    expect(p.totalParams + p.audioParams!).toBe(4_429_679_360);
  });

  it('ada_rms_norm adds no per-token FLOPs; the KV cache keeps 8192 tokens of 8 × 128 K and V a layer', () => {
    const spec = read(release());
    const causal = { attentionMode: 'causal', contextTokens: 4096 } as const;
    const bare = { ...spec, layers: spec.layers.map(({ extras: _x, ...l }) => l) };
    expect(forwardFlopsPerToken(spec, causal).flopsPerToken).toBe(
      forwardFlopsPerToken(bare, causal).flopsPerToken,
    );
    const perToken = 26 * 2 * 8 * 128 * 2;
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerSequence).toBe(4096 * perToken);
    expect(kvCacheBytes(spec, 100_000, 'bf16').bytesPerSequence).toBe(8192 * perToken);
  });

  it('follows VoxtralRealtimeConfig on omitted keys and encoder aliases', () => {
    // Keys equal to _default_text_config_kwargs / VoxtralRealtimeEncoderConfig's defaults may be omitted.
    const sparse = release();
    for (const k of ['vocab_size', 'hidden_size', 'num_hidden_layers', 'head_dim', 'sliding_window'])
      delete sparse.text_config[k];
    sparse.audio_config = { model_type: 'voxtral_realtime_encoder' };
    expect(read(sparse)).toEqual(read(release()));
    const { text_config: _t, audio_config: _a, ...bare } = release();
    expect(read(bare)).toEqual(read(release()));
    // An alias given alone sets its key (the test config's encoder_layers); sliding_window null: full attention.
    const alias = release();
    delete alias.audio_config.num_hidden_layers;
    alias.audio_config.encoder_layers = 2;
    alias.text_config.sliding_window = null;
    const spec = read(alias);
    const two = release();
    two.audio_config.num_hidden_layers = 2;
    const expected = audioTensors(two);
    expect(spec.audio?.params).toBe(expected.encoder + expected.projector);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
  });

  it('refuses malformed fields, naming their path', () => {
    const kv = release();
    kv.audio_config.num_key_value_heads = 8;
    expect(inputErrorOf(() => read(kv)).issues[0]?.path).toEqual(['audio_config', 'num_key_value_heads']);
    const stack = release();
    stack.downsample_factor = 2;
    expect(inputErrorOf(() => read(stack)).issues[0]?.path).toEqual(['downsample_factor']);
    const text = release();
    text.text_config.model_type = 'mistral';
    expect(inputErrorOf(() => read(text)).issues[0]?.path).toEqual(['text_config', 'model_type']);
    const audio = release();
    audio.audio_config.model_type = 'voxtral_encoder';
    expect(inputErrorOf(() => read(audio)).issues[0]?.path).toEqual(['audio_config', 'model_type']);
    const heads = release();
    heads.text_config.num_key_value_heads = 5;
    expect(inputErrorOf(() => read(heads)).issues[0]?.path).toEqual(['text_config', 'num_key_value_heads']);
  });
});
