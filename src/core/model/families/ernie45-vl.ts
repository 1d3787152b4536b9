/**
 * ERNIE 4.5 VL MoE: ERNIE-4.5-VL-28B-A3B (-PT, -Base-PT, -Thinking), ERNIE-4.5-VL-424B-A47B, in
 * both spellings of the config:
 * - `ernie4_5_moe_vl` ({@link ernie45MoeVl}): the released flat config.json, read by the release's
 *   remote code (`configuration_ernie4_5_vl.py`: Ernie4_5_VLMoEConfig over Ernie4_5_MoEConfig,
 *   DFNRopeVisionTransformerConfig; `modeling_ernie4_5_vl.py`: Ernie4_5_VLMoeForConditionalGeneration,
 *   Ernie4_5_Model, Ernie4_5_DecoderLayer, Ernie4_5_VLGate, Ernie4_5_MoEStatics, Ernie4_5_MoeMLP,
 *   DFNRopeVisionTransformerPreTrainedModel, VariableResolutionResamplerModel), checked against vLLM
 *   (`vllm/model_executor/models/ernie45_vl.py`, `ernie45_vl_moe.py`);
 * - `ernie4_5_vl_moe` ({@link ernie45VlMoe}): transformers' native port (`models/ernie4_5_vl_moe/
 *   modular_ernie4_5_vl_moe.py`: Ernie4_5_VLMoeTextConfig, Ernie4_5_VLMoeVisionConfig,
 *   Ernie4_5_VLMoeMoeBlock, Ernie4_5_VLMoeVisionTransformerPretrainedModel,
 *   Ernie4_5_VLMoeVariableResolutionResamplerModel), whose `convert_ernie4_5_vl_moe_to_hf.py` nests
 *   the flat keys into `text_config` / `vision_config` and spells the layer rule as `mlp_layer_types`.
 *
 * The decoder is ERNIE 4.5 MoE's (ernie45.ts, reused): q/k/v/o and MLPs biased by `use_bias`; layer i
 * is MoE when (i + 1) % moe_layer_interval == 0 and min(moe_layer_start_index) ≤ i ≤
 * max(moe_layer_end_index) (each one index or one per modality; −1 = the last layer). Every MoE layer
 * holds two expert groups, text experts for text tokens and vision experts for image and video tokens
 * (modality-isolated routing): `moe_num_experts` [text, vision] (equal: the gate sizes both by the
 * first), `moe_intermediate_size` [text, vision]; one gate of two weights (weight, weight_1: h × E
 * each) and moe_statics.e_score_correction_bias [2, E]; top `moe_k` of a token's own group; shared
 * experts MLP(moe_intermediate_size[0] × moe_num_shared_experts) for every token; lm_head tied per
 * `tie_word_embeddings` (the 28B ties it, the 424B does not). vLLM alone reads the start/end pairs per
 * modality (a dense MLP for a group outside its range); the released ranges cover every MoE layer.
 *
 * Representation: the spec's MoE block is the text path (text experts, shared experts, the text gate
 * and its correction-bias row), so active parameters and FLOPs are a text token's; the vision experts,
 * their gate weight_1 and correction-bias row are its second group (`MoeSpec.modalityExperts`), in the
 * total and the memory, idle for a text token. The checkpoint is `totalParams` + `visionParams` (the
 * ViT and resampler). Vision tower: DFNRope ViT (patch Linear without bias, LayerNorm blocks with fused
 * qkv, QuickGELU MLP, final LayerNorm) and the resampler (spatial Linear–GELU–Linear–LayerNorm over
 * 2×2 patches, the same over 2 frames, a Linear to the text width, RMSNorm). Images keep their own
 * size (min/max pixels), so FLOPs per image are not fixed.
 */
