/**
 * The calibration band behind an estimate the levers and scenarios reuse: a training or fine-tuning
 * plan's (GPU family × stack) band (core/training/error-band.ts), or a deployment's (engine × GPU
 * family) band from the serving calibration (catalog/engines/*.json), both as P10 and P90 multipliers
 * on a time-like figure (seconds, GPU-hours, $, energy, CO2). `key` names the calibration: estimates
 * with the same key take the same residual draw (see ratioRange in core/uncertainty/range.ts).
 */
import type { ErrorBand } from '../core/training/error-band.js';
import { engineCalibration, findEngine, gpuFamily } from './engines.js';

export interface CalibrationBand {
  /** P10 and P90 multipliers on a time-like figure. */
  readonly low: number;
  readonly high: number;
  /** The calibration the band comes from (`train:megatron×hopper`, `serve:trt-llm×blackwell`). */
  readonly key: string;
  /** Where the band comes from, in words. */
  readonly basis: string;
  /** Plain statements of where the estimate is outside what was calibrated (empty when inside). */
  readonly outside: readonly string[];
}

/**
 * A training plan's band (planTraining's `band`) for `stack` on `family` GPUs; `family` is the
 * calibration's (`*` for a stack calibrated over every family), so estimates on it share a key.
 */
export function trainingBand(band: ErrorBand, stack: string, calibrationFamily: string): CalibrationBand {
  const family = calibrationFamily === '*' ? 'every GPU family' : calibrationFamily;
  return {
    low: band.low,
    high: band.high,
    key: `train:${stack}×${calibrationFamily}`,
    basis:
      band.cases > 0
        ? `${stack} × ${family} leave-one-out residuals (${band.cases} runs)${band.heldOutRuns > 0 ? ` and ${band.heldOutRuns} held-out runs` : ''}`
        : `no ${stack} × ${family} runs: pooled residuals of every calibrated family and stack, doubled`,
    outside: band.outside,
  };
}

/**
 * A deployment's band: published / predicted throughput of the engine on the GPU's family lies in
 * [ratioP10, ratioP90] over its leave-one-out and held-out predictions, so a time-like figure
 * (GPU-hours for given traffic, $, energy, latency) lies in [x / ratioP90, x / ratioP10]. A family
 * with too few rows shares the engine's pooled fit and band; a family the engine has no rows on
 * extrapolates the pooled fit with its band doubled in log-width about its centre; both say so.
 */
export function servingBand(gpuId: string, engineId = 'trt-llm'): CalibrationBand {
  const engine = findEngine(engineId);
  const family = gpuFamily(gpuId);
  const k = engineCalibration(engine, gpuId);
  const key = `serve:${engine.id}×${family}`;
  if (!k)
    return {
      low: 0.5,
      high: 2,
      key,
      basis: 'no serving calibration data: a factor of two either way',
      outside: [`${engine.id} has no serving calibration: the band is a factor of two either way`],
    };
  const low = 1 / k.fit.ratioP90.value;
  const high = 1 / k.fit.ratioP10.value;
  const held = k.fit.heldOutRows ? ` and ${k.fit.heldOutRows.value} held-out rows` : '';
  if (k.scope === 'family')
    return {
      low,
      high,
      key,
      basis: `${engine.id} × ${family} leave-one-out residuals (${k.fit.rows.value} rows)${held}`,
      outside: [],
    };
  const over = (k.pooledOver ?? []).join(' + ');
  const basis = `${engine.id} pooled over ${over}: leave-one-out residuals (${k.fit.rows.value} rows)${held}`;
  if (k.scope === 'pooled')
    return {
      low,
      high,
      key: `serve:${engine.id}×${over}`,
      basis,
      outside: [
        `too few ${engine.id} rows on ${family} GPUs for a fit of their own: host overheads and band pooled over ${over}`,
      ],
    };
  const centre = Math.sqrt(low * high);
  const half = Math.sqrt(high / low);
  return {
    low: centre / half ** 2,
    high: centre * half ** 2,
    key,
    basis: `${basis}, doubled`,
    outside: [
      `no serving calibration for ${engine.id} on ${family} GPUs: host overheads extrapolated from its fit pooled over ${over}; the band is that fit's band, doubled`,
    ],
  };
}
