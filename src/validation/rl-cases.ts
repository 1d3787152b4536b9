/**
 * Published RL runs and measured weight updates (catalog/validation/rl-runs.json) run through
 * `llmecon rl`'s planner: each case's error, the weight-reload fit judged by leave-one-out, and the
 * P10–P90 band of RL step times from the runs' residuals (core/training/error-band.ts's estimator).
 */
import { findCluster, findModel, loadCatalog } from '../catalog/catalog.js';
import {
  fitReloadBytesPerSecond,
  planRlRun,
  RL_DEFAULTS,
  type RlRunCase,
  rlRunsFile,
  weightUpdateTransfer,
} from '../catalog/rl-run.js';
import { findStack } from '../catalog/stacks.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';

export interface RlCaseResult {
  readonly id: string;
  readonly source: string;
  readonly publishedSeconds: number;
  readonly predictedSeconds: number;
  /** predicted / published − 1 */
  readonly error: number;
  readonly phases: Readonly<Record<string, number>>;
  /** Seconds the calibrated scale does not multiply (all but the rollout). */
  readonly unscaledSeconds: number;
}

function hardware(clusterId: string) {
  const cluster = findCluster(clusterId);
  return { gpu: loadCatalog().gpus.get(cluster.gpu.id)!, cluster, clusterId };
}

export function runRlCase(
  r: RlRunCase,
  options: { reloadBytesPerSecond?: number; rolloutTimeScale?: number } = {},
): RlCaseResult {
  const spec = r.model ? modelSpecFrom(findModel(r.model).config, r.model) : modelSpecFrom(r.config!, r.id);
  const run = planRlRun(spec, hardware(r.cluster), {
    ...RL_DEFAULTS,
    promptsPerStep: r.prompts,
    samplesPerPrompt: r.samplesPerPrompt,
    promptTokens: r.promptTokens,
    responseTokens: r.meanResponseTokens,
    maxResponseTokens: r.maxResponseTokens,
    steps: 1,
    method: 'full',
    gpus: r.gpus,
    stack: findStack(r.stack),
    usdPerGpuHour: 1,
    reloadBytesPerSecond: options.reloadBytesPerSecond,
    rolloutTimeScale: options.rolloutTimeScale,
  });
  const predicted = run.summary.stepSeconds;
  return {
    id: r.id,
    source: r.source,
    publishedSeconds: r.publishedStepSeconds,
    predictedSeconds: predicted,
    error: predicted / r.publishedStepSeconds - 1,
    phases: run.summary.phasesSeconds,
    unscaledSeconds: predicted - run.summary.phasesSeconds.generation,
  };
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

const geometricMean = (xs: readonly number[]) =>
  Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/**
 * The rollout time scale fitted on the published runs: each run's own scale is (published − the
 * trainer's and sync's modelled seconds) / the simulated rollout; the fit is their geometric mean,
 * and each run's leave-one-out log residual is taken with the others' fit. Also each run's error
 * uncalibrated, calibrated and left out (the scale multiplies the rollout alone, so one planning each).
 */
export function rlValidation() {
  const runs = rlRunsFile().runs;
  const results = runs.map((r) => runRlCase(r, { rolloutTimeScale: 1 }));
  const rollout = results.map((r) => r.predictedSeconds - r.unscaledSeconds);
  // Published = scale × rollout + the rest, so each run's own scale (floored: the rest may exceed it):
  const own = results.map(
    (r, i) => Math.max(0.05 * r.publishedSeconds, r.publishedSeconds - r.unscaledSeconds) / rollout[i]!,
  );
  const scale = geometricMean(own);
  const predicted = (i: number, s: number) => s * rollout[i]! + results[i]!.unscaledSeconds;
  const leaveOneOut = results.map((_, i) => predicted(i, geometricMean(own.filter((_, j) => j !== i))));
  const calibration = {
    family: findCluster(runs[0]!.cluster).gpu.efficiency.family,
    rolloutTimeScale: scale,
    leaveOneOutLogResiduals: results.map((r, i) => Math.log(r.publishedSeconds / leaveOneOut[i]!)),
    cases: runs.map((r) => r.id),
    maxGpus: Math.max(...runs.map((r) => r.gpus)),
    uncalibratedErrors: Object.fromEntries(results.map((r) => [r.id, r.error])),
  };
  const cases = results.map((r, i) => ({
    id: r.id,
    source: r.source,
    publishedSeconds: r.publishedSeconds,
    uncalibratedSeconds: r.predictedSeconds,
    calibratedSeconds: predicted(i, scale),
    leaveOneOutSeconds: leaveOneOut[i]!,
    phases: r.phases,
  }));
  return { calibration, cases };
}
