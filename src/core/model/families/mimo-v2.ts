/**
 * Xiaomi MiMo-V2.5, MiMo-V2.5-Pro and MiMo-V2.6 (`mimo_v2`, MiMoV2ForCausalLM).
 *
 * The decoder is MiMo-V2-Flash's, read by {@link readMimoV2Text} (mimo.ts): vLLM
 * `vllm/model_executor/models/mimo_v2.py` builds MiMoV2ForCausalLM as MiMoV2FlashForCausalLM with the
 * same MiMoV2Model, MiMoV2FlashDecoderLayer, MiMoV2Attention and MiMoV2MoE, and SGLang
 * `python/sglang/srt/models/mimo_v2.py` (MiMoV2DecoderLayer) reads the same keys: `hybrid_layer_pattern`,
 * `moe_layer_freq`, `swa_*` heads, sinks per `add_swa_attention_sink_bias` / `add_full_attention_sink_bias`,
 * no attention bias on o_proj, a bias-free gate with e_score_correction_bias, no shared expert, untied
 * head, the `model.mtp.layers.*` MTP layers skipped by both loaders (named in a warning, not counted).
 * What `mimo_v2` adds:
 * - q, k and v are one `qkv_proj` in the checkpoint (`attention_projection_layout` "fused_qkv", interleaved
 *   per KV-head group: vLLM `_shard_fp8_qkv_proj`, SGLang `load_mimo_v2_qkv_proj_weight`); vLLM's
 *   MiMoV2ForCausalLM maps `qkv_proj` to itself (`packed_modules_mapping`), so an absent key is fused
 *   too, and "split" (q_proj, k_proj, v_proj) is read as separate projections;
 * - MiMo-V2.5 and V2.6 carry `vision_config` and `audio_config`; SGLang builds both encoders only when
 *   both are given (`_is_multimodal`), so one without the other is refused. They are counted apart:
 *   - the ViT (SGLang `python/sglang/srt/models/mimo_vl.py`, MiMoVisionTransformer, MiMoVisionBlock,
 *     MiMoVLVisionConfig defaults): a bias-free Conv3d patch embedding (channels × temporal × patch² →
 *     width; the channels from the config's `in_chans`, else `in_channels`, default 3), `depth` blocks of RMSNorm → GQA (fused qkv of `num_heads` + 2 · `num_key_value_heads`
 *     heads of `qk_channels`, with bias; proj heads · qk_channels → width, with bias; one sink logit per
 *     head with `use_sink` on the blocks not in `fullatt_block_indexes`) → RMSNorm → SwiGLU MLP of
 *     `intermediate_size` with biases (Qwen2_5_VLMLP), and the merger: RMSNorm `ln_q`, mlp.0
 *     (w·m² → w·m²) and mlp.2 (w·m² → `out_hidden_size`) without bias — the checkpoint holds no merger
 *     bias (SGLang's shared Qwen2_5_VisionPatchMerger builds 9,216 it never loads, left at zero);
 *   - the audio code tower (SGLang `python/sglang/srt/models/mimo_audio.py`, AudioEncoderMixin
 *     .build_audio_encoder over MiMoAudioEncoderConfig defaults): `audio_channels` RVQ code embeddings
 *     (`speech_embeddings`, `speech_vocab_size` codes of `input_local_dim` each), `input_local_layers`
 *     Qwen2 layers (q/k/v with bias, o without, `input_local_attn_heads` of `input_local_head_dim`,
 *     SwiGLU of `input_local_intermediate_size`, two RMSNorms) with a final norm if `add_post_norm`,
 *     and the projection of `group_size` frames (`projection_layers` 1: one bias-free Linear d·g → out;
 *     2: AudioProjection d·g → 4·d·g → out, bias-free). SGLang's Qwen2Model also builds an unused
 *     embed_tokens the checkpoint does not hold: not counted. The waveform → code tokenizer is a separate
 *     model (`audio_tokenizer/`, its own config and weights), not described by config.json.
 * The released checkpoints' tensor inventories (model-info reports quoting each `config.json` and
 * listing every tensor of XiaomiMiMo/MiMo-V2.5 and MiMo-V2.5-Pro) confirm every shape counted here.
 */
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { fused } from './fused-projections.js';
import { readMimoV2Text } from './mimo.js';
import { type Family, withClassDefaults } from './readers.js';

