/**
 * IBM Granite Speech (`granite_speech`: ibm-granite/granite-speech-3.3-2b and -3.3-8b, 2025), a
 * Granite text model with a Conformer CTC encoder and a windowed Q-Former projector counted apart
 * (`spec.audio`, encoder + projector). transformers `models/granite_speech/`
 * `configuration_granite_speech.py` (GraniteSpeechConfig, GraniteSpeechEncoderConfig) and
 * `modeling_granite_speech.py` (GraniteSpeechForConditionalGeneration, GraniteSpeechCTCEncoder,
 * GraniteSpeechConformerBlock / FeedForward / Attention / ConvModule / DepthWiseConv1d,
 * GraniteSpeechEncoderProjector), and `models/blip_2/modeling_blip_2.py` (Blip2QFormerModel,
 * Blip2QFormerLayer, Blip2QFormerAttention, Blip2QFormerMultiHeadAttention, Blip2QFormerSelfOutput,
 * Blip2QFormerIntermediate, Blip2QFormerOutput), which `AutoModel.from_config(projector_config)` builds.
 *
 * - language_model: `AutoModelForCausalLM` of `text_config` (default type `granite`, GraniteConfig's
 *   defaults under the keys it omits; GraniteForCausalLM is Llama's layer with scalar multipliers).
 * - encoder (GraniteSpeechCTCEncoder): input_linear input_dim → hidden with bias; per block (Macaron
 *   Conformer) ff1 and ff2 (LayerNorm, up_proj hidden → hidden·feedforward_mult and down_proj back,
 *   with biases), attn (LayerNorm, to_q hidden → heads·dim_head and to_kv hidden → 2·heads·dim_head
 *   without bias, to_out back with bias, rel_pos_emb: an nn.Embedding(2·max_pos_emb + 1, dim_head),
 *   Shaw's relative positions, a learned parameter; the distance table `attention_dists` is a
 *   non-persistent buffer), conv (LayerNorm, up_conv 1×1 Conv1d hidden → 2·inner with bias, GLU,
 *   depthwise Conv1d inner × kernel without bias, BatchNorm1d(inner), down_conv 1×1 inner → hidden
 *   with bias; inner = hidden·conv_expansion_factor), post_norm LayerNorm; the self-conditioning CTC
 *   pair out hidden → output_dim and out_mid output_dim → hidden (with biases), run after block
 *   num_layers // 2. BatchNorm's running_mean and running_var are buffers the checkpoint stores (the
 *   2b's safetensors total includes them; no num_batches_tracked): counted in `spec.audio.params`.
 * - projector (GraniteSpeechEncoderProjector): query, an nn.Parameter [1, window_size //
 *   downsample_rate, Q-Former hidden]; qformer, a Blip2QFormerModel (layernorm; per layer attention =
 *   query/key/value h → h and output.dense h → h with biases plus output.LayerNorm, crossattention
 *   on layers with index % cross_attention_frequency == 0 with key/value from encoder_hidden_size,
 *   intermediate/output (h → I → h) only when use_qformer_text_input, intermediate_query /
 *   output_query always); linear Q-Former hidden → text hidden with bias. Each window of window_size
 *   encoder frames yields window_size // downsample_rate audio tokens: with the feature extractor's
 *   defaults (hop 160 at 16 kHz, two mel frames stacked per encoder frame) 10 tokens a second.
 * - The LoRA adapter the model enables for audio inputs (`has_lora_adapter`, default true) is not in
 *   the checkpoint: the release ships it as adapter_model.safetensors (PEFT, r 64 on q_proj and
 *   v_proj per its adapter_config.json). It is not counted; a warning gives its size at rank 64.
 *
 * Versions differ on two encoder defaults: transformers 4.x defaults dim_head to 128, 5.x to
 * hidden_dim // num_heads (a warning names an omitted dim_head where they differ); 5.x also maps
 * hidden_size, num_hidden_layers, num_attention_heads and num_mel_bins onto the encoder's own keys,
 * which 4.x ignores, so an alias that disagrees with the value read is refused.
 */

