import { z } from 'zod';
import { energyText } from '../../core/energy/energy.js';
import { inputError } from '../../core/errors.js';
import { SECONDS_PER_DAY } from '../../core/units.js';
import { baselineFromScenario } from '../../levers/from-scenario.js';
import { LeverDoesNotFitError, runWaterfall, type Waterfall } from '../../levers/levers.js';
import { PRESETS } from '../../levers/presets.js';
import { type Lever, type LeverStudy, leverSchema, leverStudySchema } from '../../levers/schema.js';
import { parseScenario, parseYamlWith } from '../../scenario/load.js';
import { formatBytes, formatSignedUsd, formatUsd, table, toJson } from '../format.js';
import { readText } from '../read-text.js';
import { doesNotFit, LAYOUT_DOES_NOT_FIT } from './train.js';

export interface LeversFlags {
  preset?: string;
  levers?: string;
  phase?: string;
  json?: boolean;
}

const duration = (seconds: number) =>
  seconds >= SECONDS_PER_DAY
    ? `${(seconds / SECONDS_PER_DAY).toFixed(1)} d`
    : seconds >= 1
      ? `${seconds.toFixed(2)} s`
      : `${(seconds * 1000).toFixed(0)} ms`;

function text(w: Waterfall, description: string | undefined): string {
  const rows = [
    [
      'baseline',
      formatUsd(w.baselineCostUsd),
      '',
      '',
      duration(w.baseline.timeSeconds),
      formatBytes(w.baseline.memoryPerGpuBytes),
      energyText(w.baseline.energyKWh, w.baseline.energyNote, (kWh) => `${(kWh / 1000).toFixed(1)} MWh`, ''),
      w.baseline.detail,
    ],
    ...w.steps.map((s) => [
      s.lever,
      formatUsd(s.costUsd),
      formatSignedUsd(s.deltaUsd),
      s.aloneDeltaUsd === null ? 'n/a' : formatSignedUsd(s.aloneDeltaUsd),
      duration(s.timeSeconds),
      formatBytes(s.memoryPerGpuBytes),
      energyText(s.energyKWh, 'not estimated', (kWh) => `${(kWh / 1000).toFixed(1)} MWh`, ''),
      s.detail,
    ]),
  ];
  const ratio = w.baselineCostUsd / w.finalCostUsd;
  return [
    w.name,
    ...(description ? ['', description] : []),
    '',
    table(
      [
        'step',
        'cost',
        'Δ',
        'Δ alone',
        w.kind === 'serve' ? 'request latency' : 'wall-clock',
        'memory/GPU',
        'energy',
        'engine chose',
      ],
      rows,
    ),
    '',
    `${formatUsd(w.baselineCostUsd)} → ${formatUsd(w.finalCostUsd)}: ${ratio >= 1 ? `${ratio.toFixed(1)}× cheaper` : `${(1 / ratio).toFixed(1)}× dearer`} (${w.kind === 'serve' ? 'the deployment over its period' : 'the run'}). Each step re-runs the engine with the levers so far, so the order matters: 'Δ alone' is the lever on the baseline by itself (n/a where it needs an earlier lever), and the difference is the interaction.`,
    '',
    'Caveats:',
    ...w.steps.map((s, i) => `${i + 1}. ${s.lever}: ${s.caveat}`),
  ].join('\n');
}

const phaseIndex = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    inputError('invalid_value', ['--phase'], `a phase index ≥ 0, got '${text}'`);
  return n;
};

/** A study file, or a project scenario (llmecon run) whose phase becomes the baseline for `--levers`. */
function readStudy(file: string, o: LeversFlags): LeverStudy {
  const content = readText(file, 'study');
  const levers = o.levers === undefined ? undefined : readLevers(o.levers);
  if (/^phases\s*:/m.test(content)) {
    const scenario = parseScenario(content, file);
    if (!levers)
      inputError(
        'missing_field',
        ['--levers'],
        'a scenario has no levers: give --levers FILE (a YAML list of levers)',
      );
    return {
      name: `${scenario.name}: cost levers`,
      baseline: baselineFromScenario(scenario, o.phase === undefined ? undefined : phaseIndex(o.phase)),
      levers: levers!,
    };
  }
  const study = parseYamlWith(leverStudySchema, content, file);
  return levers ? { ...study, levers } : study;
}

function readLevers(file: string): Lever[] {
  return parseYamlWith(z.array(leverSchema).min(1), readText(file, '--levers'), file);
}

export function leversCommand(
  file: string | undefined,
  o: LeversFlags,
): { output: string; exitCode: number } {
  if ((file === undefined) === (o.preset === undefined))
    inputError(
      'missing_field',
      ['--preset'],
      `give a lever study file or --preset, one of ${Object.keys(PRESETS).join(', ')}`,
    );
  let study: LeverStudy;
  if (o.preset !== undefined) {
    const preset = PRESETS[o.preset];
    if (!preset)
      inputError(
        'unknown_id',
        ['--preset'],
        `unknown preset '${o.preset}'; one of ${Object.keys(PRESETS).join(', ')}`,
      );
    study = leverStudySchema.parse(preset);
    if (o.levers !== undefined) study = { ...study, levers: readLevers(o.levers) };
  } else study = readStudy(file!, o);
  let w: Waterfall;
  try {
    w = runWaterfall(study);
  } catch (error) {
    if (error instanceof LeverDoesNotFitError)
      return {
        output: doesNotFit(error, error.capacityBytes, o.json === true),
        exitCode: LAYOUT_DOES_NOT_FIT,
      };
    throw error;
  }
  return { output: o.json ? toJson(w) : text(w, study.description), exitCode: 0 };
}
