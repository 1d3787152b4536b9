/**
 * `--efficiency FILE` (every command): a user's efficiency profile in the catalog's format
 * (catalog/efficiency/, e.g. written by scripts/fit-kernels.ts), or a kernel measurement file
 * (catalog/kernels/, written by bench/gpu/kernels.py) fitted on load for the GPU it names. Both are
 * validated by the catalog's schemas; errors name the flag and the field.
 */

import {
  efficiencyProfile,
  findGpu,
  loadCatalog,
  setEfficiencyOverride,
  withFamilyKernels,
} from '../catalog/catalog.js';
import { EFFICIENCY_FILES } from '../catalog/data.js';
import { efficiencyFileSchema, kernelMeasurementFileSchema } from '../catalog/efficiency-schema.js';
import { fitKernelsFromMeasurements } from '../catalog/kernel-calibration.js';
import { inputError } from '../core/errors.js';
import { readText } from './read-text.js';

const FLAG = '--efficiency';

/** The file's profile, with its family's kernel curves where it has none (catalog.ts withFamilyKernels). */
const profileOf = (file: Parameters<typeof efficiencyProfile>[0]) =>
  withFamilyKernels(efficiencyProfile(file), loadCatalog().efficiencyProfiles);

function parsed<T>(
  result:
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
  what: string,
): T {
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`)
    .join('; ');
  return inputError('invalid_value', [FLAG], `not a valid ${what}: ${detail}`);
}

/** Installs the file's profile for this run; returns a function that removes it. */
export function applyEfficiencyFile(path: string): () => void {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, FLAG));
  } catch (error) {
    if (error instanceof SyntaxError)
      inputError('invalid_value', [FLAG], `'${path}' is not JSON: ${error.message}`);
    throw error;
  }
  const isMeasurement =
    typeof json === 'object' && json !== null && 'gemm' in json && Array.isArray(json.gemm);
  if (isMeasurement) {
    const m = parsed(
      kernelMeasurementFileSchema.safeParse(json),
      'kernel measurement file (catalog/kernels/)',
    );
    const gpu = findGpu(m.gpu, `${FLAG} gpu`);
    if (!gpu.computeUnits) {
      inputError(
        'invalid_value',
        [FLAG],
        `the catalog has no SM count for '${gpu.id}': cannot fit its kernel model`,
      );
    }
    const base = efficiencyFileSchema.parse(EFFICIENCY_FILES[gpu.file.efficiencyProfile]);
    const { profile } = fitKernelsFromMeasurements(gpu, m, base, { id: `${gpu.id}-user`, errorPath: [FLAG] });
    setEfficiencyOverride({ profile: profileOf(profile), gpu: gpu.id });
  } else {
    const file = parsed(efficiencyFileSchema.safeParse(json), 'efficiency profile (catalog/efficiency/)');
    setEfficiencyOverride({ profile: profileOf(file), gpu: null });
  }
  return () => setEfficiencyOverride(null);
}
