/**
 * OpenBMB MiniCPM-o 2.6 (`minicpmo`, remote-code `MiniCPMO`: openbmb/MiniCPM-o-2_6). Shapes from the
 * checkpoint's remote code as quoted in stored code: `configuration_minicpm.py` (MiniCPMOConfig over
 * Qwen2Config: vision_config a SiglipVisionConfig, audio_config a WhisperConfig, tts_config a
 * ConditionalChatTTSConfig; init_vision / init_audio / init_tts, default true) and
 * `modeling_minicpmo.py` (MiniCPMO, MiniCPMWhisperEncoder, MultiModalProjector, ConditionalChatTTS,
 * DVAE, DVAEDecoder, ConvNeXtBlock, GFSQ), as SGLang `srt/models/minicpmo.py` copies it; vLLM
 * `model_executor/models/minicpmo.py` (MiniCPMO2_6 over MiniCPMV2_6).
 *
 * - llm, vpm and resampler: MiniCPM-V 2.6's (Qwen2 at the top level, SigLIP NaViT, Resampler2_5), read
 *   by {@link minicpmvWrapper} and counted as there (`spec.vision`).
 * - apm, counted apart (`spec.audio`) with the projector: MiniCPMWhisperEncoder, transformers'
 *   WhisperEncoder with its layers rebuilt with the same modules (conv1, conv2, embed_positions, per
 *   layer q/v/out_proj biased and k_proj bias-free, two LayerNorms, fc1/fc2; the final layer_norm),
 *   {@link readWhisperEncoder}; no Whisper decoder is built. audio_avg_pooler (AvgPool1d of
 *   audio_pool_step) holds nothing; audio_projection_layer is MultiModalProjector(encoder_ffn_dim // 4
 *   → text hidden): linear1 and linear2 (text hidden → text hidden), both biased.
 * - tts (ConditionalChatTTS), counted exactly and named with its size in a warning (no ModelSpec field
 *   holds a speech decoder; it runs only when speech is output): projector MultiModalProjector(llm_dim →
 *   h) (an unbiased Linear without use_mlp); emb_code num_vq × [num_audio_tokens, h]; emb_text
 *   [num_text_tokens, h]; head_code num_vq weight-normed Linear(h → num_audio_tokens, no bias), each
 *   weight_g [num_audio_tokens, 1] and weight_v; model, a LlamaModel of a LlamaConfig given only hidden,
 *   intermediate, heads, layers and positions (so LlamaConfig's 32,000-row embed_tokens, MHA, no biases,
 *   no lm_head); dvae (DVAE, fixed shapes: coef [1, 100, 1], downsample_conv, encoder and decoder
 *   DVAEDecoders of 12 ConvNeXtBlocks of 256, out_conv, and GFSQ's GroupedResidualFSQ of 2 groups of
 *   512 → 4-level codes, one project_in / project_out Linear pair per group).
 *
 * MiniCPM-o 4.5 (version 4.5: Qwen3, a different TTS) is not read.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec } from '../spec.js';
import { readWhisperEncoder, WHISPER_CONFIG_DEFAULTS, WHISPER_CONFIG_KEYS } from './audio-llm.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { minicpmvWrapper } from './minicpmv.js';
import type { Family } from './readers.js';
import { builtSubConfig, type FamilyOf } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** ConditionalChatTTSConfig `__init__` defaults (ChatTTS's decoder) for the keys that shape modules. */
const TTS_DEFAULTS: Json = {
  llm_dim: 2560,
  hidden_size: 768,
  intermediate_size: 3072,
  num_attention_heads: 12,
  num_hidden_layers: 20,
  num_audio_tokens: 626,
  num_text_tokens: 21_178,
  num_vq: 4,
  use_mlp: true,
};

/** LlamaConfig's default vocab_size: the embed_tokens LlamaModel builds inside ConditionalChatTTS. */
const TTS_LLAMA_VOCAB = 32_000;

/** A Conv1d's weight (out × in / groups × kernel) and, when biased, its bias. */
const conv1d = (cin: number, cout: number, kernel: number, bias = true, groups = 1) =>
  (cout * cin * kernel) / groups + (bias ? cout : 0);

/** ConvNeXtBlock(dim, 4·dim, kernel 7): depthwise dwconv, LayerNorm, pwconv1/pwconv2, coef [dim]. */
const convNextBlock = (dim: number) =>
  conv1d(dim, dim, 7, true, dim) + layerNorm(dim) + linear(dim, 4 * dim) + linear(4 * dim, dim) + dim;

/** DVAEDecoder(idim, odim, bn_dim 128, hidden 256, 12 layers): conv_in, the blocks, conv_out (no bias). */
const dvaeDecoder = (idim: number, odim: number) =>
  conv1d(idim, 128, 3) + conv1d(128, 256, 3) + 12 * convNextBlock(256) + conv1d(256, odim, 1, false);

