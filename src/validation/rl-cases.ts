/**
 * Published RL runs and measured weight updates (catalog/validation/rl-runs.json) run through
 * `llmecon rl`'s planner: the fit of the RL loop's two parameters (rollout scale, fixed seconds per
 * step) on the calibration runs judged by leave-one-out, the held-out runs predicted with it, and the
 * weight-reload fit judged by leave-one-out.
 */
import { loadCatalog } from '../catalog/catalog.js';
import { findEngine } from '../catalog/engines.js';
import { offloadOptions } from '../catalog/hosts.js';
import {
  fitReloadBytesPerSecond,
  planRlRun,
  RL_DEFAULTS,
  type RlRunCase,
  rlRunSpec,
  rlRunsFile,
  weightUpdateTransfer,
} from '../catalog/rl-run.js';
import { findStack } from '../catalog/stacks.js';
import { resolveHardware } from '../catalog/training-defaults.js';
import { rlRollout } from '../core/adaptation/rl.js';
import { hintMemoryFit } from './memory-fit.js';

export interface RlCaseResult {
  readonly id: string;
  readonly source: string;
  readonly publishedSeconds: number;
  readonly predictedSeconds: number;
  /** predicted / published − 1 */
  readonly error: number;
  readonly phases: Readonly<Record<string, number>>;
  /** Seconds neither calibrated parameter touches (weight sync and the trainer's phases). */
  readonly unscaledSeconds: number;
  /** Whether a layout of its policy update holds the run's longest sequence (a published run ran: it must). */
  readonly longestSequenceFits: boolean;
}

/** The run's hardware: its catalog cluster, else the catalog's default cluster of its GPU. */
function hardware(r: RlRunCase) {
  const hw = resolveHardware(r.gpu, r.cluster);
  return { ...hw, gpu: loadCatalog().gpus.get(hw.gpu.id)! };
}

/** The RL loop's calibrated parameters (absent: the committed calibration). */
export interface RlLoopParameters {
  readonly rolloutTimeScale?: number;
  readonly loopOverheadSeconds?: number;
  readonly reloadBytesPerSecond?: number;
  /**
   * Run the rollout at the TP the source states (`generationTensorParallel`) instead of the searched
   * replica shape. Off in the calibration: leave-one-out error is lower with the searched shape
   * (docs/rl.md, "Rollout layout"), the simulator's cross-node TP being the less certain term.
   */
  readonly generationTp?: boolean;
}

/** The GPUs that train: all of them when colocated, the rest of the run's when the rollout has its own. */
const trainingGpus = (r: RlRunCase) => r.gpus - (r.rolloutGpus ?? 0);

/** The run's options as its source states them (batch, lengths, rollout engine and TP, GPUs). */
function runOptions(r: RlRunCase, p: RlLoopParameters) {
  return {
    ...RL_DEFAULTS,
    promptsPerStep: r.prompts,
    samplesPerPrompt: r.samplesPerPrompt,
    promptTokens: r.promptTokens,
    responseTokens: r.meanResponseTokens,
    maxResponseTokens: r.maxResponseTokens,
    rolloutEngine: r.rolloutEngine,
    rolloutTensorParallel: p.generationTp ? r.generationTensorParallel : undefined,
    placement: r.placement,
    rolloutGpus: r.rolloutGpus,
    asyncSteps: r.asyncSteps ?? 0,
    reloadBytesPerSecond: p.reloadBytesPerSecond,
    rolloutTimeScale: p.rolloutTimeScale,
    loopOverheadSeconds: p.loopOverheadSeconds,
  };
}

export function runRlCase(r: RlRunCase, p: RlLoopParameters = {}): RlCaseResult {
  const hw = hardware(r);
  const run = planRlRun(rlRunSpec(r), hw, {
    ...runOptions(r, p),
    steps: 1,
    method: 'full',
    gpus: trainingGpus(r),
    stack: findStack(r.stack),
    hintMemoryFit: hintMemoryFit(r.stack),
    ...(r.offload ? { offload: offloadOptions(r.offload, hw.gpu, 'offload') } : {}),
    usdPerGpuHour: 1,
  });
  const predicted = run.summary.stepSeconds;
  const { generation, loopOverhead } = run.summary.phasesSeconds;
  return {
    id: r.id,
    source: r.source,
    publishedSeconds: r.publishedStepSeconds,
    predictedSeconds: predicted,
    error: predicted / r.publishedStepSeconds - 1,
    phases: run.summary.phasesSeconds,
    unscaledSeconds: predicted - generation - loopOverhead,
    longestSequenceFits: run.summary.longestSequence.fits,
  };
}

/** The rollout phase alone (for sources that report it apart), with the rollout scale given. */
export function runRlRollout(r: RlRunCase, p: RlLoopParameters): number {
  const hw = hardware(r);
  const o = runOptions(r, p);
  return rlRollout(
    rlRunSpec(r),
    hw.cluster,
    {
      ...o,
      // Uncalibrated: the RL loop's rollout time scale absorbs the engine's host time (see rl-run.ts).
      rolloutProfile: findEngine(r.rolloutEngine),
      gpus: r.gpus,
    },
    r.rolloutGpus ?? r.gpus,
  ).seconds;
}

export function runAllRlCases(): RlCaseResult[] {
  return rlRunsFile().runs.map((r) => runRlCase(r));
}

