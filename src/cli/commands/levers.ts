import { findGpu } from '../../catalog/catalog.js';
import { stackOptions } from '../../catalog/stacks.js';
import { energyText } from '../../core/energy/energy.js';
import { inputError, withIssuePaths } from '../../core/errors.js';
import { BANDED_FIT_NOTE } from '../../core/memory/memory-band.js';
import { baselineFromScenario } from '../../levers/from-scenario.js';
import {
  LeverDoesNotFitError,
  runWaterfall,
  type Waterfall,
  type WaterfallStep,
} from '../../levers/levers.js';
import { PRESETS } from '../../levers/presets.js';
import { type Lever, type LeverStudy, leverListSchema, leverStudySchema } from '../../levers/schema.js';
import type { OutcomeRange } from '../../levers/state.js';
import { parseScenario, parseYamlWith } from '../../scenario/load.js';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatSignedUsd,
  formatUsd,
  formatWithRange,
  table,
  toJson,
} from '../format.js';
import { doesNotFit } from '../layout-text.js';
import { finetuneMemoryFitFlag, memoryFitFlag } from '../memory-fit-flag.js';
import { refuseFlags } from '../options.js';
import { readText } from '../read-text.js';
import { LAYOUT_DOES_NOT_FIT } from './train.js';

export interface LeversFlags {
  preset?: string;
  levers?: string;
  phase?: string;
  memoryFit?: string;
  json?: boolean;
}

/** `--memory-fit`: the level the baseline's (and every lever's) layout must fit at, checked against its stack. */
function withMemoryFit(study: LeverStudy, text: string): LeverStudy {
  const b = study.baseline;
  if (b.kind === 'serve')
    inputError(
      'invalid_value',
      ['--memory-fit'],
      "applies to a train or finetune baseline; this study's baseline is a serving deployment",
    );
  const gpuId = findGpu(b.gpu, 'baseline.gpu').id;
  const { level } =
    b.kind === 'train'
      ? memoryFitFlag(text, stackOptions('pretrain', b.stack, gpuId, ['baseline', 'stack']).stack.id)
      : finetuneMemoryFitFlag(text, stackOptions('finetune', b.stack, gpuId, ['baseline', 'stack']).stack.id);
  return { ...study, baseline: { ...b, memoryFit: level } };
}

const mwh = (kWh: number) => (kWh >= 1000 ? `${(kWh / 1000).toFixed(1)} MWh` : `${kWh.toFixed(1)} kWh`);
const tonnes = (kg: number) => `${formatCount(kg / 1000)} t`;

/** GPU-hours, $, time, energy and CO2 of one estimate, each with its P10–P90. */
function bandedFigures(
  o: {
    costUsd: number;
    timeSeconds: number;
    gpuHours: number;
    energyKWh: number | null;
    co2Kg: number | null;
  },
  r: OutcomeRange,
  timeLabel: string,
): string {
  return [
    formatWithRange(o.costUsd, r.costUsd, formatUsd),
    `${formatWithRange(o.gpuHours, r.gpuHours, formatCount)} GPU-hours`,
    `${timeLabel} ${formatWithRange(o.timeSeconds, r.timeSeconds, formatDuration)}`,
    o.energyKWh === null || r.energyKWh === null
      ? 'energy not estimated'
      : formatWithRange(o.energyKWh, r.energyKWh, mwh),
    o.co2Kg === null || r.co2Kg === null
      ? 'CO2 not estimated'
      : `CO2 ${formatWithRange(o.co2Kg, r.co2Kg, tonnes)}`,
  ].join(' · ');
}

/** Memory per GPU with its band, and a note where the band crosses the GPU's capacity. */
function memoryCell(o: Pick<WaterfallStep, 'memoryPerGpuBytes' | 'memoryFit' | 'range'>): string {
  const r = o.range.memoryPerGpuBytes;
  const bytes = r ? formatWithRange(o.memoryPerGpuBytes, r, formatBytes) : formatBytes(o.memoryPerGpuBytes);
  return BANDED_FIT_NOTE[o.memoryFit] ? `${bytes}; ${BANDED_FIT_NOTE[o.memoryFit]}` : bytes;
}

