/**
 * One entry point for "a model": a parsed Hugging Face config.json, a Mistral params.json or an llmecon spec object.
 */
import { inputError } from '../errors.js';
import { isHfConfig, specFromHfConfig, supportedTypesText } from './hf-config.js';
import { isMistralParams, specFromMistralParams } from './mistral-params.js';
import { isLlmeconSpec, specFromInput } from './model-spec-schema.js';
import type { ModelSpec } from './spec.js';

/** Turns a parsed config (HF `config.json`, Mistral `params.json` or llmecon spec) into a {@link ModelSpec}. */
export function modelSpecFrom(value: unknown, name: string): ModelSpec {
  // Before the HF test: mistral-inference's params.json may carry its own model_type ('transformer', 'mamba').
  if (isMistralParams(value)) return specFromMistralParams(value, name);
  if (isHfConfig(value)) return specFromHfConfig(value, name);
  if (isLlmeconSpec(value)) return specFromInput(value);
  return inputError(
    'malformed',
    [],
    `not a model config: expected a Hugging Face config.json (with 'model_type': ${supportedTypesText()}), a Mistral params.json (with 'dim' and 'n_layers') or an llmecon spec (with 'hiddenSize', see docs/model-spec.md)`,
  );
}
