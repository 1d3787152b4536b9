/**
 * Mistral Voxtral Realtime (`voxtral_realtime`: mistralai/Voxtral-Mini-4B-Realtime-2602), a streaming
 * audio-language model. transformers `models/voxtral_realtime/configuration_voxtral_realtime.py`
 * (VoxtralRealtimeConfig, VoxtralRealtimeTextConfig, VoxtralRealtimeEncoderConfig),
 * `modular_voxtral_realtime.py` / `modeling_voxtral_realtime.py` and
 * `convert_voxtral_realtime_weights_to_hf.py`; the projector is `models/voxtral/modeling_voxtral.py`'s
 * VoxtralMultiModalProjector (VoxtralRealtimeForConditionalGeneration subclasses
 * VoxtralForConditionalGeneration: audio_tower = AutoModel of `audio_config`, language_model =
 * AutoModelForCausalLM of `text_config`). The modules it builds:
 * - language_model, VoxtralRealtimeTextForCausalLM (MistralForCausalLM): embed_tokens V × h; per layer
 *   MistralAttention (q_proj h → heads·head_dim, k_proj and v_proj h → kv·head_dim, o_proj back, no
 *   biases), MistralMLP (gate_proj, up_proj h → I, down_proj I → h, no biases), input_layernorm and
 *   post_attention_layernorm (RMSNorm h) and ada_rms_norm (VoxtralRealtimeTextAdaRmsNorm: linear1
 *   h → 32, GELU, linear2 32 → h, no biases); the final norm; lm_head tied per `tie_word_embeddings`.
 *   MistralModel slides every layer's window when `sliding_window` is set (8192 in the release).
 *   ada_rms_norm scales the MLP input by 1 + ada_rms_norm(t_cond), where t_cond is
 *   VoxtralRealtimeTimeEmbedding of the delay token count (a sinusoid; inv_freq is a non-persistent
 *   buffer): one h-vector per forward, the same for every token. It is each layer's `extras` with no
 *   gemms — it runs once per forward, not per token.
 * - audio_tower, VoxtralRealtimeEncoder: embedder conv1 (num_mel_bins → d, kernel 3) and conv2 (d → d,
 *   kernel 3, stride 2), causal Conv1d with bias; per layer VoxtralRealtimeAttention (q_proj
 *   d → heads·head_dim with bias, k_proj without, v_proj with, o_proj heads·head_dim → d with bias;
 *   RoPE, causal over a `sliding_window` of frames), VoxtralRealtimeMLP (gate_proj, up_proj d → ffn
 *   without bias, down_proj ffn → d with bias), self_attn_layer_norm and final_layer_norm (RMSNorm d);
 *   the final norm. No position table (rotary_emb holds buffers only).
 * - multi_modal_projector: the encoder output reshaped to rows of `audio_config.intermediate_size`
 *   (`downsample_factor` consecutive frames), linear_1 intermediate → text h, GELU, linear_2 text
 *   h → text h, no biases. Each audio token is added to its text token's embedding (no image-style token slots).
 * The encoder and projector are `spec.audio`. The encoder's own KV cache (its sliding window of frames
 * per sequence while streaming) is named in a warning: ModelSpec's KV figures are the text model's.
 */
import { linearParams as linear } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { audioConfig, withSubDefaults } from './audio-llm.js';
import { type Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp, withClassDefaults } from './readers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The ada_rms_norm bottleneck width (nn.Linear(hidden_size, 32) in VoxtralRealtimeTextAdaRmsNorm). */
const ADA_RMS_NORM_DIM = 32;

/**
 * VoxtralRealtimeConfig `_default_text_config_kwargs` (the keys read here), put under the keys a
 * text_config omits, over VoxtralRealtimeTextConfig's own default `hidden_act`.
 */
const TEXT_DEFAULTS: Json = {
  hidden_act: 'silu',
  vocab_size: 131_072,
  hidden_size: 3072,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  max_position_embeddings: 131_072,
  head_dim: 128,
  tie_word_embeddings: true,
  sliding_window: 8192,
};

/** VoxtralRealtimeEncoderConfig defaults (the keys read here): the release's encoder. */
const ENCODER_DEFAULTS: Json = {
  hidden_size: 1280,
  intermediate_size: 5120,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_mel_bins: 128,
  sliding_window: 750,
  head_dim: 64,
};

/**
 * VoxtralRealtimeEncoderConfig.attribute_map: alias → key. An alias given alone sets its key; one that
 * disagrees with its key is refused (transformers versions differ on which is kept; before the
 * dataclass config, num_key_value_heads was a separate attribute, since then it aliases the heads).
 */
const ENCODER_ALIASES: Readonly<Record<string, string>> = {
  d_model: 'hidden_size',
  encoder_layers: 'num_hidden_layers',
  encoder_attention_heads: 'num_attention_heads',
  encoder_ffn_dim: 'intermediate_size',
  num_key_value_heads: 'num_attention_heads',
};

