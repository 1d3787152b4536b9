/**
 * Granite Speech (`granite_speech`), granite-speech.ts: the releases counted tensor by tensor from the
 * modules of transformers' `modeling_granite_speech.py`, `modeling_blip_2.py` (Blip2QFormerModel) and
 * the Granite (Llama-layer) text model, written here from config.json and not through the reader,
 * against the published sizes. granite-speech-3.3-2b: the Hub API's safetensors total, BF16
 * 3,009,285,376 (its stored copy: hlky/dinoml_v2 @ 6b8c0acb3a19,
 * `agents/plans/transformers/granite_speech/_sources/hf_granite-speech-3.3-2b_model_api.json`), which
 * the count meets to the parameter once BatchNorm's running_mean and running_var (65,536) are in.
 * granite-speech-3.3-8b: 8,648,711,424, the Hub page's 8.65B (not read from a stored copy here; its
 * config differs from the 2b's in the text shape alone, see the fixture's provenance).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, llamaTextTensors, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { graniteSpeechWrapper } from './granite-speech.js';
import { llama } from './llama.js';
import type { Family } from './readers.js';

const TEXT: Record<string, Family> = { granite: llama, llama };
const familyOf = (type: string): Family | undefined => TEXT[type];
const graniteSpeech = graniteSpeechWrapper(familyOf);

const small = () => structuredClone(hfFixture('hand-built/granite-speech-3.3-2b')) as Cfg;
const large = () => structuredClone(hfFixture('hand-built/granite-speech-3.3-8b')) as Cfg;
const read = (c: Cfg) => graniteSpeech(new Fields(c, 'granite_speech'), 'granite-speech');

/** ff1 / ff2: pre_norm weight and bias [d], up_proj [f, d] and bias [f], down_proj [d, f] and bias [d]. */
function feedForward(t: Tensors, d: number, f: number): void {
  t.add([d], [d], [f, d], [f], [d, f], [d]);
}

/**
 * encoder: input_linear [d, input] and bias [d]; per block ff1; attn.pre_norm [d] ×2, attn.to_q
 * [H·hd, d], attn.to_kv [2·H·hd, d], attn.to_out [d, H·hd] and bias [d], attn.rel_pos_emb
 * [2·max_pos_emb + 1, hd]; conv.norm [d] ×2, conv.up_conv [2·c, d, 1] and bias [2·c],
 * conv.depth_conv.conv [c, 1, k], conv.batch_norm weight, bias, running_mean, running_var [c],
 * conv.down_conv [d, c, 1] and bias [d]; ff2; post_norm [d] ×2; out [ctc, d] and bias [ctc], out_mid
 * [d, ctc] and bias [d].
 */
function encoderTensors(e: Cfg): number {
  const d = e.hidden_dim;
  const inner = e.num_heads * e.dim_head;
  const c = d * e.conv_expansion_factor;
  const t = new Tensors();
  t.add([d, e.input_dim], [d]);
  for (let i = 0; i < e.num_layers; i += 1) {
    feedForward(t, d, d * e.feedforward_mult);
    t.add([d], [d], [inner, d], [2 * inner, d], [d, inner], [d], [2 * e.max_pos_emb + 1, e.dim_head]);
    t.add([d], [d], [2 * c, d, 1], [2 * c], [c, 1, e.conv_kernel_size]);
    t.add([c], [c], [c], [c], [d, c, 1], [d]);
    feedForward(t, d, d * e.feedforward_mult);
    t.add([d], [d]);
  }
  t.add([e.output_dim, d], [e.output_dim], [d, e.output_dim], [d]);
  return t.total;
}

/**
 * projector: query [1, window // downsample, h]; qformer.layernorm [h] ×2; per layer
 * attention.attention.query, key, value [h, h] with biases [h], attention.output.dense [h, h] and
 * bias, attention.output.LayerNorm [h] ×2; crossattention (every layer at frequency 1) the same with
 * key and value [h, enc]; intermediate_query.dense [I, h] and bias [I], output_query.dense [h, I] and
 * bias [h], output_query.LayerNorm [h] ×2; linear [text hidden, h] and bias.
 */
