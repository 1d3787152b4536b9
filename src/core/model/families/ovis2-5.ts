/**
 * AIDC-AI Ovis2.5 (`ovis2_5`: AIDC-AI/Ovis2.5-2B and Ovis2.5-9B, 2025-08) in its released
 * remote-code format. Sources: the checkpoint's `configuration_ovis2_5.py` (Ovis2_5_Config,
 * Siglip2NavitConfig) and `modeling_ovis2_5.py` (Siglip2VisionEmbeddings, Siglip2Attention,
 * Siglip2MLP, Siglip2EncoderLayer, Siglip2VisionTransformer, VisualTokenizer, VisualEmbedding,
 * Ovis2_5), read in the copy at github Theo-Yim/VLMs `Ovis/HF_Repo/modeling_ovis2_5.py` and
 * `Ovis/ovis/model/configuration_ovis2_5.py`; the same modules in AIDC-AI/Ovis
 * `ovis/model/modeling_ovis.py`, `ovis/model/vit/modeling_siglip2_navit.py`,
 * `ovis/model/vit/configuration_siglip2_navit.py` and `ovis/util/constants.py` (INDICATOR_IDS), and
 * in vLLM `vllm/model_executor/models/ovis2_5.py` (VisualTokenizer, Ovis2_5).
 * - llm: Ovis2_5_Config builds `Qwen3Config(**llm_config)` and the model
 *   `AutoModelForCausalLM.from_config` of it, so the text model is read by the qwen3 family, with
 *   Qwen3Config's defaults under the keys `llm_config` omits; lm_head is tied by
 *   `llm_config.tie_word_embeddings` alone (Ovis2_5.tie_weights calls llm.tie_weights()). Without
 *   `llm_config` no model is built (from_config(None)), so such a config is refused, as is a
 *   `model_type` other than qwen3 (the class would still build Qwen3).
 * - visual_tokenizer.vit: Siglip2NavitModel of `vit_config` (Siglip2NavitConfig's defaults under the
 *   keys it omits): patch_embedding, a Conv2d(C → h, kernel p) with bias when `num_patches` ≤ 0 and a
 *   Linear(C·p² → h) with bias otherwise; with `preserve_original_pe` a learned position table of
 *   (image_size // p)² rows (num_patches rows for the Linear); per layer layer_norm1 → q/k/v/out_proj
 *   with bias (2D RoPE, no weights) → layer_norm2 → fc1, fc2 with bias; post_layernorm (in the state
 *   dict, though VisualTokenizer._encode takes the last block's output before it).
 * - visual_tokenizer.head: each hidden_stride × hidden_stride group of patches concatenated (no
 *   weights), Linear(h·s² → V − 4, no bias) and LayerNorm(V − 4); the softmax is padded with 4 zero
 *   columns for the indicator tokens (INDICATOR_IDS).
 * - vte: the visual embedding table, `visual_vocab_size` V rows × the top-level `hidden_size`, which
 *   Ovis2_5 asserts equals the LLM's (Ovis2_5_Config's default is None); its last 4 rows embed the
 *   image/video boundary indicators.
 * Images keep their native resolution (the processor's min and max pixels, not the config), so the
 * tower has no fixed FLOPs per image. The transformers-native layout (`text_config`/`vision_config`,
 * models/ovis2_5) is not read.
 */
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import type { Family } from './readers.js';
import { readVitBlocks, squarePatches } from './vision.js';
import { type FamilyOf, subConfig } from './wrappers.js';

/** Siglip2NavitConfig's `__init__` defaults (configuration_siglip2_navit.py), for keys `vit_config` omits. */
const SIGLIP2_NAVIT_DEFAULTS: Json = {
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_channels: 3,
  num_patches: -1,
  image_size: 512,
  patch_size: 16,
  hidden_stride: 2,
  preserve_original_pe: true,
};

/** Visual-vocabulary rows reserved for the image/video indicators (INDICATOR_IDS = [-301 … -304]). */
const INDICATOR_TOKENS = 4;

