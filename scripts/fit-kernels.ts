/**
 * Fits the kernel model on a kernel measurement file (catalog/kernels/, bench/gpu/kernels.py) and
 * prints an efficiency profile in the catalog's format: the GPU's current profile with `kernels`
 * (launch latency, sustained bandwidth, per-datatype tiles, ceilings, K overheads) and the attention
 * efficiencies replaced by the fitted and measured values. Errors (fit and leave-one-out) go to stderr.
 *
 *   npx tsx scripts/fit-kernels.ts catalog/kernels/h200-2026-11-29.json [--gpu h200] [--id h200] > profile.json
 */
import { readFileSync } from 'node:fs';
import { findGpu, loadCatalog } from '../src/catalog/catalog.js';
import { EFFICIENCY_FILES } from '../src/catalog/data.js';
import { efficiencyFileSchema, kernelMeasurementFileSchema } from '../src/catalog/efficiency-schema.js';
import { fitKernelsFromMeasurements } from '../src/catalog/kernel-calibration.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!file) {
  console.error(
    'usage: tsx scripts/fit-kernels.ts MEASUREMENTS.json [--gpu ID] [--id PROFILE_ID] [--base PROFILE]',
  );
  process.exit(2);
}
const measurements = kernelMeasurementFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
const gpu = findGpu(flag('--gpu') ?? measurements.gpu);
const baseId = flag('--base') ?? gpu.file.efficiencyProfile;
const base = efficiencyFileSchema.parse(EFFICIENCY_FILES[baseId]);
loadCatalog();
const { profile, report } = fitKernelsFromMeasurements(gpu, measurements, base, {
  id: flag('--id') ?? measurements.gpu,
  leaveOneOut: true,
});
console.error(report);
console.log(JSON.stringify(profile, null, 2));