/** MiMoVLVisionConfig `__init__` defaults (SGLang mimo_vl.py); `use_sink` is read by getattr, default false. */
const VISION_DEFAULTS: Json = {
  depth: 28,
  hidden_size: 1280,
  intermediate_size: 4608,
  num_heads: 32,
  num_key_value_heads: 8,
  qk_channels: 64,
  patch_size: 16,
  spatial_merge_size: 2,
  temporal_patch_size: 2,
  out_hidden_size: 2048,
  fullatt_block_indexes: [7, 15, 23, 31],
};

/** MiMoAudioEncoderConfig defaults (SGLang mimo_audio.py), through which MiMoV2ForCausalLM reads `audio_config`. */
const AUDIO_DEFAULTS: Json = {
  speech_vocab_size: '1025-1025-129-129-129-129-129-129',
  group_size: 4,
  audio_channels: 8,
  input_local_layers: 6,
  input_local_dim: 1024,
  input_local_attn_heads: 64,
  input_local_head_dim: 16,
  input_local_intermediate_size: 4096,
  out_hidden_size: 4096,
  projection_layers: 1,
  add_post_norm: false,
};

const count = (n: number) => n.toLocaleString('en-US');

/** An encoder's `out_hidden_size`, which must be the text width: its output is spliced into the embeddings. */
function readOutWidth(f: Fields, textHidden: number): number {
  const out = f.positiveInt('out_hidden_size', { max: MAX.hidden });
  if (out !== textHidden) {
    f.fail(
      'out_hidden_size',
      `(${out}) must equal hidden_size (${textHidden}): its output joins the text embeddings`,
    );
  }
  return out;
}

