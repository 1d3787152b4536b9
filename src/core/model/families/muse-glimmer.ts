/**
 * Meta Muse Glimmer (`muse_glimmer`, meta-models/Muse-Glimmer-30B; its text model `muse_glimmer_text`).
 * transformers `models/muse_glimmer/modular_muse_glimmer.py` (MuseGlimmerConfig, MuseGlimmerTextConfig,
 * MuseGlimmerVisionConfig, MuseGlimmerTextModel, MuseGlimmerVisionModel, MuseGlimmerModel):
 * - The text model is Gemma 2's decoder layer (input, post-attention, pre- and post-feed-forward
 *   RMSNorms; a SwiGLU MLP of `intermediate_size`) with AfmoeAttention's projections: q, k, v, o
 *   without bias and gate_proj (h → heads·head_dim, no bias) whose sigmoid gates the attention output
 *   elementwise, its own module (`gateProjection`). Its q/k norm has no weight; the embedding's norm
 *   has none either; the final norm has one. `layer_types` slides over `sliding_window` (2048) on
 *   every layer but each fourth counted back from the last (the NoPE layers), lm_head untied.
 * - The vision tower, MuseGlimmerVisionModel: a bias-free Linear patch embedding of
 *   `patch_temporal`·3·`patch_size`² inputs, a learned `pos_emb_height`×`pos_emb_width` position table,
 *   ln_pre, `num_hidden_layers` Kimi-K2.5 vision layers (LayerNorm, q, k, v and proj biased,
 *   LayerNorm, fc1 and fc2 biased; window or full attention, no parameters), ln_post, then a
 *   `merge_size`² pixel shuffle into `out_hidden_size` = h·merge².
 * - The vision adapter fc1 (out_hidden_size → projector_hidden_size) and fc2 (→ projector_hidden_size),
 *   and vision_projection (→ text hidden), all without bias, counted with the tower.
 * Images keep their aspect ratio under a token cap, so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { GqaAttention, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { gemmaDecoder } from './gemma2.js';
import { type Family, withClassDefaults } from './readers.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** MuseGlimmerTextConfig's defaults (the 30B release's shape) for the keys a text config omits. */
export const MUSE_GLIMMER_TEXT_DEFAULTS: Json = {
  vocab_size: 202_048,
  hidden_size: 6656,
  intermediate_size: 19_968,
  num_hidden_layers: 52,
  num_attention_heads: 32,
  num_key_value_heads: 2,
  head_dim: 128,
  max_position_embeddings: 131_072,
  sliding_window: 2048,
  tie_word_embeddings: false,
  hidden_activation: 'silu',
};

/** MuseGlimmerVisionConfig's defaults. */
const MUSE_GLIMMER_VISION_DEFAULTS: Json = {
  hidden_size: 1536,
  num_hidden_layers: 50,
  intermediate_size: 8960,
  patch_size: 14,
  patch_temporal: 2,
  merge_size: 2,
  pos_emb_height: 32,
  pos_emb_width: 32,
};

/** The Muse Glimmer text model (see the file comment). */
export const museGlimmerText: Family = (config, name) => {
  const f = withClassDefaults(config, MUSE_GLIMMER_TEXT_DEFAULTS);
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  // Without layer_types: full attention on every fourth layer counted back from the last.
  const spec = gemmaDecoder(f, name, (i) => (n - 1 - i) % 4 !== 0, 'none', { defaultWindow: 2048 });
  const attention: GqaAttention = {
    ...(spec.attention as GqaAttention),
    outputGate: true,
    gateProjection: true,
  };
  return { ...spec, attention, tieWordEmbeddings: f.bool('tie_word_embeddings', false) };
};

/** The vision tower, adapter and projection (see the file comment), `params` exact. */
function readMuseGlimmerVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v =
    subConfig(top, 'vision_config', 'muse_glimmer_vision') ??
    new Fields({}, top.modelType, ['vision_config']);
  const g = withClassDefaults(v, MUSE_GLIMMER_VISION_DEFAULTS);
  const h = g.positiveInt('hidden_size', { max: MAX.hidden });
  const depth = g.positiveInt('num_hidden_layers', { max: MAX.layers });
  const inter = g.positiveInt('intermediate_size', { max: MAX.intermediate });
  const patch = g.positiveInt('patch_size', { max: 4096 });
  const temporal = g.positiveInt('patch_temporal', { max: 64 });
  const merge = g.positiveInt('merge_size', { max: 64 });
  const positions =
    g.positiveInt('pos_emb_height', { max: 65_536 }) * g.positiveInt('pos_emb_width', { max: 65_536 });
  const merged = top.positiveInt('out_hidden_size', { fallback: h * merge * merge, max: MAX.hidden });
  if (merged !== h * merge * merge)
    top.fail(
      'out_hidden_size',
      `(${merged}) must be the tower's width × merge_size² (${h} × ${merge}² = ${h * merge * merge})`,
    );
  const adapter = top.positiveInt('projector_hidden_size', { fallback: 4096, max: MAX.hidden });
  const block = 2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);
  const tower =
    linear(temporal * 3 * patch * patch, h, false) + positions * h + 2 * layerNorm(h) + depth * block;
  const projector =
    linear(merged, adapter, false) + linear(adapter, adapter, false) + linear(adapter, textHidden, false);
  return {
    description: `Muse Glimmer ViT ${depth} × ${h}, patch ${patch}, ${merge}×${merge} pixel shuffle, adapter ${adapter}`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** The `muse_glimmer` family: its text model (MuseGlimmerTextConfig's defaults) and the vision side counted apart. */
export function museGlimmerWrapper(familyOf: FamilyOf): Family {
  return wrapped(familyOf, { textType: 'muse_glimmer_text', vision: readMuseGlimmerVision });
}
