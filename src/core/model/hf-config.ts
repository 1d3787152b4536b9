/**
 * Hugging Face `config.json` → {@link ModelSpec}. Each supported `model_type` is read by its family
 * file in `families/`, the way the transformers modelling code builds its modules (file names are
 * in `huggingface/transformers: src/transformers/models/<type>/`), so parameter counts are exact.
 */

import { DoesNotFitError, InputError, inputError, withIssuePaths } from '../errors.js';
import { visibleText } from '../format.js';
import { nearMatches } from '../suggest.js';
import { eagleVersion } from './eagle-head.js';
import { Fields, isJsonObject, type Json, shown } from './families/fields.js';
import { FAMILIES, SUPPORTED_MODEL_TYPES, type SupportedModelType } from './families/index.js';
import { fixedVitTower } from './families/vision.js';
import { subConfig } from './families/wrappers.js';
import {
  ENCODER_KEYS,
  EXPERT_COUNT_KEYS,
  encoderSignal,
  FAMILY_EXPERT_KEYS,
  LOOKALIKES,
  namesRecurrentLayers,
  STRUCTURE_MARKERS,
  type Structure,
} from './lookalikes.js';
import { paramCount } from './param-count.js';
import type { ModelSpec, VisionTowerSpec } from './spec.js';

export { SUPPORTED_MODEL_TYPES, type SupportedModelType };

/** The supported model types in an error: their count, the closest to `modelType`, where the list is. */
export function supportedTypesText(modelType?: string): string {
  const closest = modelType === undefined ? [] : nearMatches(modelType, SUPPORTED_MODEL_TYPES, 5, false);
  const near = closest.length > 0 ? `; closest: ${closest.join(', ')}` : '';
  return `${SUPPORTED_MODEL_TYPES.length} model types are supported${near} (all: llmecon models --types)`;
}

/** True when `value` looks like a Hugging Face config (has a `model_type`). */
export function isHfConfig(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'model_type' in value;
}

/** A spec whose counts exceed exact double arithmetic (2^53) is refused, naming the sizes behind it. */
function checkMagnitude(spec: ModelSpec): ModelSpec {
  const total = paramCount(spec).totalParams;
  if (!Number.isSafeInteger(total)) {
    inputError(
      'invalid_value',
      ['hidden_size'],
      `the config describes ${total.toExponential(2)} parameters (hidden_size ${spec.hiddenSize}, ${spec.numLayers} layers, vocab ${spec.vocabSize}): beyond what llmecon counts exactly (2^53)`,
    );
  }
  return spec;
}

/**
 * Translates a parsed Hugging Face `config.json` into a {@link ModelSpec}.
 * Throws an InputError naming the field for unsupported types, missing or malformed fields.
 *
 * @example specFromHfConfig(JSON.parse(text), 'Llama-3.1-405B').numLayers // 126
 */
export function specFromHfConfig(config: unknown, name: string): ModelSpec {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    inputError('invalid_type', [], 'a config.json must be a JSON object');
  }
  const json = config as Json;
  const modelType = json.model_type;
  if (typeof modelType !== 'string') {
    inputError('missing_field', ['model_type'], `missing field 'model_type' (${supportedTypesText()})`);
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    return checkMagnitude(readAsKnownFamily(json, visibleText(modelType), name));
  }
  const family = FAMILIES[modelType as SupportedModelType];
  const direct = () =>
    checkMagnitude(
      withMlxNote(
        withEagleNote(withUnreadEncoders(family(new Fields(json, modelType), name), json), json),
        json,
      ),
    );
  const sized = sizesInTextConfig(json);
  if (!sized) return direct();
  // A wrapper family reads its text_config itself (its width is the text_config's); a text family reads the
  // top level, whose missing sizes it would fill from its class defaults: then the text_config is read as the
  // model, and the wrapper's own sub-configs (the vision tower) are said unread.
  const { text, width } = sized;
  const wrapped = readsTextConfig(direct, width);
  if (wrapped) return wrapped;
  const inner = withIssuePaths(
    // transformers writes its version at the top only: the text_config is read as the same release wrote it.
    () =>
      specFromHfConfig(
        { ...text, transformers_version: text.transformers_version ?? json.transformers_version },
        name,
      ),
    (path) => ['text_config', ...path],
  );
  const arch = json.architectures === undefined ? '' : ` (architectures ${shown(json.architectures)})`;
  const warning = `model_type '${modelType}' names a text model, but this config's sizes are in its text_config${arch}: read from text_config, not from the text model's class defaults`;
  return withUnreadEncoders({ ...inner, warnings: [...(inner.warnings ?? []), warning] }, json);
}

