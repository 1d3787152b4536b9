/**
 * Training validation: the cited cases in catalog/validation/training.json, each run through the
 * same engine as `llmecon train` (published dimensions fixed, the rest searched) and compared with
 * the published figure.
 */
import { z } from 'zod';
import validationFile from '../../catalog/validation/training.json' with { type: 'json' };
import { findModel, loadCatalog } from '../catalog/catalog.js';
import { allStackCalibrations, findStack } from '../catalog/stacks.js';
import { energyAssumptions, resolveHardware } from '../catalog/training-defaults.js';
import { InternalError } from '../core/errors.js';
import { ATTENTION_IMPLEMENTATIONS } from '../core/hardware/efficiency.js';
import { OPTIMIZERS, TRAINING_PRECISIONS } from '../core/memory/training-memory.js';
import { TOKEN_DISPATCHERS } from '../core/model/operation-types.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import type { ModelSpec } from '../core/model/spec.js';
import {
  degreesText,
  type ParallelLayout,
  PIPELINE_SCHEDULES,
  RECOMPUTE_MODES,
  RECOMPUTE_MODULES,
  recomputeWords,
} from '../core/parallelism/layout.js';
import { median } from '../core/statistics.js';
import type { ErrorBand } from '../core/training/error-band.js';
import { planTraining } from '../core/training/plan.js';
import { STACK_IDS, type StackProfile } from '../core/training/stack.js';
import type { StepTime } from '../core/training/step-time.js';
import { caseNotesMarkdown, citedCaseFields } from './case-fields.js';
import { hintMemoryFit } from './memory-fit.js';

export const METRICS = [
  'hardwareTflopsPerGpuNonCausal',
  'modelTflopsPerGpuCausal',
  'mfuCausal',
  'mfuNonCausal',
  'stepSeconds',
  'gpuHoursIdeal',
  'gpuHours',
  'tokensPerSecondPerGpu',
] as const;
export type Metric = (typeof METRICS)[number];

const positiveInt = z.number().int().positive();
const caseSchema = z
  .object({
    ...citedCaseFields,
    model: z.union([
      z.object({ catalog: z.string() }).strict(),
      z.object({ spec: z.record(z.string(), z.unknown()) }).strict(),
    ]),
    hardware: z.object({ cluster: z.string().optional(), gpu: z.string().optional() }).strict(),
    /**
     * The software stack the run used (catalog/stacks/): the case runs on it with its committed
     * calibration and error band, as `llmecon train --stack` does. Absent: the engine without a stack.
     */
    stack: z.enum(STACK_IDS).optional(),
    /**
     * The stack whose (GPU family × stack) fit this case is in (scripts/calibrate.ts): its band
     * residual is then leave-one-out, not held out. Absent: held out of every fit.
     */
    calibrationStack: z.enum(STACK_IDS).optional(),
    /** Where the layout and settings were read when not in the metric's source (a launch script or config). */
    runConfig: z
      .object({ source: z.string().min(1), locator: z.string().min(1) })
      .strict()
      .optional(),
    gpus: positiveInt,
    training: z
      .object({
        seqLen: positiveInt,
        globalBatchSize: positiveInt,
        precision: z.enum(TRAINING_PRECISIONS),
        optimizer: z.enum(OPTIMIZERS),
        flashAttention: z.boolean().optional(),
        dropout: z.boolean().optional(),
        /** False where the stack reduces gradients only after the last micro-batch (`--no-overlap-dp`). */
        overlapDataParallel: z.boolean().optional(),
        /** True where the run left its stack's fusion off (torchtitan without torch.compile). */
        eagerElementwise: z.boolean().optional(),
        /** False where the run's version predates its stack's compiled loss (StackMemory.compiledLossLogitsBytesPerElement). */
        lossCompiled: z.boolean().optional(),
        /** True where the run overlapped the expert all-to-all with compute (Megatron's `--overlap-moe-expert-parallel-comm`). */
        overlapExpertParallel: z.boolean().optional(),
        /** True where the run pipelined its TP collectives with the GEMMs (`--tp-comm-overlap`, AsyncTP). */
        overlapTensorParallel: z.boolean().optional(),
        /** The run's expert token dispatcher where it states one (`deepep`: DeepEP's normal kernels). */
        tokenDispatcher: z.enum(TOKEN_DISPATCHERS).optional(),
        /** The run's fused attention kernel where its config names one other than its stack's (`--attention`). */
        attentionKernel: z.enum(ATTENTION_IMPLEMENTATIONS).exclude(['unfused']).optional(),
        /** Megatron-Core's --recompute-modules where the run states them (with layout.recompute selective). */
        recomputeModules: z.array(z.enum(RECOMPUTE_MODULES)).min(1).optional(),
      })
      .strict(),
    layout: z
      .object({
        tensorParallel: positiveInt.optional(),
        pipelineParallel: positiveInt.optional(),
        dataParallel: positiveInt.optional(),
        expertParallel: positiveInt.optional(),
        expertTensorParallel: positiveInt.optional(),
        contextParallel: positiveInt.optional(),
        virtualStages: positiveInt.optional(),
        microBatchSize: positiveInt.optional(),
        recompute: z.enum(RECOMPUTE_MODES).optional(),
        sequenceParallel: z.boolean().optional(),
        zeroStage: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
        schedule: z.enum(PIPELINE_SCHEDULES).optional(),
      })
      .strict(),
    metric: z.enum(METRICS),
    tokens: z.number().positive().optional(),
  })
  .strict()
  .refine((c) => !c.stack || !c.calibrationStack || c.stack === c.calibrationStack, {
    message: 'calibrationStack must be the case stack',
    path: ['calibrationStack'],
  });