import type { LayerMlp, ModelSpec, MoeSpec, VisionTowerSpec } from '../spec.js';
import { ernie45Moe } from './ernie45.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { type Family, readGatedMlp, readMlpLayerTypes, unbuiltMtp, withClassDefaults } from './readers.js';
import { wrapped } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Ernie4_5_Config / Ernie4_5_MoEConfig / Ernie4_5_VLMoEConfig `__init__` defaults (remote
 * `configuration_ernie4_5_vl.py`) for the keys whose absence changes the structure. The 424B config
 * omits `moe_layer_end_index` and `moe_num_shared_experts`.
 */
const REMOTE_DEFAULTS: Json = {
  moe_layer_interval: 2,
  moe_layer_start_index: 0,
  moe_layer_end_index: -1,
  moe_num_shared_experts: 0,
  moe_k: 2,
  use_bias: false,
  tie_word_embeddings: false,
  spatial_conv_size: 2,
  temporal_conv_size: 2,
  use_temporal_conv: true,
};

/** DFNRopeVisionTransformerConfig `__init__` defaults (remote code). */
const DFNROPE_DEFAULTS: Json = {
  depth: 32,
  embed_dim: 1280,
  hidden_size: 3584,
  mlp_ratio: 4,
  num_heads: 16,
  in_channels: 3,
  patch_size: 14,
};

/** Ernie4_5_VLMoeTextConfig defaults (transformers `configuration_ernie4_5_vl_moe.py`). */
const NATIVE_TEXT_DEFAULTS: Json = {
  vocab_size: 103_424,
  hidden_size: 2560,
  intermediate_size: 12_288,
  num_hidden_layers: 28,
  num_attention_heads: 20,
  num_key_value_heads: 4,
  max_position_embeddings: 131_072,
  tie_word_embeddings: true,
  use_bias: false,
  moe_intermediate_size: [1536, 512],
  moe_k: 6,
  moe_num_experts: 64,
  moe_num_shared_experts: 2,
};

/** Ernie4_5_VLMoeVisionConfig defaults (transformers). */
const NATIVE_VISION_DEFAULTS: Json = {
  depth: 32,
  hidden_size: 1280,
  intermediate_size: 5120,
  num_heads: 16,
  in_channels: 3,
  patch_size: 14,
  spatial_merge_size: 2,
  temporal_merge_size: 2,
};

/** The two expert groups of a MoE layer: one count for both, and each group's SwiGLU width. */
interface ExpertGroups {
  readonly experts: number;
  readonly text: number;
  readonly vision: number;
}

/** A `[text, vision]` pair of positive sizes (`moe_intermediate_size`). */
function readPair(f: Fields, key: string, max: number): readonly [number, number] {
  const list = Array.isArray(f.raw(key)) ? f.intList(key, max) : [];
  if (list.length !== 2 || list.includes(0)) {
    f.fail(key, `must list two positive sizes [text experts, vision experts], got ${shown(f.raw(key))}`);
  }
  return [list[0]!, list[1]!];
}

/**
 * `moe_num_experts` ([text, vision], or one count for both as transformers' text config writes it;
 * 0 = no MoE layer) and `moe_intermediate_size` [text, vision]; null when there are no experts.
 */
function readGroups(f: Fields): ExpertGroups | null {
  let experts: number;
  if (Array.isArray(f.raw('moe_num_experts'))) {
    const list = f.intList('moe_num_experts', MAX.experts);
    if (list.length !== 2)
      f.fail('moe_num_experts', `must be one count or a [text, vision] pair, got ${list.length} entries`);
    const [text, vision] = list as [number, number];
    if (text !== vision) {
      f.fail(
        'moe_num_experts',
        `([${text}, ${vision}]) must give both groups the same count: Ernie4_5_VLGate sizes weight and weight_1 by the first`,
      );
    }
    experts = text;
  } else {
    experts = f.int('moe_num_experts', { fallback: 0, max: MAX.experts });
  }
  if (experts === 0) return null;
  const [text, vision] = readPair(f, 'moe_intermediate_size', MAX.intermediate);
  return { experts, text, vision };
}