/** The family's own reading where it took the text_config's width (a wrapper), else null (it failed or defaulted). */
function readsTextConfig(read: () => ModelSpec, width: unknown): ModelSpec | null {
  try {
    const spec = read();
    return spec.hiddenSize === width ? spec : null;
  } catch (error) {
    if (error instanceof InputError && !(error instanceof DoesNotFitError)) return null;
    throw error;
  }
}

/** Keys a text config states its width by (hidden_size, GPT-2's n_embd, T5-style d_model). */
const WIDTH_KEYS = ['hidden_size', 'n_embd', 'd_model'] as const;

/**
 * A config that may be a multimodal checkpoint under its text model's `model_type` (Ministral 3's
 * 'ministral3' over Mistral3ForConditionalGeneration): no width at the top, a `text_config` of the same
 * model_type that states one, with that width. Read at the top by a text family, every size would be the
 * class default: a wrong count, not an estimate (a wrapper family reads it itself: readsTextConfig).
 */
function sizesInTextConfig(json: Json): { readonly text: Json; readonly width: unknown } | null {
  const text = json.text_config;
  if (!isJsonObject(text) || text.model_type !== json.model_type) return null;
  if (WIDTH_KEYS.some((k) => json[k] !== undefined)) return null;
  const width = WIDTH_KEYS.map((k) => text[k]).find((v) => v !== undefined);
  return width === undefined ? null : { text, width };
}

/**
 * An EAGLE draft head's config (eagle-head.ts) read as a model: its layers as a model of their own, with an
 * embedding and a full-vocabulary head it does not have; said so, with where it is costed as it runs.
 */
function withEagleNote(spec: ModelSpec, json: Json): ModelSpec {
  const version = eagleVersion(json);
  if (version === null) return spec;
  const warning = `this is an EAGLE${version === 3 ? '-3' : ''} draft head (architectures ${shown(json.architectures)}): read as a ${spec.numLayers}-layer model of its own, with an embedding and a full-vocabulary head it does not hold; as a drafter (serve --draft-model) it is costed as the engines run it`;
  return { ...spec, warnings: [...(spec.warnings ?? []), warning] };
}

/**
 * An mlx-lm checkpoint's config (Apple MLX): its top-level `quantization` {bits, group_size} is a format
 * the GPU engines here do not load, so the weights are costed as asked, and the warning says so.
 */
function withMlxNote(spec: ModelSpec, json: Json): ModelSpec {
  const q = json.quantization;
  // mlx-lm's save_config copies `quantization` to `quantization_config` (no quant_method): still mlx-lm's.
  const hf = json.quantization_config;
  const foreign = isJsonObject(hf) && hf.quant_method != null;
  if (!isJsonObject(q) || typeof q.bits !== 'number' || foreign) return spec;
  const group = typeof q.group_size === 'number' ? `, group ${q.group_size}` : '';
  const warning = `the config's 'quantization' (${q.bits} bits${group}) is mlx-lm's format (Apple MLX), which vLLM, SGLang and TensorRT-LLM do not load: weights are costed in the format asked (BF16 unless --weights), not at ${q.bits} bits`;
  return { ...spec, warnings: [...(spec.warnings ?? []), warning] };
}

/**
 * A supported type's reading that holds no vision or audio encoder though the config carries one
 * (a text family's `model_type` over a multimodal checkpoint, e.g. `llama` beside a `vision_config`):
 * the reading stands for the text model, and a warning names what it leaves out.
 */
function withUnreadEncoders(spec: ModelSpec, json: Json): ModelSpec {
  if (spec.vision !== null || spec.audio) return spec;
  // Keys a family's own warning already names (Step-3.7's vision tower) are not named twice.
  const unread = ENCODER_KEYS.filter(
    (k) => json[k] !== undefined && json[k] !== null && !(spec.warnings ?? []).some((w) => w.includes(k)),
  );
  if (unread.length === 0) return spec;
  const warning = `model_type '${spec.modelType}' is read as its text model: its ${unread.join(', ')} (encoders or speech decoders) ${unread.length === 1 ? 'is' : 'are'} not read — not in the parameters, nor in serving or training memory`;
  return { ...spec, warnings: [...(spec.warnings ?? []), warning] };
}

