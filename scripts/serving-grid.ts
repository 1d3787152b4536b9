/**
 * The serving calibration's search: host ms per step × µs per running sequence × MoE µs per sequence per
 * layer, each row's error at each combo memoised, and the combo of least mean |log error| on a set of
 * rows. Shared by scripts/calibrate-serving.ts (each engine × GPU family) and
 * scripts/calibrate-fp4-ceiling.ts (the same fit at each candidate FP4 ceiling).
 */
import { findModel } from '../src/catalog/catalog.js';
import { moeTermIdentified } from '../src/catalog/engines.js';
import { routedLayers } from '../src/core/model/layer-mix.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
import { runServingCase, type ServingCase } from '../src/validation/serving-cases.js';

/**
 * The search grid: host ms per step × host µs per running sequence. Physical ranges for Python and
 * C++ schedulers: vLLM v0.5.3 spent 62% of a Llama 3 8B step on 1 H100 in the API server and the
 * scheduler (vllm-blog-perf-v060, 'Performance Bottlenecks'), i.e. several ms per step.
 */
const STEP_MS = [0, 0.5, 1, 2, 3, 5, 8, 12];
const SEQUENCE_US = [0, 1, 2, 4, 6, 8, 10, 15, 20, 30, 40, 60, 80, 120];
/**
 * GPU µs per running sequence per MoE layer: what MoE decode costs beyond the operation list's expert
 * GEMMs (routing, permutation, grouped GEMMs at a few tokens per expert). Up to 4 µs: an H200 streams
 * about 14 MB in that time, far more than a token's routed activations.
 */
const MOE_US = [0, 0.25, 0.5, 1, 1.5, 2, 3, 4];
/**
 * Tighter bounds for an engine whose host work is a C++ executor or overlapped with the GPU step:
 * TensorRT-LLM stays within ≤ 5 ms per step and ≤ 40 µs per sequence (on the full grid its fit moves
 * to 8–12 ms per step, absorbing kernel-model misses into a host time its executor does not have).
 */
const GRID_CEILING: Readonly<Record<string, { readonly stepMs: number; readonly sequenceUs: number }>> = {
  'trt-llm': { stepMs: 5, sequenceUs: 40 },
};

const logError = (e: number) => Math.abs(Math.log(1 + e));
/** A ratio as the calibration scripts print it: 0.111 → `11.1%`. */
export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export const combos = STEP_MS.flatMap((a) => SEQUENCE_US.flatMap((b) => MOE_US.map((m) => ({ a, b, m }))));
const moeMemo = new Map<string, boolean>();
export const isMoe = (c: ServingCase) => {
  let moe = moeMemo.get(c.id);
  if (moe === undefined) {
    moe = routedLayers(modelSpecFrom(findModel(c.model).config, c.model)) > 0;
    moeMemo.set(c.id, moe);
  }
  return moe;
};
/**
 * The host grid's errors and best fit, with the GPU family's FP4 ceiling replaced by `fp4Ceiling` where
 * given (scripts/calibrate-fp4-ceiling.ts sweeps it; absent: the catalog's).
 */
export function hostGrid(fp4Ceiling?: number) {
  const errorMemo = new Map<string, number>();
  const errorOf = (c: ServingCase, k: number) => {
    const { a, b, m } = combos[k]!;
    const moe = isMoe(c);
    // A dense model's error does not depend on the MoE term: one run per (step, sequence) pair.
    const key = `${c.id}|${a}|${b}|${moe ? m : 0}`;
    let e = errorMemo.get(key);
    if (e === undefined) {
      e = runServingCase(
        c,
        {
          stepOverheadSeconds: a / 1e3,
          sequenceOverheadSeconds: b / 1e6,
          moeSequenceLayerSeconds: (moe ? m : 0) / 1e6,
        },
        fp4Ceiling,
      ).error;
      errorMemo.set(key, e);
    }
    return e;
  };
  /** Mean |log error| of `rows` at combo `j`: the objective every fit minimises. */
  const score = (rows: readonly ServingCase[], j: number) =>
    rows.reduce((x, c) => x + logError(errorOf(c, j)), 0) / rows.length;
  /**
   * The combo (within the engine's grid) with the smallest mean |log error| over the rows; the MoE term
   * held at 0 unless MIN_MOE_ROWS of the rows are MoE models.
   */
  const best = (rows: readonly ServingCase[]) => {
    const ceiling = GRID_CEILING[rows[0]?.engine ?? ''];
    const moeFitted = moeTermIdentified(rows.filter(isMoe).length);
    let k = 0;
    let least = Number.POSITIVE_INFINITY;
    combos.forEach(({ a, b, m }, j) => {
      if (ceiling && (a > ceiling.stepMs || b > ceiling.sequenceUs)) return;
      if (m > 0 && !moeFitted) return;
      const s = score(rows, j);
      if (s < least) {
        least = s;
        k = j;
      }
    });
    return k;
  };
  return { errorOf, best, score };
}
