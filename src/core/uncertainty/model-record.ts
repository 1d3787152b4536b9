/**
 * A model's own calibration record: where the calibrated estimate of the same model (matched by its
 * total parameters, and for serving the GPU) landed on the runs or rows it was calibrated on, each
 * left out of the fit. A band drawn from every model's residuals can miss one model's systematic
 * offset (gpt-oss-120b's three Blackwell runs on Megatron-Core came out 62–80% slower than calibrated
 * where the family's band reaches about +40%); a prediction for that model then reaches the median of
 * its own runs, and says so. A model whose runs scatter about the fit (median inside the band) keeps
 * the band: its extremes are what the band's P10–P90 already stands for. Only leave-one-out residuals
 * of calibration cases enter, never a held-out run's, so held-out coverage stays a blind test.
 */

import { formatCount, formatPercent, plural } from '../format.js';
import { median } from '../statistics.js';

export interface ModelRecord {
  /** The model's total parameters (its match key). */
  readonly totalParams: number;
  /** The GPU its rows ran on, where the record is kept per GPU (serving); absent: any in the calibration. */
  readonly gpu?: string;
  /** Median, smallest and largest published / calibrated multiplier on a time-like figure among its runs. */
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** The runs or rows behind it (case ids). */
  readonly ids: readonly string[];
}

/** One calibration case's leave-one-out outcome: published / calibrated on a time-like figure. */
export interface RecordEntry {
  readonly id: string;
  readonly totalParams: number;
  readonly gpu?: string;
  readonly timeMultiplier: number;
}

/**
 * Two models within this relative difference in total parameters are taken as the same model: one
 * architecture gives one count (a config.json of a catalog model counts as the catalog's), while
 * distinct models of similar size differ by percents (Llama 3 70B 70.6B, Qwen2.5-72B 72.7B).
 */
export const SAME_MODEL_TOLERANCE = 0.005;

/** The entries grouped by model (equal total parameters) and GPU, each with its median and extremes. */
export function modelRecords(entries: readonly RecordEntry[]): ModelRecord[] {
  const groups = new Map<string, RecordEntry[]>();
  for (const e of entries) {
    const key = `${e.totalParams}|${e.gpu ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()].map((group) => {
    const multipliers = group.map((e) => e.timeMultiplier);
    const { totalParams, gpu } = group[0]!;
    return {
      totalParams,
      ...(gpu !== undefined && { gpu }),
      median: median(multipliers),
      low: Math.min(...multipliers),
      high: Math.max(...multipliers),
      ids: group.map((e) => e.id),
    };
  });
}

/** The record of the model with `totalParams` (within {@link SAME_MODEL_TOLERANCE}) on `gpu`, if any. */
export const recordOf = (
  records: readonly ModelRecord[] | undefined,
  totalParams: number | undefined,
  gpu?: string,
): ModelRecord | undefined =>
  totalParams === undefined || !(totalParams > 0)
    ? undefined
    : records?.find(
        (r) =>
          Math.abs(totalParams / r.totalParams - 1) <= SAME_MODEL_TOLERANCE &&
          (r.gpu === undefined || r.gpu === gpu),
      );

/**
 * A P10–P90 band (multipliers on a time-like figure) stretched to reach the median of the model's own
 * record, with the statement that says why; the band unchanged and no statement when it holds it.
 */
export function reachRecord(
  band: { readonly low: number; readonly high: number },
  record: ModelRecord | undefined,
  calibration: string,
  noun: 'run' | 'row' = 'run',
): { readonly low: number; readonly high: number; readonly statement: string | null } {
  if (!record || (record.median >= band.low && record.median <= band.high))
    return { ...band, statement: null };
  const many = record.ids.length > 1;
  const shown = record.ids.slice(0, 3).join(', ') + (record.ids.length > 3 ? ', …' : '');
  const signed = (m: number) => `${m >= 1 ? '+' : ''}${formatPercent(m - 1)}`;
  const span =
    record.low === record.high
      ? signed(record.low)
      : `${signed(record.low)} to ${signed(record.high)} (median ${signed(record.median)})`;
  return {
    low: Math.min(band.low, record.median),
    high: Math.max(band.high, record.median),
    statement: `${plural(record.ids.length, noun)} of a model of this size (${formatCount(record.totalParams)} parameters)${record.gpu ? ` on ${record.gpu}` : ''} in the ${calibration} calibration ${many ? 'were' : 'was'} ${span} off the calibrated time (published / calibrated − 1), ${many ? 'each ' : ''}left out of the fit (${shown}): the band reaches ${many ? 'their median' : 'it'}`,
  };
}
