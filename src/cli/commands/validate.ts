import { runAllTrainingCases, TARGET_ERROR } from '../../validation/training-cases.js';
import { table, toJson } from '../format.js';

/** `llmecon validate`: the engine against every cited training case. */
export function validateCommand(options: { json?: boolean }): { output: string; exitCode: number } {
  const results = runAllTrainingCases();
  const failing = results.filter((r) => !r.withinTolerance);
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
          source: r.case.source,
          locator: r.case.locator,
        })),
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
  return {
    output: [
      table(['case', 'metric', 'published', 'predicted', 'error', 'status'], rows),
      '',
      `${met} of ${held.length} held-out cases within the ${100 * TARGET_ERROR}% target; ${failing.length} outside their stated tolerance. Sources and notes: docs/validation.md`,
    ].join('\n'),
    exitCode: failing.length > 0 ? 1 : 0,
  };
}
