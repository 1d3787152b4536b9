/**
 * Calibrates each engine's free parameters — the host time per step and per running sequence, and the
 * GPU time per running sequence per mixture-of-experts layer — on
 * the engine's calibration rows in catalog/validation/serving.json (maximum-load throughput, and
 * median TPOT under Poisson load), and reports the fit, its leave-one-out error (each row predicted
 * with parameters fitted on the others) and the error on the engine's held-out rows (role
 * `validation`, never fitted). A GPU family with at least MIN_FAMILY_ROWS rows gets its own fit;
 * the engine's rows on every family together give the pooled fit that families with fewer rows (or
 * none) use, and say so. Writes catalog/engines/<engine>.json (`calibrated`, `pooled`), from which
 * docs/validation-serving.md and the serving bands are drawn. Run: npx tsx scripts/calibrate-serving.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { findModel } from '../src/catalog/catalog.js';
import { gpuFamily, loadEngines, MIN_MOE_ROWS, moeTermIdentified } from '../src/catalog/engines.js';
import { mixerKinds } from '../src/core/model/layer-mix.js';
import { paramCount } from '../src/core/model/param-count.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
import { median, percentile } from '../src/core/statistics.js';
import { modelRecords } from '../src/core/uncertainty/model-record.js';
import {
  engineRuns,
  FITTED_MEASURES,
  publishedOverPredictedSpeed,
  type ServingCase,
  servingCases,
} from '../src/validation/serving-cases.js';
import { combos, hostGrid, isMoe, pct } from './serving-grid.js';

/** Fewer calibration rows than this on a family: the family uses the engine's pooled fit. */
const MIN_FAMILY_ROWS = 6;

const { errorOf, best } = hostGrid();
const totalParamsOf = (c: ServingCase) =>
  paramCount(modelSpecFrom(findModel(c.model).config, c.model)).totalParams;

