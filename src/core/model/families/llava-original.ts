/**
 * LLaVA's own checkpoint format (haotian-liu/LLaVA: liuhaotian/llava-v1.5-7b, -13b, llava-v1.6-*; the
 * LLaVA-NeXT repository's lmms-lab/llava-onevision-*): a flat config, the language model's keys at the
 * top, the vision side named only by `mm_*` keys. Sources, LLaVA `llava/model/llava_arch.py`
 * (LlavaMetaModel.__init__), `multimodal_encoder/{builder,clip_encoder}.py`,
 * `multimodal_projector/builder.py`, `language_model/llava_{llama,mistral}.py`, `mm_utils.py`
 * (process_images); LLaVA-NeXT (LLaVA-VL/LLaVA-NeXT) the same files plus `siglip_encoder.py`,
 * `multimodal_resampler/builder.py` and `language_model/llava_qwen.py`:
 * - the language model: LlavaLlamaForCausalLM, LlavaMistralForCausalLM and LlavaQwenForCausalLM subclass
 *   LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM on the same config, so `architectures`
 *   (else `model_type`: llava and llava_llama, llava_mistral, llava_qwen) picks the llama, mistral or
 *   qwen2 reader; lmms-lab's OneVision files say `model_type` "llava" over LlavaQwenForCausalLM;
 * - model.vision_tower: built from the Hub id `mm_vision_tower`, so only ids whose config is known are
 *   read ({@link TOWERS}); CLIPVisionTower loads the whole CLIPVisionModel (every layer and
 *   post_layernorm, though `mm_vision_select_layer` −2 reads the second-to-last hidden state: the
 *   llava-v1.5-7b checkpoint's 7,062,902,784 parameters include them), and its forward runs them all;
 *   SigLipVisionTower loads SigLIP so400m and deletes its last layer and the pooling head, then reads
 *   hidden_states[-1] (all 27 × 27 patches, `mm_vision_select_*` unread);
 * - model.mm_projector (build_vision_projector, from `mm_hidden_size` to the text width, all biased):
 *   "linear" one Linear; "mlpNx_gelu" a Linear, then N − 1 × (GELU, Linear(h → h)); "identity" none;
 * - model.image_newline, a vector of the text width, when `mm_patch_merge_type` contains "unpad".
 * An image at the tower's size ("pad", or no tiling `image_aspect_ratio`) is one token per patch (CLIP
 * "patch" drops the class token, "cls_patch" keeps it); tiled images ("anyres…", "highres",
 * "crop_split") have no fixed FLOPs. Refused by name: unknown tower ids, S2 multi-scale towers, a
 * resampler (`mm_resampler_type`), multi-layer feature selection, other projector types.
 */
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import type { Family } from './readers.js';
import { CLIP_VIT_L14_336, SIGLIP_SO400M_14_384 } from './tower-config-defaults.js';
import { fixedVitTower } from './vision.js';
import type { FamilyOf } from './wrappers.js';

/** A tower LLaVA loads by Hub id: its kind, its Hub vision config, and the layers the loader deletes. */
interface KnownTower {
  readonly kind: 'clip' | 'siglip';
  readonly config: Json;
  readonly deletedLayers: number;
}

/**
 * The towers whose configs llmecon holds, by `mm_vision_tower`. SigLIP so400m-patch14-384: LLaVA-NeXT
 * `siglip_encoder.py` SigLipVisionConfig's defaults (its shape), whose load_model deletes one layer.
 */
const TOWERS: Readonly<Record<string, KnownTower>> = {
  'openai/clip-vit-large-patch14': {
    kind: 'clip',
    config: { ...CLIP_VIT_L14_336, image_size: 224 },
    deletedLayers: 0,
  },
  'openai/clip-vit-large-patch14-336': {
    kind: 'clip',
    config: CLIP_VIT_L14_336,
    deletedLayers: 0,
  },
  'google/siglip-so400m-patch14-384': {
    kind: 'siglip',
    config: SIGLIP_SO400M_14_384,
    deletedLayers: 1,
  },
};

/** The text reader of each LLaVA class (`architectures`), and of each config class's `model_type`. */
const TEXT_BY_ARCHITECTURE: Readonly<Record<string, string>> = {
  LlavaLlamaForCausalLM: 'llama',
  LlavaMistralForCausalLM: 'mistral',
  LlavaQwenForCausalLM: 'qwen2',
};
const TEXT_BY_MODEL_TYPE: Readonly<Record<string, string>> = {
  llava: 'llama',
  llava_llama: 'llama',
  llava_mistral: 'mistral',
  llava_qwen: 'qwen2',
};

/** The text model's `model_type`: by the LLaVA class in `architectures`, else by `model_type`. */
function textTypeOf(top: Fields): string {
  const byType = Object.hasOwn(TEXT_BY_MODEL_TYPE, top.modelType)
    ? TEXT_BY_MODEL_TYPE[top.modelType]
    : undefined;
  const raw = top.raw('architectures');
  const known = Object.keys(TEXT_BY_ARCHITECTURE).join(', ');
  if (raw === undefined || raw === null) {
    return byType ?? top.fail('architectures', `is required to pick the language model: one of ${known}`);
  }
  if (!Array.isArray(raw) || !raw.every((a) => typeof a === 'string'))
    top.fail('architectures', `must be a list of class names, got ${shown(raw)}`);
  const arch = (raw as string[]).find((a) => Object.hasOwn(TEXT_BY_ARCHITECTURE, a));
  if (arch === undefined)
    return top.fail('architectures', `(${shown(raw)}) names no LLaVA class llmecon reads: ${known}`);
  const type = TEXT_BY_ARCHITECTURE[arch] as string;
  if (top.modelType !== 'llava' && byType !== undefined && byType !== type)
    top.fail(
      'architectures',
      `names ${arch} (${type}), but model_type '${top.modelType}' is ${byType}'s config`,
    );
  return type;
}

