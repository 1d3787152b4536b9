/**
 * Fixie Ultravox (`ultravox`, remote code: fixie-ai/ultravox-v0_4 … v0_6, e.g.
 * fixie-ai/ultravox-v0_5-llama-3_2-1b and -llama-3_1-8b), a text model with a Whisper encoder and a
 * stacking projector counted apart (`spec.audio`, encoder + projector). Shapes from the checkpoints'
 * remote code as quoted in stored code: `ultravox_config.py` (UltravoxConfig: hidden_size 4096,
 * stack_factor 8, norm_init 0.4, projector_act 'swiglu', projector_ln_mid false by default, true from
 * v0.5) and `ultravox_model.py` (UltravoxModel, UltravoxProjector, StackAudioFrames, RMSNorm, SwiGLU,
 * ModifiedWhisperEncoder over transformers' `models/whisper/modeling_whisper.py` WhisperEncoder), and
 * vLLM `model_executor/models/ultravox.py` / `transformers_utils/configs/ultravox.py` (the same modules).
 *
 * - language_model: `AutoModelForCausalLM` of `text_config` (default type `llama`, LlamaConfig's
 *   defaults under the keys it omits), read by the family of its own `model_type`. With
 *   `text_model_id` set the class loads that checkpoint's config instead, and `to_diff_dict` drops
 *   `text_config` from the saved file: a config naming only the id is refused (llmecon reads no
 *   other file); a `text_config` given beside it is read as the config the id names.
 * - audio_tower: the encoder of `audio_config` (a WhisperConfig, WhisperConfig's defaults under the
 *   keys it omits; `audio_model_id` alone is refused the same way): ModifiedWhisperEncoder, or
 *   WhisperModel's `.encoder`, the same modules ({@link readWhisperEncoder}); no decoder is built.
 *   Other tower types (Wav2Vec2-BERT through AutoModel) are refused.
 * - multi_modal_projector (UltravoxProjector): StackAudioFrames (stack_factor consecutive frames into
 *   one row, zero-padded; holds nothing), ln_pre RMSNorm(d_model·stack_factor), linear_1
 *   d_model·stack_factor → hidden_size without bias, the activation (swiglu chunks the row in two:
 *   hidden_size / 2 out; any other is elementwise), then RMSNorm ln_mid on that width when
 *   projector_ln_mid, else ln_post on the text width after it, and linear_2 → text hidden without bias.
 *
 * A 30 s chunk is max_source_positions × 2 mel frames; its ceil(max_source_positions / stack_factor)
 * rows are the audio tokens. Ultravox wrapping a multimodal text model (v0.6's Gemma 3) builds its
 * vision tower too; it is not counted here (`spec.vision` is null).
 */

import { linearParams as linear } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { readWhisperEncoder, WHISPER_CONFIG_DEFAULTS, WHISPER_CONFIG_KEYS } from './audio-llm.js';
import { type Fields, MAX, shown } from './fields.js';
import type { Family } from './readers.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

/** WhisperConfig.attribute_map: alias → the encoder key it stands for. */
const WHISPER_ALIASES: Readonly<Record<string, string>> = {
  hidden_size: 'd_model',
  num_hidden_layers: 'encoder_layers',
  num_attention_heads: 'encoder_attention_heads',
};

/** Elementwise activations (transformers ACT2FN) the projector may use instead of swiglu. */
const ELEMENTWISE_ACTS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'quick_gelu', 'relu', 'silu', 'swish'];

/** The sub-config `key` when present; refused when only `idKey` (a checkpoint id llmecon cannot read) is. */
function requireInline(top: Fields, key: string, idKey: string): void {
  if (top.has(key) || !top.has(idKey)) return;
  top.fail(
    idKey,
    `(${shown(top.raw(idKey))}) names a checkpoint whose config UltravoxConfig loads; llmecon reads no other file, so give its config as ${key}`,
  );
}

/** The Whisper audio_config with WhisperConfig's defaults filled; another tower type or a disagreeing alias is refused. */
function whisperConfig(top: Fields): Fields {
  const a = builtSubConfig(top, 'audio_config', 'whisper', WHISPER_CONFIG_DEFAULTS);
  const type = a.string('model_type', 'whisper');
  if (type !== 'whisper') {
    a.fail('model_type', `is '${type}'; llmecon reads Ultravox's audio tower as a 'whisper' encoder`);
  }
  for (const [alias, key] of Object.entries(WHISPER_ALIASES)) {
    if (!a.has(alias)) continue;
    const given = a.positiveInt(alias, { max: MAX.hidden });
    const value = a.positiveInt(key, { max: MAX.hidden });
    if (given !== value) {
      a.fail(alias, `(${given}) must equal ${key} (${value}): WhisperConfig maps one onto the other`);
    }
  }
  return a;
}

/** The encoder and UltravoxProjector (see the file comment), `params` exact. */
export function readUltravoxAudio(top: Fields, textHidden: number): NonNullable<ModelSpec['audio']> {
  requireInline(top, 'audio_config', 'audio_model_id');
  const e = readWhisperEncoder(whisperConfig(top), WHISPER_CONFIG_KEYS);
  const stack = top.positiveInt('stack_factor', { fallback: 8, max: MAX.positions });
  const hidden = top.positiveInt('hidden_size', { fallback: 4096, max: MAX.intermediate });
  const act = top.string('projector_act', 'swiglu');
  const swiglu = act === 'swiglu';
  if (!swiglu && !ELEMENTWISE_ACTS.includes(act)) {
    top.fail(
      'projector_act',
      `('${act}') is not one llmecon reads: swiglu or ${ELEMENTWISE_ACTS.join(', ')}`,
    );
  }
  if (swiglu && hidden % 2 !== 0) {
    top.fail('hidden_size', `(${hidden}) must be even: swiglu splits linear_1's output in two halves`);
  }
  const mid = swiglu ? hidden / 2 : hidden;
  const lnMid = top.bool('projector_ln_mid', false);
  const dimIn = e.width * stack;
  // ln_pre, linear_1 and linear_2 (no biases), one RMSNorm: ln_mid (mid width) or ln_post (text width).
  const projector =
    dimIn + linear(dimIn, hidden, false) + linear(mid, textHidden, false) + (lnMid ? mid : textHidden);
  const tokens = Math.ceil(e.positions / stack);
  const actName = swiglu ? `SwiGLU → ${mid}` : act;
  return {
    description: `Whisper encoder ${e.layers} × ${e.width}, ${e.heads} heads; ${stack} frames stacked → ${tokens} tokens per chunk, projector ${dimIn} → ${hidden}, ${actName}, ${lnMid ? 'RMSNorm, ' : ''}→ ${textHidden}`,
    params: e.params + projector,
  };
}

/**
 * The `ultravox` family (UltravoxModel): the text model by `text_config`'s own `model_type` (default
 * `llama`), the Whisper encoder and projector as `spec.audio`.
 */
export function ultravoxWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'UltravoxModel'), { textType: 'llama' });
  return (top, name) => {
    requireInline(top, 'text_config', 'text_model_id');
    // An absent text_config is LlamaConfig(): give it as an empty one so its class defaults apply.
    const spec = text(top.has('text_config') ? top : top.with({ text_config: {} }), name);
    return { ...spec, audio: readUltravoxAudio(top, spec.hiddenSize) };
  };
}
