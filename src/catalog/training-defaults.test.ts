import { describe, expect, it } from 'vitest';
import type { Accelerator } from './catalog.js';
import { findGpu } from './catalog.js';
import { defaultPrice } from './training-defaults.js';

type Price = Accelerator['rentalPrices'][number];
const price = (usdPerGpuHour: number, asOf: string, commitment: Price['commitment'] = 'on-demand'): Price =>
  ({
    provider: `p${usdPerGpuHour}`,
    commitment,
    usdPerGpuHour,
    asOf,
    source: 's',
    kind: 'measured',
  }) as Price;
const gpu = (rentalPrices: Price[]) => ({ ...findGpu('h100'), rentalPrices }) as Accelerator;

describe('defaultPrice', () => {
  it('takes the cheapest on-demand price of the newest year, not a stale cheaper one', () => {
    const g = gpu([price(2.45, '2025-03-03'), price(4.18, '2026-11-30'), price(2.99, '2026-05-18')]);
    expect(defaultPrice(g, undefined)).toEqual({
      usdPerGpuHour: 2.99,
      basis: 'p2.99, on-demand, 2026-05-18',
    });
  });
  it('prefers on-demand over committed prices, and falls back to any price', () => {
    expect(
      defaultPrice(gpu([price(1, '2026-01-01', '3-year'), price(3, '2025-01-01')]), undefined).usdPerGpuHour,
    ).toBe(3);
    expect(defaultPrice(gpu([price(2, '2024-12-27', 'assumption')]), undefined).usdPerGpuHour).toBe(2);
  });
  it('the user price wins; no price at all is an input error naming the flag', () => {
    expect(defaultPrice(gpu([]), 7)).toEqual({ usdPerGpuHour: 7, basis: '--price-per-gpu-hour' });
    expect(() => defaultPrice(gpu([]), undefined)).toThrow(/--price-per-gpu-hour/);
  });
  it('the catalog H100 price is a 2026 one', () => {
    expect(defaultPrice(findGpu('h100'), undefined).basis).toMatch(/2026-/);
  });
});
