/**
 * Fits the RL loop's two parameters (the rollout time scale and the loop's fixed seconds per step) on
 * the calibration runs of catalog/validation/rl-runs.json: each run is planned uncalibrated, the fit is
 * the weighted least squares of src/validation/rl-cases.ts:fitRlLoop, and each run's leave-one-out
 * residual is ln(published / prediction with the others' fit). Writes the `calibration` block of the
 * file and prints every run: calibration runs fitted and left out, held-out and superseded runs
 * predicted, then per framework × GPU family the leave-one-out median and maximum |error|.
 * `--generation-tp` prints the same with every rollout at the TP the source states (not written).
 * Run: npx tsx scripts/calibrate-rl.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { median } from '../src/core/statistics.js';
import { rlValidation } from '../src/validation/rl-cases.js';

const generationTp = process.argv.includes('--generation-tp');
const path = new URL('../catalog/validation/rl-runs.json', import.meta.url);
const file = JSON.parse(readFileSync(path, 'utf8'));
const { calibration, cases, others } = rlValidation({ generationTp });
if (!generationTp) {
  file.calibration = calibration;
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;
const cell = (s: number, published: number) => `${s.toFixed(1)} (${pct(s / published - 1)})`;
console.log(
  `rollout time scale ${calibration.rolloutTimeScale.toFixed(3)}, loop ${calibration.loopOverheadSeconds.toFixed(1)} s per step, on ${cases.length} runs${generationTp ? ' (rollout at the stated TP)' : ''}\n`,
);
console.log('| run | published s | uncalibrated | calibrated | leave-one-out |');
console.log('|---|---:|---:|---:|---:|');
for (const c of cases)
  console.log(
    `| ${c.id} | ${c.publishedSeconds} | ${cell(c.uncalibratedSeconds, c.publishedSeconds)} | ${cell(c.calibratedSeconds, c.publishedSeconds)} | ${cell(c.leaveOneOutSeconds, c.publishedSeconds)} |`,
  );
console.log('\n| run | role | published s | predicted | published rollout s | predicted rollout |');
console.log('|---|---|---:|---:|---:|---:|');
for (const o of others)
  console.log(
    `| ${o.id} | ${o.role} | ${o.publishedSeconds} | ${o.predictedSeconds === null ? `— (${o.note})` : cell(o.predictedSeconds, o.publishedSeconds)} | ${o.publishedRolloutSeconds ?? '—'} | ${o.predictedRolloutSeconds === null ? '—' : cell(o.predictedRolloutSeconds, o.publishedRolloutSeconds!)} |`,
  );
const groups = new Map<string, number[]>();
for (const c of cases) {
  const key = `${c.framework} × ${c.family}`;
  groups.set(key, [...(groups.get(key) ?? []), Math.abs(c.leaveOneOutSeconds / c.publishedSeconds - 1)]);
}
groups.set(
  'all',
  cases.map((c) => Math.abs(c.leaveOneOutSeconds / c.publishedSeconds - 1)),
);
console.log('\n| framework × family | runs | LOO median | LOO max |');
console.log('|---|---:|---:|---:|');
for (const [key, errors] of groups)
  console.log(
    `| ${key} | ${errors.length} | ${(100 * median(errors)).toFixed(1)}% | ${(100 * Math.max(...errors)).toFixed(1)}% |`,
  );
