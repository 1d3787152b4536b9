/**
 * Calibrates each engine's free parameters per GPU family — the host time per step and per running
 * sequence — on the engine's maximum-load rows in catalog/validation/serving.json, and reports the
 * fit and its leave-one-out error (each row predicted with parameters fitted on the others).
 * Writes the result into catalog/engines/<engine>.json (`calibrated`), from which
 * docs/validation-serving.md and the serving bands are drawn. Run: npx tsx scripts/calibrate-serving.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gpuFamily } from '../src/catalog/engines.js';
import { runServingCase, type ServingCase, servingCases } from '../src/validation/serving-cases.js';

/** The search grid: host ms per step × host µs per running sequence (physical ranges for Python/C++ schedulers). */
const STEP_MS = [0, 0.5, 1, 2, 3, 5];
const SEQUENCE_US = [0, 1, 2, 4, 6, 8, 10, 15, 20, 30, 40];

const logError = (e: number) => Math.abs(Math.log(1 + e));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(s.length - 1, lo + 1)]! - s[lo]!);
};

const cases = servingCases().filter((c) => c.measure === 'maxLoadOutputTokensPerSecondPerGpu' && c.engine);
const groups = new Map<string, ServingCase[]>();
for (const c of cases) {
  const key = `${c.engine}|${gpuFamily(c.gpu)}`;
  groups.set(key, [...(groups.get(key) ?? []), c]);
}

const files = new Map<string, Record<string, unknown>>();
for (const [key, rows] of groups) {
  const [engine, family] = key.split('|') as [string, string];
  const combos = STEP_MS.flatMap((a) => SEQUENCE_US.map((b) => ({ a, b })));
  // errors[k][i]: row i's error under combo k.
  const errors = combos.map(({ a, b }) =>
    rows.map(
      (c) => runServingCase(c, { stepOverheadSeconds: a / 1e3, sequenceOverheadSeconds: b / 1e6 }).error,
    ),
  );
  // Fit: the combo with the smallest mean |log error| over the rows given.
  const best = (use: (i: number) => boolean) => {
    let k = 0;
    let score = Number.POSITIVE_INFINITY;
    errors.forEach((row, j) => {
      const kept = row.filter((_, i) => use(i)).map(logError);
      const s = kept.reduce((x, y) => x + y, 0) / kept.length;
      if (s < score) {
        score = s;
        k = j;
      }
    });
    return k;
  };
  const all = best(() => true);
  const fitted = errors[all]!;
  const loo = rows.map((_, i) => errors[best((j) => j !== i)]![i]!);
  const ratios = loo.map((e) => 1 / (1 + e));
  const derived = (value: number, unit: string, how: string) => ({
    value: Number(value.toPrecision(4)),
    unit,
    source: 'trtllm-perf-overview-1.2',
    kind: 'estimate',
    note: `scripts/calibrate-serving.ts: ${how}`,
  });
  const fit = {
    rows: derived(rows.length, 'count', 'maximum-load rows of this engine and GPU family'),
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
    ratioP10: derived(
      quantile(ratios, 0.1),
      'ratio',
      'P10 of published / predicted over the leave-one-out predictions',
    ),
    ratioP90: derived(
      quantile(ratios, 0.9),
      'ratio',
      'P90 of published / predicted over the leave-one-out predictions',
    ),
  };

  const { a, b } = combos[all]!;
  const note = `fitted by scripts/calibrate-serving.ts on ${rows.length} maximum-load rows (${family}), mean |log error| minimised over a grid`;
  const path = new URL(`../catalog/engines/${engine}.json`, import.meta.url);
  const file = files.get(engine) ?? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
  const calibrated = (file.calibrated ?? {}) as Record<string, unknown>;
  calibrated[family] = {
    stepOverhead: { value: a, unit: 'ms', source: 'trtllm-perf-overview-1.2', kind: 'estimate', note },
    sequenceOverhead: { value: b, unit: 'us', source: 'trtllm-perf-overview-1.2', kind: 'estimate', note },
    fit,
  };
  file.calibrated = calibrated;
  files.set(engine, file);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `${engine} × ${family}: ${a} ms/step + ${b} µs/sequence; fit median ${pct(fit.medianError.value)} (max ${pct(fit.maxError.value)}), leave-one-out median ${pct(fit.leaveOneOutMedianError.value)} (max ${pct(fit.leaveOneOutMaxError.value)}); P10–P90 of published/predicted ${fit.ratioP10.value.toFixed(2)}–${fit.ratioP90.value.toFixed(2)}`,
  );
}
for (const [engine, file] of files)
  writeFileSync(
    new URL(`../catalog/engines/${engine}.json`, import.meta.url),
    `${JSON.stringify(file, null, 2)}\n`,
  );