/** `moe_layer_start_index` / `_end_index`: one index, or one per modality of which the layer test takes `pick`. */
function layerBound(f: Fields, key: string, pick: (...values: number[]) => number): number {
  const raw = f.raw(key);
  if (Array.isArray(raw)) {
    const list = f.intList(key, MAX.layers);
    if (list.length === 0) f.fail(key, 'must not be an empty list');
    return pick(...list);
  }
  return raw === -1 ? -1 : f.int(key, { max: MAX.layers });
}

/** ERNIE 4.5 MoE's decoder over the text group (ernie45.ts), with `overrides` for the VL keys it reads. */
function textDecoder(f: Fields, name: string, groups: ExpertGroups | null, overrides: Json): ModelSpec {
  const scalar = groups
    ? { moe_num_experts: groups.experts, moe_intermediate_size: groups.text }
    : { moe_num_experts: 0 };
  // Ernie4_5_VLMoeForConditionalGeneration builds no MTP layer.
  return { ...ernie45Moe(f.with({ ...overrides, ...scalar }), name), numMtpModules: 0 };
}

/** A ViT's shape: width, depth, MLP width, patch and input channels. */
interface Vit {
  readonly width: number;
  readonly depth: number;
  readonly inter: number;
  readonly patch: number;
  readonly channels: number;
}

/** Heads must divide the width (`head_dim = width // num_heads` of the 2-D RoPE). */
function checkHeads(v: Fields, width: number): void {
  const heads = v.positiveInt('num_heads', { max: MAX.heads });
  if (width % heads !== 0) v.fail('num_heads', `(${heads}) must divide the width (${width})`);
}

/**
 * DFNRopeVisionTransformerPreTrainedModel: `embed_dim` wide blocks with an MLP of int(embed_dim ×
 * mlp_ratio); its final `ln` is `hidden_size` wide, asserted equal to `embed_dim`.
 */
function readDfnRopeVit(v: Fields): Vit {
  const f = withClassDefaults(v, DFNROPE_DEFAULTS);
  const width = f.positiveInt('embed_dim', { max: MAX.hidden });
  const hidden = f.positiveInt('hidden_size', { max: MAX.hidden });
  if (hidden !== width) {
    f.fail(
      'hidden_size',
      `(${hidden}) must equal embed_dim (${width}): DFNRopeVisionTransformerPreTrainedModel asserts it`,
    );
  }
  checkHeads(f, width);
  return {
    width,
    depth: f.positiveInt('depth', { max: MAX.layers }),
    inter: Math.floor(width * f.positiveNumber('mlp_ratio', 1000)),
    patch: f.positiveInt('patch_size', { max: 4096 }),
    channels: f.positiveInt('in_channels', { max: 64 }),
  };
}

/** Ernie4_5_VLMoeVisionTransformerPretrainedModel: `hidden_size` wide, an MLP of `intermediate_size`. */
function readNativeVit(f: Fields): Vit {
  const width = f.positiveInt('hidden_size', { max: MAX.hidden });
  checkHeads(f, width);
  return {
    width,
    depth: f.positiveInt('depth', { max: MAX.layers }),
    inter: f.positiveInt('intermediate_size', { max: MAX.intermediate }),
    patch: f.positiveInt('patch_size', { max: 4096 }),
    channels: f.positiveInt('in_channels', { max: 64 }),
  };
}

/** How the resampler merges: spatial m × m patches, temporal t frames (videos; images are doubled). */
interface Merge {
  readonly spatial: number;
  readonly temporal: number;
  /** Whether temporal_linear exists (remote `use_temporal_conv`; always in transformers). */
  readonly temporalLinear: boolean;
}

