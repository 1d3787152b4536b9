/**
 * NVIDIA Cosmos 3 Edge (`cosmos3_edge`, Cosmos3EdgeForConditionalGeneration: nvidia/Cosmos3-Edge,
 * nvidia/Cosmos3-Edge-Reasoner; its text model `cosmos3_edge_text`). transformers
 * `models/cosmos3_edge/configuration_cosmos3_edge.py` (Cosmos3EdgeConfig, Cosmos3EdgeTextConfig,
 * Cosmos3EdgeVisionConfig), `modular_cosmos3_edge.py` → `modeling_cosmos3_edge.py`
 * (Cosmos3EdgeTextModel, Cosmos3EdgeVisionModel, Cosmos3EdgePatchMerger, Cosmos3EdgeModel,
 * Cosmos3EdgeForConditionalGeneration):
 * - model.language_model (Cosmos3EdgeTextModel, Llama's model): embed_tokens; `num_hidden_layers`
 *   layers of input_layernorm (RMSNorm), LlamaAttention q/k/v/o (GQA, bias = `attention_bias`,
 *   `head_dim` 128), post_attention_layernorm and Cosmos3EdgeTextMLP (CLIPMLP: fc1 h → I, fc2 I → h,
 *   bias = `mlp_bias`, `hidden_act` relu2, no gate); the final norm. Interleaved 3-axis M-RoPE
 *   (`rope_parameters.mrope_section`) has no parameters; every layer attends fully (KV of every token).
 * - lm_head (text hidden → vocab, no bias), never tied: the class declares no tied weights
 *   (`_tied_weights_keys = {}`), whatever `tie_word_embeddings` says.
 * - model.visual (Cosmos3EdgeVisionModel, SigLIP2 NaFlex without head): embeddings.patch_embedding, a
 *   biased Linear of channels·patch² → h over pre-cut patches; embeddings.position_embedding,
 *   `num_patches` rows of h (a √num_patches square grid resized per image or frame);
 *   `num_hidden_layers` blocks of layer_norm1, q/k/v/out_proj (biased), layer_norm2, mlp fc1/fc2
 *   (biased); post_layernorm. Video frames go through the same tower one frame at a time
 *   (temporal patch 1): there is no video-specific module.
 * - model.projector (Cosmos3EdgePatchMerger, Qwen3.5's merger): norm LayerNorm(h) before the m×m
 *   shuffle (m = `vision_config.spatial_merge_size`), linear_fc1 h·m² → `projector_hidden_size`, GELU,
 *   linear_fc2 → text hidden, both biased. The released config's `projector_config` (the schema of an
 *   earlier port) is not read by this class: where it disagrees with what is built, a warning says so.
 * Not built, so not counted: the world-model generation branch a full checkpoint may hold
 * (action/time embedders, proj_in/out, `*_moe_gen` norms and MLPs, add_q/k/v_proj, to_add_out,
 * norm_added_q/k), which Cosmos3EdgePreTrainedModel drops on load (`_keys_to_ignore_on_load_unexpected`).
 * Images and frames keep their own resolution, so FLOPs per image are not fixed by the config.
 */
import { layerNormParams as layerNorm, linearParams as linear } from '../mixer-params.js';
import type { ModelSpec, VisionTowerSpec } from '../spec.js';
import { Fields, type Json, MAX, shown } from './fields.js';
import { decoder, type Family, readHeadDim, readPlainMlp, withClassDefaults } from './readers.js';
import { SIGLIP_SO400M_16 } from './tower-config-defaults.js';
import { type FamilyOf, subConfig, textFamilies, wrapped } from './wrappers.js';

/** Cosmos3EdgeTextConfig's defaults (the released 2B text model) for the keys a text config omits. */
const COSMOS3_EDGE_TEXT_DEFAULTS: Json = {
  vocab_size: 131_072,
  hidden_size: 2048,
  intermediate_size: 9216,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_act: 'relu2',
  max_position_embeddings: 131_072,
  attention_bias: false,
  mlp_bias: false,
  tie_word_embeddings: false,
};

/** Cosmos3EdgeVisionConfig's defaults (Siglip2VisionConfig's fields, so400m-sized). */
const COSMOS3_EDGE_VISION_DEFAULTS: Json = {
  ...SIGLIP_SO400M_16,
  num_patches: 256,
  spatial_merge_size: 2,
};

/** Cosmos3EdgeConfig's `projector_hidden_size` default. */
const PROJECTOR_HIDDEN_DEFAULT = 11_520;

/**
 * `rope_parameters.mrope_section` as Cosmos3EdgeTextConfig.validate_architecture checks it: three
 * sections summing to head_dim / 2 (the class default [24, 20, 20] when rope_parameters is absent).
 */
function checkMrope(f: Fields, headDim: number): void {
  const rope = f.child('rope_parameters');
  if (!rope) return;
  const sections = rope.intList('mrope_section', MAX.headDim);
  const sum = sections.reduce((a, b) => a + b, 0);
  if (sections.length !== 3 || sum !== headDim / 2) {
    rope.fail(
      'mrope_section',
      `must be three sections summing to head_dim / 2 (${headDim / 2}), got ${shown(rope.raw('mrope_section') ?? null)}`,
    );
  }
}

