/**
 * NVIDIA's Nemotron Nano VL remote-code checkpoints: `NemotronH_Nano_VL_V2`
 * (nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL, `modeling.py` NemotronH_Nano_VL_V2 as quoted in stored code;
 * vLLM `vllm/model_executor/models/nano_nemotron_vl.py`) and `Llama_Nemotron_Nano_VL`
 * (nvidia/Llama-3.1-Nemotron-Nano-VL-8B-V1, `modeling.py` Llama_Nemotron_Nano_VL; vLLM
 * `vllm/model_executor/models/nemotron_vl.py` LlamaNemotronVLChatModel). The tower is the RADIO
 * `hf_model.py` RADIOModel the `vision_config.auto_map` names (NVlabs RADIO: `create_model_from_args`,
 * `enable_cpe`, ViTPatchGenerator; vLLM `vllm/model_executor/models/radio.py` and
 * `vllm/transformers_utils/configs/radio.py` VIT_TIMM_DIM_BY_NAME; Megatron-Bridge
 * `models/nemotron_vl/nemotron_vl_bridge.py` lists the checkpoint's tensors). The model builds:
 *
 * - language_model: AutoModelForCausalLM of `llm_config` (vLLM's renaming: `text_config`), read by the
 *   family of its `model_type` (`nemotron_h` for the V2, `llama` for the Llama one).
 * - vision_model: a timm ViT named by `vision_config.args.model` (width, depth, heads from
 *   VIT_TIMM_DIM_BY_NAME, MLP 4 × width, patch 16), its patch embedding, class token and position table
 *   replaced by the CPE ViTPatchGenerator: embedder Linear(3·P² → h, no bias); with
 *   `video_temporal_patch_size` T > 1 a video_embedder Linear(3·T·P² → h, no bias); pos_embed of
 *   round(cpe_max_size / P)² rows; cls_token of c + r rows, c = the distinct teacher names with
 *   `cls_token_per_teacher` (else 1), r = `cpe_num_registers`, else register_multiple − c mod
 *   register_multiple. Per block: norm1, norm2 LayerNorms; attn.qkv h → 3h and attn.proj h → h with bias;
 *   mlp.fc1 h → 4h and mlp.fc2 back with bias; no layer scale (timm's init_values None). The final norm
 *   is an Identity unless `args.model_norm`; head and fc_norm are Identities; the input conditioner,
 *   summary_idxs and feature normalizers are buffers.
 * - mlp1 after the pixel shuffle by `downsample_ratio` 1/k, of v·k² inputs (v = `vit_hidden_size`):
 *   V2: RMSNorm(v·k²), Linear(v·k² → projector_hidden_size), ReLU², Linear(→ text hidden), no bias;
 *   Llama: LayerNorm(v·k²), Linear(v·k² → projector_hidden_size), GELU, Linear(→ text hidden), with bias.
 * - sound_encoder (V2 with `sound_config`): the Parakeet encoder and projector nemotron-h-omni.ts reads
 *   (vLLM ProjectedParakeet), read as nemotron-h-omni.ts reads it ({@link readParakeetTower}).
 *
 * Images are tiled by their aspect ratio, so no fixed FLOPs per image.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { shuffleFactor } from './internvl.js';
import { readLanguageModel, readParakeetTower } from './nemotron-h-omni.js';
import type { Family } from './readers.js';
import type { FamilyOf } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** vLLM's VIT_TIMM_DIM_BY_NAME: the timm ViTs RADIO builds (width, depth, heads; MLP 4 × width, patch 16). */
const TIMM_VITS: Readonly<Record<string, readonly [number, number, number]>> = {
  vit_small_patch16_224: [384, 12, 6],
  vit_base_patch16_224: [768, 12, 12],
  vit_large_patch16_224: [1024, 24, 16],
  vit_huge_patch16_224: [1280, 32, 16],
};
const PATCH = 16;

/** The distinct `name`s of `args.teachers` (RADIO's `set(t["name"] for t in args.teachers)`). */
function teacherCount(args: Fields): number {
  const teachers = args.raw('teachers');
  if (!Array.isArray(teachers) || teachers.length === 0)
    args.fail('teachers', 'must be a non-empty list of {name} objects with cls_token_per_teacher');
  const names = teachers.map((t) =>
    t !== null && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string'
      ? (t as { name: string }).name
      : args.fail('teachers', `must hold objects with a string name, got ${shown(t)}`),
  );
  return new Set(names).size;
}

