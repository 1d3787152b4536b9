/**
 * SAM's ViT image encoder (Kirillov et al. 2023, "Segment Anything", Sec. 3 and App. A; transformers
 * `models/sam/modeling_sam.py` SamVisionEncoder, which GOT-OCR 2.0's GotOcr2VisionEncoder and
 * DeepSeek-VL hybrid's high_res_vision_model build): patch_embed.projection, a Conv2d channels → h of
 * kernel = stride = patch, with bias; pos_embed, (image/patch)² × h when `use_abs_pos`;
 * `num_hidden_layers` blocks of layer_norm1, attn.qkv (h → 3h, bias = `qkv_bias`), attn.proj (h → h,
 * bias), attn.rel_pos_h and rel_pos_w (2·s − 1 rows of head_dim each when `use_rel_pos`, s =
 * `window_size` in windowed blocks, image/patch in the `global_attn_indexes` blocks or when
 * window_size is 0), layer_norm2 and the MLP lin1 (h → `mlp_dim`, else int(h·`mlp_ratio`)) and lin2,
 * both biased; the neck: conv1 (1×1, h → `output_channels`, no bias), layer_norm1, conv2 (3×3, no
 * bias), layer_norm2 (channels-first LayerNorms with weight and bias).
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import { type Fields, type Json, MAX } from './fields.js';
import { squarePatches } from './vision.js';

/** SamVisionConfig's defaults (models/sam/configuration_sam.py: SAM ViT-B's encoder; `mlp_dim` from `mlp_ratio` when absent). */
export const SAM_VIT_B_DEFAULTS: Json = {
  hidden_size: 768,
  output_channels: 256,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_channels: 3,
  image_size: 1024,
  patch_size: 16,
  qkv_bias: true,
  mlp_ratio: 4.0,
  use_abs_pos: true,
  use_rel_pos: true,
  window_size: 14,
  global_attn_indexes: [2, 5, 8, 11],
};

export interface SamVit {
  readonly h: number;
  readonly image: number;
  readonly patch: number;
  /** Patches per side of the image (image / patch). */
  readonly grid: number;
  /** The neck's channels (`output_channels`). */
  readonly out: number;
  /** Encoder and neck. */
  readonly params: number;
  /** The neck alone (DeepSeek-VL hybrid builds a second one). */
  readonly neckParams: number;
  /** Forward FLOPs per image of the patch embedding and the blocks, without the neck. */
  readonly encoderFlops: number;
  /** Forward FLOPs per image of one neck. */
  readonly neckFlops: number;
  readonly description: string;
}

/** The SAM ViT a sub-config describes (its class defaults already applied), `params` exact. */
export function readSamVit(v: Fields): SamVit {
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  // SamVisionAttention: head_dim = hidden_size // num_attention_heads, the qkv reshape needs it exact.
  const headDim = v.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const mlp = v.has('mlp_dim')
    ? v.positiveInt('mlp_dim', { max: MAX.intermediate })
    : Math.floor(h * v.positiveNumber('mlp_ratio', 64));
  if (mlp < 1) v.fail('mlp_ratio', `gives an MLP of ${mlp} units for hidden_size ${h}`);
  const out = v.positiveInt('output_channels', { max: MAX.hidden });
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const image = v.positiveInt('image_size', { max: 1_000_000 });
  const window = v.int('window_size', { max: 100_000 });
  const globals = new Set(v.intList('global_attn_indexes', MAX.layers));
  const relPos = v.bool('use_rel_pos', true);
  const patches = squarePatches(v, image, patch);
  const grid = Math.floor(image / patch);
  // Each block's attention span: its window, or the whole grid in a global block.
  const spans = Array.from({ length: depth }, (_, i) => (globals.has(i) || window === 0 ? grid : window));
  const block =
    2 * layerNorm(h) +
    linear(h, 3 * h, v.bool('qkv_bias', true)) +
    linear(h, h) +
    linear(h, mlp) +
    linear(mlp, h);
  const relRows = (span: number) => (relPos ? 2 * (2 * span - 1) * headDim : 0);
  const encoder =
    linear(channels * patch * patch, h) +
    (v.bool('use_abs_pos', true) ? patches * h : 0) +
    spans.reduce((sum, span) => sum + block + relRows(span), 0);
  const neckParams = h * out + layerNorm(out) + 9 * out * out + layerNorm(out);
  // A block's attention: qkv and proj over its zero-padded tokens, Q·Kᵀ and softmax·V within each
  // window (2·2·h per query-key pair) and the decomposed rel-pos einsums (2·2·h per query and row,
  // SamVisionAttention.add_decomposed_rel_pos); the MLP runs over the unpadded patches.
  const attentionFlops = (span: number): number => {
    const padded = Math.ceil(grid / span) * span;
    const tokens = padded * padded;
    const rel = relPos ? 4 * h * tokens * span : 0;
    return 2 * tokens * 4 * h * h + (tokens / (span * span)) * 4 * h * (span * span) ** 2 + rel;
  };
  const encoderFlops =
    2 * patches * channels * patch * patch * h +
    spans.reduce((sum, span) => sum + attentionFlops(span) + 2 * patches * 2 * h * mlp, 0);
  const global = spans.filter((span) => span === grid).length;
  const windowNote =
    window > 0 && global < depth ? `, window ${window} (${global} global)` : ', global attention';
  return {
    h,
    image,
    patch,
    grid,
    out,
    params: encoder + neckParams,
    neckParams,
    encoderFlops,
    neckFlops: 2 * patches * (h * out + 9 * out * out),
    description: `SAM ViT ${depth} × ${h}, ${image}px, patch ${patch}${windowNote}`,
  };
}
