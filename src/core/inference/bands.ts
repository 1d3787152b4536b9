/**
 * P10–P90 bands on serving figures from a calibration's leave-one-out residuals: if published /
 * predicted throughput falls between r10 and r90 on held-out rows, a throughput x lies in
 * [r10·x, r90·x] and a time or cost per token (∝ 1 / throughput) in [x / r90, x / r10].
 */
import { inverseRange, type Range, scaledRange } from '../uncertainty/range.js';

export type { Range };

export interface ResidualBand {
  /** P10 and P90 of published / predicted throughput over leave-one-out predictions. */
  readonly ratioP10: number;
  readonly ratioP90: number;
  /** Which calibration the band comes from (engine × GPU family). */
  readonly basis: string;
}

export const throughputRange = (x: number, b: ResidualBand): Range => scaledRange(x, b.ratioP10, b.ratioP90);

export const perTokenRange = (x: number, b: ResidualBand): Range => inverseRange(x, b.ratioP10, b.ratioP90);
