import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatMeanCount,
  formatMilliseconds,
  formatRate,
  formatUsd,
  ordinal,
  visibleText,
} from './format.js';

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

describe('times and mean counts', () => {
  it('milliseconds: one decimal below 100 ms, none above; never a zero for a time that is not', () => {
    expect(formatMilliseconds(0.0271)).toBe('27.1');
    expect(formatMilliseconds(0.256)).toBe('256');
    expect(formatMilliseconds(0.256, 1)).toBe('256.0');
    expect(formatMilliseconds(0.000102, 0)).toBe('0.10');
    expect(formatMilliseconds(0.0000412, 1)).toBe('0.041');
    expect(formatMilliseconds(0.00006, 1)).toBe('0.1');
    expect(formatMilliseconds(0)).toBe('0.0');
  });
  it('a mean count to a tenth; below 0.05 two significant digits', () => {
    expect(formatMeanCount(5.47)).toBe('5.5');
    expect(formatMeanCount(0.0012)).toBe('0.0012');
    expect(formatMeanCount(1.5e-8)).toBe('<0.001');
    expect(formatRate(20)).toBe('20.00');
    expect(formatRate(0.000001)).toBe('0.0000010');
    expect(formatMeanCount(0)).toBe('0.0');
  });
});

describe('formatBytes', () => {
  it('in the largest binary unit it reaches: B, KiB, MiB, GiB, TiB, PiB, EiB', () => {
    expect([512, 2048, 3 * 2 ** 20, 755.96 * 2 ** 30, 1.86 * 2 ** 40, 5 * 2 ** 50].map(formatBytes)).toEqual([
      '512 B',
      '2.00 KiB',
      '3.00 MiB',
      '755.96 GiB',
      '1.86 TiB',
      '5.00 PiB',
    ]);
    // Past a thousand EiB, an exponent rather than a 7-digit figure.
    expect([3 * 2 ** 60, 1.14e3 * 2 ** 60].map(formatBytes)).toEqual(['3.00 EiB', '1.14e+3 EiB']);
  });
});

describe('formatUsd and formatDuration', () => {
  it('dollars: prefixed above $1K, three decimals below $1, two significant digits below a cent, no exponent', () => {
    expect(
      [2.5e6, 12.345, 0.5, 0.0123, 0.0015, 0.0024, 0.00034, 7.8e-5, 1e-7, 0, -0.0002].map(formatUsd),
    ).toEqual([
      '$2.50M',
      '$12.35',
      '$0.500',
      '$0.012',
      '$0.0015',
      '$0.0024',
      '$0.00034',
      '$0.000078',
      '$0.00000010',
      '$0.000',
      '$-0.00020',
    ]);
  });
  it('durations in their largest unit', () => {
    expect([2 * 86_400, 5_400, 90, 1.5, 0.012].map(formatDuration)).toEqual([
      '2.0 d',
      '1.5 h',
      '1.5 min',
      '1.50 s',
      '12 ms',
    ]);
  });
});

describe('visibleText', () => {
  it('shows control characters as escapes, so a stripped terminal never prints a name as another', () => {
    expect(visibleText('gp\u001bu')).toBe('gp\\u001bu');
    expect(visibleText('llama\u001b[31m')).toBe('llama\\u001b[31m');
    expect(visibleText('plain name')).toBe('plain name');
  });
});