/** The RADIO tower (see the file comment): its parameters and width. */
function readRadio(v: Fields): { width: number; depth: number; params: number; frames: number } {
  const args = v.child('args') ?? v.fail('args', 'is required: RADIO builds its ViT from args.model');
  const model = args.string('model', '');
  const shape =
    TIMM_VITS[model] ??
    args.fail('model', `('${model}') is not a ViT llmecon reads: ${Object.keys(TIMM_VITS).join(', ')}`);
  const [h, depth] = shape;
  if (v.positiveInt('patch_size', { fallback: PATCH, max: 4096 }) !== PATCH)
    v.fail('patch_size', `must be ${PATCH}, the patch of ${model}`);
  const kwargs = args.child('model_kwargs');
  const extra = kwargs?.keys().filter((k) => k !== 'weight_init') ?? [];
  if (extra.length > 0) args.fail('model_kwargs', `(${extra.join(', ')}) reshape the timm ViT; not read`);
  if (!args.has('cpe_max_size'))
    args.fail('cpe_max_size', 'is required: the CPE patch generator and its position table');
  const grid = Math.round(args.positiveInt('cpe_max_size', { max: 1_000_000 }) / PATCH);
  if (grid < 1) args.fail('cpe_max_size', `must be at least half the patch size (${PATCH})`);
  const cls = args.bool('cls_token_per_teacher', false) ? teacherCount(args) : 1;
  const multiple = args.int('register_multiple', { fallback: 0, max: 1024 });
  const registers =
    args.int('cpe_num_registers', { fallback: 0, max: 1024 }) ||
    (multiple > 0 ? multiple - (cls % multiple) : 0);
  const frames = v.int('video_temporal_patch_size', { fallback: 1, max: 1024 });
  const patchDim = 3 * PATCH * PATCH;
  const embeddings =
    patchDim * h + (frames > 1 ? frames * patchDim * h : 0) + grid * grid * h + (cls + registers) * h;
  const block = 2 * layerNorm(h) + linear(h, 3 * h) + linear(h, h) + linear(h, 4 * h) + linear(4 * h, h);
  const finalNorm = args.bool('model_norm', false) ? layerNorm(h) : 0;
  return { width: h, depth, params: embeddings + depth * block + finalNorm, frames };
}

/** The vision tower and mlp1 (see the file comment). */
function readVision(top: Fields, textHidden: number, llama: boolean): VisionTowerSpec {
  const v = top.child('vision_config') ?? top.fail('vision_config', 'is required: the RADIO tower');
  const radio = readRadio(v);
  const width = top.positiveInt('vit_hidden_size', { fallback: 1280, max: MAX.hidden });
  if (width !== radio.width)
    top.fail('vit_hidden_size', `(${width}) must be the RADIO width (${radio.width})`);
  const k = shuffleFactor(top);
  const input = width * k * k;
  const hidden = top.positiveInt('projector_hidden_size', { fallback: 4096, max: MAX.intermediate });
  const norm = llama ? layerNorm(input) : input;
  const projector = norm + linear(input, hidden, llama) + linear(hidden, textHidden, llama);
  const video = radio.frames > 1 ? `, ${radio.frames}-frame video patches` : '';
  return {
    description: `RADIO ViT ${radio.depth} × ${radio.width}, patch ${PATCH}${video}; pixel shuffle ${k}×${k}, projector ${fmt(input)} → ${fmt(hidden)} → ${fmt(textHidden)}`,
    params: radio.params + projector,
    patchSize: PATCH,
    imageSize: null,
    flopsPerImage: null,
  };
}

function nanoVl(familyOf: FamilyOf, textType: string, llama: boolean): Family {
  return (top, name) => {
    const { spec } = readLanguageModel(familyOf, top, name, textType);
    const audio = llama ? null : readParakeetTower(top, spec.hiddenSize);
    return { ...spec, modelType: top.modelType, vision: readVision(top, spec.hiddenSize, llama), audio };
  };
}

/** `NemotronH_Nano_VL_V2`: the Nemotron-H text model, the RADIO tower and mlp1 (and Parakeet audio). */
export const nemotronNanoVlV2Family = (familyOf: FamilyOf): Family => nanoVl(familyOf, 'nemotron_h', false);

/** `Llama_Nemotron_Nano_VL`: the Llama text model, the C-RADIO tower and its biased LayerNorm/GELU mlp1. */
export const llamaNemotronNanoVlFamily = (familyOf: FamilyOf): Family => nanoVl(familyOf, 'llama', true);
