import { describe, expect, it } from 'vitest';
import {
  CHINCHILLA_FITS,
  chinchillaLoss,
  chinchillaOptimal,
  extrapolation,
  FIT_RANGES,
  flopsForBudget,
  inferenceAwareOptimal,
  kaplanOptimal,
  leastWholeBudget,
  llama3Optimal,
} from './scaling-laws.js';

const { epoch, hoffmann } = CHINCHILLA_FITS;

describe('compute-optimal allocation (goldens)', () => {
  it("Chinchilla: 70B parameters on 1.4T tokens for Gopher's 5.76e23 FLOPs (Epoch AI's refit of Approach 3)", () => {
    const a = chinchillaOptimal(epoch, 5.76e23);
    // Tolerances: params 5%; tokens 6% (the paper's 70B × 1.4T × 6 is itself 2% above 5.76e23).
    expect(Math.abs(a.params / 70e9 - 1)).toBeLessThan(0.05);
    expect(Math.abs(a.tokens / 1.4e12 - 1)).toBeLessThan(0.06);
    expect(a.tokens / a.params).toBeGreaterThan(15);
    expect(a.tokens / a.params).toBeLessThan(25);
  });
  it("Hoffmann's published Eq. 10 fit gives a smaller model (32B): the inconsistency Epoch AI's replication found", () => {
    const a = chinchillaOptimal(hoffmann, 5.76e23);
    expect(a.params / 1e9).toBeCloseTo(32.2, 0);
  });
  it('Llama 3: 402B parameters on 16.55T tokens for 3.8e25 FLOPs (The Llama 3 Herd of Models, Sec. 3.2.1)', () => {
    const a = llama3Optimal(3.8e25);
    expect(Math.abs(a.tokens / 16.55e12 - 1)).toBeLessThan(0.02);
    expect(Math.abs(a.params / 402e9 - 1)).toBeLessThan(0.05);
  });
  it('Kaplan puts more of a budget into parameters than Chinchilla as compute grows', () => {
    const slope = (f: (c: number) => { params: number }) =>
      Math.log(f(1e24).params / f(1e22).params) / Math.log(100);
    expect(slope((c) => chinchillaOptimal(epoch, c))).toBeCloseTo(epoch.beta / (epoch.alpha + epoch.beta), 6);
    expect(slope(kaplanOptimal)).toBeCloseTo(0.73, 6);
    // For Gopher's budget Kaplan's rule gives a GPT-3-like shape: ~800B parameters on ~120B tokens.
    const k = kaplanOptimal(5.76e23);
    expect(k.params / 1e9).toBeCloseTo(805, -1);
    expect(k.tokens / k.params).toBeLessThan(1);
  });
});

describe('losses and budgets', () => {
  it('the optimum is the lowest loss on its iso-FLOP curve', () => {
    const c = 1e23;
    const best = chinchillaOptimal(epoch, c);
    for (const k of [0.5, 0.8, 1.25, 2])
      expect(chinchillaLoss(epoch, best.params * k, c / 6 / (best.params * k))).toBeGreaterThan(best.loss!);
  });
  it('$1M on H100 at $2/GPU-hour and 40% MFU buys 7.1e23 FLOPs', () => {
    expect(flopsForBudget(1e6, 2, 989.4e12, 0.4)).toBeCloseTo(7.12e23, -21);
  });
  it('bad inputs name the field', () => {
    expect(() => chinchillaOptimal(epoch, -1)).toThrow(/--flops: must be greater than 0, got -1/);
    expect(() => flopsForBudget(1e6, 2, 1e15, 1.5)).toThrow(/--mfu: a fraction in \(0, 1\]/);
    expect(() => inferenceAwareOptimal(epoch, 1.5, 1e12)).toThrow(
      /--loss: must exceed the fit's irreducible loss/,
    );
  });
});

describe('over-training for inference (Sardana et al. 2024)', () => {
  const target = chinchillaOptimal(epoch, 1e24);
  it('with no inference the Chinchilla optimum comes back', () => {
    const a = inferenceAwareOptimal(epoch, target.loss!, 1);
    expect(a.params / target.params).toBeCloseTo(1, 2);
  });
  it('serving many tokens favours a smaller model trained on more tokens, at the same loss', () => {
    const a = inferenceAwareOptimal(epoch, target.loss!, 1e14);
    expect(a.params).toBeLessThan(target.params);
    expect(a.tokens).toBeGreaterThan(target.tokens);
    expect(chinchillaLoss(epoch, a.params, a.tokens)).toBeCloseTo(target.loss!, 9);
    expect(a.totalFlops).toBeLessThan(6 * target.params * target.tokens + 2 * target.params * 1e14);
  });
});

describe('leastWholeBudget: the least FLOPs with one whole parameter and token', () => {
  it.each([
    ['Epoch refit', 378, (c: number) => chinchillaOptimal(epoch, c)],
    ['Hoffmann', 10.3, (c: number) => chinchillaOptimal(hoffmann, c)],
    ['Kaplan', 2.83e7, kaplanOptimal],
    ['Llama 3', 9.47, llama3Optimal],
  ] as const)('%s: about %s FLOPs, whole at it and fractional just below', (_name, expected, allocate) => {
    const c = leastWholeBudget(allocate);
    expect(c / expected).toBeCloseTo(1, 2);
    const at = allocate(c);
    expect(Math.min(at.params, at.tokens)).toBeGreaterThanOrEqual(1);
    const below = allocate(c * 0.999);
    expect(Math.min(below.params, below.tokens)).toBeLessThan(1);
  });
});

describe('the range each fit was made on', () => {
  it('names what of a run lies outside the runs a fit was made on: Chinchilla itself (70B on 1.4T) is beyond Hoffmann et al.’s sweep', () => {
    expect(extrapolation(FIT_RANGES.chinchilla, 1e9, 2e10)).toEqual([]);
    expect(extrapolation(FIT_RANGES.chinchilla, 7e10, 1.4e12)).toEqual([
      "70.00B parameters above the fit's 70.00M–16.00B",
      "1.40T tokens above the fit's 5.00B–500.00B",
    ]);
    expect(extrapolation(FIT_RANGES.kaplan, 100, 1e9)).toEqual(["100 parameters below the fit's 768–1.50B"]);
  });
});
