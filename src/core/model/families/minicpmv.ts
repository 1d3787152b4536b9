/**
 * OpenBMB MiniCPM-V 2.5, 2.6, 4.0 and 4.5 (`minicpmv`, remote-code `MiniCPMV`: openbmb/MiniCPM-Llama3-V-2_5,
 * MiniCPM-V-2_6, MiniCPM-V-4, MiniCPM-V-4_5). Shapes from the checkpoints' remote code as quoted in
 * stored code: `configuration_minicpm.py` (MiniCPMVConfig over Qwen2Config / Qwen3Config / LlamaConfig,
 * its default_vision_config, `drop_vision_last_layer` default true), `modeling_minicpmv.py` (MiniCPMV:
 * llm, vpm, resampler), `modeling_navit_siglip.py` (SiglipVisionTransformer, SiglipVisionEmbeddings)
 * and `resampler.py` (Resampler, its MultiheadAttention); the LLM class per `version` from vLLM
 * `model_executor/models/minicpmv.py` (MiniCPMV2_5 / 2_6 / 4_0 / 4_5: LlamaForCausalLM,
 * Qwen2ForCausalLM, LlamaForCausalLM, Qwen3ForCausalLM; Resampler2_5 / Resampler4_5).
 *
 * - llm: the language model's keys sit at the top level of the config; read by the family of its LLM
 *   class (`qwen2`, `qwen3`, `llama`), with that class's defaults for the keys the config omits.
 * - vpm, counted apart (SigLIP-400M NaViT): embeddings.patch_embedding (Conv2d c → h, kernel = stride
 *   = patch, biased), embeddings.position_embedding of (image_size // patch_size)² rows of h (bucketed
 *   per slice); `num_hidden_layers` layers (one fewer with `drop_vision_last_layer`) of layer_norm1,
 *   self_attn q/k/v/out_proj (h → h, biased), layer_norm2, mlp fc1/fc2 (biased); post_layernorm; no head.
 * - resampler: query [query_num, d] (d = the text width), kv_proj h → d (bias-free, an identity when
 *   h = d), attn (nn.MultiheadAttention of d with d // 128 heads: in_proj [3d, d] and out_proj, biased),
 *   ln_q, ln_kv, ln_post (LayerNorms of d), proj [d, d]. Its 2-D sincos positions (and 4.5's temporal
 *   ones) are non-persistent buffers, not parameters.
 * Images are sliced at native aspect ratio (NaViT packing), so FLOPs per image are not fixed by the
 * config. MiniCPM-V 2.0 (timm ViT, a persistent pos_embed) is not read.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { TOWER_CONFIG_DEFAULTS } from './tower-config-defaults.js';
import { fixedVitTower } from './vision.js';
import { builtSubConfig, type FamilyOf } from './wrappers.js';

/** The LLM class of each `version` (vLLM's _SUPPORT_VERSION), as the `model_type` llmecon reads it by. */
const TEXT_TYPE_OF_VERSION: Readonly<Record<string, string>> = {
  '2.5': 'llama',
  '2.6': 'qwen2',
  '4.0': 'llama',
  '4.5': 'qwen3',
};

/** MiniCPMVConfig.default_vision_config: SigLIP-so400m at 980 px, patch 14. */
const MINICPMV_VISION_DEFAULTS: Json = {
  hidden_size: 1152,
  image_size: 980,
  intermediate_size: 4304,
  num_attention_heads: 16,
  num_hidden_layers: 27,
  patch_size: 14,
};

/**
 * The release's `version` as vLLM reads it (`str(version)` split at the dot: 4.0 is "4.0"); without
 * one, 2.0 when hidden_size is 2304 and query_num 64, else 2.5.
 */
function readVersion(top: Fields): string {
  const raw = top.raw('version');
  if (raw === undefined || raw === null) {
    const v2 =
      top.raw('hidden_size') === 2304 && top.int('query_num', { fallback: 64, max: 1_000_000 }) === 64;
    return v2 ? '2.0' : '2.5';
  }
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw.toFixed(1);
  if (typeof raw === 'string') return raw.includes('.') ? raw : `${raw}.0`;
  return top.fail('version', `must be a number or a string such as 2.6, got ${shown(raw)}`);
}

/**
 * The vision tower (vpm) and resampler (see the file comment), `params` exact, into `textHidden`.
 * `top` is the MiniCPMVConfig; its `vision_config` is a SiglipVisionConfig (default_vision_config when absent).
 */
function readMiniCpmVVision(top: Fields, textHidden: number): VisionTowerSpec {
  const parent = top.has('vision_config') ? top : top.with({ vision_config: MINICPMV_VISION_DEFAULTS });
  const v = builtSubConfig(
    parent,
    'vision_config',
    'siglip_vision_model',
    TOWER_CONFIG_DEFAULTS.siglip_vision_model ?? {},
  );
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const depth = v.positiveInt('num_hidden_layers', { max: MAX.layers });
  const drop = top.bool('drop_vision_last_layer', true);
  if (drop && depth < 2)
    v.fail('num_hidden_layers', `(${depth}) leaves no layer once drop_vision_last_layer drops the last`);
  const built = drop ? depth - 1 : depth;
  const tower = fixedVitTower(v.with({ num_hidden_layers: built }), 'siglip');
  const queries = top.positiveInt('query_num', { fallback: 64, max: 1_000_000 });
  const resamplerHeads = Math.floor(textHidden / 128);
  if (resamplerHeads < 1 || textHidden % resamplerHeads !== 0)
    top.fail(
      'hidden_size',
      `(${textHidden}) must split into hidden_size // 128 resampler heads (nn.MultiheadAttention)`,
    );
  const d = textHidden;
  const kvProj = h === d ? 0 : linear(h, d, false);
  const resampler =
    queries * d + kvProj + linear(d, 3 * d) + linear(d, d) + 3 * layerNorm(d) + linear(d, d, false);
  return {
    description: `SigLIP NaViT ${built} × ${h}, patch ${tower.patch}, ${tower.patches} positions, resampler of ${queries} queries`,
    params: tower.params + resampler,
    patchSize: tower.patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/**
 * The `minicpmv` family: the top-level language model read by the family of its LLM class per
 * `version` (Qwen2 for 2.6, Qwen3 for 4.5, Llama for 2.5 and 4.0), the vision tower and resampler
 * counted apart ({@link readMiniCpmVVision}).
 */
export function minicpmvWrapper(familyOf: FamilyOf): Family {
  return (top, name) => {
    const version = readVersion(top);
    const textType = TEXT_TYPE_OF_VERSION[version];
    if (!textType)
      return top.fail(
        'version',
        `(${version}) is not one llmecon reads; MiniCPM-V 2.5, 2.6, 4.0 and 4.5 are (2.0 builds a timm ViT)`,
      );
    const text = familyOf(textType) ?? top.fail('version', `(${version}): no '${textType}' text family`);
    const spec = text(withClassDefaults(top, SUB_CONFIG_DEFAULTS[textType] ?? {}), name);
    return { ...spec, modelType: top.modelType, vision: readMiniCpmVVision(top, spec.hiddenSize) };
  };
}