/** The MiMo ViT of `vision_config` (MiMoVisionTransformer), counted tensor by tensor. */
function readMimoVision(f: Fields, textHidden: number): VisionTowerSpec {
  const w = f.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = f.positiveInt('depth', { max: MAX.layers });
  const inter = f.positiveInt('intermediate_size', { max: MAX.intermediate });
  const heads = f.positiveInt('num_heads', { max: MAX.heads });
  const kv = f.positiveInt('num_key_value_heads', { fallback: heads, max: MAX.heads });
  if (heads % kv !== 0) f.fail('num_key_value_heads', `(${kv}) must divide num_heads (${heads})`);
  // head_dim = qk_channels, else width // heads (MiMoVisionTransformer).
  const d = f.positiveInt('qk_channels', { fallback: Math.max(1, Math.floor(w / heads)), max: MAX.headDim });
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const temporal = f.positiveInt('temporal_patch_size', { max: 64 });
  const channels = f.positiveInt(f.has('in_chans') ? 'in_chans' : 'in_channels', { fallback: 3, max: 64 });
  const merge = f.positiveInt('spatial_merge_size', { max: 64 });
  const out = readOutWidth(f, textHidden);
  const full = new Set(f.intList('fullatt_block_indexes', MAX.layers).filter((i) => i < depth)).size;
  const sinkBlocks = f.bool('use_sink', false) ? depth - full : 0;
  const qkv = (heads + 2 * kv) * d;
  const block = 2 * w + (w * qkv + qkv) + (heads * d * w + w) + 2 * (w * inter + inter) + (inter * w + w);
  const merged = w * merge * merge;
  const params =
    channels * temporal * patch * patch * w +
    depth * block +
    sinkBlocks * heads +
    (w + merged * merged + merged * out);
  return {
    description: `MiMo ViT ${depth} × ${w} (${heads} heads, ${kv} KV, head ${d}; ${full} full-attention blocks), patch ${patch}, merge ${merge}×${merge}`,
    params,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** Each RVQ channel's code count: `speech_vocab_size` as "a-b-…" (one per channel) or one number for all. */
function readCodebooks(f: Fields, channels: number): number[] {
  const raw = f.raw('speech_vocab_size');
  const parts = typeof raw === 'string' && raw.includes('-') ? raw.split('-') : Array(channels).fill(raw);
  const sizes = parts.map((p) =>
    typeof p === 'number' ? p : typeof p === 'string' ? Number(p) : Number.NaN,
  );
  if (sizes.length !== channels || !sizes.every((n) => Number.isInteger(n) && n > 0 && n <= MAX.vocab)) {
    return f.fail(
      'speech_vocab_size',
      `must be one positive code count, or ${channels} of them joined by '-' (one per audio_channels), got ${shown(raw)}`,
    );
  }
  return sizes;
}

/** The audio code tower of `audio_config` (AudioEncoderMixin.build_audio_encoder), counted tensor by tensor. */
function readMimoAudio(f: Fields, textHidden: number): NonNullable<ModelSpec['audio']> {
  const channels = f.positiveInt('audio_channels', { max: MAX.layers });
  const group = f.positiveInt('group_size', { max: 1024 });
  const layers = f.int('input_local_layers', { max: MAX.layers });
  const d = f.positiveInt('input_local_dim', { max: MAX.hidden });
  const heads = f.positiveInt('input_local_attn_heads', { max: MAX.heads });
  const headDim = f.positiveInt('input_local_head_dim', { max: MAX.headDim });
  const inter = f.positiveInt('input_local_intermediate_size', { max: MAX.intermediate });
  const out = readOutWidth(f, textHidden);
  const projectionLayers = f.positiveInt('projection_layers', { max: 64 });
  if (projectionLayers > 2)
    f.fail('projection_layers', `must be 1 or 2 (build_audio_encoder), got ${projectionLayers}`);
  const codes = readCodebooks(f, channels).reduce((sum, n) => sum + n, 0);
  const width = heads * headDim;
  const layer = 2 * d + 3 * (d * width + width) + width * d + 3 * d * inter;
  const grouped = d * group;
  const projection = projectionLayers === 1 ? grouped * out : grouped * 4 * grouped + 4 * grouped * out;
  const params = codes * d + layers * layer + (f.bool('add_post_norm', false) ? d : 0) + projection;
  return {
    description: `MiMo audio code tower: ${channels} RVQ code embeddings (${count(codes)} codes × ${d}), ${layers} local layers × ${d}, ${group} frames a token → ${out} (waveforms are coded by the separate audio_tokenizer, not counted)`,
    params,
  };
}

/** `attention_projection_layout`: "fused_qkv" (the default, vLLM MiMoV2ForCausalLM) or "split". */
function readFusedQkv(f: Fields): boolean {
  const layout = f.string('attention_projection_layout', 'fused_qkv');
  if (layout !== 'fused_qkv' && layout !== 'split') {
    f.fail('attention_projection_layout', `must be 'fused_qkv' or 'split', got '${layout}'`);
  }
  return layout === 'fused_qkv';
}

/** MiMo-V2.5 / V2.5-Pro / V2.6: MiMo-V2-Flash's decoder with a fused qkv_proj, and the omni encoders when given. */
export const mimoV2: Family = (f, name) => {
  const text = readMimoV2Text(f, name, 'mimo_v2');
  const isFused = readFusedQkv(f);
  const vision = f.child('vision_config');
  const audio = f.child('audio_config');
  if ((vision === null) !== (audio === null)) {
    const [given, missing] = vision ? ['vision_config', 'audio_config'] : ['audio_config', 'vision_config'];
    f.fail(
      missing,
      `is required with ${given}: MiMoV2ForCausalLM (SGLang mimo_v2.py) builds its vision and audio encoders only when both are given`,
    );
  }
  return {
    // The checkpoint's qkv_proj: q, k and v one matrix on the sliding and the global layers.
    ...(isFused ? fused(text, { qkv: true }) : text),
    vision: vision && readMimoVision(withClassDefaults(vision, VISION_DEFAULTS), text.hiddenSize),
    ...(audio ? { audio: readMimoAudio(withClassDefaults(audio, AUDIO_DEFAULTS), text.hiddenSize) } : {}),
  };
};
