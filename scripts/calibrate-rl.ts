/**
 * Fits the RL step-time scale on the published runs of catalog/validation/rl-runs.json: each run is
 * planned uncalibrated (scale 1), the scale is the geometric mean of published / modelled over the
 * runs, and each run's leave-one-out residual is ln(published / prediction with the others' scale).
 * Writes the `calibration` block of the file. Run: npx tsx scripts/calibrate-rl.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rlCalibrationFit } from '../src/validation/rl-cases.js';

const path = new URL('../catalog/validation/rl-runs.json', import.meta.url);
const file = JSON.parse(readFileSync(path, 'utf8'));
const calibration = rlCalibrationFit();
file.calibration = calibration;
writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
console.log(JSON.stringify(calibration, null, 2));