/** One fit: parameters, fit and leave-one-out errors, held-out errors, and the band's residuals. */
function calibrate(
  rows: readonly ServingCase[],
  heldOut: readonly ServingCase[],
  label: string,
  source: string,
) {
  const all = best(rows);
  const fitted = rows.map((c) => errorOf(c, all));
  const loo = rows.map((c, i) => errorOf(c, best(rows.filter((_, j) => j !== i))));
  const held = heldOut.map((c) => errorOf(c, all));
  // The band: published / predicted throughput over the leave-one-out and held-out predictions.
  const ratios = [
    ...rows.map((c, i) => publishedOverPredictedSpeed(c, loo[i]!)),
    ...heldOut.map((c, i) => publishedOverPredictedSpeed(c, held[i]!)),
  ];
  const sortedRatios = [...ratios].sort((x, y) => x - y);
  const derived = (value: number, unit: string, how: string) => ({
    value: Number(value.toPrecision(4)),
    unit,
    source,
    kind: 'estimate',
    note: `scripts/calibrate-serving.ts: ${how}`,
  });
  const fit = {
    rows: derived(rows.length, 'count', 'calibration rows (maximum-load throughput, median TPOT under load)'),
    medianError: derived(
      median(fitted.map(Math.abs)),
      'ratio',
      'median |predicted / published − 1| with the fitted values',
    ),
    maxError: derived(Math.max(...fitted.map(Math.abs)), 'ratio', 'largest |error| with the fitted values'),
    leaveOneOutMedianError: derived(
      median(loo.map(Math.abs)),
      'ratio',
      'median |error|, each row predicted with values fitted on the others',
    ),
    leaveOneOutMaxError: derived(Math.max(...loo.map(Math.abs)), 'ratio', 'largest leave-one-out |error|'),
    ...(heldOut.length > 0 && {
      heldOutRows: derived(
        heldOut.length,
        'count',
        'held-out rows of this engine (role validation, never fitted)',
      ),
      heldOutMedianError: derived(median(held.map(Math.abs)), 'ratio', 'median |error| on the held-out rows'),
      heldOutMaxError: derived(
        Math.max(...held.map(Math.abs)),
        'ratio',
        'largest |error| on the held-out rows',
      ),
    }),
    /** Each row's published / predicted throughput: the residuals the band is drawn from. */
    residuals: Object.fromEntries(
      [...rows, ...heldOut].map((c, i) => [
        c.id,
        {
          value: Number(ratios[i]!.toPrecision(6)),
          unit: 'ratio',
          source,
          kind: 'estimate',
          note: `scripts/calibrate-serving.ts: published / predicted throughput, ${i < rows.length ? 'leave-one-out' : 'held-out'}`,
        },
      ]),
    ),
    ratioP10: derived(
      percentile(sortedRatios, 0.1),
      'ratio',
      'P10 of published / predicted throughput (a time inverted) over the leave-one-out and held-out predictions',
    ),
    ratioP90: derived(
      percentile(sortedRatios, 0.9),
      'ratio',
      'P90 of published / predicted throughput (a time inverted) over the leave-one-out and held-out predictions',
    ),
    maxTotalParams: derived(
      Math.max(...[...rows, ...heldOut].map(totalParamsOf)),
      'count',
      'largest model among the rows (total parameters): beyond twice it the band says it extrapolates',
    ),
    minTotalParams: derived(
      Math.min(...[...rows, ...heldOut].map(totalParamsOf)),
      'count',
      'smallest model among the rows (total parameters): below half of it the band says it extrapolates',
    ),
    maxContextTokens: derived(
      Math.max(...[...rows, ...heldOut].map((c) => c.workload.inputTokens + c.workload.outputTokens)),
      'count',
      'largest context among the rows (input + output tokens): beyond twice it the band says it extrapolates',
    ),
    moeRows: derived(
      rows.filter(isMoe).length,
      'count',
      `mixture-of-experts rows among the calibration rows: below ${MIN_MOE_ROWS} the MoE term is not identified (0) and a MoE model's band says so`,
    ),
    // Each model's leave-one-out rows per GPU: a deployment of one reaches their median (model-record.ts).
    modelRecords: {
      value: modelRecords(
        rows.map((c, i) => ({
          id: c.id,
          totalParams: totalParamsOf(c),
          gpu: c.gpu,
          timeMultiplier: 1 / publishedOverPredictedSpeed(c, loo[i]!),
        })),
      ).map(({ totalParams, gpu, median, low, high, ids }) => ({
        totalParams,
        gpu: gpu!,
        median: Number(median.toPrecision(4)),
        low: Number(low.toPrecision(4)),
        high: Number(high.toPrecision(4)),
        rows: ids,
      })),
      unit: 'ratio',
      source,
      kind: 'estimate',
      note: 'scripts/calibrate-serving.ts: per model (total parameters, exact) and GPU, the median, smallest and largest published / predicted time (throughput inverted) of its calibration rows, each predicted with values fitted on the others',
    },
    // The token-mixer kinds the rows' models ran: a model with another kind extrapolates.
    mixers: [
      ...new Set(
        [...rows, ...heldOut].flatMap((c) => mixerKinds(modelSpecFrom(findModel(c.model).config, c.model))),
      ),
    ].sort(),
  };
  const { a, b, m } = combos[all]!;
  // The engine versions behind the rows (each row's title opens with its engine and version).
  const runs = engineRuns(rows);
  const note = `fitted by scripts/calibrate-serving.ts on ${rows.length} rows (${label}; ${runs}), mean |log error| minimised over a grid`;
  const moeRows = rows.filter(isMoe).length;
  const moeNote = moeTermIdentified(moeRows)
    ? `${note}; ${moeRows} of the rows are mixture-of-experts models, the only rows this term moves`
    : `not identified: ${moeRows} of the ${rows.length} rows (${label}) are mixture-of-experts models, fewer than the ${MIN_MOE_ROWS} a fit needs, so the term stays 0 (a MoE model on this engine is timed by the operation list alone; its band says so)`;
  console.log(
    `${label}: ${a} ms/step + ${b} µs/sequence + ${m} µs/sequence/MoE layer (${moeRows} MoE rows); fit median ${pct(fit.medianError.value)} (max ${pct(fit.maxError.value)}), leave-one-out median ${pct(fit.leaveOneOutMedianError.value)} (max ${pct(fit.leaveOneOutMaxError.value)})${heldOut.length ? `, held-out ${heldOut.length}: median ${pct(median(held.map(Math.abs)))} (max ${pct(Math.max(...held.map(Math.abs)))})` : ''}; P10–P90 of published/predicted ${fit.ratioP10.value.toFixed(2)}–${fit.ratioP90.value.toFixed(2)}`,
  );
  return {
    stepOverhead: { value: a, unit: 'ms', source, kind: 'estimate', note },
    sequenceOverhead: { value: b, unit: 'us', source, kind: 'estimate', note },
    moeSequenceLayerOverhead: { value: m, unit: 'us', source, kind: 'estimate', note: moeNote },
    fit,
  };
}

const engineRows = (engine: string, role: ServingCase['role']) =>
  servingCases().filter((c) => c.engine === engine && c.role === role && FITTED_MEASURES.includes(c.measure));

for (const engine of loadEngines().keys()) {
  const rows = engineRows(engine, 'calibration');
  if (rows.length === 0) continue;
  const heldOut = engineRows(engine, 'validation');
  const source = rows[0]!.source;
  const families = [...new Set(rows.map((c) => gpuFamily(c.gpu)))].sort();
  const path = new URL(`../catalog/engines/${engine}.json`, import.meta.url);
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const pooled = {
    ...calibrate(rows, heldOut, `${engine} × ${families.join(' + ')} pooled`, source),
    pooledOver: families,
  };
  const calibrated: Record<string, unknown> = {};
  for (const family of families) {
    const own = rows.filter((c) => gpuFamily(c.gpu) === family);
    calibrated[family] =
      own.length >= MIN_FAMILY_ROWS
        ? calibrate(
            own,
            heldOut.filter((c) => gpuFamily(c.gpu) === family),
            `${engine} × ${family}`,
            source,
          )
        : pooled;
  }
  file.calibrated = calibrated;
  file.pooled = pooled;
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
