/**
 * The attention factor of a (GPU family × stack) fit is calibrated on its cases' attention shares: a step
 * whose attention share lies far beyond them (a long context) extrapolates it, and the band says so.
 */
import { describe, expect, it } from 'vitest';
import { errorBand } from '../core/training/error-band.js';
import { allStackCalibrations, findStack } from './stacks.js';

describe('the band beyond the calibration cases’ attention shares', () => {
  const calibration = findStack('megatron').calibrations.find((k) => k.family === 'hopper')!;
  const where = { family: 'hopper', stack: 'megatron', gpus: 256 };
  it('the largest share among the megatron × Hopper cases is their 8K Llama 3 8B run’s, about a quarter', () => {
    expect(calibration.maxAttentionFraction).toBeGreaterThan(0.2);
    expect(calibration.maxAttentionFraction).toBeLessThan(0.3);
  });
  it('within 1.5× of it the band is the fit’s; beyond, it widens by half and names the shares', () => {
    const max = calibration.maxAttentionFraction!;
    const within = errorBand(calibration, allStackCalibrations(), { ...where, attentionFraction: 1.4 * max });
    const plain = errorBand(calibration, allStackCalibrations(), where);
    expect([within.low, within.high, within.outside]).toEqual([plain.low, plain.high, plain.outside]);
    const beyond = errorBand(calibration, allStackCalibrations(), { ...where, attentionFraction: 0.79 });
    expect(beyond.outside.join(' ')).toContain(
      `attention is 79% of this step, beyond the calibration cases (up to ${(100 * max).toFixed(0)}%)`,
    );
    expect(Math.log(beyond.high / beyond.low)).toBeGreaterThan(Math.log(plain.high / plain.low));
  });
});
