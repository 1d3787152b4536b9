import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { decodeConfigBytes, MAX_CONFIG_CHARS, parseConfigJson } from './config-text.js';

const json = '{"model_type": "llama", "name": "Ünï"}';

function utf16(text: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(out.buffer);
  let offset = 0;
  if (bom) {
    view.setUint16(0, 0xfeff, littleEndian);
    offset = 2;
  }
  for (let i = 0; i < text.length; i += 1) view.setUint16(offset + 2 * i, text.charCodeAt(i), littleEndian);
  return out;
}

describe('decodeConfigBytes', () => {
  it('reads UTF-8 with and without a BOM', () => {
    const plain = new TextEncoder().encode(json);
    expect(decodeConfigBytes(plain)).toBe(json);
    expect(decodeConfigBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...plain]))).toBe(json);
  });

  it('reads UTF-16 LE and BE, with or without a BOM', () => {
    for (const le of [true, false]) {
      for (const bom of [true, false]) expect(decodeConfigBytes(utf16(json, le, bom))).toBe(json);
    }
  });
});

describe('parseConfigJson', () => {
  it("reads Python's non-finite tokens outside strings only", () => {
    const value = parseConfigJson(
      '{"a": [0.0, Infinity, -Infinity], "b": NaN, "c": "Infinity"}',
      'x',
    ) as Record<string, unknown>;
    expect(value.a).toEqual([0, Infinity, -Infinity]);
    expect(value.b).toBeNaN();
    expect(value.c).toBe('Infinity');
  });

  it('strips a leading BOM character and names the file on malformed JSON', () => {
    expect(parseConfigJson('\ufeff{"a": 1}', 'x')).toEqual({ a: 1 });
    expect(() => parseConfigJson('{"a": ', 'cfg.json')).toThrow(InputError);
    expect(() => parseConfigJson('{"a": ', 'cfg.json')).toThrow(/cfg\.json/);
  });

  it('reads a config with a 50 MB string value (a regular expression overflowed the stack)', () => {
    const long = 'x'.repeat(50 * 2 ** 20);
    const value = parseConfigJson(`{"a": NaN, "junk": "${long}", "b": -Infinity}`, 'x') as Record<
      string,
      unknown
    >;
    expect(value.a).toBeNaN();
    expect(value.b).toBe(-Infinity);
    expect((value.junk as string).length).toBe(long.length);
    // Escapes by the million, and a string of backslashes ending in a quote.
    const escaped = '\\n\\"'.repeat(2 ** 20);
    const withEscapes = parseConfigJson(`{"e": "${escaped}", "f": "\\\\", "g": Infinity}`, 'x');
    expect(withEscapes).toMatchObject({ f: '\\', g: Infinity });
  });

  it('leaves tokens inside strings, escaped quotes included, and inside words alone', () => {
    const text = '{"s": "a \\" NaN \\\\", "t": NaN, "u": ["-Infinity", -Infinity], "xNaN": 1}';
    const value = parseConfigJson(text, 'x') as Record<string, unknown>;
    expect(value.s).toBe('a " NaN \\');
    expect(value.t).toBeNaN();
    expect(value.u).toEqual(['-Infinity', -Infinity]);
    expect(() => parseConfigJson('{"a": NaNx}', 'x')).toThrow(/not valid JSON/);
    expect(() => parseConfigJson('{"a": 1NaN}', 'x')).toThrow(/not valid JSON/);
  });

  it('restores tokens in a deeply nested config without recursion, and under a __proto__ key', () => {
    const depth = 200_000;
    let value = parseConfigJson(`${'['.repeat(depth)}NaN${']'.repeat(depth)}`, 'x');
    for (let i = 0; i < depth; i += 1) value = (value as unknown[])[0];
    expect(value).toBeNaN();
    const proto = parseConfigJson('{"__proto__": Infinity}', 'x') as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toBe(Infinity);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it('refuses text over the size limit, naming the file and the limit', () => {
    const huge = `{"a": "${'x'.repeat(MAX_CONFIG_CHARS)}"}`;
    expect(() => parseConfigJson(huge, 'big.json')).toThrow(
      "'big.json' is too large: 67,108,873 characters, over the limit of 67,108,864 (64 MB; real configs are under 1 MB)",
    );
  });
});
