/**
 * Calibrates each efficiency profile's FP4 ceiling (catalog/efficiency/<profile>.json `fp4Ceiling`): the
 * share of the datasheet FP4 peak its GPUs' 4-bit GEMMs reach on top of their size curve. A profile is
 * fitted where an engine has at least MIN_FP4_ROWS calibration rows on its GPUs that compute in 4 bits;
 * at each candidate ceiling the engine's host grid is refitted on all its rows on those GPUs (the host
 * terms and the ceiling trade against each other), and the ceiling of least mean |log error| is written
 * with the whole sweep in its note. Profiles without such rows keep the datasheet peak (no fp4Ceiling).
 * Run before scripts/calibrate-serving.ts: npx tsx scripts/calibrate-fp4-ceiling.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { findGpu } from '../src/catalog/catalog.js';
import { isFourBit } from '../src/core/hardware/efficiency.js';
import { computeType } from '../src/core/inference/serving-step.js';
import { FITTED_MEASURES, type ServingCase, servingCases } from '../src/validation/serving-cases.js';
import { hostGrid, pct } from './serving-grid.js';

/** Candidate ceilings: from below the FP8 rate on GPUs whose FP4 peak is twice FP8's, to the datasheet. */
const CEILINGS = [0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.85, 1];
/** Fewer 4-bit rows than this for an engine on a profile's GPUs: the ceiling is not identified there. */
const MIN_FP4_ROWS = 6;

const profileOf = (c: ServingCase) => findGpu(c.gpu).efficiency.id;
const fourBit = (c: ServingCase) =>
  isFourBit(c.replica.gemmDatatype ?? computeType(c.replica.weightFormat, findGpu(c.gpu)));

const calibration = servingCases().filter(
  (c) => c.role === 'calibration' && FITTED_MEASURES.includes(c.measure),
);
const profiles = [...new Set(calibration.filter(fourBit).map(profileOf))].sort();

for (const profile of profiles) {
  const onProfile = calibration.filter((c) => profileOf(c) === profile);
  const engines = [...new Set(onProfile.map((c) => c.engine ?? ''))].filter(
    (e) => onProfile.filter((c) => c.engine === e && fourBit(c)).length >= MIN_FP4_ROWS,
  );
  if (engines.length === 0) continue;
  const rows = onProfile.filter((c) => engines.includes(c.engine ?? ''));
  const sweep = CEILINGS.map((ceiling) => {
    const grid = hostGrid(ceiling);
    // Each engine's host terms refitted at this ceiling; the score is over every row of those engines.
    const total = engines.reduce((sum, e) => {
      const own = rows.filter((c) => c.engine === e);
      return sum + own.length * grid.score(own, grid.best(own));
    }, 0);
    const score = total / rows.length;
    console.log(
      `${profile}: FP4 ceiling ${ceiling} → mean |log error| ${pct(score)} over ${rows.length} rows`,
    );
    return { ceiling, score };
  });
  const chosen = sweep.reduce((a, b) => (b.score < a.score ? b : a));
  const path = new URL(`../catalog/efficiency/${profile}.json`, import.meta.url);
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const fp4Rows = rows.filter(fourBit).length;
  file.fp4Ceiling = {
    value: chosen.ceiling,
    unit: 'ratio',
    source: rows.find(fourBit)!.source,
    kind: 'estimate',
    note: `scripts/calibrate-fp4-ceiling.ts: share of the datasheet FP4 peak 4-bit GEMMs reach, fitted on ${engines.join(', ')}'s ${rows.length} calibration rows on this profile's GPUs (${fp4Rows} of them 4-bit), the host terms refitted at each candidate; mean |log error| ${sweep.map((s) => `${s.ceiling}: ${pct(s.score)}`).join(', ')}`,
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`${profile}: FP4 ceiling ${chosen.ceiling} written to ${path.pathname}`);
}