function text(w: Waterfall, description: string | undefined, fitAt: string | undefined): string {
  const rows = [
    [
      'baseline',
      formatWithRange(w.baselineCostUsd, w.baseline.range.costUsd, formatUsd),
      '',
      '',
      formatDuration(w.baseline.timeSeconds),
      memoryCell(w.baseline),
      energyText(w.baseline.energyKWh, w.baseline.energyNote, mwh, ''),
      w.baseline.detail,
    ],
    ...w.steps.map((s) => [
      s.lever,
      formatWithRange(s.costUsd, s.range.costUsd, formatUsd),
      formatSignedUsd(s.deltaUsd),
      s.aloneDeltaUsd === null ? 'n/a' : formatSignedUsd(s.aloneDeltaUsd),
      formatDuration(s.timeSeconds),
      memoryCell(s),
      energyText(s.energyKWh, 'not estimated', mwh, ''),
      s.detail,
    ]),
  ];
  const ratio = w.savings.ratio;
  const timeLabel = w.kind === 'serve' ? 'request latency' : 'wall-clock';
  const final = w.steps.at(-1);
  const outside = [...new Set([...w.baseline.band.outside, ...w.steps.flatMap((s) => s.outsideCalibration)])];
  const warned = [...new Set([...(w.baseline.warnings ?? []), ...w.steps.flatMap((s) => s.warnings)])];
  const times = (x: number) => (x >= 1 ? `${x.toFixed(1)}× cheaper` : `${(1 / x).toFixed(1)}× dearer`);
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
    `${formatUsd(w.baselineCostUsd)} → ${formatUsd(w.finalCostUsd)}: ${times(ratio)} (${w.kind === 'serve' ? 'the deployment over its period' : 'the run'}). Each step re-runs the engine with the levers so far, so the order matters: 'Δ alone' is the lever on the baseline by itself (n/a where it needs an earlier lever), and the difference is the interaction.`,
    '',
    `P10–P90 from the calibration band of each estimate (${w.baseline.band.basis}):`,
    `  baseline: ${bandedFigures(w.baseline, w.baseline.range, timeLabel)}`,
    ...(final ? [`  final:    ${bandedFigures(final, final.range, timeLabel)}`] : []),
    w.savings.sameCalibration
      ? `  saving: ${times(ratio)} — both ends on the same calibration take the same residual draw, so the ratio carries no calibration spread (the absolute figures do)`
      : `  saving: ${times(ratio)} (P10 ${times(w.savings.range.p10)} – P90 ${times(w.savings.range.p90)}; baseline and final on different calibrations, drawn independently)`,
    ...outside.map((line) => `outside calibration: ${line}`),
    ...warned.map((line) => `warning: ${line}`),
    ...(fitAt && fitAt !== 'estimate'
      ? [`every layout was searched to fit at its stack's memory band ${fitAt.toUpperCase()} (memoryFit)`]
      : []),
    '',
    'Caveats:',
    ...w.steps.map((s, i) => `${i + 1}. ${s.lever}: ${s.caveat}`),
  ].join('\n');
}

/** Where --phase means something: a scenario's phases (a study or preset has one baseline). */
const PHASE_CONTEXT = 'with a scenario file (a lever study or --preset has one baseline)';

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
  refuseFlags(o, { phase: '--phase' }, PHASE_CONTEXT);
  const study = parseYamlWith(leverStudySchema, content, file);
  return levers ? { ...study, levers } : study;
}

/** The --levers file's levers; a lever's issue is named under --levers (`--levers[1].lever: line 4: …`). */
function readLevers(file: string): Lever[] {
  return withIssuePaths(
    () => parseYamlWith(leverListSchema, readText(file, '--levers'), file),
    (path) => {
      // Issues of the file as a whole (unreadable, not YAML) already name it or the flag.
      const first = String(path[0] ?? '');
      return first === file || first.startsWith('-') ? path : ['--levers', ...path];
    },
  );
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
    refuseFlags(o, { phase: '--phase' }, PHASE_CONTEXT);
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
  if (o.memoryFit !== undefined) study = withMemoryFit(study, o.memoryFit);
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
  const fitAt = study.baseline.kind === 'serve' ? undefined : (study.baseline.memoryFit ?? 'estimate');
  return {
    // JSON names the memory level every layout was fitted at, as train/finetune's `memoryFitAt`.
    output: o.json
      ? toJson(fitAt === undefined ? w : { ...w, memoryFitAt: fitAt })
      : text(w, study.description, fitAt),
    exitCode: 0,
  };
}
