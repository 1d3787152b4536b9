import { describe, expect, it } from 'vitest';
import { ordinal } from './format.js';

describe('ordinal', () => {
  it('st, nd, rd after 1, 2, 3 but not in the teens; th otherwise', () => {
    const cases: [number, string][] = [
      [1, '1st'],
      [2, '2nd'],
      [3, '3rd'],
      [4, '4th'],
      [11, '11th'],
      [12, '12th'],
      [13, '13th'],
      [21, '21st'],
      [22, '22nd'],
      [100, '100th'],
      [101, '101st'],
      [111, '111th'],
      [112, '112th'],
      [123, '123rd'],
    ];
    for (const [n, text] of cases) expect(ordinal(n)).toBe(text);
  });
});
