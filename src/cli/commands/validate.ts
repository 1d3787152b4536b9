import { errorStatistics, runAllServingCases, SERVING_TARGET } from '../../validation/serving-cases.js';
import { metricBand, runAllTrainingCases, TARGET_ERROR } from '../../validation/training-cases.js';
import { table, toJson } from '../format.js';

/** `llmecon validate`: the engines against every cited training and serving case. */
export function validateCommand(options: { json?: boolean }): { output: string; exitCode: number } {
  const results = runAllTrainingCases();
  const serving = runAllServingCases();
  const servingStats = errorStatistics(serving.filter((r) => r.case.source.startsWith('trtllm-performance')));
  const failing = [...results, ...serving].filter((r) => !r.withinTolerance);
  if (options.json) {
    return {
      output: toJson({
        targetError: TARGET_ERROR,
        cases: results.map((r) => ({
          id: r.case.id,
          role: r.case.role,
          metric: r.case.metric,
          published: r.case.published,
          predicted: r.predicted,
          error: r.error,
          tolerance: r.case.tolerance,
          withinTarget: Math.abs(r.error) <= TARGET_ERROR,
          withinTolerance: r.withinTolerance,
          stack: r.case.stack ?? null,
          range: rangeOf(r),
          source: r.case.source,
          locator: r.case.locator,
        })),
        serving: {
          target: SERVING_TARGET,
          tensorRtLlmRows: servingStats,
          cases: serving.map((r) => ({
            id: r.case.id,
            role: r.case.role,
            measure: r.case.measure,
            published: r.case.published,
            predicted: r.predicted,
            error: r.error,
            tolerance: r.case.tolerance,
            withinTolerance: r.withinTolerance,
            source: r.case.source,
            locator: r.case.locator,
          })),
        },
      }),
      exitCode: failing.length > 0 ? 1 : 0,
    };
  }
  const held = results.filter((r) => r.case.role === 'validation');
  const met = held.filter((r) => Math.abs(r.error) <= TARGET_ERROR).length;
  const rows = results.map((r) => [
    r.case.id,
    r.case.metric,
    Number(r.case.published.toPrecision(5)).toLocaleString('en-US'),
    Number(r.predicted.toPrecision(5)).toLocaleString('en-US'),
    `${(100 * r.error).toFixed(1)}%`,
    r.case.role === 'calibration'
      ? 'calibration'
      : Math.abs(r.error) <= TARGET_ERROR
        ? 'ok'
        : r.withinTolerance
          ? `known gap (±${Math.round(100 * r.case.tolerance)}%)`
          : 'DRIFTED',
  ]);
  // Five figures, or every digit of a whole count (a KV pool in tokens).
  const figures = (x: number) =>
    (x >= 1e5 ? Math.round(x) : Number(x.toPrecision(5))).toLocaleString('en-US');
  const servingRows = serving.map((r) => [
    r.case.id,
    r.case.measure,
    figures(r.case.published),
    figures(r.predicted),
    `${(100 * r.error).toFixed(1)}%`,
    r.case.role === 'calibration' ? 'calibration' : r.withinTolerance ? 'ok' : 'DRIFTED',
  ]);
  return {
    output: [
      'Training',
      table(['case', 'metric', 'published', 'predicted', 'error', 'status'], rows),
      '',
      `${met} of ${held.length} held-out cases within the ${100 * TARGET_ERROR}% target. Sources and notes: docs/validation.md`,
      '',
      'Serving',
      table(['case', 'measure', 'published', 'predicted', 'error', 'status'], servingRows),
      '',
      `TensorRT-LLM rows: median |error| ${(100 * servingStats.median).toFixed(1)}%, largest ${(100 * servingStats.max).toFixed(1)}% (target ≤${100 * SERVING_TARGET.medianError}%, ≤${100 * SERVING_TARGET.maxError}%). Sources and notes: docs/validation-serving.md`,
      '',
      `${failing.length} case${failing.length === 1 ? '' : 's'} outside their stated tolerance.`,
    ].join('\n'),
    exitCode: failing.length > 0 ? 1 : 0,
  };
}

/** The stack's P10–P90 range on a case's metric (null for a case run without a stack). */
function rangeOf(r: Parameters<typeof metricBand>[0]) {
  const band = metricBand(r);
  return band ? { p10: band.p10, p90: band.p90, inside: band.inside } : null;
}