/** Each measured weight update predicted with the reload rate fitted on the others (leave-one-out). */
export function weightUpdateLeaveOneOut() {
  const cases = rlRunsFile().weightUpdates;
  return cases.map((c) => {
    const others = cases.filter((o) => o !== c);
    const rate = fitReloadBytesPerSecond(others.length > 0 ? others : cases);
    const { bytes, transferSeconds } = weightUpdateTransfer(c);
    const predicted = transferSeconds + bytes / rate;
    return {
      id: c.id,
      publishedSeconds: c.publishedSeconds,
      predictedSeconds: predicted,
      error: predicted / c.publishedSeconds - 1,
    };
  });
}

/** One run's terms for the fit: published = scale × rollout + overhead + rest. */
interface FitPoint {
  readonly published: number;
  readonly rollout: number;
  readonly rest: number;
}

/**
 * The rollout scale a and the loop's fixed seconds c that minimise the squared relative error
 * Σ ((a·rollout + c + rest − published) / published)² (weighted least squares, closed form), with
 * c ≥ 0: when the unconstrained c is negative, c = 0 and a alone is fitted.
 */
export function fitRlLoop(points: readonly FitPoint[]): {
  rolloutTimeScale: number;
  loopOverheadSeconds: number;
} {
  let sxx = 0;
  let sx = 0;
  let s1 = 0;
  let sxt = 0;
  let st = 0;
  for (const p of points) {
    const w = 1 / (p.published * p.published);
    const t = p.published - p.rest;
    sxx += w * p.rollout * p.rollout;
    sx += w * p.rollout;
    s1 += w;
    sxt += w * p.rollout * t;
    st += w * t;
  }
  const det = sxx * s1 - sx * sx;
  if (points.length >= 2 && det > 0) {
    const a = (sxt * s1 - sx * st) / det;
    const c = (sxx * st - sx * sxt) / det;
    if (a > 0 && c >= 0) return { rolloutTimeScale: a, loopOverheadSeconds: c };
  }
  return { rolloutTimeScale: Math.max(1e-3, sxt / sxx), loopOverheadSeconds: 0 };
}

const predict = (p: FitPoint, f: ReturnType<typeof fitRlLoop>) =>
  f.rolloutTimeScale * p.rollout + f.loopOverheadSeconds + p.rest;

/**
 * The RL loop's parameters fitted on the calibration runs (fitRlLoop on each run planned
 * uncalibrated), each run's leave-one-out residual with the others' fit, and the held-out and
 * superseded runs predicted with the fit: the rollout phase alone where the trainer's setting is
 * outside the model (`roleNote`) and the source reports the rollout apart.
 */
export function rlValidation(options: Pick<RlLoopParameters, 'generationTp'> = {}) {
  const runs = rlRunsFile().runs;
  const calibrationRuns = runs.filter((r) => r.role === 'calibration');
  const fits = new Map<string, boolean>();
  const points: FitPoint[] = calibrationRuns.map((r) => {
    const c = runRlCase(r, { ...options, rolloutTimeScale: 1, loopOverheadSeconds: 0 });
    fits.set(r.id, c.longestSequenceFits);
    return { published: r.publishedStepSeconds, rollout: c.phases.generation!, rest: c.unscaledSeconds };
  });
  const fit = fitRlLoop(points);
  const leaveOneOut = points.map((p, i) => predict(p, fitRlLoop(points.filter((_, j) => j !== i))));
  const familyOf = (r: RlRunCase) => hardware(r).gpu.efficiency.family;
  const calibration = {
    families: [...new Set(calibrationRuns.map(familyOf))],
    frameworks: [...new Set(calibrationRuns.map((r) => r.framework))],
    rolloutEngines: [...new Set(calibrationRuns.map((r) => r.rolloutEngine))],
    ...fit,
    leaveOneOutLogResiduals: points.map((p, i) => Math.log(p.published / leaveOneOut[i]!)),
    cases: calibrationRuns.map((r) => r.id),
    maxGpus: Math.max(...calibrationRuns.map((r) => r.gpus)),
    uncalibratedErrors: Object.fromEntries(
      points.map((p, i) => [calibrationRuns[i]!.id, (p.rollout + p.rest) / p.published - 1]),
    ),
  };
  const cases = calibrationRuns.map((r, i) => ({
    id: r.id,
    source: r.source,
    framework: r.framework,
    family: familyOf(r),
    publishedSeconds: r.publishedStepSeconds,
    uncalibratedSeconds: points[i]!.rollout + points[i]!.rest,
    calibratedSeconds: predict(points[i]!, fit),
    leaveOneOutSeconds: leaveOneOut[i]!,
    rolloutSeconds: fit.rolloutTimeScale * points[i]!.rollout,
  }));
  const others = runs
    .filter((r) => r.role !== 'calibration')
    .map((r) => {
      let predictedSeconds: number | null = null;
      let note: string | null = null;
      try {
        const c = runRlCase(r, { ...options, ...fit });
        predictedSeconds = c.predictedSeconds;
        fits.set(r.id, c.longestSequenceFits);
      } catch (error) {
        note = (error as Error).message;
      }
      return {
        id: r.id,
        source: r.source,
        role: r.role,
        framework: r.framework,
        family: familyOf(r),
        publishedSeconds: r.publishedStepSeconds,
        predictedSeconds,
        note,
        publishedRolloutSeconds: r.publishedRolloutSeconds ?? null,
        predictedRolloutSeconds:
          r.publishedRolloutSeconds === undefined ? null : runRlRollout(r, { ...options, ...fit }),
      };
    });
  // The runs whose policy update no layout holds at their longest sequence: none, since each ran.
  const longestSequenceOver = [...fits].filter(([, fit]) => !fit).map(([id]) => id);
  return { calibration, cases, others, longestSequenceOver };
}
