/**
 * Qwen3-Omni (`qwen3_omni_moe`, Qwen3OmniMoeForConditionalGeneration: Qwen/Qwen3-Omni-30B-A3B-Instruct,
 * -Thinking, -Captioner). Shapes from transformers `models/qwen3_omni_moe/modeling_qwen3_omni_moe.py`
 * (Qwen3OmniMoeThinkerForConditionalGeneration, Qwen3OmniMoeThinkerTextModel, Qwen3OmniMoeThinkerTextAttention,
 * Qwen3OmniMoeThinkerTextSparseMoeBlock, Qwen3OmniMoeVisionEncoder, Qwen3OmniMoeVisionPatchMerger,
 * Qwen3OmniMoeAudioEncoder, Qwen3OmniMoeAudioEncoderLayer, Qwen3OmniMoeTalkerForConditionalGeneration,
 * Qwen3OmniMoeTalkerModel, Qwen3OmniMoeTalkerTextSparseMoeBlock, Qwen3OmniMoeTalkerResizeMLP,
 * Qwen3OmniMoeTalkerCodePredictorModelForConditionalGeneration, Qwen3OmniMoeCode2Wav,
 * Qwen3OmniMoeCode2WavTransformerLayer, Qwen3OmniMoeConvNeXtBlock, Qwen3OmniMoeCode2WavDecoderBlock) and
 * `configuration_qwen3_omni_moe.py` (Qwen3OmniMoeConfig, Qwen3OmniMoeThinkerConfig, Qwen3OmniMoeTextConfig,
 * Qwen3OmniMoeVisionEncoderConfig, Qwen3OmniMoeAudioEncoderConfig, Qwen3OmniMoeTalkerConfig,
 * Qwen3OmniMoeTalkerTextConfig, Qwen3OmniMoeTalkerCodePredictorConfig, Qwen3OmniMoeCode2WavConfig).
 *
 * The thinker (`thinker_config`) is what reads every input and writes the text:
 * - its text model (`text_config`) is Qwen3-MoE's decoder (per-head q/k RMSNorms, 128 SwiGLU experts,
 *   untied lm_head), read by {@link qwen3Moe} on the sub-config; what Omni's classes do differently is
 *   given to it as config values: `head_dim` defaults to hidden / heads (`getattr`, not Qwen3MoeConfig's
 *   128), and the attention never slides (`self.sliding_window = None`);
 * - its vision tower (`vision_config`) builds the modules of Qwen3-VL's (Conv3d patch embedding, learned
 *   position table, LayerNorm blocks with fused qkv, merger and one post-shuffle deepstack merger per
 *   `deepstack_visual_indexes` entry), so {@link readQwenVision} counts it, with Omni's class defaults;
 * - its audio encoder (`audio_config`, AuT) is counted exactly as `spec.audio` ({@link readQwen3OmniAudio}).
 * Vision and audio are counted apart from the decoder, as for every multimodal wrapper.
 *
 * The talker (`talker_config`: a 20-layer MoE decoder with a shared expert, two thinker → talker
 * projections and the multi-codebook code predictor) and code2wav (the codec decoder) are built only
 * with `enable_audio_output` and run only when speech is output. They are not counted: ModelSpec holds
 * one decoder (the thinker's, whose FLOPs and KV cache llmecon reports) and encoders beside it; a second
 * decoder that runs per codec frame has no field there, and `spec.audio` is the audio input encoder.
 * Their exact parameters ({@link readQwen3OmniTalker}, {@link readQwen3OmniCode2Wav}) are named in a
 * warning instead, so the checkpoint's total stays accounted for.
 */

import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { qwen3Moe } from './qwen3.js';
import { type Family, withClassDefaults } from './readers.js';
import { readQwenVision } from './vision.js';
import { builtSubConfig } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Qwen3OmniMoeTextConfig `__init__` defaults (no `head_dim`: see {@link omniText}). */
const TEXT_DEFAULTS: Json = {
  vocab_size: 3584,
  hidden_size: 2048,
  intermediate_size: 18_944,
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  max_position_embeddings: 32_768,
  attention_bias: false,
  decoder_sparse_step: 1,
  moe_intermediate_size: 768,
  num_experts_per_tok: 8,
  num_experts: 128,
};

