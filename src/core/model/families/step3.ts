/**
 * StepFun Step3 (July 2025; stepfun-ai/step3 and step3-fp8): `step3_vl` (Step3VLForConditionalGeneration)
 * wrapping a `step3_text` decoder (Step3TextForCausalLM) in `text_config`. Shapes from vLLM
 * `vllm/model_executor/models/step3_text.py` (Step3TextAttention, Step3TextMLP, FusedMoEBlock,
 * Step3TextDecoderLayer, Step3TextForCausalLM.load_weights), `step3_vl.py` (Step3VisionEmbeddings,
 * Step3VisionAttention, Step3VisionMLP, Step3VisionEncoderLayer, Step3VLForConditionalGeneration,
 * Step3VLProcessor, ImagePatcher) and `vllm/transformers_utils/configs/step3_vl.py`
 * (Step3VisionEncoderConfig, Step3TextConfig, Step3VLConfig: the remote `configuration_step3.py`'s
 * classes), checked against SGLang `python/sglang/srt/models/step3_vl.py` (same modules and
 * checkpoint names).
 *
 * Text model: model.embed_tokens [V, h], an untied lm_head, model.norm. Every layer: input_layernorm
 * and post_attention_layernorm (RMSNorm h) and Multi-Matrix Factorization Attention (MFA): q_proj
 * h → r = `share_q_dim` (head_dim when null), inter_norm RMSNorm(r), wq r → heads·d, one K head and
 * one V head (k_proj, v_proj h → d; the code builds one KV head whatever `num_attention_groups`
 * says), o_proj heads·d → h, no biases, no q/k norms. The layers `moe_layers_enum` lists (every
 * layer but the first when null) hold moe.gate [E, h] (no bias), E packed SwiGLU experts of
 * `moe_intermediate_size`, top `moe_top_k`, and share_expert, one SwiGLU of `share_expert_dim`; the
 * others a SwiGLU mlp of `intermediate_size`.
 *
 * MFA is llmecon's GQA of `heads` query heads and one KV head of head_dim with a query rank
 * (`GqaAttention.queryRank`: q_proj, inter_norm and wq), so parameters, FLOPs and the KV cache are exact.
 *
 * Vision (counted apart, VisionTowerSpec): vision_model (Step3VisionTransformer: class_embedding,
 * a biased Conv2d patch embedding, (image/patch)² + 1 learned positions, `num_hidden_layers` blocks
 * of q/k/v/out_proj (biased), layer_norm1, mlp fc1/fc2 (biased), layer_norm2; no pre/post norm),
 * vit_downsampler (Conv2d h → `output_hidden_size`, kernel 2, stride `understand_projector_stride`,
 * biased), vit_downsampler2 (Conv2d → 2·out, kernel 3, stride 2, padding 1, biased) and
 * vit_large_projector (2·out → text hidden, bias `projector_bias`).
 */