import { linearParams as linear, layerNormParams as norm } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** GraniteSpeechEncoderConfig defaults (dim_head aside: see the file comment). */
export const GRANITE_SPEECH_ENCODER_DEFAULTS: Json = {
  input_dim: 160,
  num_layers: 10,
  hidden_dim: 1024,
  feedforward_mult: 4,
  num_heads: 8,
  output_dim: 42,
  context_size: 200,
  max_pos_emb: 512,
  conv_kernel_size: 15,
  conv_expansion_factor: 2,
};

/** Blip2QFormerConfig defaults (configuration_blip_2.py), the keys read here. */
export const BLIP2_QFORMER_DEFAULTS: Json = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  cross_attention_frequency: 2,
  encoder_hidden_size: 1408,
  use_qformer_text_input: false,
  position_embedding_type: 'absolute',
};

/** GraniteSpeechEncoderConfig.attribute_map (transformers 5.x): alias → the key it sets. */
const ENCODER_ALIASES: Readonly<Record<string, string>> = {
  hidden_size: 'hidden_dim',
  num_hidden_layers: 'num_layers',
  num_attention_heads: 'num_heads',
  num_mel_bins: 'input_dim',
};

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

export interface GraniteSpeechEncoder {
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  /** FFN width (hidden_dim · feedforward_mult). */
  readonly ffn: number;
  /** Channels of the depthwise convolution (hidden_dim · conv_expansion_factor). */
  readonly convInner: number;
  readonly kernel: number;
  /** Width of the self-conditioning CTC output (output_dim). */
  readonly ctc: number;
  /** Every parameter, BatchNorm's running statistics not included. */
  readonly params: number;
  /** BatchNorm running_mean and running_var, buffers the checkpoint holds. */
  readonly batchNormStats: number;
  readonly warnings: readonly string[];
}

/** `e` (encoder_config, class defaults filled) as GraniteSpeechCTCEncoder builds it; see the file comment. */
export function readGraniteSpeechEncoder(e: Fields): GraniteSpeechEncoder {
  const width = e.positiveInt('hidden_dim', { max: MAX.hidden });
  const layers = e.positiveInt('num_layers', { max: MAX.layers });
  const heads = e.positiveInt('num_heads', { max: MAX.heads });
  const warnings: string[] = [];
  if (!e.has('dim_head') && Math.floor(width / heads) !== 128) {
    warnings.push(
      `granite_speech: encoder_config.dim_head is absent: read as hidden_dim // num_heads (${Math.floor(width / heads)}), transformers 5.x's default; 4.x builds 128`,
    );
  }
  const headDim = e.positiveInt('dim_head', { fallback: Math.floor(width / heads), max: MAX.headDim });
  for (const [alias, key] of Object.entries(ENCODER_ALIASES)) {
    if (e.has(alias) && e.raw(alias) !== e.raw(key)) {
      e.fail(
        alias,
        `(${shown(e.raw(alias))}) must equal ${key} (${shown(e.raw(key))}): transformers 5.x reads it as ${key}, 4.x ignores it`,
      );
    }
  }
  const input = e.positiveInt('input_dim', { max: MAX.hidden });
  const ffn = width * e.positiveInt('feedforward_mult', { max: MAX.intermediate });
  if (ffn > MAX.intermediate) e.fail('feedforward_mult', `makes an FFN wider than ${fmt(MAX.intermediate)}`);
  const ctc = e.positiveInt('output_dim', { max: MAX.vocab });
  const maxPos = e.positiveInt('max_pos_emb', { max: MAX.positions });
  const context = e.positiveInt('context_size', { max: MAX.positions });
  // GraniteSpeechConformerAttention raises unless 0 < context_size <= max_pos_emb.
  if (context > maxPos) e.fail('context_size', `(${context}) must not exceed max_pos_emb (${maxPos})`);
  const kernel = e.positiveInt('conv_kernel_size', { max: MAX.other });
  const convInner = width * e.positiveInt('conv_expansion_factor', { max: MAX.intermediate });
  if (convInner > MAX.intermediate) {
    e.fail('conv_expansion_factor', `makes the convolution wider than ${fmt(MAX.intermediate)}`);
  }
  const inner = heads * headDim;
  // ff1, ff2: pre_norm, up_proj and down_proj with biases.
  const feedForward = norm(width) + linear(width, ffn) + linear(ffn, width);
  // attn: pre_norm, to_q and to_kv without bias, to_out with bias, rel_pos_emb (2·max_pos_emb + 1) × dim_head.
  const attention =
    norm(width) +
    linear(width, inner, false) +
    linear(width, 2 * inner, false) +
    linear(inner, width) +
    (2 * maxPos + 1) * headDim;
  // conv: norm, up_conv (1×1, to 2·inner for the GLU), depthwise kernel without bias, batch_norm, down_conv.
  const conv =
    norm(width) +
    linear(width, 2 * convInner) +
    convInner * kernel +
    norm(convInner) +
    linear(convInner, width);
  // Each block: ff1, attn, conv, ff2, post_norm.
  const block = 2 * feedForward + attention + conv + norm(width);
  // input_linear; the blocks; out and out_mid, the self-conditioning CTC pair.
  const params = linear(input, width) + layers * block + linear(width, ctc) + linear(ctc, width);
  const batchNormStats = layers * 2 * convInner;
  return { width, layers, heads, headDim, ffn, convInner, kernel, ctc, params, batchNormStats, warnings };
}