/** Qwen3OmniMoeVisionEncoderConfig `__init__` defaults (Qwen4-Exp's tower repeats them without deepstack). */
export const QWEN3_OMNI_VISION_DEFAULTS: Json = {
  depth: 27,
  hidden_size: 1152,
  intermediate_size: 4304,
  in_channels: 3,
  patch_size: 16,
  spatial_merge_size: 2,
  temporal_patch_size: 2,
  out_hidden_size: 3584,
  num_position_embeddings: 2304,
  deepstack_visual_indexes: [8, 16, 24],
};

/** Qwen3OmniMoeAudioEncoderConfig `__init__` defaults. */
export const AUDIO_DEFAULTS: Json = {
  num_mel_bins: 128,
  encoder_layers: 32,
  encoder_attention_heads: 20,
  encoder_ffn_dim: 5120,
  d_model: 1280,
  output_dim: 3584,
  downsample_hidden_size: 480,
};

/** Qwen3OmniMoeTalkerConfig, Qwen3OmniMoeTalkerTextConfig (no `head_dim`, no shared expert size). */
const TALKER_DEFAULTS: Json = { thinker_hidden_size: 2048 };
const TALKER_TEXT_DEFAULTS: Json = {
  vocab_size: 3072,
  hidden_size: 1024,
  intermediate_size: 2048,
  num_hidden_layers: 20,
  num_attention_heads: 16,
  num_key_value_heads: 2,
  attention_bias: false,
  moe_intermediate_size: 384,
  num_experts_per_tok: 8,
};

/** Qwen3OmniMoeTalkerCodePredictorConfig `__init__` defaults. */
const CODE_PREDICTOR_DEFAULTS: Json = {
  vocab_size: 2048,
  hidden_size: 1024,
  intermediate_size: 3072,
  num_hidden_layers: 5,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  attention_bias: false,
  num_code_groups: 32,
};

/** Qwen3OmniMoeCode2WavConfig `__init__` defaults. */
const CODE2WAV_DEFAULTS: Json = {
  codebook_size: 2048,
  hidden_size: 1024,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  attention_bias: false,
  intermediate_size: 3072,
  num_hidden_layers: 8,
  num_quantizers: 16,
  upsample_rates: [8, 5, 4, 3],
  upsampling_ratios: [2, 2],
  decoder_dim: 1536,
};

/** `head_dim` as `getattr(config, "head_dim", hidden_size // num_attention_heads)` reads it. */
function headDimOrQuotient(f: Fields): number {
  return f.has('head_dim')
    ? f.positiveInt('head_dim', { max: MAX.headDim })
    : f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
}

/**
 * The thinker's text_config as Qwen3-MoE reads it: Qwen3OmniMoeThinkerTextAttention's `head_dim`
 * (hidden / heads when absent) and no sliding window (its `self.sliding_window = None`).
 */
function omniText(thinker: Fields): Fields {
  const t = builtSubConfig(thinker, 'text_config', 'qwen3_omni_moe_text', TEXT_DEFAULTS);
  return t.with({ head_dim: headDimOrQuotient(t), use_sliding_window: false });
}

/** Keys of the text_config that Omni's thinker classes do not read, when they ask for another structure. */
function ignoredTextKeys(t: Fields): string[] {
  const out: string[] = [];
  if (t.bool('use_sliding_window', false)) {
    out.push(
      'thinker_config.text_config.use_sliding_window true is ignored: Qwen3OmniMoeThinkerTextAttention sets sliding_window = None, every layer attends to the whole context',
    );
  }
  const shared = t.int('shared_expert_intermediate_size', { fallback: 0, max: MAX.intermediate });
  if (shared > 0) {
    out.push(
      `thinker_config.text_config.shared_expert_intermediate_size (${fmt(shared)}) is ignored: Qwen3OmniMoeThinkerTextSparseMoeBlock has no shared expert`,
    );
  }
  if (!t.bool('use_qk_norm', true)) {
    out.push(
      'thinker_config.text_config.use_qk_norm false is ignored: Qwen3OmniMoeThinkerTextAttention always builds q_norm and k_norm',
    );
  }
  return out;
}

/** A width that must be the thinker text model's (`why`: what the code does with it). */
function sameWidth(
  f: Fields,
  key: string,
  width: number,
  textHidden: number,
  why = 'its features replace token embeddings',
): void {
  if (width !== textHidden) {
    f.fail(key, `(${width}) must equal the thinker text_config.hidden_size (${textHidden}): ${why}`);
  }
}