/**
 * The tower and resampler, given the text width `out`:
 * - patch_embed.proj, a bias-free Linear C·p² → w; per block norm1 and norm2 (LayerNorm w), attn.qkv
 *   (w → 3w) and attn.proj (w → w), mlp.fc1 (w → i) and fc2 (i → w), all biased; the final ln;
 * - resampler: spatial_linear Linear(s → s), GELU, Linear(s → s), LayerNorm(s) with s = w·m²;
 *   temporal_linear the same from s·t; mlp Linear(s → out); after_norm RMSNorm(out).
 */
function towerParams(vit: Vit, merge: Merge, out: number): number {
  const w = vit.width;
  const block =
    2 * 2 * w + (3 * w * w + 3 * w) + (w * w + w) + (w * vit.inter + vit.inter) + (vit.inter * w + w);
  const tower = vit.channels * vit.patch * vit.patch * w + vit.depth * block + 2 * w;
  const s = w * merge.spatial * merge.spatial;
  const mlp = (inputs: number) => inputs * s + s + (s * s + s) + 2 * s;
  const resampler = mlp(s) + (merge.temporalLinear ? mlp(s * merge.temporal) : 0) + (s * out + out) + out;
  return tower + resampler;
}

/**
 * The spec with the vision experts as the MoE block's second group (`MoeSpec.modalityExperts`: held,
 * split by EP, idle for a text token), `use_bias` on the shared experts refused (the spec's shared
 * experts are bias-free), and warnings for what the spec cannot hold.
 */
function finish(f: Fields, base: ModelSpec, groups: ExpertGroups | null, vit: Vit, merge: Merge): ModelSpec {
  const bias = f.bool('use_bias', false);
  const text: MoeSpec | null = base.moe;
  if (bias && text && text.numSharedExperts > 0) {
    f.fail('use_bias', 'true with shared experts is not supported: their biases would not be counted');
  }
  const moe: MoeSpec | null =
    text && groups
      ? { ...text, modalityExperts: { numExperts: groups.experts, expertIntermediateSize: groups.vision } }
      : text;
  const vision: VisionTowerSpec = {
    description: `DFNRope ViT ${vit.depth} × ${vit.width}, patch ${vit.patch}; resampler ${merge.spatial}×${merge.spatial}${merge.temporalLinear ? ` and ${merge.temporal} frames` : ''} → ${base.hiddenSize}`,
    params: towerParams(vit, merge, base.hiddenSize),
    patchSize: vit.patch,
    imageSize: null,
    flopsPerImage: null,
  };
  const warnings: string[] = [];
  if (moe && groups) {
    warnings.push(
      `active parameters and FLOPs are a text token's (${moe.topK} of ${moe.numExperts} text experts of ${fmt(moe.expertIntermediateSize)}${moe.numSharedExperts > 0 ? ', the shared experts' : ''}); an image or video token runs ${moe.topK} of the ${groups.experts} vision experts of ${fmt(groups.vision)} instead, which every MoE layer holds beside the text experts (counted in the total, idle for text); LoRA on the experts counts the text experts' adapters`,
    );
  }
  const mtp = unbuiltMtp(f, base);
  if (mtp) {
    warnings.push(
      `num_nextn_predict_layers (${mtp.layers}) is not counted: Ernie4_5_VLMoeForConditionalGeneration builds no MTP layer (as ERNIE 4.5 MoE's, each would hold ${fmt(mtp.each)} parameters)`,
    );
  }
  return {
    ...base,
    moe,
    vision,
    ...(warnings.length > 0 ? { warnings: warnings.map((w) => `${base.modelType}: ${w}`) } : {}),
  };
}

/**
 * `ernie4_5_moe_vl`, the released config.json (Ernie4_5_VLMoEConfig): text keys at the top level,
 * DFNRope `vision_config`, resampler keys `pixel_hidden_size` (the ViT width: transformers' port reads
 * the vision hidden size, and the Paddle configs omit it), `spatial_conv_size`, `temporal_conv_size`,
 * `use_temporal_conv`. The layer test is the remote code's (Ernie4_5_DecoderLayer): both groups on
 * every MoE layer between the smallest start and the largest end, as transformers' converter reads it.
 */
