import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { parseCount, toSi } from './units.js';

describe('parseCount', () => {
  it.each([
    ['14.8T', 14.8e12],
    ['2.788M', 2.788e6],
    ['1.5e12', 1.5e12],
    ['4096', 4096],
    ['4,096', 4096],
    ['7B', 7e9],
    ['32k', 32_000],
    ['1_000', 1000],
    ['.5', 0.5],
  ])('%s → %d', (text, value) => expect(parseCount(text, '--x')).toBeCloseTo(value, 6));

  it.each(['', 'abc', '1.2.3', '5X', 'NaN', 'Infinity', '--3'])('rejects %j naming the field', (text) => {
    expect(() => parseCount(text, '--tokens')).toThrowError(InputError);
    expect(() => parseCount(text, '--tokens')).toThrowError(/^--tokens: /);
  });

  test.prop([fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })])('round-trips integers', (n) => {
    expect(parseCount(String(n), '--n')).toBe(n);
  });
});

describe('toSi', () => {
  it('converts catalog units', () => {
    expect(toSi(989.4, 'TFLOP/s')).toBeCloseTo(989.4e12);
    expect(toSi(400, 'Gb/s')).toBe(50e9);
    expect(toSi(32, 'GiB')).toBe(32 * 2 ** 30);
    expect(() => toSi(1, 'furlongs')).toThrow("unknown unit 'furlongs'");
  });
});