/** Qwen3OmniMoeVisionEncoder: the modules of Qwen3-VL's tower, with Omni's class defaults. */
function readOmniVision(thinker: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(
    thinker,
    'vision_config',
    'qwen3_omni_moe_vision_encoder',
    QWEN3_OMNI_VISION_DEFAULTS,
  );
  const out = v.positiveInt('out_hidden_size', { max: MAX.hidden });
  sameWidth(v, 'out_hidden_size', out, textHidden);
  return readQwenVision(v);
}

/**
 * Qwen3OmniMoeAudioEncoder (AuT): conv2d1 (1 → c), conv2d2 and conv2d3 (c → c), 3×3 stride 2 with bias;
 * conv_out (c · mel′ → d, no bias, mel′ the mel bins after three halvings); `encoder_layers` layers of
 * self_attn_layer_norm, q/k/v/out_proj d → d with bias, final_layer_norm (LayerNorms), fc1 d → ffn and
 * fc2 ffn → d with bias; ln_post; proj1 d → d and proj2 d → output_dim with bias. The sinusoidal
 * position table is a buffer.
 */
export function readQwen3OmniAudio(f: Fields, textHidden: number): { description: string; params: number } {
  const d = f.positiveInt('d_model', { max: MAX.hidden });
  const layers = f.positiveInt('encoder_layers', { max: MAX.layers });
  const heads = f.positiveInt('encoder_attention_heads', { max: MAX.heads });
  // Qwen3OmniMoeAudioAttention raises unless head_dim · num_heads == embed_dim.
  if (d % heads !== 0) f.fail('encoder_attention_heads', `(${heads}) must divide d_model (${d})`);
  const ffn = f.positiveInt('encoder_ffn_dim', { max: MAX.intermediate });
  const c = f.positiveInt('downsample_hidden_size', { max: MAX.hidden });
  const mel = f.positiveInt('num_mel_bins', { max: MAX.hidden });
  const out = f.positiveInt('output_dim', { max: MAX.hidden });
  sameWidth(f, 'output_dim', out, textHidden);
  // conv_out: downsample_hidden_size * ((((num_mel_bins + 1) // 2 + 1) // 2 + 1) // 2).
  const melOut = Math.floor((Math.floor((Math.floor((mel + 1) / 2) + 1) / 2) + 1) / 2);
  const convs = 9 * c + c + 2 * (9 * c * c + c) + c * melOut * d;
  const layer = 4 * (d * d + d) + 2 * 2 * d + (d * ffn + ffn) + (ffn * d + d);
  const head = 2 * d + (d * d + d) + (d * out + out);
  return {
    description: `Qwen3-Omni audio encoder (AuT) ${layers} × ${d}, ${heads} heads, 3 stride-2 convs of ${c}`,
    params: convs + layers * layer + head,
  };
}

/** q/k/v/o of a GQA attention (with biases when `attention_bias`) and its per-head q/k norms when `qkNorm`. */
function attentionParams(f: Fields, headDim: number, qkNorm: boolean): number {
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const kv = f.positiveInt('num_key_value_heads', { max: MAX.heads });
  if (heads % kv !== 0) f.fail('num_key_value_heads', `(${kv}) must divide num_attention_heads (${heads})`);
  const q = heads * headDim;
  const bias = f.bool('attention_bias', false) ? q + 2 * kv * headDim + h : 0;
  return 2 * h * q + 2 * h * kv * headDim + bias + (qkNorm ? 2 * headDim : 0);
}

export interface TalkerParams {
  /** Qwen3OmniMoeTalkerModel (layers, norm, codec_embedding) and codec_head. */
  readonly decoder: number;
  /** text_projection and hidden_projection (Qwen3OmniMoeTalkerResizeMLP). */
  readonly projections: number;
  readonly codePredictor: number;
  readonly total: number;
  readonly layers: number;
  readonly experts: number;
  readonly topK: number;
}

