/**
 * DeepSeek-OCR's DeepEncoder (deepseek-ai/DeepSeek-OCR, `architectures` DeepseekOCRForCausalLM under
 * model_type `deepseek_vl_v2`; the checkpoint's `deepencoder.py` and `modeling_deepseekocr.py`, read in
 * vLLM's port `vllm/model_executor/models/deepencoder.py` and `deepseek_ocr.py`). Both build the
 * towers from constants (`build_sam_vit_b()`, a fixed CLIPVisionConfig); the config's
 * `vision_config.width` entries state the same shapes, and this reader takes them from there:
 * - sam_model (ImageEncoderViT, `width.sam_vit_b`): SAM ViT-B's encoder and neck as sam-vit.ts counts
 *   them, built at 1024 px with patch 16, window 14, MLP ratio 4, rel-pos and a 256-channel neck; then
 *   net_2 and net_3, bias-free 3×3 stride-2 convs 256 → downsample_channels[0] → [1] (512, 1024), so
 *   a 1024 px view's 64² patches become 16² features of 1024 channels.
 * - vision_model (DeepCLIPVisionTransformer, `width.clip-l-14-224`): CLIP-L/14's embeddings
 *   (class_embedding, the bias-free patch_embedding the forward skips — the SAM features are its
 *   patch_embeds — and a (224/14)² + 1 position table, interpolated to the SAM grid), pre_layrnorm
 *   and `layers` CLIPEncoderLayers (layer_norm1, q/k/v/out with bias, layer_norm2, fc1 of 4 × width
 *   and fc2 with bias); no post_layernorm. Its tokens but the class token, concatenated with the SAM
 *   features, feed the projector (deepseek_vl_v2's MlpProjector, read by vlm-wrappers.ts).
 * `vision_config.mlp_ratio` (3.7362) is not read: CLIP's fc1 is built 4 × width (4096), as stored.
 * FLOPs are for one global view of `vision_config.image_size` (1024 px, the Base mode); the
 * Gundam mode's 640 px local crops add a view each, by the image's aspect.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import { Fields, MAX } from './fields.js';
import { readSamVit, SAM_VIT_B_DEFAULTS } from './sam-vit.js';
import { vitForwardFlops } from './vision.js';

/** The size `build_sam_vit_b()` builds SAM at (its pos_embed is 64 × 64 patches of 16 px). */
const SAM_IMAGE = 1024;
/** The neck's channels (`prompt_embed_dim`), net_2's input. */
const SAM_NECK = 256;

/** Output side of a 3×3 convolution of stride 2 and padding 1 over a `side`-wide grid. */
const halved = (side: number): number => Math.floor((side - 1) / 2) + 1;

export interface DeepEncoder {
  /** Features per token into the projector: CLIP's width + SAM's last conv channels. */
  readonly out: number;
  /** SAM (with neck and convs) and CLIP, parameters. */
  readonly params: number;
  readonly patchSize: number;
  /** The global view's side (`vision_config.image_size`). */
  readonly image: number;
  /** Tokens of that view into the projector (the SAM grid after net_2 and net_3, squared). */
  readonly tokens: number;
  /** Forward FLOPs of that view through SAM, the convs and CLIP. */
  readonly flops: number;
  readonly description: string;
}

/** The SAM ViT-B of `width.sam_vit_b`, as a SamVisionConfig with build_sam_vit_b's constants. */
function samConfig(sam: Fields, image: number): Fields {
  const w = sam.positiveInt('width', { max: MAX.hidden });
  const heads = sam.positiveInt('heads', { max: MAX.heads });
  if (w % heads !== 0) sam.fail('heads', `(${heads}) must divide width (${w})`);
  return new Fields(
    {
      ...SAM_VIT_B_DEFAULTS,
      hidden_size: w,
      num_hidden_layers: sam.positiveInt('layers', { max: MAX.layers }),
      num_attention_heads: heads,
      global_attn_indexes: sam.intList('global_attn_indexes', MAX.layers),
      image_size: image,
    },
    sam.modelType,
    ['vision_config', 'width', 'sam_vit_b'],
  );
}

/** The DeepEncoder `vision_config` describes (see the file comment), `params` exact. */
export function readDeepEncoder(v: Fields): DeepEncoder {
  const towers = v.child('width') ?? v.fail('width', 'is required: the sam_vit_b and clip-l-14-224 towers');
  const samFields = towers.child('sam_vit_b') ?? towers.fail('sam_vit_b', 'is required: the SAM ViT-B');
  const clip = towers.child('clip-l-14-224') ?? towers.fail('clip-l-14-224', 'is required: the CLIP-L');
  const patch = SAM_VIT_B_DEFAULTS.patch_size as number;
  const image = v.positiveInt('image_size', { fallback: SAM_IMAGE, max: 100_000 });
  if (image < patch) v.fail('image_size', `(${image}) must be at least SAM's patch (${patch})`);
  const built = readSamVit(samConfig(samFields, SAM_IMAGE));
  const run = readSamVit(samConfig(samFields, image));

  const down = samFields.intList('downsample_channels', MAX.hidden);
  if (down.length !== 2 || down.some((c) => c < 1))
    samFields.fail('downsample_channels', "must be two positive integers, net_2's and net_3's channels");
  const [c2, c3] = down as [number, number];
  const convs = 9 * SAM_NECK * c2 + 9 * c2 * c3;

  const w = clip.positiveInt('width', { max: MAX.hidden });
  const depth = clip.positiveInt('layers', { max: MAX.layers });
  const heads = clip.positiveInt('heads', { max: MAX.heads });
  if (w % heads !== 0) clip.fail('heads', `(${heads}) must divide width (${w})`);
  const clipPatch = clip.positiveInt('patch_size', { max: 4096 });
  const clipImage = clip.positiveInt('image_size', { max: 1_000_000 });
  if (clipImage < clipPatch)
    clip.fail('image_size', `(${clipImage}) must be at least patch_size (${clipPatch})`);
  if (c3 !== w)
    samFields.fail(
      'downsample_channels',
      `ends in ${c3}, but CLIP takes the SAM features as its ${w}-wide patch embeddings`,
    );
  const inter = 4 * w;
  const positions = Math.floor(clipImage / clipPatch) ** 2 + 1;
  const block = 2 * layerNorm(w) + 4 * linear(w, w) + linear(w, inter) + linear(inter, w);
  const clipParams = w + 3 * clipPatch * clipPatch * w + positions * w + layerNorm(w) + depth * block;

  const s1 = halved(run.grid);
  const s2 = halved(s1);
  const flops =
    run.encoderFlops +
    run.neckFlops +
    2 * s1 * s1 * 9 * SAM_NECK * c2 +
    2 * s2 * s2 * 9 * c2 * c3 +
    vitForwardFlops(s2 * s2 + 1, depth, 4 * w * w + 2 * w * inter, w);
  return {
    out: w + c3,
    params: built.params + convs + clipParams,
    patchSize: patch,
    image,
    tokens: s2 * s2,
    flops,
    description: `DeepEncoder: ${run.description} + convs ${c2}, ${c3} → CLIP ${depth} × ${w} (${run.grid ** 2} patches → ${s2 * s2} tokens)`,
  };
}