export type TrainingCase = z.infer<typeof caseSchema>;

/** The validated cases (a schema error here is a catalog bug). */
export function trainingCases(): TrainingCase[] {
  const parsed = z
    .object({ cases: z.array(caseSchema) })
    .strict()
    .safeParse(validationFile);
  if (!parsed.success)
    throw new InternalError(`catalog/validation/training.json is invalid: ${parsed.error.message}`);
  return parsed.data.cases;
}

export interface CaseResult {
  readonly case: TrainingCase;
  readonly predicted: number;
  /** predicted / published − 1 */
  readonly error: number;
  readonly withinTolerance: boolean;
  readonly layout: ParallelLayout;
  readonly gpu: string;
  /** The engine's step for the chosen layout, and the model it ran. */
  readonly step: StepTime;
  readonly spec: ModelSpec;
  /** The stack's P10–P90 band on time-like figures (null for a case without a stack). */
  readonly band: ErrorBand | null;
}

/**
 * A case through `planTraining` as `llmecon train --stack` runs it; `bare` runs it on the given
 * stack profile without its band (a calibration fit's engine time, calibration-case.ts `uncalibrated`).
 */
export function runTrainingCase(c: TrainingCase, bare?: StackProfile): CaseResult {
  const spec =
    'catalog' in c.model
      ? modelSpecFrom(findModel(c.model.catalog).config, c.model.catalog)
      : modelSpecFrom(c.model.spec, c.id);
  const hw = resolveHardware(c.hardware.gpu, c.hardware.cluster);
  const assumptions = loadCatalog().assumptions;
  const needsRun = c.metric === 'gpuHours' || c.metric === 'gpuHoursIdeal';
  if (needsRun && c.tokens === undefined)
    throw new InternalError(`validation case ${c.id} needs tokens for ${c.metric}`);
  const plan = planTraining(spec, hw.cluster, {
    ...c.training,
    gpus: c.gpus,
    constraints: c.layout,
    top: 1,
    ...(bare
      ? { stack: bare }
      : c.stack
        ? { stack: findStack(c.stack), calibrationPool: allStackCalibrations() }
        : {}),
    // A searched partial recomputation fits as `llmecon train`'s does.
    ...((bare ?? c.stack) && { hintMemoryFit: hintMemoryFit(bare?.id ?? c.stack!) }),
    cost: needsRun
      ? {
          tokens: c.tokens!,
          goodput: assumptions.goodput.value,
          usdPerGpuHour: 1,
          energy: energyAssumptions(hw.gpu, hw.cluster, {}),
          networkingShareOfHardware: assumptions.networkingShareOfHardware.value,
        }
      : undefined,
  });
  const step = plan.chosen.step;
  const peak = hw.gpu.peakFlopsPerSecond.bf16!;
  const predicted: Record<Metric, number> = {
    hardwareTflopsPerGpuNonCausal: step.hardwareFlopsPerSecondPerGpuNonCausal / 1e12,
    modelTflopsPerGpuCausal: (step.mfu * peak) / 1e12,
    mfuCausal: step.mfu,
    mfuNonCausal: step.mfuNonCausal,
    stepSeconds: step.stepSeconds,
    gpuHoursIdeal: plan.run?.gpuHoursIdeal ?? Number.NaN,
    gpuHours: plan.run?.gpuHours ?? Number.NaN,
    tokensPerSecondPerGpu: (c.training.globalBatchSize * c.training.seqLen) / step.stepSeconds / c.gpus,
  };
  const value = predicted[c.metric];
  const error = value / c.published - 1;
  return {
    case: c,
    predicted: value,
    error,
    withinTolerance: Math.abs(error) <= c.tolerance,
    layout: plan.chosen.layout,
    gpu: hw.gpu.id,
    step,
    spec,
    band: plan.band,
  };
}

