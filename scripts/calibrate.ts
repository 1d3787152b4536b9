/**
 * Calibrates an efficiency profile's sustainedComputeFraction on ONE validation case: the value
 * that makes the engine reproduce that case's published figure (bisection). Run it once per
 * accelerator family, write the result into catalog/efficiency/<profile>.json with the case named
 * in its note; every other case stays held out.
 *
 *   npx tsx scripts/calibrate.ts <case-id>
 */
import { findGpu, loadCatalog } from '../src/catalog/catalog.js';
import { runTrainingCase, trainingCases } from '../src/validation/training-cases.js';

const id = process.argv[2];
const target = trainingCases().find((c) => c.id === id);
if (!target) {
  console.error(
    `unknown case '${id}'; one of: ${trainingCases()
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
