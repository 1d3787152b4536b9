/**
 * The P10–P90 band of an inference memory estimate made without an engine's measured terms (`memory
 * --mode infer`: weights, an 8,192-token workspace, one logits slice and 2 GiB of framework overhead),
 * from the residuals ln(logged / predicted) of that generic reserve against what vLLM's startup logs say
 * it holds beside its KV cache (catalog/validation/serving.json, measure `nonKvBytesPerGpu`: weights,
 * activation peak and non-torch memory per GPU). The KV cache itself is exact arithmetic, outside it.
 */
import { wordList } from '../core/format.js';
import { median } from '../core/statistics.js';
import { residualBand } from '../core/uncertainty/range.js';
import { runServingCase, servingCases } from './serving-cases.js';

export interface InferenceReserveBand {
  /** Multipliers on the memory beside the KV cache: P10 and P90. */
  readonly low: number;
  readonly high: number;
  /** Logs behind the band, and how far the generic reserve was from them (median and largest |error|). */
  readonly cases: number;
  readonly medianAbsError: number;
  readonly maxAbsError: number;
  /** Which logs, in words. */
  readonly of: string;
}

let cached: InferenceReserveBand | null = null;

export function inferenceReserveBand(): InferenceReserveBand {
  if (cached) return cached;
  const rows = servingCases().filter((c) => c.measure === 'nonKvBytesPerGpu');
  const residuals = rows.map((c) =>
    Math.log(c.published / runServingCase(c, { genericReserve: true }).predicted),
  );
  const errors = residuals.map((r) => Math.abs(Math.exp(r) - 1));
  const tps = rows.map((c) => c.replica.tensorParallel);
  cached = {
    ...residualBand(residuals),
    cases: rows.length,
    medianAbsError: median(errors),
    maxAbsError: Math.max(...errors),
    of: `what ${rows.length} ${wordList([...new Set(rows.map((c) => c.engine ?? 'engine'))], 'and')} startup logs (${wordList([...new Set(rows.map((c) => c.gpu))], 'and')}, TP ${Math.min(...tps)} to ${Math.max(...tps)}) hold beside the KV cache`,
  };
  return cached;
}