import type { GqaAttention, LayerMlp, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { squarePatches, vitForwardFlops } from './vision.js';
import { wrapped } from './wrappers.js';

/** Step3TextConfig's `__init__` defaults (the release's shape); moe_layers_enum is read apart. */
const STEP3_TEXT_DEFAULTS: Json = {
  hidden_size: 7168,
  intermediate_size: 18_432,
  num_attention_heads: 64,
  num_attention_groups: 1,
  num_hidden_layers: 61,
  max_seq_len: 65_536,
  max_position_embedding: 65_536,
  vocab_size: 128_815,
  moe_intermediate_size: 5120,
  moe_num_experts: 48,
  moe_top_k: 3,
  share_expert_dim: 5120,
  share_q_dim: 2048,
  head_dim: 256,
};

/** Step3VisionEncoderConfig's `__init__` defaults. */
const STEP3_VISION_DEFAULTS: Json = {
  hidden_size: 1792,
  intermediate_size: 3072,
  output_hidden_size: 4096,
  num_hidden_layers: 63,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 728,
  patch_size: 14,
};

/** Step3VLProcessor: thumbnails at the config's image size, crops at 504 px (`self.patch_size = 504`). */
const CROP_PIXELS = 504;
/** Step3VisionEmbeddings: the class token, then three copies of it for TP padding (`pad_tp_size = 4`). */
const PREFIX_TOKENS = 4;

/**
 * Step3TextDecoderLayer: MoE on the layers of `moe_layers_enum` ("4,5,…", or a list); when null or
 * absent every layer but the first ("Default to 1dense", vLLM and SGLang).
 */
function readMoeLayers(f: Fields, n: number): Set<number> {
  const raw = f.raw('moe_layers_enum');
  if (raw === undefined || raw === null) return new Set(Array.from({ length: n - 1 }, (_, i) => i + 1));
  const entries = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
  const indices = Array.isArray(entries)
    ? entries.map((e) => (typeof e === 'string' ? (e === '' ? Number.NaN : Number(e)) : e))
    : [];
  const valid = (i: unknown): i is number => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n;
  if (!Array.isArray(entries) || !indices.every(valid)) {
    return f.fail(
      'moe_layers_enum',
      `must list MoE layer indices from 0 to ${n - 1} (a comma-separated string such as "4,5,6" or a list), got ${shown(raw)}`,
    );
  }
  return new Set(indices as number[]);
}

/** Step3TextAttention: `heads` query heads, one KV head of head_dim, the query through rank r. */
function readMfa(f: Fields): GqaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const groups = f.positiveInt('num_attention_groups', { max: MAX.heads });
  if (groups !== 1) {
    f.fail(
      'num_attention_groups',
      `must be 1: Step3TextDecoderLayer builds one KV head (vLLM's Step3TextAttention raises for any other), got ${groups}`,
    );
  }
  const headDim = f.positiveInt('head_dim', { max: MAX.headDim });
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: 1,
    headDim,
    qkvBias: false,
    outputBias: false,
    qkNorm: 'none',
    sinks: false,
    // `q_size = share_q_dim if share_q_dim else head_dim` (vLLM, SGLang).
    queryRank: f.positiveInt('share_q_dim', { fallback: headDim, max: MAX.hidden }),
  };
}

/** Step3TextForCausalLM: MFA attention, dense and MoE layers by `moe_layers_enum`, untied head. */
export const step3Text: Family = (top, name) => {
  const f = withClassDefaults(top, STEP3_TEXT_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const moeLayers = readMoeLayers(f, n);
  const attention = readMfa(f);
  const spec = decoder(f, name, {
    keys: {
      vocab: 'vocab_size',
      hidden: 'hidden_size',
      layers: 'num_hidden_layers',
      // The HF-standard key when a converted config writes it, else Step3TextConfig's (the RoPE length).
      positions: f.has('max_position_embeddings') ? 'max_position_embeddings' : 'max_position_embedding',
    },
    attention: () => attention,
    layerMlp: (i): LayerMlp => (moeLayers.has(i) ? 'moe' : 'dense'),
    moe: {
      experts: 'moe_num_experts',
      topK: 'moe_top_k',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'share_expert_dim', count: 1 },
    },
  });
  const defaulted = f.raw('moe_layers_enum') === undefined || f.raw('moe_layers_enum') === null;
  if (!defaulted) return spec;
  return {
    ...spec,
    warnings: [
      `step3_text: no moe_layers_enum: every layer but the first is read as MoE (vLLM's and SGLang's default); Step3TextConfig's own default, the release's, is layers 4–59 of 61`,
    ],
  };
};

/** A square view's trip through the tower: its ViT tokens, and the LLM tokens it becomes. */
interface View {
  readonly patches: number;
  readonly tokens: number;
}

