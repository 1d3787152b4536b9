/**
 * One entry point for "a model": a parsed Hugging Face config.json or an llmecon spec object.
 */
import { inputError } from '../errors.js';
import { isHfConfig, SUPPORTED_MODEL_TYPES, specFromHfConfig } from './hf-config.js';
import { isLlmeconSpec, specFromInput } from './model-spec-schema.js';
import type { ModelSpec } from './spec.js';

/** Turns a parsed config (HF `config.json` or llmecon spec) into a {@link ModelSpec}. */
export function modelSpecFrom(value: unknown, name: string): ModelSpec {
  if (isHfConfig(value)) return specFromHfConfig(value, name);
  if (isLlmeconSpec(value)) return specFromInput(value);
  return inputError(
    'malformed',
    [],
    `not a model config: expected a Hugging Face config.json (with 'model_type', one of ${SUPPORTED_MODEL_TYPES.join(', ')}) or an llmecon spec (with 'hiddenSize', see docs/model-spec.md)`,
  );
}