/**
 * mm_projector from `mm_projector_type` (build_vision_projector; default "linear"): its parameters and
 * matmul weights per image token.
 */
function readProjector(top: Fields, mmHidden: number, textHidden: number) {
  const type = top.string('mm_projector_type', 'linear');
  if (type === 'identity') {
    if (mmHidden !== textHidden)
      top.fail(
        'mm_projector_type',
        `'identity' needs mm_hidden_size (${mmHidden}) = hidden_size (${textHidden})`,
      );
    return { type, params: 0, matmulWeights: 0 };
  }
  const depth = type === 'linear' ? 1 : Number(/^mlp(\d+)x_gelu$/.exec(type)?.[1] ?? 0);
  if (!(depth >= 1 && depth <= MAX.layers))
    top.fail(
      'mm_projector_type',
      `is '${type}'; llmecon reads 'linear', 'mlpNx_gelu' (N from 1 to ${MAX.layers}) and 'identity' (LLaVA multimodal_projector/builder.py)`,
    );
  const matmulWeights = mmHidden * textHidden + (depth - 1) * textHidden * textHidden;
  return { type, params: matmulWeights + depth * textHidden, matmulWeights };
}

/** CLIP's image tokens: `mm_vision_select_feature` ("patch" drops the class token) and a valid `mm_vision_select_layer`. */
function clipTokens(top: Fields, patches: number, depth: number): number {
  const feature = top.string('mm_vision_select_feature', 'patch');
  if (feature !== 'patch' && feature !== 'cls_patch')
    top.fail(
      'mm_vision_select_feature',
      `is '${feature}'; llmecon reads 'patch' and 'cls_patch' (one hidden state; the slice… variants concatenate several)`,
    );
  const layer = top.raw('mm_vision_select_layer');
  if (!Number.isInteger(layer) || (layer as number) < -(depth + 1) || (layer as number) > depth)
    top.fail(
      'mm_vision_select_layer',
      `must be an index into the tower's ${depth + 1} hidden states, in [${-(depth + 1)}, ${depth}], got ${shown(layer ?? null)}`,
    );
  return patches + (feature === 'cls_patch' ? 1 : 0);
}

/** The vision tower, projector and image_newline LlavaMetaModel builds from the top-level `mm_*` keys. */
function readOriginalVision(top: Fields, textHidden: number): VisionTowerSpec {
  const id = top.string('mm_vision_tower', '');
  const tower = Object.hasOwn(TOWERS, id)
    ? (TOWERS[id] as KnownTower)
    : top.fail(
        'mm_vision_tower',
        `is '${id}'; llmecon knows the configs of ${Object.keys(TOWERS).join(', ')}`,
      );
  if (top.bool('s2', false))
    top.fail('s2', 'is true: CLIPVisionTowerS2 runs the tower at several scales; llmecon does not read it');
  if (top.has('mm_resampler_type'))
    top.fail(
      'mm_resampler_type',
      `is ${shown(top.raw('mm_resampler_type'))}; llmecon reads LLaVA without a resampler (null)`,
    );
  const depth = (tower.config.num_hidden_layers as number) - tower.deletedLayers;
  const config = new Fields({ ...tower.config, num_hidden_layers: depth }, top.modelType, [
    'mm_vision_tower',
  ]);
  const t = fixedVitTower(config, tower.kind);
  const clip = tower.kind === 'clip';
  const tokens = clip ? clipTokens(top, t.patches, t.depth) : t.patches;
  const mmHidden = top.positiveInt('mm_hidden_size', { max: MAX.hidden });
  if (mmHidden !== t.h)
    top.fail(
      'mm_hidden_size',
      `(${mmHidden}) must be the width of ${id} (${t.h}), which the projector reads`,
    );
  const projector = readProjector(top, mmHidden, textHidden);
  const newline = top.string('mm_patch_merge_type', 'flat').includes('unpad') ? textHidden : 0;
  const ratio = top.string('image_aspect_ratio', 'square');
  const tiled = ratio.includes('anyres') || ratio === 'highres' || ratio === 'crop_split';
  const name = `${clip ? 'CLIP' : 'SigLIP'} ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch}`;
  return {
    description: `${name}, ${projector.type} projector (${tiled ? `${ratio} tiles of ${tokens} tokens` : `${tokens} tokens`})`,
    params: t.params + projector.params + newline,
    patchSize: t.patch,
    imageSize: tiled ? null : t.image,
    flopsPerImage: tiled ? null : t.flops + 2 * tokens * projector.matmulWeights,
  };
}

/** LLaVA's flat config: the text model its class names, the vision side from the `mm_*` keys. */
export function llavaOriginalFamily(familyOf: FamilyOf): Family {
  return (top, name) => {
    const textType = textTypeOf(top);
    const text = familyOf(textType) ?? top.fail('architectures', `needs the '${textType}' reader`);
    const spec = text(top, name);
    return { ...spec, modelType: top.modelType, vision: readOriginalVision(top, spec.hiddenSize) };
  };
}