// ---------------------------------------------------------------------------------------------
// Projector
// ---------------------------------------------------------------------------------------------

export interface GraniteSpeechProjector {
  readonly width: number;
  readonly layers: number;
  readonly queries: number;
  readonly window: number;
  readonly params: number;
}

/**
 * The projector (see the file comment), `params` exact: query, the Q-Former and linear → `textHidden`.
 * `p` is projector_config with Blip2QFormerConfig's defaults filled; `top` holds window_size and
 * downsample_rate; `encoderWidth` is what the cross-attention reads.
 */
export function readGraniteSpeechProjector(
  top: Fields,
  p: Fields,
  encoderWidth: number,
  textHidden: number,
): GraniteSpeechProjector {
  const type = p.string('model_type', 'blip_2_qformer');
  if (type !== 'blip_2_qformer') {
    p.fail(
      'model_type',
      `is '${type}'; GraniteSpeechForConditionalGeneration's native projector is a 'blip_2_qformer'`,
    );
  }
  const h = p.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = p.positiveInt('num_attention_heads', { max: MAX.heads });
  // Blip2QFormerMultiHeadAttention raises unless the heads divide hidden_size.
  if (h % heads !== 0) p.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const layers = p.positiveInt('num_hidden_layers', { max: MAX.layers });
  const ffn = p.positiveInt('intermediate_size', { max: MAX.intermediate });
  const every = p.positiveInt('cross_attention_frequency', { max: MAX.layers });
  const encoder = p.positiveInt('encoder_hidden_size', { max: MAX.hidden });
  // The cross-attention's key and value read the encoder's output.
  if (encoder !== encoderWidth) {
    p.fail('encoder_hidden_size', `(${encoder}) must equal encoder_config.hidden_dim (${encoderWidth})`);
  }
  const position = p.string('position_embedding_type', 'absolute');
  if (position !== 'absolute') {
    p.fail(
      'position_embedding_type',
      `is '${position}'; llmecon reads only 'absolute' (transformers 4.x adds distance embeddings for the relative kinds, 5.x ignores the key)`,
    );
  }
  const textInput = p.bool('use_qformer_text_input', false);
  // num_queries = window_size // downsample_rate; forward views the output as window_size / downsample_rate rows per window.
  const queries = top.divide('window_size', 'downsample_rate', MAX.positions);
  const window = top.positiveInt('window_size', { max: MAX.positions });
  // attention (and crossattention): query, key, value with biases; output.dense and output.LayerNorm.
  const selfAttention = 4 * linear(h, h) + norm(h);
  const crossAttention = 2 * linear(h, h) + 2 * linear(encoder, h) + norm(h);
  // intermediate(_query) h → I; output(_query) I → h and its LayerNorm.
  const feedForward = linear(h, ffn) + linear(ffn, h) + norm(h);
  let qformer = norm(h);
  for (let i = 0; i < layers; i += 1) {
    qformer += selfAttention + (i % every === 0 ? crossAttention : 0) + (textInput ? 2 : 1) * feedForward;
  }
  // query [1, num_queries, h]; the Q-Former; linear h → text hidden with bias.
  const params = queries * h + qformer + linear(h, textHidden);
  return { width: h, layers, queries, window, params };
}