/**
 * Qwen3OmniMoeTalkerForConditionalGeneration. model: `num_hidden_layers` layers of two RMSNorms,
 * Qwen3OmniMoeThinkerTextAttention (q/k norms) and Qwen3OmniMoeTalkerTextSparseMoeBlock on every layer
 * (gate E × h, E SwiGLU experts of moe_intermediate_size, shared_expert SwiGLU of
 * shared_expert_intermediate_size, shared_expert_gate h → 1), norm, codec_embedding V × h; codec_head
 * h → V; text_projection and hidden_projection (linear_fc1 thinker_hidden_size → intermediate_size,
 * linear_fc2 → hidden, with bias); code_predictor: layers of two RMSNorms, attention with q/k norms and a
 * SwiGLU of intermediate_size, norm, and num_code_groups − 1 codec embeddings and lm_heads of V × h.
 */
export function readQwen3OmniTalker(talker: Fields, thinkerHidden: number): TalkerParams {
  const f = withClassDefaults(talker, TALKER_DEFAULTS);
  const thinkerWidth = f.positiveInt('thinker_hidden_size', { max: MAX.hidden });
  sameWidth(
    f,
    'thinker_hidden_size',
    thinkerWidth,
    thinkerHidden,
    'the talker projects the thinker’s hidden states',
  );
  const t = builtSubConfig(f, 'text_config', 'qwen3_omni_moe_talker_text', TALKER_TEXT_DEFAULTS);
  const h = t.positiveInt('hidden_size', { max: MAX.hidden });
  const layers = t.positiveInt('num_hidden_layers', { max: MAX.layers });
  // Qwen3OmniMoeTalkerTextConfig maps num_experts to num_local_experts (transformers 5 writes the latter).
  const expertsKey =
    !t.has('num_experts') && t.has('num_local_experts') ? 'num_local_experts' : 'num_experts';
  const experts = t.positiveInt(expertsKey, { fallback: 128, max: MAX.experts });
  const topK = t.positiveInt('num_experts_per_tok', { max: MAX.experts });
  if (topK > experts) t.fail('num_experts_per_tok', `(${topK}) exceeds the number of experts (${experts})`);
  const expert = 3 * h * t.positiveInt('moe_intermediate_size', { max: MAX.intermediate });
  const shared = 3 * h * t.int('shared_expert_intermediate_size', { max: MAX.intermediate });
  const layer = 2 * h + attentionParams(t, headDimOrQuotient(t), true) + experts * h + experts * expert;
  const vocab = t.positiveInt('vocab_size', { max: MAX.vocab });
  const decoder = layers * (layer + shared + h) + h + 2 * vocab * h;
  const inter = t.positiveInt('intermediate_size', { max: MAX.intermediate });
  const projections = 2 * (thinkerWidth * inter + inter + inter * h + h);
  const p = builtSubConfig(
    f,
    'code_predictor_config',
    'qwen3_omni_moe_talker_code_predictor',
    CODE_PREDICTOR_DEFAULTS,
  );
  const ph = p.positiveInt('hidden_size', { max: MAX.hidden });
  const pLayer =
    2 * ph +
    attentionParams(p, headDimOrQuotient(p), true) +
    3 * ph * p.positiveInt('intermediate_size', { max: MAX.intermediate });
  const groups = p.positiveInt('num_code_groups', { max: MAX.layers });
  const pVocab = p.positiveInt('vocab_size', { max: MAX.vocab });
  const codePredictor =
    p.positiveInt('num_hidden_layers', { max: MAX.layers }) * pLayer + ph + 2 * (groups - 1) * pVocab * ph;
  return {
    decoder,
    projections,
    codePredictor,
    total: decoder + projections + codePredictor,
    layers,
    experts,
    topK,
  };
}

/**
 * Qwen3OmniMoeCode2Wav: code_embedding (codebook_size · num_quantizers) × h; pre_transformer layers of two
 * RMSNorms, attention without q/k norms (head_dim hidden / heads unless given), a SwiGLU and two
 * LayerScales (h each), and its norm; per upsampling ratio r a transposed conv h → h of kernel r (bias)
 * and a ConvNeXt block (depthwise conv of 7 with bias, LayerNorm, pwconv1 h → 4h, pwconv2 4h → h with
 * bias, gamma); the decoder: a conv h → decoder_dim of 7, per upsample rate r a block (SnakeBeta of the
 * input width, transposed conv halving the width with kernel 2r, three residual units of two SnakeBetas,
 * a conv of 7 and one of 1, with bias), a SnakeBeta and a conv → 1 of 7. SnakeBeta holds alpha and beta.
 */