/** Metrics that scale with time (a slower step raises them); the others are rates. */
const TIME_LIKE: readonly Metric[] = ['stepSeconds', 'gpuHoursIdeal', 'gpuHours'];

/**
 * The stack's P10–P90 band on the case's metric, and whether the published value is inside it. The
 * band multiplies time-like figures (error-band.ts), so a rate's band is the prediction divided by it.
 */
export function metricBand(r: CaseResult): { p10: number; p90: number; inside: boolean } | null {
  if (!r.band) return null;
  const [p10, p90] = TIME_LIKE.includes(r.case.metric)
    ? [r.predicted * r.band.low, r.predicted * r.band.high]
    : [r.predicted / r.band.high, r.predicted / r.band.low];
  return { p10, p90, inside: r.case.published >= p10 && r.case.published <= p90 };
}

/** The ≤10% accuracy target of the training engine; per-case tolerances guard against drift. */
export const TARGET_ERROR = 0.1;

export function runAllTrainingCases(): CaseResult[] {
  return trainingCases().map((c) => runTrainingCase(c));
}

/** Held-out runs of a stack's own benchmark tables, summarised beside the cases (llm-foundry-cases.ts). */
export interface BenchmarkHeldOut {
  /** What the runs are and where each is listed. */
  readonly what: string;
  /** |published / predicted − 1| of each predicted run, and whether it fell inside its P10–P90. */
  readonly errors: readonly number[];
  readonly inBand: number;
  /** Runs the engine refused (memory), with its reason stated where listed. */
  readonly refused: number;
}