/** Rows of the learned position table from `vit_config` (Siglip2VisionEmbeddings); 0 without preserve_original_pe. */
function positionRows(v: Fields, patch: number): number {
  const n = v.raw('num_patches');
  if (typeof n !== 'number' || !Number.isInteger(n) || n > MAX.positions) {
    v.fail(
      'num_patches',
      `must be an integer: -1 (any n ≤ 0) for the Conv2d patch embedding with an (image_size // patch_size)² position table, n > 0 for the Linear one with n rows; got ${shown(n)}`,
    );
  }
  if (!v.bool('preserve_original_pe', true)) return 0;
  return n > 0 ? n : squarePatches(v, v.positiveInt('image_size', { max: 1_000_000 }), patch);
}

/** The visual tokenizer and table from `vit_config`, `visual_vocab_size` and `hidden_size` (see the file comment). */
function readOvis25Vision(top: Fields, textHidden: number): VisionTowerSpec {
  const v =
    top.child('vit_config', SIGLIP2_NAVIT_DEFAULTS) ??
    top.fail('vit_config', 'is required: Ovis2_5 builds its visual tokenizer (Siglip2NavitModel) from it');
  const type = v.string('model_type', 'siglip2_navit');
  if (type !== 'siglip2_navit')
    v.fail(
      'model_type',
      `must be 'siglip2_navit': Ovis2_5_Config builds vit_config as a Siglip2NavitConfig, got '${type}'`,
    );
  const { h, inter, depth } = readVitBlocks(v);
  const channels = v.positiveInt('num_channels', { max: 64 });
  const patch = v.positiveInt('patch_size', { max: 4096 });
  const positions = positionRows(v, patch);
  const stride = v.positiveInt('hidden_stride', { max: 64 });
  const vocab = top.positiveInt('visual_vocab_size', { fallback: 65_536, max: MAX.vocab });
  if (vocab <= INDICATOR_TOKENS)
    top.fail(
      'visual_vocab_size',
      `(${vocab}) must exceed the ${INDICATOR_TOKENS} indicator rows it reserves`,
    );
  if (!top.has('hidden_size'))
    top.fail(
      'hidden_size',
      `is required: the visual embedding table's width (Ovis2_5 asserts it equals llm_config.hidden_size)`,
    );
  const width = top.positiveInt('hidden_size', { max: MAX.hidden });
  if (width !== textHidden)
    top.fail(
      'hidden_size',
      `(${width}) must equal llm_config.hidden_size (${textHidden}): visual tokens replace token embeddings`,
    );
  const embeddings = channels * patch * patch * h + h + positions * h;
  const layer = 2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h);
  const headRows = vocab - INDICATOR_TOKENS;
  const head = h * stride * stride * headRows + 2 * headRows;
  return {
    description: `SigLIP2-NaViT ${depth} × ${h}, patch ${patch}, native resolution, ${stride}×${stride} patches a visual token, visual vocab ${vocab}`,
    params: embeddings + depth * layer + 2 * h + head + vocab * width,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `ovis2_5` family (see the file comment); `familyOf` supplies the qwen3 family for `llm_config`. */
export function ovis25Wrapper(familyOf: FamilyOf): Family {
  return (top, name) => {
    const native = top.has('text_config')
      ? ' (the transformers-native text_config/vision_config layout is not read)'
      : '';
    const t =
      subConfig(top, 'llm_config', 'qwen3') ??
      top.fail(
        'llm_config',
        `is required: Ovis2_5 builds its language model (a Qwen3Config) from it${native}`,
      );
    const type = t.string('model_type', 'qwen3');
    if (type !== 'qwen3')
      t.fail(
        'model_type',
        `must be 'qwen3': Ovis2_5_Config builds llm_config as a Qwen3Config, got '${type}'`,
      );
    const qwen3 = familyOf('qwen3') ?? t.fail('model_type', "('qwen3') is not a text model llmecon reads");
    const spec = qwen3(t, name);
    return { ...spec, modelType: top.modelType, vision: readOvis25Vision(top, spec.hiddenSize) };
  };
}
