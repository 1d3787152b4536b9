import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { trainingRunCost } from '../core/training/run-cost.js';
import type { StepTime } from '../core/training/step-time.js';
import { type Accelerator, findGpu, loadCatalog } from './catalog.js';
import { defaultPrice, energyAssumptions, resolveHardware } from './training-defaults.js';

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

describe('energy with and without a power figure, every catalog GPU', () => {
  const gpus = [...loadCatalog().gpus.values()];
  const step = { stepSeconds: 2, tokensPerStep: 4e6 } as StepTime;
  const costOf = (g: Accelerator, wattsPerGpu?: number) => {
    const hw = resolveHardware(g.id, undefined);
    const energy = energyAssumptions(hw.gpu, hw.cluster, { wattsPerGpu });
    const owned = { purchaseUsdPerGpu: 30_000, serverCostOverGpuCost: 1.64, lifeYears: 5, utilization: 1 };
    return {
      energy,
      rented: trainingRunCost(step, {
        tokens: 1e9,
        gpus: 8,
        goodput: 0.9,
        usdPerGpuHour: 2,
        energy,
        networkingShareOfHardware: 0.19,
      }),
      owned: trainingRunCost(step, {
        tokens: 1e9,
        gpus: 8,
        goodput: 0.9,
        owned,
        energy,
        networkingShareOfHardware: 0.19,
      }),
    };
  };
  const finiteOrNull = (value: unknown, path: string): void => {
    if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) finiteOrNull(v, `${path}.${k}`);
  };
  it.each(gpus.map((g) => [g.id, g] as const))('%s: finite figures, or null energy with the note', (_, g) => {
    const { energy, rented, owned } = costOf(g);
    for (const run of [rented, owned]) {
      finiteOrNull(run, g.id);
      expect(run.gpuHours).toBeGreaterThan(0);
      expect(run.costUsd).toBeGreaterThan(0);
      if (energy.nodeWattsPerGpu === null) {
        expect([run.energyKWh, run.co2Kg, run.costSplit.energyUsd]).toEqual([null, null, null]);
        expect(run.energyNote).toContain(`no power figure for ${g.id}`);
      } else {
        expect(run.energyKWh!).toBeGreaterThan(0);
        expect(run.energyNote).toBeNull();
      }
    }
    // Rent does not depend on power; owned cost adds electricity only where it is known.
    expect(rented.costUsd).toBeCloseTo(rented.gpuHours * 2, 6);
  });
  test.prop([fc.constantFrom(...gpus), fc.double({ min: 1, max: 5000, noNaN: true })])(
    '--watts-per-gpu W gives every GPU energy linear in W',
    (g, watts) => {
      const { energy, rented } = costOf(g, watts);
      expect(energy.nodeWattsPerGpu).toBe(watts);
      const kWh = rented.energyKWh!;
      expect(kWh).toBeCloseTo((rented.gpuHours * watts * energy.powerFraction * energy.pue) / 1000, 6);
    },
  );
});

describe('the default cluster of a GPU', () => {
  it("a published run's machine is never a GPU's default: --gpu a100 stays on Selene, a100-40gb generic", () => {
    expect(resolveHardware('a100', undefined).clusterId).toBe('selene-a100');
    expect(resolveHardware('a100-40gb', undefined).clusterId).toBeNull();
    expect(resolveHardware(undefined, 'jean-zay-a100').clusterId).toBe('jean-zay-a100');
  });
});
