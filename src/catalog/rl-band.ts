/**
 * The P10–P90 band of RL estimates from the leave-one-out residuals of the published RL runs
 * (catalog/validation/rl-runs.json): one band for `llmecon rl`, the web app's Adapt view and scenario
 * RL phases, with what the calibration runs did not do said beside it.
 */
import { labelledMixerKinds, mixerKinds } from '../core/model/layer-mix.js';
import type { ModelSpec } from '../core/model/spec.js';
import { type ErrorBand, errorBand } from '../core/training/error-band.js';
import { NEUTRAL_CALIBRATION_TERMS } from '../core/training/stack.js';
import { type Range, scaledRange, widenBand } from '../core/uncertainty/range.js';
import { findGpu } from './catalog.js';
import { type planRlRun, rlRunSpec, rlRunsFile } from './rl-run.js';

/**
 * The P10–P90 band of an RL figure from the leave-one-out residuals of the published calibration runs
 * (core/training/error-band.ts's estimator). While every calibration run comes from one framework the
 * band is widened by half (in log space) and says so, since other frameworks' loops differ; a GPU
 * family without runs gets the pooled band doubled.
 */
export function rlBand(
  gpuId: string,
  gpus: number,
  run: {
    readonly rolloutEngine?: string;
    readonly placement?: string;
    readonly asyncSteps?: number;
    readonly rolloutTensorParallel?: number;
    /** The policy model: layers of a kind no calibration run's model had widen the band. */
    readonly model?: ModelSpec;
  } = {},
): ErrorBand {
  const c = rlRunsFile().calibration;
  // What the calibration runs did not do: said beside the band (the band itself is not widened).
  const calibrated = rlRunsFile().runs.filter((r) => c?.cases.includes(r.id));
  const beyond = [
    ...(run.rolloutEngine !== undefined && c && !c.rolloutEngines.includes(run.rolloutEngine as never)
      ? [
          `the RL loop was calibrated on ${c.rolloutEngines.join(', ')} rollouts; ${run.rolloutEngine} has none`,
        ]
      : []),
    ...(run.placement !== undefined && c && !calibrated.some((r) => r.placement === run.placement)
      ? [
          `every calibration run is ${calibrated[0]?.placement ?? 'colocated'}: ${run.placement} pools are an extrapolation`,
        ]
      : []),
    ...((run.asyncSteps ?? 0) > 0 && c
      ? [
          'every calibration run is on-policy (synchronous): the overlap of async steps is modelled as NeMo RL runs it (in-flight weight updates) and checked on its held-out one-step-off runs, not calibrated',
        ]
      : []),
    ...(run.rolloutTensorParallel !== undefined && c
      ? [
          `the calibration simulates each run's rollout at the searched replica shape (lower leave-one-out error than at the runs' own TP, docs/rl.md); a fixed TP${run.rolloutTensorParallel} is planned with the same scale`,
        ]
      : []),
  ];
  const family = findGpu(gpuId).efficiency.family;
  const calibration = c
    ? {
        family: c.families.includes(family) ? family : c.families.join('+'),
        stepTimeScale: c.rolloutTimeScale,
        // No per-term factors: the RL calibration fits the rollout scale and the loop's fixed seconds.
        ...NEUTRAL_CALIBRATION_TERMS,
        extrapolated: [],
        leaveOneOutLogResiduals: c.leaveOneOutLogResiduals,
        cases: c.cases,
        maxGpus: c.maxGpus,
        // The runs span 8B to 671B parameters (DeepSeek-V3): no model in the catalog is beyond them.
        maxParams: Number.POSITIVE_INFINITY,
        caseMixers: [...new Set(calibrated.flatMap((r) => mixerKinds(rlRunSpec(r))))].sort(),
      }
    : null;
  const band = errorBand(
    calibration && c!.families.includes(family) ? calibration : null,
    calibration ? [calibration] : [],
    {
      family,
      stack: 'RL runs',
      gpus,
      ...(run.model && { mixers: labelledMixerKinds(run.model) }),
    },
  );
  if (!c || c.frameworks.length > 1)
    return { ...band, cases: c?.cases.length ?? 0, outside: [...band.outside, ...beyond] };
  return {
    ...band,
    ...widenBand(band.low, band.high, 1.5),
    cases: c.cases.length,
    outside: [
      ...band.outside,
      `the RL band rests on ${c.cases.length} published runs of one framework (${c.frameworks[0]} on ${c.families.join(' and ')} GPUs): widened by half`,
      ...beyond,
    ],
  };
}

/**
 * The P10–P90 ranges of a planned run's headline figures under its RL band (rlBand): what `llmecon rl
 * --json` prints as `range` and the web app's Adapt view shows under each figure.
 */
export function rlRanges(
  summary: Pick<
    ReturnType<typeof planRlRun>['summary'],
    'stepSeconds' | 'gpuHours' | 'wallClockHours' | 'costUsd' | 'energyKWh' | 'co2Kg'
  >,
  band: Pick<ErrorBand, 'low' | 'high'>,
) {
  const range = (x: number): Range => scaledRange(x, band.low, band.high);
  const orNull = (x: number | null): Range | null => (x === null ? null : range(x));
  return {
    stepSeconds: range(summary.stepSeconds),
    gpuHours: range(summary.gpuHours),
    wallClockHours: range(summary.wallClockHours),
    costUsd: range(summary.costUsd),
    energyKWh: orNull(summary.energyKWh),
    co2Kg: orNull(summary.co2Kg),
  };
}

/**
 * The RL band as the levers, scenarios and web app carry a band (catalog/bands.ts's CalibrationBand):
 * one key, so every RL estimate of a scenario takes the same residual draw.
 */
export function rlCalibrationBand(gpuId: string, gpus: number, run: Parameters<typeof rlBand>[2] = {}) {
  const band = rlBand(gpuId, gpus, run);
  return {
    low: band.low,
    high: band.high,
    key: 'rl:runs',
    basis: `the leave-one-out error of ${band.cases} published RL runs (docs/rl.md)`,
    outside: band.outside,
  };
}
