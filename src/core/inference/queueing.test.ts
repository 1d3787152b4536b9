import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { poolWaitSeconds, prefillQueueSeconds } from './queueing.js';

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

/** A pool of `c` servers, first come first served, deterministic service `s`, Poisson arrivals (seeded): the mean wait. */
function simulatedPoolWait(c: number, lambda: number, s: number, jobs: number): number {
  let seed = 12345;
  const uniform = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed + 0.5) / 2 ** 32;
  };
  const free = new Array<number>(c).fill(0);
  let t = 0;
  let waited = 0;
  for (let j = 0; j < jobs; j += 1) {
    t += -Math.log(uniform()) / lambda;
    let k = 0;
    for (let i = 1; i < c; i += 1) if (free[i]! < free[k]!) k = i;
    const start = Math.max(t, free[k]!);
    waited += start - t;
    free[k] = start + s;
  }
  return waited / jobs;
}

describe('a pool of servers (M/D/c, prefill replicas)', () => {
  it('one server: the Pollaczek–Khinchine M/D/1 wait, ρ·S / (2(1 − ρ))', () => {
    expect(poolWaitSeconds(1, 0.8, 1)).toBeCloseTo((0.8 * 1) / (2 * 0.2), 12);
  });
  it('two servers at a = 1: Erlang C = 1/3, the M/M/2 wait S/3, halved', () => {
    expect(poolWaitSeconds(2, 1, 1)).toBeCloseTo(1 / 6, 12);
  });
  it('no traffic waits nothing; a load the servers cannot carry waits without end', () => {
    expect(poolWaitSeconds(4, 0, 1)).toBe(0);
    expect(poolWaitSeconds(4, 4, 1)).toBe(Number.POSITIVE_INFINITY);
  });
  // Allen–Cunneen is an approximation for c > 1: within 15% of a simulated pool from half to 95% load.
  it.each([
    [1, 0.9],
    [4, 0.5],
    [6, 0.9],
    [16, 0.95],
  ])('%i servers at %f of their capacity: within 15%% of a simulated pool', (c, load) => {
    const lambda = (load * c) / 0.2;
    const error = poolWaitSeconds(c, lambda, 0.2) / simulatedPoolWait(c, lambda, 0.2, 400_000) - 1;
    expect(Math.abs(error)).toBeLessThan(0.15);
  });
  test.prop([fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0.01, max: 0.999, noNaN: true })])(
    'Erlang B as a truncated Poisson equals its recursion B(k) = a·B(k − 1) / (k + a·B(k − 1))',
    (c, load) => {
      const a = load * c;
      let b = 1;
      for (let k = 1; k <= c; k += 1) b = (a * b) / (k + a * b);
      const reference = (c * b) / (c - a * (1 - b)) / (c - a) / 2;
      expect(poolWaitSeconds(c, a, 1)).toBeCloseTo(reference, 9);
    },
  );
  it('a pool of millions of servers (a traffic of 10⁹ a second): finite near full load, none far from it', () => {
    const nearFull = poolWaitSeconds(26_000_000, 25_990_000, 1);
    expect(nearFull).toBeGreaterThan(0);
    expect(Number.isFinite(nearFull)).toBe(true);
    expect(poolWaitSeconds(4_000_000, 1_000_000, 1)).toBe(0);
  });
  test.prop([
    fc.integer({ min: 1, max: 2000 }),
    fc.double({ min: 0.01, max: 0.999, noNaN: true }),
    fc.double({ min: 1e-4, max: 100, noNaN: true }),
  ])(
    'finite below capacity, never longer with another server, never shorter with more load',
    (c, load, s) => {
      const lambda = (load * c) / s;
      const wait = poolWaitSeconds(c, lambda, s);
      expect(Number.isFinite(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(poolWaitSeconds(c + 1, lambda, s)).toBeLessThanOrEqual(wait * (1 + 1e-9));
      expect(poolWaitSeconds(c, lambda * 0.9, s)).toBeLessThanOrEqual(wait * (1 + 1e-9));
    },
  );
});
