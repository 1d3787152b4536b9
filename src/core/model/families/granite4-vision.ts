/**
 * IBM Granite 4 Vision (`granite4_vision`: ibm-granite/granite-vision-4.1-4b, 2026), a LLaVA-NeXT
 * layout over a Granite text model whose image features are not fed as tokens once but added into the
 * image-token positions before chosen decoder layers (deepstack), each set made by its own windowed
 * Q-Former projector. transformers `models/granite4_vision/` `configuration_granite4_vision.py`
 * (Granite4VisionConfig, Granite4VisionTextConfig), `modular_granite4_vision.py` /
 * `modeling_granite4_vision.py` (Granite4VisionForConditionalGeneration, Granite4VisionModel,
 * Granite4VisionTextModel, Granite4VisionWindowQFormerDownsampler) and `downsampling_granite4_vision.py`
 * (the earlier WindowQFormerDownsampler, the same modules with the Q-Former's shape fixed), with
 * `models/blip_2/modeling_blip_2.py` (Blip2QFormerModel), `models/siglip/modeling_siglip.py`
 * (SiglipVisionModel) and `models/clip/modeling_clip.py` (CLIPVisionModel); checked against llama.cpp's
 * `convert_hf_to_gguf.py` Granite4VisionMmprojModel (which drops the stored `vision_model.head`).
 *
 * - model.language_model: Granite4VisionTextModel, GraniteModel's modules (Llama layers with scalar
 *   multipliers) built from `text_config`; a text_config naming no model_type is a
 *   Granite4VisionTextConfig (`granite4_vision_text`, GraniteConfig's fields and defaults), read by the
 *   `granite` family; one naming another type is read by that type's family (the remote-code release of
 *   granite-4.0-3b-vision names `granitemoehybrid`); none at all is LlamaConfig(). lm_head (text hidden
 *   → vocab, no bias) is tied to embed_tokens when tie_word_embeddings (top-level default false).
 * - model.vision_tower: AutoModel of `vision_config` (`siglip_vision_model` when absent,
 *   `clip_vision_model` when it names no type): SiglipVisionModel (patch Conv2d with bias, position
 *   table, blocks, post_layernorm, and the attention-pooling head unless `vision_use_head` is false:
 *   probe, in_proj h → 3h and out_proj, layernorm, mlp) or CLIPVisionModel (class embedding, patch
 *   Conv2d without bias, position table with the class position, pre_layrnorm, blocks, post_layernorm).
 * - model.image_newline: one text-hidden vector.
 * - model.layerwise_projectors (one per `deepstack_layer_map` pair) and model.spatial_projectors (four,
 *   the 2×2 offsets, always built), each a Granite4VisionWindowQFormerDownsampler: norm LayerNorm(vision
 *   hidden); query [1, q², vision hidden] and image_positions [1, w², vision hidden] for `downsample_rate`
 *   "q/w"; qformer, a Blip2QFormerModel of `qformer_config` (absent: 1 layer, FFN 3072, cross-attention
 *   every layer, vision-width, heads = width // 64): layernorm, and per layer self-attention (query, key,
 *   value, output.dense, biased, output.LayerNorm), cross-attention on layers index % frequency == 0
 *   (key and value read encoder_hidden_size), intermediate_query / output_query (h → I → h, LayerNorm),
 *   and intermediate / output only with use_qformer_text_input; out_linear vision hidden → text hidden.
 *
 * An image is tiled to its best `image_grid_pinpoints` resolution plus a base view (anyres), so the
 * FLOPs per image are not fixed by the config. Each projector's forward takes exactly (image_size //
 * patch_size)² patch tokens, cut into w × w windows, and the spatial ones keep one patch of each 2×2
 * block as their queries, so the reader refuses configs that cannot run: a select strategy that leaves
 * a class token (SigLIP) or drops a patch (CLIP), a patch grid the windows do not tile, q/w other than 1/2.
 */

import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { BLIP2_QFORMER_DEFAULTS } from './granite-speech.js';
import type { Family } from './readers.js';
import { fixedVitTower } from './vision.js';
import { builtSubConfig, type FamilyOf, textFamilies, wrapped } from './wrappers.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Granite4VisionTextConfig's model_type: GraniteConfig under another name. */
const TEXT_TYPE = 'granite4_vision_text';

/** The spatial projectors Granite4VisionModel builds: one per corner of a 2×2 block. */
const SPATIAL_PROJECTORS = 4;

