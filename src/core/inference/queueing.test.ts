import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { prefillQueueSeconds } from './queueing.js';

/** The mean-value recursion itself (Reiser & Lavenberg 1980), N steps: the reference the sums must equal. */
function mvaWait(clients: number, s: number, z: number): number {
  let q = 0;
  let r = s;
  for (let n = 1; n <= clients; n += 1) {
    r = s * (1 + q);
    q = (n * r) / (r + z);
  }
  return r - s;
}

describe('prefill queueing (M/D/1, closed loop)', () => {
  it('one client never waits; the mean-value recursion gives the wait at 25 clients', () => {
    expect(prefillQueueSeconds(1, 0.35, 10)).toBe(0);
    const s = 0.35;
    const z = 0.035 * 499;
    expect(prefillQueueSeconds(25, s, z)).toBeCloseTo(mvaWait(25, s, z), 12);
    // NIM 1.8.0, Llama 3.3 70B FP8 TP2 on 2 H100, 5,000 in / 500 out: mean TTFT 689 ms at concurrency
    // 25 against 407 ms at 1 (×1.69); the wait here makes ×1.83 of the prefill.
    expect(1 + prefillQueueSeconds(25, s, z) / s).toBeGreaterThan(1.5);
    expect(1 + prefillQueueSeconds(25, s, z) / s).toBeLessThan(2);
  });
  it('saturated: every other client ahead, never more', () => {
    expect(prefillQueueSeconds(8, 1, 0)).toBeCloseTo(7, 9);
  });
  test.prop([
    fc.integer({ min: 1, max: 512 }),
    fc.double({ min: 1e-4, max: 10, noNaN: true }),
    fc.double({ min: 0, max: 1e3, noNaN: true }),
  ])('finite, non-negative, within (c − 1)·S, and never shorter with more clients', (c, s, decode) => {
    const w = prefillQueueSeconds(c, s, decode);
    expect(Number.isFinite(w)).toBe(true);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(w).toBeLessThanOrEqual((c - 1) * s * (1 + 1e-9));
    expect(prefillQueueSeconds(c + 1, s, decode)).toBeGreaterThanOrEqual(w * (1 - 1e-9));
  });
  test.prop([
    fc.integer({ min: 2, max: 40_000 }),
    fc.double({ min: 1e-4, max: 10, noNaN: true }),
    fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
  ])('the arrival-theorem sums equal the mean-value recursion, light load to saturation', (c, s, z) => {
    const exact = mvaWait(c, s, z);
    expect(prefillQueueSeconds(c, s, z)).toBeCloseTo(
      exact,
      Math.max(0, 9 - Math.ceil(Math.log10(1 + exact))),
    );
  });
});