/** `a` with each alias given alone moved to its key; a disagreeing pair refused, naming the alias. */
function resolveAliases(a: Fields): Fields {
  let out = a;
  for (const [alias, key] of Object.entries(ENCODER_ALIASES)) {
    if (!a.has(alias)) continue;
    const value = a.positiveInt(alias, { max: MAX.hidden });
    if (!out.has(key)) out = out.with({ [key]: value });
    else if (out.positiveInt(key, { max: MAX.hidden }) !== value)
      a.fail(
        alias,
        `(${value}) must equal ${key} (${out.raw(key)}): VoxtralRealtimeEncoderConfig.attribute_map makes it an alias of ${key}`,
      );
  }
  return out;
}

interface RealtimeAudio {
  readonly audio: { readonly description: string; readonly params: number };
  /** Elements the encoder's KV cache holds per sequence (per frame when it has no window). */
  readonly cacheElements: number;
  readonly window: number | null;
}

/** The encoder and projector (see the file comment), `params` exact. */
function readRealtimeAudio(top: Fields, textHidden: number): RealtimeAudio {
  const raw = audioConfig(top, 'voxtral_realtime_encoder', {}, 'VoxtralRealtimeForConditionalGeneration');
  const a = withClassDefaults(resolveAliases(raw), ENCODER_DEFAULTS);
  const d = a.positiveInt('hidden_size', { max: MAX.hidden });
  const layers = a.positiveInt('num_hidden_layers', { max: MAX.layers });
  const heads = a.positiveInt('num_attention_heads', { max: MAX.heads });
  const ffn = a.positiveInt('intermediate_size', { max: MAX.intermediate });
  const mel = a.positiveInt('num_mel_bins', { max: MAX.hidden });
  // head_dim None → hidden_size // num_attention_heads (VoxtralRealtimeEncoderConfig.__post_init__).
  const headDim = a.positiveInt('head_dim', { max: MAX.headDim, fallback: Math.floor(d / heads) });
  const window = a.optionalPositiveInt('sliding_window', MAX.positions);
  // prepare_inputs_for_generation feeds downsample_factor frames per text token; get_audio_features
  // reshapes them to rows of intermediate_size: one audio embedding per token only if these agree.
  const stack = top.positiveInt('downsample_factor', { fallback: 4, max: MAX.other });
  if (ffn !== stack * d) {
    top.fail(
      'downsample_factor',
      `(${stack}) × audio_config.hidden_size (${d}) must equal audio_config.intermediate_size (${ffn}): the projector reads rows of that many stacked frames, one per text token`,
    );
  }
  const q = heads * headDim;
  const convs = linear(3 * mel, d) + linear(3 * d, d);
  // q_proj, v_proj with bias, k_proj without, o_proj with; gate/up without bias, down with; two RMSNorms.
  const layer = 2 * linear(d, q) + linear(d, q, false) + linear(q, d) + 2 * d * ffn + linear(ffn, d) + 2 * d;
  const encoder = convs + layers * layer + d;
  const projector = linear(ffn, textHidden, false) + linear(textHidden, textHidden, false);
  const span = window === null ? 'causal' : `causal, sliding window ${window}`;
  return {
    audio: {
      description: `RoPE encoder ${layers} × ${d}, ${heads} heads of ${headDim} (${span}); ${stack} frames stacked per audio token, added to its text token; projector ${ffn} → ${textHidden} → ${textHidden}`,
      params: encoder + projector,
    },
    cacheElements: 2 * layers * q * (window ?? 1),
    window,
  };
}

/** The `voxtral_realtime` family (VoxtralRealtimeForConditionalGeneration). */
export const voxtralRealtime: Family = (top, name): ModelSpec => {
  const t = withSubDefaults(top, 'text_config', TEXT_DEFAULTS).child('text_config');
  if (!t) return top.fail('text_config', 'must be an object');
  const textType = t.string('model_type', 'voxtral_realtime_text');
  if (textType !== 'voxtral_realtime_text') {
    t.fail(
      'model_type',
      `is '${textType}'; VoxtralRealtimeForConditionalGeneration conditions a 'voxtral_realtime_text' model on the delay (t_cond)`,
    );
  }
  const spec = decoder(t, name, {
    // MistralAttention: no biases; MistralModel: every layer slides when sliding_window is set.
    attention: { qkvBias: false, outputBias: false },
    layout: (f, n) => {
      const window = f.optionalPositiveInt('sliding_window', MAX.positions);
      return { window, kinds: Array(n).fill(window === null ? 'full' : 'sliding') };
    },
    mlp: readGatedMlp(t),
  });
  const h = spec.hiddenSize;
  // linear1 h → 32 and linear2 32 → h, no biases, on t_cond once per forward: no per-token matmul.
  const extras = { modules: 'ada_rms_norm (linear1, linear2)', params: 2 * h * ADA_RMS_NORM_DIM, gemms: [] };
  const { audio, cacheElements, window } = readRealtimeAudio(top, h);
  const cache =
    window === null
      ? `${fmt(cacheElements)} elements per audio frame, growing with the audio`
      : `${fmt(cacheElements)} elements per sequence (${window} frames)`;
  return {
    ...spec,
    modelType: top.modelType,
    layers: spec.layers.map((layer) => ({ ...layer, extras })),
    audio,
    warnings: [
      ...(spec.warnings ?? []),
      `voxtral_realtime: the audio encoder keeps its own KV cache while streaming, ${cache}, not in the KV cache figures (the text model's)`,
    ],
  };
};
