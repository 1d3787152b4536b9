/**
 * Fits the RL step-time scale on the published runs of catalog/validation/rl-runs.json: each run is
 * planned uncalibrated (scale 1), the scale is the geometric mean of published / modelled over the
 * runs, and each run's leave-one-out residual is ln(published / prediction with the others' scale).
 * Writes the `calibration` block of the file. Run: npx tsx scripts/calibrate-rl.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rlValidation } from '../src/validation/rl-cases.js';

const path = new URL('../catalog/validation/rl-runs.json', import.meta.url);
const file = JSON.parse(readFileSync(path, 'utf8'));
const { calibration, cases } = rlValidation();
file.calibration = calibration;
writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;
console.log(`rollout time scale ${calibration.rolloutTimeScale.toFixed(3)} on ${cases.length} runs\n`);
console.log('| run | published s | uncalibrated | calibrated | leave-one-out |');
console.log('|---|---:|---:|---:|---:|');
for (const c of cases)
  console.log(
    `| ${c.id} | ${c.publishedSeconds} | ${c.uncalibratedSeconds.toFixed(1)} (${pct(c.uncalibratedSeconds / c.publishedSeconds - 1)}) | ${c.calibratedSeconds.toFixed(1)} (${pct(c.calibratedSeconds / c.publishedSeconds - 1)}) | ${c.leaveOneOutSeconds.toFixed(1)} (${pct(c.leaveOneOutSeconds / c.publishedSeconds - 1)}) |`,
  );
for (const c of cases) console.log(c.id, JSON.stringify(c.phases));