/**
 * ImagePatcher on a square image of `image` px (Step3VLProcessor, enable_patch): no crops below 728
 * px (`determine_window_size`: 0 when long < 728 and long/short ≤ 1.5), else 504-px windows over the
 * image resized to n × 504 a side, n = ⌊image/504⌋ + 1 when the remainder exceeds 0.2 (else ⌊…⌋).
 */
function squareCrops(image: number): number {
  if (image < 728) return 0;
  const ratio = image / CROP_PIXELS;
  const side = Math.floor(ratio) + (ratio - Math.floor(ratio) > 0.2 ? 1 : 0);
  return side * side;
}

/** Step3VLConfig's vision tower, downsamplers and projector from `top`, given the text width. */
export function readStep3Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const v =
    top.child('vision_config', STEP3_VISION_DEFAULTS) ??
    new Fields(STEP3_VISION_DEFAULTS, top.modelType, ['vision_config']);
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const out = v.positiveInt('output_hidden_size', { max: MAX.hidden });
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  // QKVParallelLinear(h, h / heads, heads): q, k and v each h wide only when heads divide h.
  v.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const channels = v.positiveInt('num_channels', { max: 64 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const stride = top.positiveInt('understand_projector_stride', { fallback: 1, max: 64 });
  const projectorBias = top.bool('projector_bias', true);
  const grid = Math.sqrt(squarePatches(v, image, patch));
  if (grid < 2)
    v.fail('image_size', `(${image}) must give at least 2 × 2 patches for vit_downsampler's 2 × 2 kernel`);

  // q, k, v and out_proj (h × h each, biased); fc1 h → inter and fc2 back (biased); two LayerNorms.
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const block = layerMatmuls + 4 * h + inter + h + 2 * 2 * h;
  // class_embedding, patch_embedding (weight and bias), position_embedding of grid² + 1 rows.
  const embeddings = h + channels * patch * patch * h + h + (grid * grid + 1) * h;
  const down1 = h * 2 * 2 * out;
  const down2 = out * 3 * 3 * 2 * out;
  const projector = 2 * out * textHidden;
  const params =
    embeddings + depth * block + down1 + out + down2 + 2 * out + projector + (projectorBias ? textHidden : 0);

  /** One view of `pixels` a side: patch conv, ViT over patches + 4 prefix tokens, downsamplers, projector. */
  const view = (pixels: number): View & { readonly flops: number } => {
    const side = Math.floor(pixels / patch);
    const side1 = Math.floor((side - 2) / stride) + 1;
    // kernel 3, stride 2, padding 1.
    const side2 = Math.floor((side1 - 1) / 2) + 1;
    const patches = side * side;
    const tokens = side2 * side2;
    const flops =
      2 * patches * channels * patch * patch * h +
      vitForwardFlops(patches + PREFIX_TOKENS, depth, layerMatmuls, h) +
      2 * side1 * side1 * down1 +
      2 * tokens * (down2 + projector);
    return { patches, tokens, flops };
  };
  const thumbnail = view(image);
  const crops = squareCrops(image);
  const crop = view(CROP_PIXELS);
  const cropsText = crops > 0 ? ` + ${crops} crops of ${CROP_PIXELS}px → ${crop.tokens} tokens each` : '';
  return {
    description: `Step3 ViT ${depth} × ${h}, ${image}px, patch ${patch} (${thumbnail.patches} patches → ${thumbnail.tokens} tokens${cropsText})`,
    params,
    patchSize: patch,
    imageSize: image,
    flopsPerImage: thumbnail.flops + crops * crop.flops,
  };
}

/**
 * Step3VLForConditionalGeneration (`step3_vl`): the `step3_text` model of `text_config` (Step3VLConfig
 * builds the default Step3TextConfig when it is absent) and the vision tower, counted apart.
 */
export const step3VlWrapper = (familyOf: (modelType: string) => Family | undefined): Family =>
  wrapped(familyOf, { textType: 'step3_text', vision: readStep3Vision });
