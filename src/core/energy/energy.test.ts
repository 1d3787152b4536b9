import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { HOURS_PER_YEAR, requestsPerSecondFor, tokensPerDayAt } from '../units.js';
import {
  embodiedKgCo2PerGpuHour,
  energyKWh,
  energyNote,
  energyText,
  energyUsdPerGpuHour,
  operationalCo2Kg,
  provisionedKw,
} from './energy.js';

// An H100 SXM node: 10.2 kW for 8 GPUs (DGX H100 datasheet), Epoch AI's 0.75 power fraction, PUE 1.2.
const e = {
  nodeWattsPerGpu: 1275,
  powerFraction: 0.75,
  pue: 1.2,
  kgCo2PerKWh: 0.4,
  electricityUsdPerKWh: 0.1,
};

describe('energy', () => {
  it('a GPU-hour draws W × power fraction × PUE watt-hours', () => {
    expect(energyKWh(1, e)).toBeCloseTo(1.1475, 12);
    expect(energyKWh(1000, e)).toBeCloseTo(1147.5, 9);
    // A facility's own PUE replaces the default.
    expect(energyKWh(1000, e, 1.1)).toBeCloseTo(1051.875, 9);
  });

  it('electricity per GPU-hour is the energy of one GPU-hour at the price', () => {
    expect(energyUsdPerGpuHour(e, 0.1)).toBeCloseTo(energyKWh(1, e) * 0.1, 12);
    expect(energyUsdPerGpuHour(e, 0.2, 1.5)).toBeCloseTo(energyKWh(1, e, 1.5) * 0.2, 12);
  });

  it('operational CO2 is kWh × grid intensity; colocation bills nameplate kW', () => {
    expect(operationalCo2Kg(1000, e)).toBe(400);
    expect(provisionedKw(8, e)).toBeCloseTo(10.2, 12);
  });

  it('embodied CO2 amortises the card and its server share over the lifespan', () => {
    const perHour = embodiedKgCo2PerGpuHour({
      gpuCardKg: 150,
      serverBaseKg: 2500,
      gpusPerNode: 8,
      lifespanYears: 4,
    });
    expect(perHour * 4 * HOURS_PER_YEAR).toBeCloseTo(150 + 2500 / 8, 9);
  });

  test.prop([fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 1, max: 3, noNaN: true })])(
    'energy is linear in GPU-hours and PUE, never negative',
    (gpuHours, pue) => {
      const kWh = energyKWh(gpuHours, e, pue);
      expect(kWh).toBeGreaterThanOrEqual(0);
      expect(energyKWh(2 * gpuHours, e, pue)).toBeCloseTo(2 * kWh, 6);
    },
  );
});

describe('rates', () => {
  test.prop([fc.double({ min: 1, max: 1e13, noNaN: true }), fc.integer({ min: 1, max: 1e6 })])(
    'tokens/day and requests/s convert back and forth',
    (tokens, perRequest) => {
      expect(tokensPerDayAt(requestsPerSecondFor(tokens, perRequest), perRequest)).toBeCloseTo(tokens, 0);
    },
  );
});

describe('without a power figure', () => {
  const unknown = {
    ...e,
    nodeWattsPerGpu: null,
    powerUnknownReason: 'the catalog has no power figure for x',
  };
  it('every energy formula gives null, never 0 or NaN, and the note says why', () => {
    expect(energyKWh(100, unknown)).toBeNull();
    expect(energyUsdPerGpuHour(unknown, 0.1)).toBeNull();
    expect(provisionedKw(8, unknown)).toBeNull();
    expect(operationalCo2Kg(energyKWh(100, unknown), unknown)).toBeNull();
    expect(energyNote(unknown)).toBe('not estimated (the catalog has no power figure for x)');
    expect(energyNote(e)).toBeNull();
    expect(energyText(null, energyNote(unknown), (kWh) => `${kWh} kWh`)).toBe(
      'energy not estimated (the catalog has no power figure for x)',
    );
    expect(energyText(5, null, (kWh) => `${kWh} kWh`)).toBe('5 kWh');
  });
});