export function readQwen3OmniCode2Wav(c2w: Fields): number {
  const f = withClassDefaults(c2w, CODE2WAV_DEFAULTS);
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const layer = 2 * h + attentionParams(f, headDimOrQuotient(f), false) + 3 * h * inter + 2 * h;
  const pre = f.positiveInt('num_hidden_layers', { max: MAX.layers }) * layer + h;
  const codes =
    f.positiveInt('codebook_size', { max: MAX.vocab }) * f.positiveInt('num_quantizers', { max: MAX.layers });
  const convNeXt = 7 * h + h + 2 * h + (4 * h * h + 4 * h) + (4 * h * h + h) + h;
  const upsample = f
    .intList('upsampling_ratios', MAX.layers)
    .reduce((sum, r) => sum + h * h * r + h + convNeXt, 0);
  const dim = f.positiveInt('decoder_dim', { max: MAX.hidden });
  const residualUnit = (w: number) => 4 * w + (7 * w * w + w) + (w * w + w);
  let width = dim;
  let decoder = 7 * h * dim + dim;
  for (const rate of f.intList('upsample_rates', MAX.layers)) {
    // Qwen3OmniMoeCode2WavDecoderBlock: in decoder_dim // 2**i, out decoder_dim // 2**(i + 1).
    const next = Math.floor(width / 2);
    decoder += 2 * width + (width * next * 2 * rate + next) + 3 * residualUnit(next);
    width = next;
  }
  decoder += 2 * width + 7 * width + 1;
  return codes * h + pre + upsample + decoder;
}

/** The speech-output modules, when the config builds them (`enable_audio_output`), as a warning. */
function speechOutputWarning(top: Fields, thinkerHidden: number): string[] {
  if (!top.bool('enable_audio_output', true)) return [];
  const talker = readQwen3OmniTalker(
    builtSubConfig(top, 'talker_config', 'qwen3_omni_moe_talker', {}),
    thinkerHidden,
  );
  const code2wav = readQwen3OmniCode2Wav(
    builtSubConfig(top, 'code2wav_config', 'qwen3_omni_moe_code2wav', {}),
  );
  return [
    `qwen3_omni_moe: the talker and code2wav (built with enable_audio_output, run only when speech is output) are not counted in the parameters, FLOPs or KV cache: talker ${fmt(talker.total)} parameters (a ${talker.layers}-layer MoE decoder of ${talker.experts} experts, top ${talker.topK}, with a shared expert: ${fmt(talker.decoder)}; text_projection and hidden_projection: ${fmt(talker.projections)}; code predictor: ${fmt(talker.codePredictor)}), code2wav ${fmt(code2wav)}; ${fmt(talker.total + code2wav)} in all`,
  ];
}

/**
 * The thinker (Qwen3OmniMoeThinkerForConditionalGeneration, `qwen3_omni_moe_thinker`): the text model
 * read by {@link qwen3Moe}, its vision tower and audio encoder counted apart.
 */
export const qwen3OmniMoeThinker: Family = (thinker, name) => {
  const text = omniText(thinker);
  const spec = qwen3Moe(text, name);
  const ignored = ignoredTextKeys(
    builtSubConfig(thinker, 'text_config', 'qwen3_omni_moe_text', TEXT_DEFAULTS),
  );
  const audio = builtSubConfig(thinker, 'audio_config', 'qwen3_omni_moe_audio_encoder', AUDIO_DEFAULTS);
  const warnings = [...(spec.warnings ?? []), ...ignored.map((w) => `qwen3_omni_moe: ${w}`)];
  const out: ModelSpec = {
    ...spec,
    modelType: thinker.modelType,
    vision: readOmniVision(thinker, spec.hiddenSize),
    audio: readQwen3OmniAudio(audio, spec.hiddenSize),
  };
  return warnings.length > 0 ? { ...out, warnings } : out;
};

/** Qwen3OmniMoeForConditionalGeneration: the thinker, and the speech-output modules named in a warning. */
export const qwen3OmniMoe: Family = (top, name) => {
  const thinker =
    top.child('thinker_config') ??
    top.fail('thinker_config', 'is required: it holds the text model, vision tower and audio encoder');
  const spec = qwen3OmniMoeThinker(thinker, name);
  const warnings = [...(spec.warnings ?? []), ...speechOutputWarning(top, spec.hiddenSize)];
  return warnings.length > 0 ? { ...spec, warnings } : spec;
};