function projectorTensors(c: Cfg): number {
  const p = c.projector_config;
  const h = p.hidden_size;
  const t = new Tensors();
  t.add([1, c.window_size / c.downsample_rate, h], [h], [h]);
  for (let i = 0; i < p.num_hidden_layers; i += 1) {
    t.add([h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h], [h], [h]);
    const enc = p.encoder_hidden_size;
    t.add([h, h], [h], [h, enc], [h], [h, enc], [h], [h, h], [h], [h], [h]);
    t.add([p.intermediate_size, h], [p.intermediate_size], [h, p.intermediate_size], [h], [h], [h]);
  }
  t.add([c.text_config.hidden_size, h], [c.text_config.hidden_size]);
  return t.total;
}

const audioTensors = (c: Cfg) => encoderTensors(c.encoder_config) + projectorTensors(c);

describe('granite_speech (granite-speech-3.3-2b, -3.3-8b)', () => {
  it('reads the Granite text model (40 layers, 32/8 heads, tied) and the audio side', () => {
    const spec = read(large());
    expect(spec.modelType).toBe('granite_speech');
    expect(spec.layers).toEqual(Array(40).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 128 });
    expect(spec.hiddenSize).toBe(4096);
    expect(spec.vocabSize).toBe(49_160);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.vision).toBeNull();
    expect(spec.audio?.description).toBe(
      'Conformer CTC encoder 16 × 1024, 8 heads × 128, FFN 4096, depthwise conv 15 (CTC head 256 after block 8); Q-Former 2 × 1024, 3 queries per 15-frame window, projector 1024 → 4096',
    );
    expect(read(small()).attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 64 });
  });

  it('2b: text 2,533,541,888 + audio 475,743,488 = 3,009,285,376, the Hub’s safetensors total to the parameter', () => {
    const c = small();
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(llamaTextTensors(c.text_config, true));
    expect(p.totalParams).toBe(2_533_541_888);
    expect(p.audioParams).toBe(audioTensors(c));
    // Encoder 439,980,288 + BatchNorm statistics 16 × 2 × 2048 + projector 35,697,664.
    expect(p.audioParams).toBe(439_980_288 + 65_536 + 35_697_664);
    expect(p.totalParams + p.audioParams!).toBe(3_009_285_376);
  });

  it('8b: text 8,170,868,736 + audio 477,842,688 = 8,648,711,424 (the Hub’s 8.65B)', () => {
    const c = large();
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(llamaTextTensors(c.text_config, true));
    expect(p.totalParams).toBe(8_170_868_736);
    expect(p.audioParams).toBe(audioTensors(c));
    expect(p.audioParams).toBe(439_980_288 + 65_536 + 37_796_864);
    expect(p.totalParams + p.audioParams!).toBe(8_648_711_424);
    expect((p.totalParams + p.audioParams!) / 1e9).toBeCloseTo(8.65, 2);
  });

  it('names the LoRA adapter the checkpoint does not hold, with its size at rank 64', () => {
    expect(read(large()).warnings).toEqual([
      "granite_speech: has_lora_adapter is true: the LoRA adapter the model enables for audio inputs is a separate file (adapter_model.safetensors), not counted: 34,078,720 parameters at the release's rank 64 on q_proj and v_proj (851,968 per layer × 40)",
    ]);
    // 2b: q_proj 64·(2048 + 2048), v_proj 64·(2048 + 512) per layer.
    expect(read(small()).warnings?.[0]).toMatch(/: 17,039,360 parameters at .* \(425,984 per layer × 40\)$/);
    const none = large();
    none.has_lora_adapter = false;
    expect(read(none).warnings).toBeUndefined();
  });

  it('KV cache: K and V of 8 heads × 128 on 40 layers (the encoder and projector keep none)', () => {
    expect(kvCacheBytes(read(large()), 4096, 'bf16').bytesPerToken).toBe(40 * 2 * 8 * 128 * 2);
  });

  it('follows the configuration classes on omitted keys', () => {
    // GraniteSpeechEncoderConfig defaults (input 160, 1024 wide, 8 × 128, conv 15 × 2) and Blip2QFormerConfig's.
    const sparse = large();
    const e = sparse.encoder_config;
    for (const k of ['input_dim', 'hidden_dim', 'num_heads', 'dim_head', 'conv_kernel_size', 'max_pos_emb'])
      delete e[k];
    delete sparse.projector_config.model_type;
    delete sparse.projector_config.use_qformer_text_input;
    delete sparse.text_config.model_type;
    delete sparse.window_size;
    delete sparse.downsample_rate;
    expect(read(sparse)).toEqual(read(large()));
    // transformers 5.x's attribute_map alias may repeat the key it sets.
    const alias = large();
    alias.encoder_config.num_hidden_layers = 16;
    expect(read(alias)).toEqual(read(large()));
    // Without an encoder_config: GraniteSpeechEncoderConfig() — 10 blocks, CTC head 42.
    const bare = large();
    bare.encoder_config = null;
    const defaults = { ...large().encoder_config, num_layers: 10, output_dim: 42 };
    expect(read(bare).audio?.params).toBe(audioTensors({ ...large(), encoder_config: defaults }));
    // An omitted dim_head where 4.x and 5.x disagree: 5.x's hidden_dim // num_heads, named in a warning.
    const heads = large();
    delete heads.encoder_config.dim_head;
    heads.encoder_config.num_heads = 16;
    expect(read(heads).warnings?.[0]).toBe(
      "granite_speech: encoder_config.dim_head is absent: read as hidden_dim // num_heads (64), transformers 5.x's default; 4.x builds 128",
    );
    // Q-Former text-input layers (intermediate, output) are built, hence counted, when asked for.
    const textInput = large();
    textInput.projector_config.use_qformer_text_input = true;
    expect(read(textInput).audio!.params - read(large()).audio!.params).toBe(
      2 * (2 * 1024 * 4096 + 4096 + 3 * 1024),
    );
  });

  it('refuses malformed fields, naming their path', () => {
    const context = large();
    context.encoder_config.context_size = 600;
    const e = inputErrorOf(() => read(context));
    expect(e.issues[0]?.path).toEqual(['encoder_config', 'context_size']);
    expect(e.message).toMatch(/'encoder_config\.context_size' \(600\) must not exceed max_pos_emb \(512\)/);
    const width = large();
    width.encoder_config.hidden_dim = '1024';
    expect(inputErrorOf(() => read(width)).issues[0]?.path).toEqual(['encoder_config', 'hidden_dim']);
    const alias = large();
    alias.encoder_config.hidden_size = 768;
    expect(inputErrorOf(() => read(alias)).message).toMatch(
      /'encoder_config\.hidden_size' \(768\) must equal hidden_dim \(1024\): transformers 5\.x reads it as hidden_dim/,
    );
    const heads = large();
    heads.projector_config.num_attention_heads = 12;
    expect(inputErrorOf(() => read(heads)).message).toMatch(
      /'projector_config\.num_attention_heads' \(12\) must divide hidden_size \(1024\)/,
    );
    const cross = large();
    cross.projector_config.encoder_hidden_size = 1408;
    expect(inputErrorOf(() => read(cross)).issues[0]?.path).toEqual([
      'projector_config',
      'encoder_hidden_size',
    ]);
    const projector = large();
    projector.projector_config.model_type = 'granite_speech_qformer';
    expect(inputErrorOf(() => read(projector)).message).toMatch(
      /'projector_config\.model_type' is 'granite_speech_qformer'; .* native projector is a 'blip_2_qformer'/,
    );
    const relative = large();
    relative.projector_config.position_embedding_type = 'relative_key';
    expect(inputErrorOf(() => read(relative)).issues[0]?.path).toEqual([
      'projector_config',
      'position_embedding_type',
    ]);
    const window = large();
    window.window_size = 16;
    expect(inputErrorOf(() => read(window)).message).toMatch(
      /'window_size' \(16\) must be divisible by 'downsample_rate' \(5\)/,
    );
    const unknown = large();
    unknown.text_config.model_type = 'mamba';
    expect(inputErrorOf(() => read(unknown)).issues[0]?.path).toEqual(['text_config', 'model_type']);
    const notObject = large();
    notObject.encoder_config = 'conformer';
    expect(inputErrorOf(() => read(notObject)).message).toMatch(/'encoder_config' must be an object/);
  });

  it('is registered: granite_speech reads through this family, the audio side counted apart, no fallback', () => {
    for (const config of [small(), large()]) {
      const spec = specFromHfConfig(config, 'registered');
      expect(spec.warnings ?? []).not.toContainEqual(expect.stringMatching(/not supported/));
      expect(paramCount(spec).audioParams).toBe(paramCount(read(config)).audioParams);
      expect(paramCount(spec).totalParams).toBe(paramCount(read(config)).totalParams);
    }
  });
});
