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

/** The most characters a config's text may hold: real ones are under a megabyte. */
export const MAX_CONFIG_CHARS = 64 * 2 ** 20;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

/** True for a character of a regular-expression word (`\w`): what `\b` separates a token from. */
function isWordChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f
  );
}

/** The index just past the string whose first content character is at `from` (the text's end if unterminated). */
function stringEnd(text: string, from: number): number {
  for (let at = from; ; ) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let escapes = 0;
    while (quote - escapes > from && text.charCodeAt(quote - escapes - 1) === BACKSLASH) escapes += 1;
    if (escapes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/**
 * `text` with each bare `NaN`, `Infinity` or `-Infinity` outside strings replaced by `replace(word,
 * negative)`. A linear scan: a regular expression over a long string value recursed once a character
 * and overflowed the stack (a 10 MB value was "Maximum call stack size exceeded").
 */
function replaceNonFinite(
  text: string,
  replace: (word: 'NaN' | 'Infinity', negative: boolean) => string,
): string {
  const parts: string[] = [];
  let copied = 0;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = stringEnd(text, at + 1);
      continue;
    }
    const word =
      code === 0x4e && text.startsWith('NaN', at)
        ? 'NaN'
        : code === 0x49 && text.startsWith('Infinity', at)
          ? 'Infinity'
          : null;
    if (word && !isWordChar(text.charCodeAt(at - 1)) && !isWordChar(text.charCodeAt(at + word.length))) {
      const negative = text.charCodeAt(at - 1) === MINUS;
      parts.push(text.slice(copied, negative ? at - 1 : at), replace(word, negative));
      at += word.length;
      copied = at;
      continue;
    }
    at += 1;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/**
 * `value` (parsed JSON, owned by the caller) with each string `lookup` knows replaced by its number,
 * in place and without recursion (a deeply nested config must not overflow the stack).
 */
function restoreNonFinite(value: unknown, lookup: ReadonlyMap<string, number>): unknown {
  const mapped = (v: unknown) => (typeof v === 'string' ? lookup.get(v) : undefined);
  const top = mapped(value);
  if (top !== undefined) return top;
  const pending: object[] = typeof value === 'object' && value !== null ? [value] : [];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    for (const key of Object.keys(node)) {
      const child: unknown = (node as Record<string, unknown>)[key];
      const number = mapped(child);
      // An own property even for `__proto__`, as JSON.parse made it.
      if (number !== undefined)
        Object.defineProperty(node, key, {
          value: number,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      else if (typeof child === 'object' && child !== null) pending.push(child);
    }
  }
  return value;
}

/**
 * Parses config JSON, reading Python's bare `Infinity`, `-Infinity` and `NaN` as those numbers
 * (inside strings they are left alone). Malformed JSON, or text over {@link MAX_CONFIG_CHARS}, is an
 * input error naming `source`.
 */
export function parseConfigJson(text: string, source: string): unknown {
  if (text.length > MAX_CONFIG_CHARS) {
    const n = (chars: number) => chars.toLocaleString('en-US');
    return inputError(
      'invalid_value',
      ['model'],
      `'${source}' is too large: ${n(text.length)} characters, over the limit of ${n(MAX_CONFIG_CHARS)} (64 MB; real configs are under 1 MB)`,
    );
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nonFinite = new Map<string, number>();
  const standard = replaceNonFinite(body, (word, negative) => {
    // A string no real config holds (an escaped NUL first), mapped back below.
    const index = nonFinite.size;
    nonFinite.set(`\u0000nonfinite${index}`, word === 'NaN' ? Number.NaN : negative ? -Infinity : Infinity);
    return `"\\u0000nonfinite${index}"`;
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(standard);
  } catch (error) {
    return inputError('malformed', ['model'], `'${source}' is not valid JSON: ${(error as Error).message}`);
  }
  return nonFinite.size === 0 ? parsed : restoreNonFinite(parsed, nonFinite);
}
