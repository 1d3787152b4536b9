/**
 * Hugging Face `config.json` → {@link ModelSpec}. Each supported `model_type` is read by its family
 * file in `families/`, the way the transformers modelling code builds its modules (file names are
 * in `huggingface/transformers: src/transformers/models/<type>/`), so parameter counts are exact.
 */
import { inputError } from '../errors.js';
import { Fields, type Json } from './families/fields.js';
import { FAMILIES, SUPPORTED_MODEL_TYPES, type SupportedModelType } from './families/index.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

export { SUPPORTED_MODEL_TYPES, type SupportedModelType };

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
    inputError(
      'missing_field',
      ['model_type'],
      `missing field 'model_type' (one of: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
    );
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    inputError(
      'unsupported',
      ['model_type'],
      `unsupported model_type '${modelType}'; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  const family = FAMILIES[modelType as SupportedModelType];
  return checkMagnitude(family(new Fields(json, modelType), name));
}