/** The Blip2QFormerConfig Granite4VisionConfig builds when `qformer_config` is absent, for a `width`-wide tower. */
const derivedQformer = (width: number): Json => ({
  model_type: 'blip_2_qformer',
  num_hidden_layers: 1,
  intermediate_size: 3072,
  cross_attention_frequency: 1,
  use_qformer_text_input: false,
  hidden_size: width,
  num_attention_heads: Math.floor(width / 64),
  encoder_hidden_size: width,
});

/** `downsample_rate` "q/w": the query window side and the key window side. */
function readRate(top: Fields): { query: number; window: number } {
  const rate = top.string('downsample_rate', '');
  const m = /^(\d+)\/(\d+)$/.exec(rate);
  const query = m ? Number(m[1]) : 0;
  const window = m ? Number(m[2]) : 0;
  if (query === 0 || window === 0 || window > MAX.positions) {
    top.fail(
      'downsample_rate',
      `must be a fraction 'query/window' of positive integers such as '4/8' (the projectors split it), got ${shown(top.raw('downsample_rate') ?? null)}`,
    );
  }
  if (2 * query !== window) {
    top.fail(
      'downsample_rate',
      `('${rate}') must halve each side: the spatial projectors keep one patch of each 2×2 block as their queries`,
    );
  }
  return { query, window };
}

/** The number of `deepstack_layer_map` pairs (Granite4VisionModel builds one projector per pair). */
function deepstackPairs(top: Fields): number {
  const map = top.raw('deepstack_layer_map');
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((i) => Number.isInteger(i));
  if (!Array.isArray(map) || map.length > MAX.layers || !map.every(pair)) {
    top.fail(
      'deepstack_layer_map',
      'must be a list of [vision_layer, llm_layer] integer pairs (Granite4VisionModel builds one projector per pair)',
    );
  }
  return map.length;
}

/** A Blip2QFormerModel (see the file comment) over `width`-wide queries and encoder states: its shape and parameters. */
function readQformer(q: Fields, width: number) {
  const type = q.string('model_type', 'blip_2_qformer');
  if (type !== 'blip_2_qformer')
    q.fail(
      'model_type',
      `is '${type}'; Granite4VisionWindowQFormerDownsampler is read with a 'blip_2_qformer'`,
    );
  const h = q.positiveInt('hidden_size', { max: MAX.hidden });
  // The queries (query + downsampled patches) are vision-width, and out_linear reads that width.
  if (h !== width) q.fail('hidden_size', `(${h}) must equal vision_config.hidden_size (${width})`);
  const heads = q.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) q.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const layers = q.positiveInt('num_hidden_layers', { max: MAX.layers });
  const ffn = q.positiveInt('intermediate_size', { max: MAX.intermediate });
  const every = q.positiveInt('cross_attention_frequency', { max: MAX.layers });
  const encoder = q.positiveInt('encoder_hidden_size', { max: MAX.hidden });
  if (encoder !== width)
    q.fail('encoder_hidden_size', `(${encoder}) must equal vision_config.hidden_size (${width})`);
  const position = q.string('position_embedding_type', 'absolute');
  if (position !== 'absolute')
    q.fail('position_embedding_type', `is '${position}'; llmecon reads only 'absolute'`);
  const textInput = q.bool('use_qformer_text_input', false);
  const selfAttention = 4 * linear(h, h) + layerNorm(h);
  const crossAttention = 2 * linear(h, h) + 2 * linear(encoder, h) + layerNorm(h);
  const feedForward = linear(h, ffn) + linear(ffn, h) + layerNorm(h);
  let params = layerNorm(h);
  for (let i = 0; i < layers; i += 1)
    params += selfAttention + (i % every === 0 ? crossAttention : 0) + (textInput ? 2 : 1) * feedForward;
  return { layers, params };
}

