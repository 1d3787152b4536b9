import { parseHTML } from 'linkedom';
import { inputError } from '../../core/errors.js';
import { analyseScenario, analysisHtml, analysisMarkdown } from '../../scenario/analyse.js';
import { checkSamples } from '../../scenario/bounds.js';
import { phaseRanges } from '../../scenario/evaluate.js';
import { parseScenarioLocated } from '../../scenario/load.js';
import { scenarioCsv } from '../../scenario/report.js';
import { toJson } from '../format.js';
import { nonNegativeInteger, positiveInteger } from '../options.js';
import { progressBar } from '../progress.js';
import { readText, writeText } from '../read-text.js';

export interface RunFlags {
  samples?: string;
  seed?: string;
  /** false with --no-bands. */
  bands?: boolean;
  json?: boolean;
  csv?: boolean;
  html?: boolean;
  format?: string;
  out?: string;
}

const FORMATS = ['md', 'html', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** `--format`, or the one short flag given (`--json`, `--csv`, `--html`); two different answers are an error. */
function reportFormat(o: RunFlags): Format {
  if (o.format !== undefined && !(FORMATS as readonly string[]).includes(o.format))
    inputError('invalid_value', ['--format'], `one of ${FORMATS.join(', ')}, got '${o.format}'`);
  const asked = new Set<Format>([
    ...(o.format === undefined ? [] : [o.format as Format]),
    ...(o.json ? (['json'] as const) : []),
    ...(o.csv ? (['csv'] as const) : []),
    ...(o.html ? (['html'] as const) : []),
  ]);
  if (asked.size > 1)
    inputError('invalid_value', ['--format'], `choose one output format, got ${[...asked].join(' and ')}`);
  return [...asked][0] ?? 'md';
}

/** Prints the report, or writes it to `--out` and says where. */
function written(out: string | undefined, text: string): { output: string; exitCode: number } {
  if (out === undefined) return { output: text.trimEnd(), exitCode: 0 };
  writeText(out, '--out', text);
  return { output: `wrote ${out}`, exitCode: 0 };
}

export function runCommand(file: string, o: RunFlags): { output: string; exitCode: number } {
  const text = readText(file, 'scenario');
  const format = reportFormat(o);
  const { scenario, locate } = parseScenarioLocated(text, file);
  // Within the flag's domain, then within what this scenario can run in seconds (scenario/bounds.ts).
  const samples =
    o.samples === undefined
      ? 0
      : checkSamples(scenario, positiveInteger(o.samples, '--samples', 1), ['--samples']);
  const seed = nonNegativeInteger(o.seed, '--seed', 1);
  const a = analyseScenario(scenario, {
    samples,
    seed,
    onProgress: format === 'json' ? undefined : progressBar('samples'),
    locate,
    bands: o.bands !== false,
  });
  const { prepared, result, sensitivity, monteCarlo: mc } = a;
  if (format === 'csv') return written(o.out, scenarioCsv(result));
  if (format === 'html') {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    return written(o.out, analysisHtml(a, document as unknown as Document));
  }
  if (format === 'json') {
    const ranges = new Map(phaseRanges(prepared).map((r) => [r.index, r]));
    const band = (index: number) => {
      const r = ranges.get(index);
      return r
        ? {
            range: { costUsd: r.costUsd, ...(r.gpuHours ? { gpuHours: r.gpuHours } : {}) },
            band: r.basis,
            outsideCalibration: r.outside,
          }
        : {};
    };
    return written(
      o.out,
      toJson({
        scenario: scenario.name,
        phases: prepared.phases.map((ph) =>
          ph.kind === 'rl'
            ? {
                name: ph.phase.name,
                kind: ph.kind,
                warnings: ph.warnings,
                stepSeconds: ph.stepSeconds,
                gpuHoursPerStep: ph.gpuHoursPerStep,
                ...band(ph.index),
              }
            : ph.kind !== 'serve'
              ? {
                  name: ph.phase.name,
                  kind: ph.kind,
                  warnings: ph.warnings,
                  layout: ph.layout,
                  mfu: ph.mfu,
                  gpuHoursPerTrillionTokens: ph.gpuHoursPerToken * 1e12,
                  ...band(ph.index),
                }
              : {
                  name: ph.phase.name,
                  kind: ph.kind,
                  warnings: ph.warnings,
                  layout: ph.layout,
                  replicaGpus: ph.replicaGpus,
                  replicaRequestsPerSecond: ph.replicaRequestsPerSecond,
                  ...band(ph.index),
                },
        ),
        ...result,
        months: result.months(),
        monteCarlo: mc,
        tornado: sensitivity,
      }),
    );
  }
  return written(o.out, analysisMarkdown(a));
}
