/**
 * Reading a `config.json` as people have it: UTF-8 with or without a byte-order mark, UTF-16 (as
 * Windows editors save it), and the bare `Infinity`/`NaN` tokens Python's `json` module writes
 * (e.g. Nemotron-H's `"time_step_limit": [0.0, Infinity]`). Pure: bytes in, text or value out.
 */
import { inputError } from '../errors.js';

/** Decodes config bytes: UTF-8 (BOM optional), UTF-16 LE/BE with a BOM, or BOM-less UTF-16 of ASCII JSON. */
export function decodeConfigBytes(bytes: Uint8Array): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (b0 === 0xff && b1 === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // JSON starts with an ASCII character, so UTF-16 without a BOM has a zero byte beside it.
  if (bytes.length >= 2 && b0 !== 0 && b1 === 0) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 2 && b0 === 0 && b1 !== 0) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/** JSON tokens outside strings that Python writes for non-finite floats. */
const STRING_OR_NONFINITE = /"(?:[^"\\]|\\.)*"|(-?)\b(Infinity|NaN)\b/g;

/**
 * Parses config JSON, reading Python's bare `Infinity`, `-Infinity` and `NaN` as those numbers
 * (inside strings they are left alone). Malformed JSON is an input error naming `source`.
 */
export function parseConfigJson(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nonFinite = new Map<string, number>();
  const standard = body.replace(
    STRING_OR_NONFINITE,
    (match, sign: string | undefined, word: string | undefined) => {
      if (word === undefined) return match;
      // A string no real config holds (an escaped NUL first), mapped back below.
      const index = nonFinite.size;
      nonFinite.set(`\u0000nonfinite${index}`, word === 'NaN' ? Number.NaN : sign ? -Infinity : Infinity);
      return `"\\u0000nonfinite${index}"`;
    },
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(standard);
  } catch (error) {
    return inputError('malformed', ['model'], `'${source}' is not valid JSON: ${(error as Error).message}`);
  }
  if (nonFinite.size === 0) return parsed;
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') return nonFinite.get(value) ?? value;
    if (Array.isArray(value)) return value.map(restore);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
    }
    return value;
  };
  return restore(parsed);
}
