/**
 * docs/training-engine.md's held-out section (between `<!-- heldout:begin -->` and `<!-- heldout:end -->`,
 * written by `npm run validation-report` after the calibration): every archive row predicted with the
 * committed megatron calibration (stack-heldout-cases.ts), the rows the engine could not run, and the
 * summary per GPU family.
 */
import { formatPercent, formatSignedPercent } from '../core/format.js';
import {
  type HeldOutCase,
  type HeldOutSkipped,
  heldOutByRelease,
  heldOutSummary,
} from './stack-heldout-cases.js';

export const HELD_OUT_BEGIN = '<!-- heldout:begin -->';
export const HELD_OUT_END = '<!-- heldout:end -->';

/** Four significant figures, whole numbers at 10,000 and above (seconds of a step). */
const seconds = (x: number) => {
  const s = x.toPrecision(4);
  return s.includes('e') ? String(Math.round(x)) : s;
};

export function heldOutMegatronMarkdown(
  cases: readonly HeldOutCase[],
  skipped: readonly HeldOutSkipped[],
): string {
  const rows = cases.map((c) => {
    const model = c.moeRouting ? `${c.model} (${c.moeRouting})` : c.model;
    const inside = c.published >= c.p10 && c.published <= c.p90;
    return `| ${c.release} | ${c.system} | ${model} | ${c.precision} | ${c.gpus} | ${c.layout} | ${seconds(c.published)} | ${seconds(c.predicted)} | ${seconds(c.p10)}–${seconds(c.p90)}${inside ? '' : ' (outside)'} | ${seconds(c.engine)} | ${formatSignedPercent(c.error)} |`;
  });
  const releases = heldOutByRelease(cases).map(
    (r) =>
      `| ${r.release} | ${r.n} | ${formatPercent(r.median)} | ${formatPercent(r.max)} | ${formatSignedPercent(r.meanSigned)} | ${r.inBand}/${r.n} |`,
  );
  const families = heldOutSummary(cases).map(
    (s) => `| ${s.family} | ${s.n} | ${formatPercent(s.median)} | ${formatPercent(s.max)} |`,
  );
  return [
    HELD_OUT_BEGIN,
    '| release | system | model | precision | GPUs | layout (engine) | published s | predicted s | P10–P90 s | engine s (uncalibrated) | error |',
    '|---|---|---|---|---:|---|---:|---:|---|---:|---:|',
    ...rows,
    '',
    ...(skipped.length > 0
      ? [
          'Not predicted (the engine rejects the published layout):',
          '',
          ...skipped.map((s) => `- ${s.locator}: ${s.reason}`),
          '',
        ]
      : []),
    'Per release (mean signed error below zero: the release ran faster than the calibration predicts):',
    '',
    '| release | rows | median abs error | max abs error | mean signed error | published inside P10–P90 |',
    '|---|---:|---:|---:|---:|---:|',
    ...releases,
    '',
    '| GPU family | rows | held-out median abs error | held-out max abs error |',
    '|---|---:|---:|---:|',
    ...families,
    HELD_OUT_END,
  ].join('\n');
}