/** The Cosmos 3 Edge text model (see the file comment), Cosmos3EdgeTextConfig's defaults for omitted keys. */
export const cosmos3EdgeText: Family = (config, name) => {
  const f = withClassDefaults(config, COSMOS3_EDGE_TEXT_DEFAULTS);
  // validate_architecture: hidden_size must be a multiple of num_attention_heads.
  f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const headDim = readHeadDim(f);
  checkMrope(f, headDim);
  return decoder(f, name, {
    attention: { headDim },
    mlp: readPlainMlp(f, f.bool('mlp_bias', false)),
  });
};

/** The vision tower's shape, with Cosmos3EdgeVisionConfig's defaults for the keys it omits. */
function readTower(top: Fields) {
  const v = withClassDefaults(
    subConfig(top, 'vision_config', 'cosmos3_edge_vision') ??
      new Fields({}, top.modelType, ['vision_config']),
    COSMOS3_EDGE_VISION_DEFAULTS,
  );
  const h = v.positiveInt('hidden_size', { max: MAX.hidden });
  const heads = v.positiveInt('num_attention_heads', { max: MAX.heads });
  // Siglip2Attention: embed_dim must be divisible by num_heads.
  if (h % heads !== 0) v.fail('num_attention_heads', `(${heads}) must divide hidden_size (${h})`);
  const positions = v.positiveInt('num_patches', { max: MAX.positions });
  const side = Math.round(Math.sqrt(positions));
  if (side * side !== positions) {
    v.fail('num_patches', `(${positions}) must be a square: the position table is a √num_patches grid`);
  }
  return {
    h,
    depth: v.positiveInt('num_hidden_layers', { max: MAX.layers }),
    inter: v.positiveInt('intermediate_size', { max: MAX.intermediate }),
    patch: v.positiveInt('patch_size', { max: 4096 }),
    channels: v.positiveInt('num_channels', { max: 64 }),
    positions,
    merge: v.positiveInt('spatial_merge_size', { max: 64 }),
  };
}

/** `projector_hidden_size`, the merger's intermediate width. */
const projectorHidden = (top: Fields): number =>
  top.positiveInt('projector_hidden_size', { fallback: PROJECTOR_HIDDEN_DEFAULT, max: MAX.hidden });

/** The vision tower and projector (see the file comment), `params` exact. */
function readCosmos3EdgeVision(top: Fields, textHidden: number): VisionTowerSpec {
  const { h, depth, inter, patch, channels, positions, merge } = readTower(top);
  const mid = projectorHidden(top);
  const block = 2 * layerNorm(h) + 4 * linear(h, h) + linear(h, inter) + linear(inter, h);
  const tower = linear(channels * patch * patch, h) + positions * h + depth * block + layerNorm(h);
  const projector = layerNorm(h) + linear(h * merge * merge, mid) + linear(mid, textHidden);
  return {
    description: `SigLIP2 ${depth} × ${h}, patch ${patch}, ${merge}×${merge} merge, projector ${mid} (images and video frames at their own resolution)`,
    params: tower + projector,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** What the config says that Cosmos3EdgeForConditionalGeneration does not build as stated, as warnings. */
function notes(top: Fields, textHidden: number): string[] {
  const out: string[] = [];
  const text = top.child('text_config');
  if (top.bool('tie_word_embeddings', false) || text?.bool('tie_word_embeddings', false)) {
    out.push(
      'tie_word_embeddings true is not applied: the class declares no tied weights (_tied_weights_keys = {}), so lm_head is its own matrix (counted)',
    );
  }
  const projector = top.child('projector_config');
  if (projector) {
    const { h, merge } = readTower(top);
    const built: Record<string, number | boolean> = {
      input_hidden_size: h,
      merger_intermediate_size: projectorHidden(top),
      out_hidden_size: textHidden,
      spatial_merge_size: merge,
      use_postshuffle_norm: false,
    };
    for (const [key, value] of Object.entries(built)) {
      const given = projector.raw(key);
      if (given !== undefined && given !== value) {
        out.push(
          `projector_config.${key} (${shown(given)}) is not read: Cosmos3EdgePatchMerger builds ${value} from vision_config, projector_hidden_size and the text width (counted)`,
        );
      }
    }
  }
  return out.map((n) => `cosmos3_edge: ${n}`);
}

/**
 * The `cosmos3_edge` family: the text model of `text_config` (by its `model_type`, `cosmos3_edge_text`
 * read by {@link cosmos3EdgeText}; the class defaults when absent), lm_head never tied, and the
 * SigLIP2 tower and patch merger counted apart ({@link readCosmos3EdgeVision}).
 */
export function cosmos3EdgeWrapper(familyOf: FamilyOf): Family {
  const textOf: FamilyOf = (type) => (type === 'cosmos3_edge_text' ? cosmos3EdgeText : familyOf(type));
  const inner = wrapped(textFamilies(textOf, 'Cosmos3EdgeConfig'), {
    textType: 'cosmos3_edge_text',
    vision: readCosmos3EdgeVision,
    ownTie: true,
  });
  return (config, name) => {
    const top = config.has('text_config') ? config : config.with({ text_config: {} });
    const spec: ModelSpec = inner(top, name);
    const warnings = [...(spec.warnings ?? []), ...notes(top, spec.hiddenSize)];
    return { ...spec, tieWordEmbeddings: false, ...(warnings.length > 0 ? { warnings } : {}) };
  };
}
