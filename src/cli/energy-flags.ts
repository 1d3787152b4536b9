/**
 * `--watts-per-gpu` and the one way every command shows energy: a figure, or the energy note when the
 * GPU's power is unknown (train, finetune, rl, serve, compare-api).
 */
export { energyText } from '../core/energy/energy.js';

import { type ErrorBand, timeRange } from '../core/training/error-band.js';
import type { Range } from '../core/uncertainty/range.js';
import { positiveNumber } from './options.js';

export interface WattsFlags {
  wattsPerGpu?: string;
}

export const WATTS_PER_GPU_FLAG = '--watts-per-gpu <W>';
export const WATTS_PER_GPU_HELP =
  'server watts per accelerator (node power / accelerators per node), overriding the catalog; energy, CO2 and electricity $ need it where the catalog has no power figure';

/** `--watts-per-gpu` within its domain (1–5000 W), or undefined for the catalog's figure. */
export function wattsPerGpuFlag(o: WattsFlags): number | undefined {
  return o.wattsPerGpu === undefined ? undefined : positiveNumber(o.wattsPerGpu, '--watts-per-gpu', 1);
}

/** The P10–P90 range of an energy or CO2 figure, or null when it is not estimated. */
export function energyRange(value: number | null, band: ErrorBand): Range | null {
  return value === null ? null : timeRange(value, band);
}