/** Refuses reading `modelType` as `family` when the config signals a structure the family does not model. */
function refuseUnexplainedStructure(
  json: Json,
  modelType: string,
  family: SupportedModelType,
  explains: readonly Structure[],
): void {
  const like = lookalikeName(family);
  for (const structure of Object.keys(STRUCTURE_MARKERS) as Structure[]) {
    if (explains.includes(structure)) continue;
    const marker = STRUCTURE_MARKERS[structure];
    // Absent, off or trivial (0, false, one expert) values signal nothing; `layer_types` signals
    // recurrent layers when it names a kind other than softmax attention (LFM2's "conv", "mamba", …), and
    // an encoder where `encoderSignal` finds a masked-LM head or attention both ways.
    const key =
      marker.keys.find((k) => {
        const v = json[k];
        return v !== undefined && v !== null && v !== false && v !== 0 && !(structure === 'moe' && v === 1);
      }) ??
      (structure === 'stateSpace' && namesRecurrentLayers(json.layer_types) ? 'layer_types' : undefined) ??
      (structure === 'encoderOnly' ? encoderSignal(json) : undefined);
    if (key === undefined) continue;
    inputError(
      'unsupported',
      [key],
      `unsupported model_type '${modelType}': its fields look like ${like}, but '${key}' signals ${marker.what}, which reading it as ${like} would leave out (a wrong count, not an estimate); give a supported model_type or a model spec (docs/model-spec.md); ${supportedTypesText(modelType)}`,
    );
  }
}

/** A family's name in the warnings and errors ('qwen3_5_text' reads as 'qwen3_5'). */
const lookalikeName = (family: SupportedModelType) => family.replace(/_text$/, '');

/**
 * `spec` as `modelType`, with how it was read as a warning: the encoder sub-configs it leaves out by name,
 * or, for a wrapper read through its language model, that any tower it holds is left out.
 */
function readAs(spec: ModelSpec, modelType: string, how: string, json: Json, wrapper = false): ModelSpec {
  // A CLIP or SigLIP vision_config, a wrapper's or a flat config's (MiniCPM-V), is counted as its tower
  // alone (its projector or resampler is not).
  const tower = spec.vision === null ? bareTower(json, modelType) : null;
  const towers = ENCODER_KEYS.filter((k) => json[k] !== undefined && json[k] !== null).filter(
    (k) => !(tower && k === 'vision_config'),
  );
  const counted = tower
    ? `. Its vision_config is counted as a bare ${tower.description.replace(/ \(projector not counted\)$/, '')} tower (${(tower.params / 1e6).toFixed(1)}M parameters, counted apart and in serving and training memory); its projector is not`
    : '';
  const left =
    towers.length > 0
      ? `. Its ${towers.join(', ')} (encoders or speech decoders) ${towers.length === 1 ? 'is' : 'are'} not read: not in the parameters, nor in serving or training memory`
      : wrapper && !tower
        ? '. Any vision or audio tower it holds is not read: not in the parameters, nor in serving or training memory'
        : '';
  return {
    ...spec,
    modelType,
    ...(tower ? { vision: tower } : {}),
    warnings: [
      ...(spec.warnings ?? []),
      `model_type '${modelType}' is not supported; ${how}${counted}${left}`,
    ],
  };
}

/**
 * A `vision_config` that is a CLIP or SigLIP tower (by its model_type, class defaults
 * filled), counted alone as `fixedVitTower` counts it; null when absent, another type, or unreadable.
 */
function bareTower(json: Json, modelType: string): VisionTowerSpec | null {
  const top = new Fields(json, modelType);
  const child = isJsonObject(json.vision_config) ? subConfig(top, 'vision_config', '') : null;
  const type = child?.string('model_type', '');
  if (!child || (type !== 'clip_vision_model' && type !== 'siglip_vision_model')) return null;
  const kind = type === 'clip_vision_model' ? 'clip' : 'siglip';
  try {
    const t = fixedVitTower(child, kind);
    return {
      description: `${kind === 'clip' ? 'CLIP' : 'SigLIP'} ${t.depth} × ${t.h}, ${t.image}px, patch ${t.patch} (projector not counted)`,
      params: t.params,
      patchSize: t.patch,
      imageSize: t.image,
      flopsPerImage: t.flops,
    };
  } catch (e) {
    // A tower whose fields do not read is left out, as any other tower (the warning says so).
    if (e instanceof InputError && !(e instanceof DoesNotFitError)) return null;
    throw e;
  }
}

