/**
 * Gemma 4 unified (`gemma4_unified`, Gemma4UnifiedForConditionalGeneration, google/gemma-4-12B), as
 * transformers builds it (`models/gemma4_unified/configuration_gemma4_unified.py`,
 * `modular_gemma4_unified.py`, `modeling_gemma4_unified.py`; vLLM `models/gemma4_unified.py`):
 * - the text model (`gemma4_unified_text`, Gemma4UnifiedTextModel) is Gemma 4's decoder without its
 *   per-layer input embeddings and without the MoE block (Gemma4UnifiedTextConfig drops
 *   `hidden_size_per_layer_input`, `enable_moe_block` and the expert keys; "PLE and MoE is not
 *   used"): Gemma4TextAttention (sliding layers at `head_dim` × `num_key_value_heads`, global ones at
 *   `global_head_dim` or `per_layer_config`, with `attention_k_eq_v` no v_proj; q/k RMSNorms, a
 *   weightless v norm; KV-shared last layers) and Gemma4TextMLP (GeGLU, double-wide on KV-shared
 *   layers) in Gemma 2's four-norm layer; its `layer_scalar` is a buffer. It is read by
 *   {@link gemma4Text} with those two keys switched off (a config that sets them is warned).
 * - no vision tower: `embed_vision` (Gemma4UnifiedVisionEmbedder) embeds raw merged patches
 *   (`patch_size` × `pooling_kernel_size` pixels square, 3 channels) by LayerNorm → Linear with bias
 *   (→ `mm_embed_dim`) → LayerNorm, adds a factorized 2-D position table (`mm_posemb_size` × 2 ×
 *   `mm_embed_dim`), LayerNorm, then Gemma4UnifiedMultimodalEmbedder (weightless RMSNorm, a
 *   bias-free `output_proj_dims` → text hidden projection). One merged patch is one soft token.
 * - no audio tower: `embed_audio` is that multimodal embedder alone over raw waveform frames of
 *   `audio_embed_dim` samples (weightless RMSNorm, `audio_embed_dim` → text hidden, no bias).
 * Both embedders are counted apart, like vision towers; LayerNorms carry weight and bias.
 */
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { gemma4Text } from './gemma4.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { subConfig, wrapped } from './wrappers.js';

/** Gemma 4 modules Gemma4UnifiedTextModel does not build, and the value that switches each off. */
const NOT_BUILT = { enable_moe_block: false, hidden_size_per_layer_input: 0 } as const;

/**
 * Gemma4UnifiedTextConfig's defaults (configuration_gemma4_unified.py): Gemma4TextConfig's with a
 * 262,144-token context, 1,024-token windows and no per-layer inputs; global_head_dim 512 is read in gemma4.ts.
 */
const TEXT_DEFAULTS: Json = {
  ...SUB_CONFIG_DEFAULTS.gemma4_text,
  max_position_embeddings: 262_144,
  sliding_window: 1024,
  tie_word_embeddings: true,
  ...NOT_BUILT,
};

/** Gemma4UnifiedVisionConfig's defaults. */
const VISION_DEFAULTS: Json = {
  patch_size: 16,
  pooling_kernel_size: 3,
  mm_embed_dim: 3840,
  mm_posemb_size: 1120,
  output_proj_dims: 3840,
};

/** Gemma4UnifiedAudioConfig's default: 640 samples (40 ms at 16 kHz) per soft token. */
const AUDIO_EMBED_DIM = 640;

/** The unified text model: Gemma 4's decoder with neither per-layer inputs nor the MoE block. */
export const gemma4UnifiedText: Family = (f, name) => {
  const set = Object.entries(NOT_BUILT).filter(([key, off]) => f.has(key) && f.raw(key) !== off);
  const spec = gemma4Text(withClassDefaults(f, TEXT_DEFAULTS).with(NOT_BUILT), name);
  if (set.length === 0) return spec;
  const warnings = set.map(
    ([key]) =>
      `gemma4_unified: ${key} (${shown(f.raw(key))}) is not read: Gemma4UnifiedTextModel builds no per-layer input embeddings and no MoE block`,
  );
  return { ...spec, warnings: [...(spec.warnings ?? []), ...warnings] };
};