/** The validation report (docs/validation.md): published vs predicted for every case. */
export function validationReportMarkdown(
  results: readonly CaseResult[],
  benchmarks: readonly BenchmarkHeldOut[] = [],
): string {
  const sources = loadCatalog().sources;
  const held = results.filter((r) => r.case.role === 'validation');
  const met = held.filter((r) => Math.abs(r.error) <= TARGET_ERROR).length;
  const fmt = (x: number) =>
    Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(4)).toString();
  const layout = (l: ParallelLayout) =>
    `${degreesText(l)} · mb ${l.microBatchSize} · ${recomputeWords(l)}${l.schedule === 'dualpipe' ? ' · DualPipe' : ''}`;
  const rows = results.map((r) => {
    const c = r.case;
    const status =
      c.role === 'calibration'
        ? 'calibration'
        : Math.abs(r.error) <= TARGET_ERROR
          ? 'within 10%'
          : `outside 10% (guard ±${Math.round(c.tolerance * 100)}%)`;
    const range = metricBand(r);
    const fit = c.calibrationStack ? ` (in the ${c.calibrationStack} fit)` : '';
    const stack = c.stack
      ? `${c.stack}${range ? `: ${fmt(range.p10)}–${fmt(range.p90)}${range.inside ? '' : ' (outside)'}` : ''}${fit}`
      : fit
        ? fit.trim()
        : '–';
    return `| ${c.id} | ${c.title} | ${c.metric} | ${fmt(c.published)} | ${fmt(r.predicted)} | ${(100 * r.error).toFixed(1)}% | ${status} | ${stack} | ${layout(r.layout)} | ${sources[c.source]?.title ?? c.source}, ${c.locator} |`;
  });
  const summary = (what: string, runs: readonly CaseResult[], tail: string) =>
    runs.length === 0
      ? []
      : [
          `**${what}** (the case's \`stack\`, run with that stack's committed calibration and P10–P90 band, as \`llmecon train --stack\` does): **${runs.length}** runs, median |error| **${(100 * median(runs.map((r) => Math.abs(r.error)))).toFixed(1)}%**, max **${(100 * Math.max(...runs.map((r) => Math.abs(r.error)))).toFixed(1)}%**; published value inside the reported P10–P90 band: **${runs.filter((r) => metricBand(r)?.inside).length} of ${runs.length}**. ${tail}`,
          '',
        ];
  const onStack = held.filter((r) => r.case.stack !== undefined);
  const stackSummary = [
    ...summary(
      'Held-out runs on a named stack',
      onStack.filter((r) => !r.case.calibrationStack),
      'None of them is in any fit; the band includes the held-out residuals, each run’s own among them (docs/training-engine.md judges each without its own).',
    ),
    ...summary(
      'Runs in their stack’s fit',
      onStack.filter((r) => r.case.calibrationStack),
      'Their errors here are in-sample; leave-one-out errors are in docs/training-engine.md.',
    ),
  ];
  const benchmarkSummary = benchmarks.flatMap((b) => [
    `**${b.what}**: **${b.errors.length}** runs, median |error| **${(100 * median(b.errors)).toFixed(1)}%**, max **${(100 * Math.max(...b.errors)).toFixed(1)}%**; published value inside the reported P10–P90 band: **${b.inBand} of ${b.errors.length}**${b.refused > 0 ? `; ${b.refused} refused by the engine's memory check` : ''}.`,
    '',
  ]);
  return [
    '# Training validation report',
    '',
    'Generated by `npm run validation-report` from `catalog/validation/training.json`; do not edit by hand.',
    'Each case fixes the parallel dimensions its source publishes and searches the rest, exactly as',
    '`llmecon train` does. Error = predicted / published − 1.',
    '',
    `**Target: ≤10% error.** Held-out cases within it: **${met} of ${held.length}**. One case per accelerator family may`,
    "be used to calibrate that family's `sustainedComputeFraction` (catalog/efficiency/); it is marked",
    '`calibration` and excluded from the count. Cases outside the target carry a wider stated guard so that',
    'CI still fails when a prediction drifts, and a note explaining the gap.',
    '',
    ...stackSummary,
    ...benchmarkSummary,
    '| case | run | metric | published | predicted | error | status | stack: P10–P90 | layout used | source |',
    '|---|---|---|---:|---:|---:|---|---|---|---|',
    ...rows,
    '',
    ...caseNotesMarkdown(results),
  ].join('\n');
}