/** Sub-configs that hold a wrapper's language model, in the order they are looked for. */
const WRAPPER_KEYS = ['text_config', 'language_config', 'llm_config', 'thinker_config'] as const;

/** Wrappers nest at most this deep (an omni model's thinker_config → text_config). */
const MAX_WRAPPER_DEPTH = 3;

/**
 * An unknown `model_type`: a wrapper whose `text_config` is a known type is read through it (vision
 * tower not counted); a config whose keys match a known family is read as that family with the
 * assumption stated as a warning; a wrapper whose language model is of an unknown type is read the
 * same way one level down (errors name the sub-config); anything else is an error naming the
 * missing fields.
 */
function readAsKnownFamily(json: Json, modelType: string, name: string, depth = 0): ModelSpec {
  // The language model of a wrapper: text_config (transformers), language_config (DeepSeek-VL2,
  // Janus), llm_config (InternVL); thinker_config holds the text and audio-visual model of the
  // Qwen Omni models, the text model in its own text_config.
  for (const key of WRAPPER_KEYS) {
    const text = json[key];
    if (!isJsonObject(text)) continue;
    const textType = text.model_type;
    if (typeof textType === 'string' && (SUPPORTED_MODEL_TYPES as readonly string[]).includes(textType)) {
      // Keys the sub-config omits take its class defaults, as in the known wrappers.
      const top = new Fields(json, modelType);
      const spec = FAMILIES[textType as SupportedModelType](subConfig(top, key, textType) ?? top, name);
      return readAs(spec, modelType, `read its ${key} as '${textType}'`, json, true);
    }
  }
  const present = (key: string) => json[key] !== undefined && json[key] !== null;
  const match = LOOKALIKES.find((l) => l.keys.every(present));
  if (match) {
    refuseUnexplainedStructure(json, modelType, match.family, match.explains ?? []);
    const spec = FAMILIES[match.family](new Fields(json, modelType), name);
    // Experts under a key the family does not read (Sarvam's num_experts as DeepSeek's n_routed_experts)
    // would count a dense model: refused, naming the key. A key it reads may place no MoE (Nemotron-H's pattern).
    const read = FAMILY_EXPERT_KEYS[match.family] ?? [];
    const experts = EXPERT_COUNT_KEYS.find(
      (k) => typeof json[k] === 'number' && (json[k] as number) > 1 && !read.includes(k),
    );
    if (experts !== undefined && spec.moe === null)
      inputError(
        'unsupported',
        [experts],
        `unsupported model_type '${modelType}': '${experts}' (${json[experts]}) signals mixture-of-experts, but read as ${lookalikeName(match.family)} it has none (that family names its experts otherwise); give a supported model_type or a model spec (docs/model-spec.md)`,
      );
    return readAs(spec, modelType, `read as ${lookalikeName(match.family)}-like: ${match.assumption}`, json);
  }
  // A wrapper whose language model is itself of an unknown type: read that sub-config the same way.
  const inner = WRAPPER_KEYS.find((k) => isJsonObject(json[k]));
  if (inner !== undefined && depth < MAX_WRAPPER_DEPTH) {
    const child = json[inner] as Json;
    const childType = typeof child.model_type === 'string' ? child.model_type : `${modelType}.${inner}`;
    const spec = withIssuePaths(
      () => readAsKnownFamily(child, childType, name, depth + 1),
      (path) => [inner, ...path],
    );
    return readAs(spec, modelType, `read its ${inner} ('${childType}')`, json, true);
  }
  const llama = LOOKALIKES[LOOKALIKES.length - 1]!;
  const missing = llama.keys.filter((k) => !present(k));
  return inputError(
    'unsupported',
    ['model_type'],
    `unsupported model_type '${modelType}', and its fields match no supported family (read as llama-like it lacks ${missing.map((k) => `'${k}'`).join(', ')}); ${supportedTypesText(modelType)}`,
  );
}
