/**
 * Idefics2 (`idefics2`: HuggingFaceM4/idefics2-8b, -base, -chatty). transformers
 * `models/idefics2/configuration_idefics2.py` (Idefics2Config, Idefics2VisionConfig,
 * Idefics2PerceiverConfig) and `modeling_idefics2.py` (Idefics2Model, Idefics2Connector,
 * Idefics2PerceiverResampler), checked against vLLM `model_executor/models/idefics2_vision_model.py`:
 * - model.text_model: the decoder of `text_config` (`mistral` when it names none; MistralConfig's
 *   defaults for the keys it omits);
 * - model.vision_model, Idefics2VisionTransformer: SigLIP's modules (a biased Conv2d patch
 *   embedding, a position table of (image_size / patch_size)² rows, encoder layers with biased q, k,
 *   v, out_proj, fc1 and fc2, a post-LayerNorm), the same as Idefics3's;
 * - model.connector.modality_projection: a bias-free gated MLP from the vision width through the
 *   text model's `intermediate_size` to its width (gate_proj, up_proj, down_proj);
 * - model.connector.perceiver_resampler: `resampler_n_latents` learned latents of the text width,
 *   `resampler_depth` layers of RMSNorms on latents and context, attention whose queries are the
 *   latents and whose keys and values are the context and latents together (q, k, v, o without
 *   bias; `resampler_n_heads` query and `num_key_value_heads` key/value heads of
 *   `resampler_head_dim`), an RMSNorm and a bias-free gated MLP of four times the width, then a
 *   final RMSNorm. Idefics2Config sets the perceiver's width to the text model's.
 * An image of `image_size` (one tile; image splitting adds four crops) becomes the latents' tokens.
 */

import { linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import type { Family } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { fixedVitTower } from './vision.js';
import { type FamilyOf, subConfig, wrapped } from './wrappers.js';

/** Idefics2VisionConfig's `__init__` defaults: CLIPVisionConfig's (768 wide, 12 layers, 224 px, patch 32). */
const IDEFICS2_VISION_DEFAULTS: Json = SUB_CONFIG_DEFAULTS.clip_vision_model ?? {};

/** Idefics2PerceiverConfig's `__init__` defaults. */
const IDEFICS2_PERCEIVER_DEFAULTS: Json = {
  resampler_n_latents: 64,
  resampler_depth: 3,
  resampler_n_heads: 16,
  resampler_head_dim: 96,
  num_key_value_heads: 4,
};

/** A bias-free gated MLP (gate_proj, up_proj: in → inner; down_proj: inner → out). */
const gatedMlp = (inputs: number, inner: number, outputs: number) =>
  2 * linear(inputs, inner, false) + linear(inner, outputs, false);

/** The tower, modality projection and perceiver resampler (see the file comment), `params` exact. */
function readIdefics2Vision(top: Fields, textHidden: number, textIntermediate: number): VisionTowerSpec {
  const vision =
    top.child('vision_config', IDEFICS2_VISION_DEFAULTS) ??
    new Fields(IDEFICS2_VISION_DEFAULTS, top.modelType, ['vision_config']);
  const t = fixedVitTower(vision, 'siglip');
  const p =
    top.child('perceiver_config', IDEFICS2_PERCEIVER_DEFAULTS) ??
    new Fields(IDEFICS2_PERCEIVER_DEFAULTS, top.modelType, ['perceiver_config']);
  const latents = p.positiveInt('resampler_n_latents', { max: 1_000_000 });
  const depth = p.positiveInt('resampler_depth', { max: MAX.layers });
  const heads = p.positiveInt('resampler_n_heads', { max: MAX.heads });
  const kvHeads = p.positiveInt('num_key_value_heads', { max: MAX.heads });
  const headDim = p.positiveInt('resampler_head_dim', { max: MAX.hidden });
  if (kvHeads > heads || heads % kvHeads !== 0)
    p.fail('num_key_value_heads', `(${kvHeads}) must divide resampler_n_heads (${heads})`);
  const h = textHidden;
  const q = heads * headDim;
  const kv = kvHeads * headDim;
  const attention = linear(h, q, false) + 2 * linear(h, kv, false) + linear(q, h, false);
  // input_latents_norm, input_context_norm and post_attention_layernorm: RMSNorms of the width.
  const layer = 3 * h + attention + gatedMlp(h, 4 * h, h);
  const perceiver = latents * h + depth * layer + h;
  const projection = gatedMlp(t.h, textIntermediate, h);
  // Per image: the modality MLP on every patch, then each perceiver layer's latents attend over
  // patches + latents (K/V projected for all of them, queries and MLP for the latents only).
  const context = t.patches + latents;
  const perceiverFlops =
    depth *
    (2 * latents * (h * q + q * h + 3 * h * 4 * h) + 2 * context * 2 * h * kv + 4 * latents * context * q);
  return {
    description: `SigLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch}, perceiver ${depth} × ${latents} latents (${t.patches} patches → ${latents} tokens)`,
    params: t.params + projection + perceiver,
    patchSize: t.patch,
    imageSize: t.image,
    flopsPerImage: t.flops + 2 * t.patches * 3 * t.h * textIntermediate + perceiverFlops,
  };
}

/** The `idefics2` family: the text model of `text_config` (Mistral 7B's by default), the vision side counted apart. */
export function idefics2Wrapper(familyOf: FamilyOf): Family {
  return (top, name) => {
    const text = subConfig(top, 'text_config', 'mistral');
    const withText = text ? top : top.with({ text_config: { model_type: 'mistral' } });
    const spec = wrapped(familyOf, { textType: 'mistral' })(withText, name);
    const intermediate = (subConfig(withText, 'text_config', 'mistral') as Fields).positiveInt(
      'intermediate_size',
      { max: MAX.intermediate },
    );
    return { ...spec, vision: readIdefics2Vision(top, spec.hiddenSize, intermediate) };
  };
}
