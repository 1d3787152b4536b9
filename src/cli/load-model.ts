/**
 * `<model>` on the command line: a catalog id, or a path to a Hugging Face config.json (or Mistral's params.json) or an
 * llmecon spec (JSON or YAML). The only place the CLI reads model files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { findModel } from '../catalog/catalog.js';
import { inputError } from '../core/errors.js';
import { decodeConfigBytes, MAX_CONFIG_CHARS, parseConfigJson } from '../core/model/config-text.js';
import { isJsonObject } from '../core/model/families/fields.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';

export interface LoadedModel {
  readonly spec: ModelSpec;
  /** Catalog id or file path, as given. */
  readonly ref: string;
  /** The parsed config or spec it was read from (what the spec does not keep, e.g. an EAGLE head's fields). */
  readonly config: unknown;
}

function looksLikePath(ref: string): boolean {
  return /[/\\]/.test(ref) || /\.(json|ya?ml)$/i.test(ref) || existsSync(ref);
}

/** A config file's text, sized before it is read: a multi-gigabyte file is refused without loading it. */
function readConfigText(path: string, field: string): string {
  // UTF-16 takes 2 bytes a character.
  const bytes = statSync(path).size;
  if (bytes > 2 * MAX_CONFIG_CHARS) {
    inputError(
      'invalid_value',
      [field],
      `'${path}' is too large: ${bytes.toLocaleString('en-US')} bytes (a model config or spec is under 1 MB; the limit is 64 MB of text)`,
    );
  }
  // UTF-8 with or without a BOM, or UTF-16 (see config-text.ts).
  return decodeConfigBytes(readFileSync(path));
}

/**
 * A TensorRT Model Optimizer export states its quantization in `hf_quant_config.json` beside a
 * config.json without `quantization_config` (vLLM reads it there as quant_method modelopt): read as if
 * the config held it, so weights and KV are costed in the formats the checkpoint stores.
 */
function withModelOptQuantization(parsed: unknown, ref: string, field: string): unknown {
  const sibling = join(dirname(ref), 'hf_quant_config.json');
  if (basename(ref) !== 'config.json' || !isJsonObject(parsed) || parsed.quantization_config != null)
    return parsed;
  if (!existsSync(sibling)) return parsed;
  if (!statSync(sibling).isFile())
    inputError(
      'invalid_value',
      [field],
      `'${sibling}' is not a file (a ModelOpt export writes a JSON file there)`,
    );
  const quant = parseConfigJson(readConfigText(sibling, field), sibling);
  const q = isJsonObject(quant) ? quant.quantization : undefined;
  if (!isJsonObject(q))
    inputError(
      'invalid_value',
      [field],
      `'${sibling}' has no 'quantization' object (a ModelOpt export writes one)`,
    );
  return { ...parsed, quantization_config: { quant_method: 'modelopt', ...q } };
}

/** `field`: the flag the reference came from, named in errors (`model` for --model). */
export function loadModel(ref: string, field = 'model'): LoadedModel {
  if (!looksLikePath(ref)) {
    const entry = findModel(ref, field);
    return { ref, spec: modelSpecFrom(entry.config, entry.name), config: entry.config };
  }
  if (!existsSync(ref)) inputError('unknown_id', [field], `no such file '${ref}'`);
  // A Hugging Face model directory: read its config.json, else Mistral's params.json.
  if (statSync(ref).isDirectory()) {
    const config = ['config.json', 'params.json']
      .map((file) => join(ref, file))
      .find((path) => existsSync(path));
    if (config === undefined)
      inputError(
        'unknown_id',
        [field],
        `'${ref}' is a directory without a config.json (or Mistral's params.json)`,
      );
    return loadModel(config, field);
  }
  const text = readConfigText(ref, field);
  let parsed: unknown;
  if (/\.ya?ml$/i.test(ref)) {
    try {
      parsed = parseYaml(text);
    } catch (error) {
      const where =
        error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
      inputError(
        'malformed',
        [field],
        `'${ref}' is not valid YAML${where}: ${(error as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
  } else {
    parsed = withModelOptQuantization(parseConfigJson(text, ref), ref, field);
  }
  const name = ref
    .split(/[/\\]/)
    .pop()!
    .replace(/\.(json|ya?ml)$/i, '');
  return {
    ref,
    spec: modelSpecFrom(parsed, name === 'config' || name === 'params' ? ref : name),
    config: parsed,
  };
}