// ---------------------------------------------------------------------------------------------
// The wrapper
// ---------------------------------------------------------------------------------------------

/** PEFT LoRA rank of the release's adapter_config.json (granite-speech-3.3: r 64 on q_proj and v_proj). */
export const RELEASE_LORA_RANK = 64;

/** The warning naming the LoRA adapter the checkpoint does not hold, with its size at {@link RELEASE_LORA_RANK}. */
function loraWarning(top: Fields, spec: ModelSpec): string[] {
  if (!top.bool('has_lora_adapter', true)) return [];
  const head =
    'granite_speech: has_lora_adapter is true: the LoRA adapter the model enables for audio inputs is a separate file (adapter_model.safetensors), not counted';
  const a = spec.attention;
  if (a.kind !== 'gqa') return [`${head}; its size is not computed for ${a.kind} attention`];
  const r = RELEASE_LORA_RANK;
  // lora_A [r, hidden] and lora_B [out, r] on q_proj (out heads·head_dim) and v_proj (out KV heads·head_dim).
  const perLayer =
    r * (spec.hiddenSize + a.numHeads * a.headDim) + r * (spec.hiddenSize + a.numKvHeads * a.headDim);
  const total = perLayer * spec.layers.length;
  return [
    `${head}: ${fmt(total)} parameters at the release's rank ${r} on q_proj and v_proj (${fmt(perLayer)} per layer × ${spec.layers.length})`,
  ];
}

/** GraniteSpeechConfig builds a default GraniteConfig when text_config is absent (its defaults: sub-config-defaults.ts). */
const withTextConfig = (top: Fields): Fields =>
  top.raw('text_config') === undefined || top.raw('text_config') === null
    ? top.with({ text_config: { model_type: 'granite' } })
    : top;

/** The encoder and projector of a `granite_speech` config, given the text model's width. */
export function readGraniteSpeechAudio(
  top: Fields,
  textHidden: number,
): { description: string; params: number; warnings: readonly string[] } {
  // GraniteSpeechConfig's window_size and downsample_rate defaults.
  const t = withClassDefaults(top, { window_size: 15, downsample_rate: 5 });
  const e = readGraniteSpeechEncoder(
    builtSubConfig(top, 'encoder_config', 'granite_speech_encoder', GRANITE_SPEECH_ENCODER_DEFAULTS),
  );
  const p = readGraniteSpeechProjector(
    t,
    builtSubConfig(top, 'projector_config', 'blip_2_qformer', BLIP2_QFORMER_DEFAULTS),
    e.width,
    textHidden,
  );
  const description =
    `Conformer CTC encoder ${e.layers} × ${e.width}, ${e.heads} heads × ${e.headDim}, FFN ${e.ffn}, ` +
    `depthwise conv ${e.kernel} (CTC head ${e.ctc} after block ${Math.floor(e.layers / 2)}); ` +
    `Q-Former ${p.layers} × ${p.width}, ${p.queries} queries per ${p.window}-frame window, projector ${p.width} → ${textHidden}`;
  return { description, params: e.params + e.batchNormStats + p.params, warnings: e.warnings };
}

/**
 * The `granite_speech` family (GraniteSpeechForConditionalGeneration): the text model by
 * `text_config`'s own `model_type` (default `granite`; a type `familyOf` does not know is refused),
 * the encoder and projector as `spec.audio`, the LoRA adapter named in a warning.
 */
export function graniteSpeechWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'GraniteSpeechForConditionalGeneration'), {
    textType: 'granite',
  });
  return (top, name) => {
    const spec = text(withTextConfig(top), name);
    const audio = readGraniteSpeechAudio(top, spec.hiddenSize);
    const warnings = [...(spec.warnings ?? []), ...audio.warnings, ...loraWarning(top, spec)];
    return {
      ...spec,
      audio: { description: audio.description, params: audio.params },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  };
}
