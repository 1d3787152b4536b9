/**
 * Calibration of each (GPU family × software stack) on published runs with exact layouts, and its
 * leave-one-out error. Three physical parameters per pair (compute scale, routed-expert factor, host
 * overhead per layer pass; see src/validation/stack-calibration.ts). A pair with fewer than two cases on one family is pooled
 * over families ('*'). Re-run after any change to the engine (kernel times, step time):
 *
 *   npx tsx scripts/calibrate.ts            # print the leave-one-out report
 *   npx tsx scripts/calibrate.ts --write    # also write catalog/validation/stack-calibration.json
 *                                           # and the "Calibration" section of docs/training-engine.md
 *   npx tsx scripts/calibrate.ts --diagnose # also each case's shape, engine split and residuals
 *   npx tsx scripts/calibrate.ts <case-id>  # the efficiency profile's sustainedComputeFraction on one case
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { findGpu, loadCatalog } from '../src/catalog/catalog.js';
import {
  calibrationDiagnosis,
  calibrationReportMarkdown,
  fitCalibrations,
} from '../src/validation/stack-calibration.js';
import { calibrationCases } from '../src/validation/stack-calibration-cases.js';
import { heldOutCalibrationCases } from '../src/validation/stack-heldout-cases.js';
import { runTrainingCase, trainingCases } from '../src/validation/training-cases.js';

const arg = process.argv[2];
if (arg && !arg.startsWith('--')) {
  const target = trainingCases().find((c) => c.id === arg);
  if (!target) {
    console.error(
      `unknown case '${arg}'; one of: ${trainingCases()
        .map((c) => c.id)
        .join(', ')}`,
    );
    process.exit(2);
  }
  const gpuId = target.hardware.gpu ?? loadCatalog().clusters.get(target.hardware.cluster!)!.gpu.id;
  const profile = findGpu(gpuId).efficiency as { sustainedComputeFraction: number };
  const original = profile.sustainedComputeFraction;
  // The metric rises with speed for throughput metrics and falls for time metrics.
  const faster = (f: number) => {
    profile.sustainedComputeFraction = f;
    const r = runTrainingCase(target);
    return ['stepSeconds', 'gpuHours', 'gpuHoursIdeal'].includes(target.metric) ? -r.error : r.error;
  };
  let lo = 0.3;
  let hi = 1;
  for (let i = 0; i < 40; i += 1) {
    const mid = (lo + hi) / 2;
    if (faster(mid) > 0) hi = mid;
    else lo = mid;
  }
  profile.sustainedComputeFraction = original;
  console.log(`${target.id}: sustainedComputeFraction = ${((lo + hi) / 2).toFixed(3)} (was ${original})`);
  process.exit(0);
}

const cases = calibrationCases();
const file = fitCalibrations(cases, new Date().toISOString().slice(0, 10), heldOutCalibrationCases());
const report = calibrationReportMarkdown(file);
console.log(report);
if (process.argv.includes('--diagnose')) console.log(`\n${calibrationDiagnosis(cases, file)}`);
if (process.argv.includes('--write')) {
  writeFileSync('catalog/validation/stack-calibration.json', `${JSON.stringify(file, null, 2)}\n`);
  const docPath = 'docs/training-engine.md';
  const doc = readFileSync(docPath, 'utf8');
  const begin = '<!-- calibration:begin -->';
  const end = '<!-- calibration:end -->';
  const section = `${begin}\n${report}\n${end}`;
  const next = doc.includes(begin)
    ? doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), section)
    : `${doc.trimEnd()}\n\n## Calibration per GPU family and software stack\n\n${section}\n`;
  writeFileSync(docPath, next);
  console.log('wrote catalog/validation/stack-calibration.json and docs/training-engine.md');
}