/**
 * `embed_vision` (Gemma4UnifiedVisionEmbedder) over patches of `patch_size` · `pooling_kernel_size`
 * pixels. FLOPs per image are given at the default budget of `num_soft_tokens` merged patches (the
 * image processor's 280 when absent); the LayerNorms, the position lookup and the bias add are
 * elementwise and left out.
 */
function readGemma4UnifiedVision(f: Fields, textHidden: number): VisionTowerSpec {
  const patch = f.positiveInt('patch_size', { max: 4096 });
  const pool = f.positiveInt('pooling_kernel_size', { max: 64 });
  const modelPatch = patch * pool;
  if (f.has('model_patch_size') && f.raw('model_patch_size') !== modelPatch) {
    f.fail(
      'model_patch_size',
      `(${shown(f.raw('model_patch_size'))}) must be patch_size × pooling_kernel_size (${patch} × ${pool} = ${modelPatch}), as Gemma4UnifiedVisionConfig requires`,
    );
  }
  const mm = f.positiveInt('mm_embed_dim', { max: MAX.hidden });
  const posRows = f.positiveInt('mm_posemb_size', { max: MAX.positions });
  const out = f.positiveInt('output_proj_dims', { max: MAX.hidden });
  if (out !== mm) {
    f.fail(
      'output_proj_dims',
      `(${out}) must equal mm_embed_dim (${mm}): the multimodal embedder projects the patch embeddings`,
    );
  }
  const tokens = f.positiveInt('num_soft_tokens', { fallback: 280, max: 1_000_000 });
  const patchDim = 3 * modelPatch * modelPatch;
  const patchEmbed = 2 * patchDim + (patchDim * mm + mm) + 2 * mm;
  const params = patchEmbed + posRows * 2 * mm + 2 * mm + out * textHidden;
  return {
    description: `Gemma 4 unified patch embedder (no vision encoder), ${modelPatch}-pixel patches (${patch} × ${pool}×${pool}) → ${mm} → ${textHidden}, ${tokens} tokens per image at the default budget`,
    params,
    patchSize: modelPatch,
    imageSize: null,
    flopsPerImage: 2 * tokens * (patchDim * mm + out * textHidden),
  };
}

/**
 * `embed_audio` (Gemma4UnifiedMultimodalEmbedder over raw frames): `audio_embed_dim` → text hidden,
 * no bias, its RMSNorm weightless. `hidden_size`, `output_proj_dims` and `audio_samples_per_token`
 * are properties of `audio_embed_dim` that transformers writes beside it; one that differs is refused.
 */
function readGemma4UnifiedAudio(f: Fields, textHidden: number): NonNullable<ModelSpec['audio']> {
  const dim = f.positiveInt('audio_embed_dim', { fallback: AUDIO_EMBED_DIM, max: MAX.hidden });
  for (const key of ['hidden_size', 'output_proj_dims', 'audio_samples_per_token']) {
    if (f.has(key) && f.raw(key) !== dim) {
      f.fail(
        key,
        `(${shown(f.raw(key))}) is audio_embed_dim (${dim}) under another name in Gemma4UnifiedAudioConfig and must equal it`,
      );
    }
  }
  return {
    description: `Gemma 4 unified audio embedder (no audio encoder), ${dim}-sample frames → ${textHidden}`,
    params: dim * textHidden,
  };
}

/** The text model and `embed_vision`, which exists only with a vision_config. */
const withVision = wrapped(() => gemma4UnifiedText, {
  textType: 'gemma4_unified_text',
  vision: (top, textHidden) => {
    const v = subConfig(top, 'vision_config', 'gemma4_unified_vision');
    return v ? readGemma4UnifiedVision(withClassDefaults(v, VISION_DEFAULTS), textHidden) : null;
  },
});

/**
 * The `gemma4_unified` wrapper: Gemma4UnifiedConfig always builds its text_config as a
 * Gemma4UnifiedTextConfig, so the text model is read by {@link gemma4UnifiedText}; `embed_vision`
 * and `embed_audio` exist only with their sub-configs.
 */
export const gemma4Unified: Family = (top, name) => {
  const spec = withVision(top, name);
  const audio = subConfig(top, 'audio_config', 'gemma4_unified_audio');
  return audio ? { ...spec, audio: readGemma4UnifiedAudio(audio, spec.hiddenSize) } : spec;
};