export const ernie45MoeVl: Family = (top, name) => {
  const f = withClassDefaults(top, REMOTE_DEFAULTS);
  const groups = readGroups(f);
  const base = textDecoder(f, name, groups, {
    moe_layer_start_index: layerBound(f, 'moe_layer_start_index', Math.min),
    moe_layer_end_index: layerBound(f, 'moe_layer_end_index', Math.max),
  });
  const v =
    f.child('vision_config') ??
    f.fail(
      'vision_config',
      'is required: DFNRopeVisionTransformerConfig’s defaults (embed_dim 1280, hidden_size 3584) fail the tower’s hidden_size == embed_dim check',
    );
  const vit = readDfnRopeVit(v);
  const pixels = f.positiveInt('pixel_hidden_size', { fallback: vit.width, max: MAX.hidden });
  if (pixels !== vit.width) {
    f.fail(
      'pixel_hidden_size',
      `(${pixels}) must equal the ViT width vision_config.embed_dim (${vit.width}): the resampler reads the tower's output`,
    );
  }
  const merge: Merge = {
    spatial: f.positiveInt('spatial_conv_size', { max: 64 }),
    temporal: f.positiveInt('temporal_conv_size', { max: 64 }),
    temporalLinear: f.bool('use_temporal_conv', true),
  };
  return finish(f, base, groups, vit, merge);
};

/**
 * The text model of `ernie4_5_vl_moe` (Ernie4_5_VLMoeTextModel): `mlp_layer_types` ("dense" /
 * "sparse" per layer; default dense then sparse) in place of the start/end/interval keys,
 * `moe_num_experts` one count for both groups.
 */
const nativeText: Family = (t, name) => {
  const f = withClassDefaults(t, NATIVE_TEXT_DEFAULTS);
  const groups = readGroups(f);
  const numLayers = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const kinds = readMlpLayerTypes(f, numLayers) ?? ['dense', ...Array<LayerMlp>(numLayers - 1).fill('moe')];
  if (!groups && kinds.includes('moe'))
    f.fail('moe_num_experts', 'must be at least 1 when a layer is sparse');
  // Every layer MoE, then each layer's kind from mlp_layer_types.
  const all = textDecoder(f, name, groups, {
    moe_layer_start_index: 0,
    moe_layer_end_index: -1,
    moe_layer_interval: 1,
  });
  const bias = f.bool('use_bias', false);
  return {
    ...all,
    layers: all.layers.map((layer, i) => ({ ...layer, mlp: kinds[i]! })),
    mlp: kinds.includes('dense') ? readGatedMlp(f, 'intermediate_size', bias) : all.mlp,
    moe: kinds.includes('moe') ? all.moe : null,
  };
};

const nativeWrapped = wrapped(() => nativeText, { textType: 'ernie4_5_vl_moe_text' });

/**
 * `ernie4_5_vl_moe`, transformers' native config (Ernie4_5_VLMoeConfig): `text_config` and
 * `vision_config` (each at its class defaults when absent); the resampler's input is the vision
 * `hidden_size`, its merges `spatial_merge_size` and `temporal_merge_size`, temporal_linear always.
 */
export const ernie45VlMoe: Family = (top, name) => {
  const base = nativeWrapped(top, name);
  const text = top.child('text_config', NATIVE_TEXT_DEFAULTS) ?? withClassDefaults(top, NATIVE_TEXT_DEFAULTS);
  const v =
    top.child('vision_config', NATIVE_VISION_DEFAULTS) ??
    new Fields(NATIVE_VISION_DEFAULTS, top.modelType, ['vision_config']);
  const merge: Merge = {
    spatial: v.positiveInt('spatial_merge_size', { max: 64 }),
    temporal: v.positiveInt('temporal_merge_size', { max: 64 }),
    temporalLinear: true,
  };
  return finish(text, base, readGroups(text), readNativeVit(v), merge);
};
