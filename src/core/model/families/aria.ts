/**
 * Rhymes AI Aria (`aria`, rhymes-ai/Aria, 25.3B total / 3.9B active) and its text model (`aria_text`).
 * transformers `models/aria/configuration_aria.py` (AriaTextConfig, AriaConfig), `modular_aria.py` and
 * `modeling_aria.py` (AriaTextModel, AriaTextMoELayer, AriaGroupedExpertsMLP, AriaSharedExpertsMLP,
 * AriaProjector, AriaCrossAttention, AriaProjectorMLP, AriaModel); the Rhymes release code
 * (github rhymes-ai/Aria `aria/model/moe_lm.py`, `projector.py`, `vision_encoder.py`) builds the same:
 * - AriaTextModel: embed_tokens, `num_hidden_layers` decoder layers (input and post-attention RMSNorms;
 *   LlamaAttention's q, k, v, o, biased per `attention_bias`), the final RMSNorm, an untied lm_head.
 *   Every layer's MLP is AriaTextMoELayer: router (h → `moe_num_experts`, no bias; softmax over the
 *   top `moe_topk` logits), AriaGroupedExpertsMLP — fc1 one 3D parameter [E, h, 2·I] (gate and up,
 *   fused) and fc2 [E, I, h], I = `intermediate_size` — and AriaSharedExpertsMLP, one SwiGLU of
 *   I·`moe_num_shared_experts` (gate, up, down biased per `mlp_bias`) run on every token.
 * - AriaConfig's vision tower is always an Idefics3VisionTransformer (`vision_config.model_type` is
 *   set to `idefics3_vision`): SigLIP's patch Conv2d with bias, a (image_size / patch_size)² position
 *   table, `num_hidden_layers` encoder layers (LayerNorm, q/k/v/out with bias, LayerNorm, fc1/fc2 with
 *   bias) and post_layernorm.
 * - AriaProjector: `query`, max(`projector_patch_to_query_dict` values) learned queries of the vision
 *   width v; AriaCrossAttention — q_proj, k_proj, v_proj (v → v, no bias), nn.MultiheadAttention
 *   (in_proj [3v, v] + 3v bias, out_proj v → v with bias), linear (v → v with bias), layer_norm and
 *   layer_norm_kv; layer_norm (v); AriaProjectorMLP linear_in (v → text hidden) and linear_out
 *   (text hidden → text hidden), both bias-free. The processor sizes images to 490 or 980 px and may
 *   split them into crops, so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX } from './fields.js';
import { decoder, type Family, withClassDefaults } from './readers.js';
import { fixedVitTower } from './vision.js';
import { IDEFICS3_VISION_DEFAULTS } from './vlm-wrappers.js';
import { builtSubConfig, wrapped } from './wrappers.js';

/** AriaTextConfig's defaults for the keys a config omits (transformers `configuration_aria.py`). */
export const ARIA_TEXT_DEFAULTS: Json = {
  vocab_size: 32_000,
  hidden_size: 4096,
  intermediate_size: 4096,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  max_position_embeddings: 2048,
  attention_bias: false,
  mlp_bias: false,
  tie_word_embeddings: false,
  moe_num_experts: 8,
  moe_topk: 2,
  moe_num_shared_experts: 2,
};

/** AriaConfig's `projector_patch_to_query_dict` default: 490 px (35² patches) → 128, 980 px (70²) → 256 queries. */
const DEFAULT_PATCH_TO_QUERY: Json = { '1225': 128, '4900': 256 };

/** The Aria text model (see the file comment): every layer an MoE layer with shared experts. */
export const ariaText: Family = (config, name) => {
  const f = withClassDefaults(config, ARIA_TEXT_DEFAULTS);
  // mlp_bias biases the shared experts only (the grouped experts have none); llmecon counts shared
  // experts bias-free, so it would under-count.
  if (f.bool('mlp_bias', false))
    f.fail(
      'mlp_bias',
      "is true: Aria's shared experts would carry biases its routed experts lack, not supported",
    );
  const spec = decoder(f, name, {
    layerMlp: 'moe',
    moe: {
      experts: 'moe_num_experts',
      topK: 'moe_topk',
      expertSize: 'intermediate_size',
      shared: { countKey: 'moe_num_shared_experts' },
    },
  });
  // AriaGroupedExpertsGemm: fc1 and fc2 are 3D parameters, fc1 gate and up fused.
  return { ...spec, moe: spec.moe && { ...spec.moe, fusedGateUp: true } };
};

/** `projector_patch_to_query_dict` (patches per image → queries): the entries, each a positive integer pair. */
function readPatchToQuery(top: Fields): Map<number, number> {
  const d =
    top.child('projector_patch_to_query_dict') ??
    new Fields(DEFAULT_PATCH_TO_QUERY, top.modelType, ['projector_patch_to_query_dict']);
  const entries = new Map<number, number>();
  for (const key of d.keys()) {
    if (!/^[1-9]\d*$/.test(key)) d.fail(key, 'must be a patch count (a positive integer)');
    entries.set(Number(key), d.positiveInt(key, { max: MAX.positions }));
  }
  if (entries.size === 0)
    top.fail('projector_patch_to_query_dict', 'must map at least one patch count to a query count');
  return entries;
}

/** The Idefics3 vision tower and AriaProjector (see the file comment), `params` exact. */
function readAriaVision(top: Fields, textHidden: number): VisionTowerSpec {
  const v = builtSubConfig(top, 'vision_config', 'idefics3_vision', IDEFICS3_VISION_DEFAULTS);
  const t = fixedVitTower(v, 'siglip');
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  // nn.MultiheadAttention splits the vision width across the heads.
  if (t.h % heads !== 0)
    v.fail(
      'num_attention_heads',
      `(${heads}) must divide hidden_size (${t.h}) for the projector's attention`,
    );
  const queryMap = readPatchToQuery(top);
  const queries = Math.max(...queryMap.values());
  const crossAttention =
    3 * linear(t.h, t.h, false) + linear(t.h, 3 * t.h) + 2 * linear(t.h, t.h) + 2 * layerNorm(t.h);
  const mlp = linear(t.h, textHidden, false) + linear(textHidden, textHidden, false);
  const projector = queries * t.h + crossAttention + layerNorm(t.h) + mlp;
  const tokens = queryMap.get(t.patches);
  const perImage = tokens === undefined ? `up to ${queries}` : `→ ${tokens}`;
  return {
    description: `SigLIP ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch} (${t.patches} patches ${perImage} queries)`,
    params: t.params + projector,
    patchSize: t.patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `aria` family (AriaForConditionalGeneration): `text_config` is always read as {@link ariaText}
 * (AriaConfig builds AriaTextConfig from it whatever its `model_type`; all defaults when absent),
 * the vision tower and projector counted apart.
 */
export const aria: Family = (top, name) =>
  wrapped(() => ariaText, { textType: 'aria_text', vision: readAriaVision })(
    top.has('text_config') ? top : top.with({ text_config: {} }),
    name,
  );
