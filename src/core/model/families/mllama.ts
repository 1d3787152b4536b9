/**
 * Llama 3.2 Vision (`mllama`, its `mllama_text_model` language model), as transformers builds it
 * (`models/mllama/modeling_mllama.py`, `configuration_mllama.py`): a Llama 3.1 decoder whose layers at
 * `cross_attention_layers` are cross-attention layers (`MllamaCrossAttentionDecoderLayer`: the text
 * tokens attend to the image's vision tokens, per-head q/k norms, no RoPE, tanh gates; spec.ts
 * `CrossAttentionSpec`), and a two-stage ViT (`MllamaVisionModel`) whose output, the last and the
 * intermediate layers concatenated, a projector maps to the text width. The text model's embedding
 * has 8 rows beyond `vocab_size` for the image tokens; llmecon counts the head's `vocab_size` rows for
 * both (32,768 parameters fewer than the checkpoint for the 11B, 65,536 for the 90B).
 */
import type { LayerSpec, ModelSpec, VisionTowerSpec } from '../spec.js';
import { Fields, MAX } from './fields.js';
import { llama } from './llama.js';
import { type Family, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';
import { readFixedVit, vitForwardFlops } from './vision.js';
import { subConfig, wrapped } from './wrappers.js';

/** One image at its most tiles: tiles × (patches + the class token) vision tokens. */
interface Image {
  readonly tokens: number;
  readonly tiles: number;
  readonly source: string;
}

function imageOf(v: Fields, source: string): Image {
  const { patches } = readFixedVit(v);
  const tiles = v.positiveInt('max_num_tiles', { max: 1024 });
  return { tokens: tiles * (patches + 1), tiles, source };
}

const WARNING_PREFIX = "mllama: each sequence's cross-attention layers";

/** What the cross-attention layers are costed for, as a warning. */
const imageWarning = (image: Image) =>
  `${WARNING_PREFIX} attend to one image of ${image.tiles} tiles (${image.tokens.toLocaleString('en-US')} vision tokens, ${image.source}), their keys and values cached per sequence; text-only requests skip those layers, so the figures are for requests with one image`;

/** The spec with its cross-attention layers attending to `image`, and the warning that says so. */
function attending(spec: ModelSpec, image: Image): ModelSpec {
  return {
    ...spec,
    crossAttention: { contextTokens: image.tokens },
    warnings: [...(spec.warnings ?? []).filter((w) => !w.startsWith(WARNING_PREFIX)), imageWarning(image)],
  };
}

/**
 * The language model: Llama's layers, those in `cross_attention_layers` cross-attention ones, costed
 * for an image of MllamaVisionConfig's default shape (the wrapper sets its own vision config's).
 */
export const mllamaText: Family = (config, name) => {
  // MllamaTextConfig's defaults for the keys it omits (its cross_attention_layers list among them);
  // an empty list means no cross layers.
  const f = withClassDefaults(config, SUB_CONFIG_DEFAULTS.mllama_text_model ?? {});
  const spec = llama(f, name);
  const cross = new Set(f.intList('cross_attention_layers', MAX.layers));
  const outside = [...cross].find((i) => i >= spec.numLayers);
  if (outside !== undefined) {
    f.fail(
      'cross_attention_layers',
      `lists layer ${outside}, but the model has ${spec.numLayers} layers (indices 0 to ${spec.numLayers - 1})`,
    );
  }
  if (cross.size === 0) return spec;
  const layers: LayerSpec[] = spec.layers.map((l, i) => (cross.has(i) ? { ...l, attention: 'cross' } : l));
  const defaults = new Fields(SUB_CONFIG_DEFAULTS.mllama_vision_model ?? {}, 'mllama_vision_model');
  const image = imageOf(defaults, 'MllamaVisionConfig defaults, no vision_config given');
  return attending({ ...spec, layers }, image);
};

/**
 * MllamaVisionModel and the multi_modal_projector: a bias-free Conv2d patch embedding, a class
 * token, a gated position table (patches + 1 rows) with a tile table of (aspect ratios + 1) × tiles ×
 * (patches + 1) rows and a gate, gated pre- and post-tile embeddings ((ratios + 1) × tiles × h and a
 * gate each), pre and post LayerNorms, `num_hidden_layers` local and `num_global_layers` gated global
 * encoder layers (LayerNorm → q, k, v, o without bias → LayerNorm → fc1, fc2 with bias; two gates per
 * global layer), and the projector (`vision_output_dim` → text hidden, with bias). Both encoders run
 * over every tile's patches padded to a multiple of 8; FLOPs per image at the most tiles add the
 * projector and the cross-attention layers' k/v projections of its tokens.
 */
function readMllamaVision(v: Fields, text: ModelSpec, image: Image): VisionTowerSpec {
  const { h, depth, inter, patch, image: size, channels, patches } = readFixedVit(v);
  const globalDepth = v.int('num_global_layers', { max: MAX.layers });
  const ratios = v.raw('supported_aspect_ratios');
  if (!Array.isArray(ratios) || ratios.length === 0) {
    v.fail('supported_aspect_ratios', 'must be a non-empty list of [width, height] tile counts');
  }
  const tileRows = (ratios.length + 1) * image.tiles;
  const outputDim = v.positiveInt('vision_output_dim', { max: MAX.hidden });
  const layerMatmuls = 4 * h * h + 2 * h * inter;
  const layer = layerMatmuls + inter + h + 2 * 2 * h;
  const perTile = patches + 1;
  const embeddings =
    channels * patch * patch * h + h + perTile * h + tileRows * perTile * h + 1 + 2 * (tileRows * h + 1);
  const params = embeddings + 2 * 2 * h + depth * layer + globalDepth * (layer + 2);
  const projector = outputDim * text.hiddenSize + text.hiddenSize;
  const a = text.attention;
  const kvWidth = a.kind === 'gqa' ? 2 * a.numKvHeads * a.headDim : 0;
  const crossLayers = text.layers.filter((l) => l.attention === 'cross').length;
  const padded = image.tiles * Math.ceil(perTile / 8) * 8;
  const flopsPerImage =
    2 * image.tiles * patches * channels * patch * patch * h +
    vitForwardFlops(padded, depth + globalDepth, layerMatmuls, h) +
    2 * image.tokens * (outputDim * text.hiddenSize + crossLayers * text.hiddenSize * kvWidth);
  return {
    description: `Mllama ViT ${depth} + ${globalDepth} global × ${h}, ${size}px tiles, patch ${patch}, up to ${image.tiles} tiles (${image.tokens} tokens)`,
    params: params + projector,
    patchSize: patch,
    imageSize: size,
    flopsPerImage,
  };
}

/** The `mllama` wrapper (MllamaForConditionalGeneration): the text model, costed for its own vision config's image. */
export function mllamaWrapper(familyOf: (modelType: string) => Family | undefined): Family {
  const inner = wrapped(familyOf, { textType: 'mllama_text_model' });
  return (top, name) => {
    const spec = inner(top, name);
    const v = subConfig(top, 'vision_config', 'mllama_vision_model');
    if (!v) return spec;
    const image = imageOf(v, 'vision_config');
    const text = spec.crossAttention ? attending(spec, image) : spec;
    return { ...text, vision: readMllamaVision(v, text, image) };
  };
}
