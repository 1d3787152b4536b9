/**
 * An uploaded config.json read as the CLI reads a config file: UTF-8 (BOM or not) or UTF-16, and
 * Python's bare Infinity/NaN tokens (Nemotron-H's `time_step_limit`). Used by the page and the worker.
 */
import { InputError } from '../../src/core/errors.js';
import { decodeConfigBytes, parseConfigJson } from '../../src/core/model/config-text.js';

/** An uploaded file's text: UTF-8 (BOM or not) or UTF-16, as the CLI reads a config file. */
export const configText = async (file: Blob): Promise<string> =>
  decodeConfigBytes(new Uint8Array(await file.arrayBuffer()));

/** A config's text parsed as the CLI parses a config file (Python's bare Infinity/NaN read); errors name `config.json`. */
export function parseConfigUpload(text: string, name: string): unknown {
  try {
    return parseConfigJson(text, name);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(error.issues.map((i) => ({ ...i, path: ['config.json'] })));
  }
}
