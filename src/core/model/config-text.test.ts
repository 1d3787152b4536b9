import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { decodeConfigBytes, parseConfigJson } from './config-text.js';

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
});