/** The vision side (see the file comment): tower, image_newline and projectors, `params` exact. */
export function readGranite4Vision(
  top: Fields,
  textHidden: number,
): VisionTowerSpec & { warnings: string[] } {
  const v = builtSubConfig(
    top.has('vision_config') ? top : top.with({ vision_config: { model_type: 'siglip_vision_model' } }),
    'vision_config',
    'clip_vision_model',
    {},
  );
  const type = v.string('model_type', 'clip_vision_model');
  if (type !== 'siglip_vision_model' && type !== 'clip_vision_model')
    v.fail(
      'model_type',
      `is '${type}'; Granite 4 Vision is read with 'siglip_vision_model' or 'clip_vision_model'`,
    );
  const kind = type === 'siglip_vision_model' ? 'siglip' : 'clip';
  const t = fixedVitTower(v, kind);
  const inter = v.positiveInt('intermediate_size', { max: MAX.intermediate });
  const pooling = kind === 'siglip' && v.bool('vision_use_head', true);
  // SiglipMultiheadAttentionPoolingHead: probe, in_proj (h → 3h) and out_proj, layernorm, mlp.
  const head = pooling
    ? t.h + linear(t.h, 3 * t.h) + linear(t.h, t.h) + layerNorm(t.h) + linear(t.h, inter) + linear(inter, t.h)
    : 0;
  const want = kind === 'siglip' ? 'full' : 'default';
  const strategy = top.string('vision_feature_select_strategy', 'default');
  if (strategy !== want)
    top.fail(
      'vision_feature_select_strategy',
      `is '${strategy}'; with a ${kind === 'siglip' ? 'SigLIP' : 'CLIP'} tower it must be '${want}': each projector takes exactly the (image_size / patch_size)² patch tokens`,
    );
  const { query, window } = readRate(top);
  const side = Math.floor(t.image / t.patch);
  if (side % window !== 0)
    v.fail(
      'image_size',
      `gives a ${side} × ${side} patch grid, which ${window} × ${window} windows (downsample_rate) do not tile`,
    );
  const q = readQformer(
    top.has('qformer_config')
      ? builtSubConfig(top, 'qformer_config', 'blip_2_qformer', BLIP2_QFORMER_DEFAULTS)
      : (top.with({ qformer_config: derivedQformer(t.h) }).child('qformer_config') as Fields),
    t.h,
  );
  // norm, query, image_positions, qformer, out_linear.
  const projector =
    layerNorm(t.h) + (query * query + window * window) * t.h + q.params + linear(t.h, textHidden);
  const deepstack = deepstackPairs(top);
  const projectors = deepstack + SPATIAL_PROJECTORS;
  const warnings = top.bool('use_spatial_sampling', true)
    ? []
    : [
        `granite4_vision: use_spatial_sampling is false, but transformers' Granite4VisionModel builds the ${SPATIAL_PROJECTORS} spatial projectors whatever it says: counted (${fmt(SPATIAL_PROJECTORS * projector)} parameters)`,
      ];
  const name = kind === 'siglip' ? 'SigLIP' : 'CLIP';
  return {
    description: `${name} ${t.depth} × ${t.h}, ${t.image}px tiles (anyres), patch ${t.patch}${pooling ? ', pooling head' : ''}; ${deepstack} deepstack + ${SPATIAL_PROJECTORS} spatial window Q-Former projectors (${q.layers} × ${t.h}, ${query}×${query} queries per ${window}×${window} window) → ${textHidden}`,
    params: t.params + head + textHidden + projectors * projector,
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage: null,
    warnings,
  };
}

/** The text_config Granite4VisionConfig builds: `granite4_vision_text` (or no type) is GraniteConfig, none is LlamaConfig(). */
function withTextConfig(top: Fields): Fields {
  const raw = top.raw('text_config');
  if (raw === undefined || raw === null) return top.with({ text_config: { model_type: 'llama' } });
  const t = top.child('text_config') as Fields;
  return t.string('model_type', TEXT_TYPE) === TEXT_TYPE
    ? top.with({ text_config: { ...(raw as Json), model_type: 'granite' } })
    : top;
}

/**
 * The `granite4_vision` family (Granite4VisionForConditionalGeneration): the text model by
 * `text_config`'s type (a type `familyOf` does not know is refused), the tower and projectors as
 * `spec.vision`, a warning where the config's `use_spatial_sampling` disagrees with what is built.
 */
export function granite4VisionWrapper(familyOf: FamilyOf): Family {
  const text = wrapped(textFamilies(familyOf, 'Granite4VisionConfig'), { textType: 'granite' });
  return (top, name) => {
    const spec = text(withTextConfig(top), name);
    const { warnings: visionWarnings, ...vision } = readGranite4Vision(top, spec.hiddenSize);
    const warnings = [...(spec.warnings ?? []), ...visionWarnings];
    return { ...spec, vision, ...(warnings.length > 0 ? { warnings } : {}) };
  };
}
