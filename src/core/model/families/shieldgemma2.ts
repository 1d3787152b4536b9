/**
 * ShieldGemma 2 (`shieldgemma2`, ShieldGemma2ForImageClassification: google/shieldgemma-2-4b-it), from
 * transformers `models/shieldgemma2/modeling_shieldgemma2.py`, `configuration_shieldgemma2.py` and
 * `convert_shieldgemma2_weights_orbax_to_hf.py`: its only module, `model`, is
 * AutoModelForImageTextToText.from_config(config), which `models/auto/modeling_auto.py` maps
 * `shieldgemma2` to Gemma3ForConditionalGeneration. So it is read as the `gemma3` wrapper reads:
 * the gemma3_text decoder of `text_config` (embedding tied to lm_head), the SigLIP tower of
 * `vision_config` and Gemma3MultiModalProjector (mm_soft_emb_norm, mm_input_projection_weight) over
 * `mm_tokens_per_image` pooled tokens. The classifier adds no weights: it softmaxes the last position's
 * logits of `yes_token_index` and `no_token_index` (10784 and 3771 by default), which must be rows of
 * the vocabulary.
 */

import type { Family } from './readers.js';
import type { FamilyOf } from './wrappers.js';

export function shieldGemma2Wrapper(familyOf: FamilyOf): Family {
  return (top, name) => {
    const gemma3 =
      familyOf('gemma3') ??
      top.fail('model_type', "reads as 'gemma3' (Gemma3ForConditionalGeneration), which is not registered");
    const spec = gemma3(top, name);
    for (const [key, fallback] of [
      ['yes_token_index', 10_784],
      ['no_token_index', 3771],
    ] as const)
      top.int(key, { fallback, max: spec.vocabSize - 1 });
    return spec;
  };
}