/**
 * DVAE (no config: its shapes are fixed): coef [1, 100, 1]; downsample_conv Conv1d(100 → 512, 3) and
 * Conv1d(512 → 512, 4); encoder DVAEDecoder(512 → 1024); decoder DVAEDecoder(512 → 512); out_conv
 * Conv1d(512 → 100, 3, no bias); vq_layer GroupedResidualFSQ(dim 1024, levels (5, 5, 5, 5), 2 groups,
 * 2 quantizers): per group a ResidualFSQ of 512 with project_in Linear(512 → 4) and project_out
 * Linear(4 → 512); its FSQ layers, already 4 wide, hold only buffers.
 */
const DVAE_PARAMS =
  100 +
  conv1d(100, 512, 3) +
  conv1d(512, 512, 4) +
  dvaeDecoder(512, 1024) +
  dvaeDecoder(512, 512) +
  conv1d(512, 100, 3, false) +
  2 * (linear(512, 4) + linear(4, 512));

interface TtsParams {
  readonly total: number;
  readonly layers: number;
  readonly hidden: number;
  readonly decoder: number;
  readonly codebooks: number;
  readonly projector: number;
}

/** ConditionalChatTTS (see the file comment), `params` exact; `t` is tts_config with its class defaults. */
function readChatTts(t: Fields): TtsParams {
  const type = t.string('model_type', 'conditional_chattts');
  if (type !== 'conditional_chattts')
    t.fail(
      'model_type',
      `is '${type}'; MiniCPMO builds ConditionalChatTTS of a 'conditional_chattts' config`,
    );
  const llm = t.positiveInt('llm_dim', { max: MAX.hidden });
  const h = t.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = t.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) t.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const ffn = t.positiveInt('intermediate_size', { max: MAX.intermediate });
  const layers = t.positiveInt('num_hidden_layers', { max: MAX.layers });
  const audioTokens = t.positiveInt('num_audio_tokens', { max: MAX.vocab });
  const textTokens = t.positiveInt('num_text_tokens', { max: MAX.vocab });
  const vq = t.positiveInt('num_vq', { max: 1024 });
  const projector = t.bool('use_mlp', true) ? linear(llm, h) + linear(h, h) : linear(llm, h, false);
  const codebooks = vq * audioTokens * h + textTokens * h + vq * (audioTokens * h + audioTokens);
  // LlamaModel: embed_tokens, per layer q/k/v/o (MHA, no bias), SwiGLU MLP, two RMSNorms; final norm.
  const decoder = TTS_LLAMA_VOCAB * h + layers * (4 * h * h + 3 * h * ffn + 2 * h) + h;
  return {
    total: projector + codebooks + decoder + DVAE_PARAMS,
    layers,
    hidden: h,
    decoder,
    codebooks,
    projector,
  };
}

/** The audio side: the Whisper encoder and audio_projection_layer, `params` exact. */
function readMiniCpmOAudio(top: Fields, textHidden: number): NonNullable<ModelSpec['audio']> {
  const a = builtSubConfig(top, 'audio_config', 'whisper', WHISPER_CONFIG_DEFAULTS);
  const e = readWhisperEncoder(a, WHISPER_CONFIG_KEYS);
  const pool = top.positiveInt('audio_pool_step', { fallback: 5, max: MAX.positions });
  const projIn = Math.floor(e.ffn / 4);
  const projector = linear(projIn, textHidden) + linear(textHidden, textHidden);
  return {
    description: `Whisper encoder ${e.layers} × ${e.width}, ${e.heads} heads; ${pool}× average pool, projector ${projIn} → ${textHidden} → ${textHidden}`,
    params: e.params + projector,
  };
}

/**
 * The `minicpmo` family: MiniCPM-V 2.6's language model, vision tower and resampler
 * ({@link minicpmvWrapper}), the Whisper encoder and projector as `spec.audio`, the ChatTTS decoder's
 * size in a warning. Each part is left out when its init_* flag is false, as MiniCPMO builds it.
 */
export function minicpmoWrapper(familyOf: FamilyOf): Family {
  const v = minicpmvWrapper(familyOf);
  return (top, name) => {
    const version = top.has('version') ? top.raw('version') : 2.6;
    if (version !== 2.6 && version !== '2.6')
      top.fail('version', `(${shown(version)}) is not one llmecon reads; MiniCPM-o 2.6 is`);
    const spec = v(top.has('version') ? top : top.with({ version: 2.6 }), name);
    const audio = top.bool('init_audio', true) ? readMiniCpmOAudio(top, spec.hiddenSize) : null;
    const warnings = [...(spec.warnings ?? [])];
    if (top.bool('init_tts', true)) {
      const tts = readChatTts(builtSubConfig(top, 'tts_config', 'conditional_chattts', TTS_DEFAULTS));
      warnings.push(
        `minicpmo: the ConditionalChatTTS speech decoder (built with init_tts, run only when speech is output) is not counted in the parameters, FLOPs or KV cache: ${fmt(tts.total)} parameters (a ${tts.layers}-layer Llama decoder of ${tts.hidden}: ${fmt(tts.decoder)}; codebook and text embeddings and heads: ${fmt(tts.codebooks)}; projector: ${fmt(tts.projector)}; DVAE: ${fmt(DVAE_PARAMS)})`,
      );
    }
    return {
      ...spec,
      vision: top.bool('init_vision', true) ? spec.vision : null,
      audio,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  };
}
