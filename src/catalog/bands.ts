/**
 * The calibration band behind an estimate the levers and scenarios reuse: a training or fine-tuning
 * plan's (GPU family × stack) band (core/training/error-band.ts), or a deployment's (engine × GPU
 * family) band from the serving calibration (catalog/engines/*.json), both as P10 and P90 multipliers
 * on a time-like figure (seconds, GPU-hours, $, energy, CO2). `key` names the calibration: estimates
 * with the same key take the same residual draw (see ratioRange in core/uncertainty/range.ts).
 */

import { formatCount } from '../core/format.js';
import { type LabelledMixer, unseenMixerStatement } from '../core/model/layer-mix.js';
import { percentile } from '../core/statistics.js';
import type { ErrorBand } from '../core/training/error-band.js';
import { reachRecord, recordOf } from '../core/uncertainty/model-record.js';
import { widenBand } from '../core/uncertainty/range.js';
import { engineCalibration, findEngine, gpuFamily, MIN_MOE_ROWS, moeTermIdentified } from './engines.js';

export interface CalibrationBand {
  /** P10 and P90 multipliers on a time-like figure. */
  readonly low: number;
  readonly high: number;
  /** The calibration the band comes from (`train:megatron×hopper`, `serve:trt-llm×blackwell`). */
  readonly key: string;
  /** Where the band comes from, in words. */
  readonly basis: string;
  /** Plain statements of where the estimate is outside what was calibrated (empty when inside). */
  readonly outside: readonly string[];
}

/**
 * Where a band leaves its own estimate out — its P10 and P90 multipliers on one side of 1, the fit's
 * rows (left out, and held out) having run slower, or faster, than predicted at both — said plainly:
 * the estimate is then biased, and the band is the better guide. Null where the band holds it.
 */
export function oneSidedBandStatement(low: number, high: number, fit: string): string | null {
  if (low <= 1 && high >= 1) return null;
  const slower = low > 1;
  return `${fit}'s rows ran ${slower ? 'slower' : 'faster'} than predicted at P10 and P90 alike (times × ${low.toFixed(2)}–${high.toFixed(2)}): this estimate is ${slower ? 'optimistic' : 'pessimistic'} and lies outside its own band; plan on the band`;
}

/**
 * A training plan's band (planTraining's `band`) for `stack` on `family` GPUs; `family` is the
 * calibration's (`*` for a stack calibrated over every family), so estimates on it share a key.
 */
export function trainingBand(band: ErrorBand, stack: string, calibrationFamily: string): CalibrationBand {
  const family = calibrationFamily === '*' ? 'every GPU family' : calibrationFamily;
  return {
    low: band.low,
    high: band.high,
    key: `train:${stack}×${calibrationFamily}`,
    basis:
      band.cases > 0
        ? `${stack} × ${family} leave-one-out residuals (${band.cases} runs)${band.heldOutRuns > 0 ? ` and ${band.heldOutRuns} held-out runs` : ''}`
        : `no ${stack} × ${family} runs: pooled residuals of every calibrated family and stack, doubled`,
    outside: band.outside,
  };
}

/** What a deployment serves, for the band's extrapolation statements. */
export interface ServingScale {
  /** The model's total parameters. */
  readonly totalParams: number;
  /** Tokens of one request's context (input + output). */
  readonly contextTokens: number;
  /** The model's token-mixer kinds and their labels (layer-mix.ts labelledMixerKinds). */
  readonly mixers?: readonly LabelledMixer[];
  /** Whether the model routes to experts (it has mixture-of-experts layers). */
  readonly moe?: boolean;
  /** Pipeline stages of the replica (absent: 1). */
  readonly pipelineParallel?: number;
  /** Whole experts over the TP group (expert parallelism inside TP; Replica.epInTp). */
  readonly epInTp?: boolean;
}

/** Deeper pipelines than this are widened: the held-out PP8 rows run 12% optimistic (docs/serving.md). */
const PIPELINE_STAGES_VALIDATED = 4;

/**
 * A deployment's band: published / predicted throughput of the engine on the GPU's family lies in
 * [ratioP10, ratioP90] over its leave-one-out and held-out predictions, so a time-like figure
 * (GPU-hours for given traffic, $, energy, latency) lies in [x / ratioP90, x / ratioP10]. A family
 * with too few rows shares the engine's pooled fit and band; a family the engine has no rows on
 * extrapolates the pooled fit with its band doubled in log-width about its centre; both say so. A
 * model or context beyond twice the fit's largest row widens the band by half for each, and says so.
 * `leaveOut` names a row whose residual the P10–P90 leaves out (the validation report's coverage of
 * held-out rows, each judged by a band without its own residual).
 */
export function servingBand(
  gpuId: string,
  engineId = 'trt-llm',
  scale?: ServingScale,
  leaveOut?: string,
): CalibrationBand {
  const engine = findEngine(engineId);
  const family = gpuFamily(gpuId);
  const k = engineCalibration(engine, gpuId);
  const key = `serve:${engine.id}×${family}`;
  if (!k)
    return {
      low: 0.5,
      high: 2,
      key,
      basis: 'no serving calibration data: a factor of two either way',
      outside: [`${engine.id} has no serving calibration: the band is a factor of two either way`],
    };
  const held = k.fit.heldOutRows
    ? ` and ${k.fit.heldOutRows.value} held-out row${k.fit.heldOutRows.value === 1 ? '' : 's'}`
    : '';
  const over = (k.pooledOver ?? []).join(' + ');
  const pooledBasis = `${engine.id} pooled over ${over}: leave-one-out residuals (${k.fit.rows.value} rows)${held}`;
  const outside: string[] = [];
  let factor = 1;
  let basis = `${engine.id} × ${family} leave-one-out residuals (${k.fit.rows.value} rows)${held}`;
  if (k.scope === 'pooled') {
    basis = pooledBasis;
    outside.push(
      `too few ${engine.id} rows on ${family} GPUs for a fit of their own: host overheads and band pooled over ${over}`,
    );
  } else if (k.scope === 'extrapolated') {
    basis = `${pooledBasis}, doubled`;
    factor = 2;
    outside.push(
      `no serving calibration for ${engine.id} on ${family} GPUs: host overheads extrapolated from its fit pooled over ${over}; the band is that fit's band, doubled`,
    );
  }
  const maxParams = k.fit.maxTotalParams?.value;
  if (scale && maxParams !== undefined && scale.totalParams > 2 * maxParams) {
    outside.push(
      `a ${formatCount(scale.totalParams)}-parameter model is beyond the ${engine.id} calibration rows (up to ${formatCount(maxParams)}): the band is widened by half`,
    );
    factor *= 1.5;
  }
  const minParams = k.fit.minTotalParams?.value;
  if (scale && minParams !== undefined && scale.totalParams < minParams / 2) {
    outside.push(
      `a ${formatCount(scale.totalParams)}-parameter model is below the ${engine.id} calibration rows (from ${formatCount(minParams)}): host time, which the rows fit, weighs more in its steps; the band is widened by half`,
    );
    factor *= 1.5;
  }
  const maxContext = k.fit.maxContextTokens?.value;
  if (scale && maxContext !== undefined && scale.contextTokens > 2 * maxContext) {
    outside.push(
      `a ${formatCount(scale.contextTokens)}-token context is beyond the ${engine.id} calibration rows (up to ${formatCount(maxContext)}): the band is widened by half`,
    );
    factor *= 1.5;
  }
  const unseen = unseenMixerStatement(
    scale?.mixers,
    k.fit.mixers,
    `none of the ${engine.id} calibration rows`,
  );
  if (unseen) {
    outside.push(unseen);
    factor *= 1.5;
  }
  const moeRows = k.fit.moeRows?.value ?? 0;
  if (scale?.moe && !moeTermIdentified(moeRows)) {
    outside.push(
      `${moeRows} of the ${engine.id} calibration rows${k.scope === 'family' ? ` on ${family} GPUs` : ''} are mixture-of-experts models (a fit needs ${MIN_MOE_ROWS}): the engine's MoE decode term is not calibrated (0), so the experts are timed by the operation list alone; the band is widened by half`,
    );
    factor *= 1.5;
  }
  const stages = scale?.pipelineParallel ?? 1;
  if (stages > 1) {
    const wider = stages > PIPELINE_STAGES_VALIDATED;
    outside.push(
      `a pipeline of ${stages} stages: no ${engine.id} calibration row runs one; on held-out TensorRT-LLM 1.0 rows (RTX PRO 6000, TP1 × PP2–8) the pipeline's own error is about 4% up to PP4 and 12% optimistic at PP8${engine.pipelinesPromptChunks ? `; a long prompt's chunks stream through the stages: held-out H20 TTFT rows run 8–39% slow there, the model's bubble the larger` : ''}${wider ? ': the band is widened by half' : ''}`,
    );
    if (wider) factor *= 1.5;
  }
  if (scale?.epInTp)
    outside.push(
      `experts whole over the TP group (expert parallelism inside TP): no ${engine.id} calibration row runs it; it is timed as the calibrated sliced experts with whole-expert GEMM shapes, the busiest GPU's routed tokens at the mean unless --expert-imbalance states more (TensorRT-LLM's large-EP blog measured 2.56 without EPLB)`,
    );
  // The median of the model's own calibration rows on this GPU (each left out of the fit) where the band misses it.
  const records = k.fit.modelRecords?.value.map(({ rows, ...r }) => ({ ...r, ids: rows }));
  const [ratioP10, ratioP90] = residualPercentiles(k.fit, leaveOut);
  const band = reachRecord(
    widenBand(1 / ratioP90, 1 / ratioP10, factor),
    recordOf(records, scale?.totalParams, gpuId),
    k.scope === 'family' ? `${engine.id} × ${family}` : `${engine.id} pooled over ${over}`,
    'row',
  );
  if (band.statement) outside.push(band.statement);
  const oneSided = oneSidedBandStatement(
    band.low,
    band.high,
    k.scope === 'family' ? `${engine.id} × ${family}` : `${engine.id} pooled over ${over}`,
  );
  if (oneSided) outside.push(oneSided);
  return {
    low: band.low,
    high: band.high,
    key: k.scope === 'pooled' ? `serve:${engine.id}×${over}` : key,
    basis,
    outside,
  };
}

/**
 * P10 and P90 of a fit's published / predicted throughput: the calibration's own, or, leaving out row
 * `leaveOut`, recomputed from the rest of its residuals as calibrate-serving.ts computes them.
 */
function residualPercentiles(
  fit: NonNullable<ReturnType<typeof engineCalibration>>['fit'],
  leaveOut: string | undefined,
): [number, number] {
  const residuals = fit.residuals;
  if (leaveOut === undefined || !residuals || !Object.hasOwn(residuals, leaveOut))
    return [fit.ratioP10.value, fit.ratioP90.value];
  const rest = Object.entries(residuals)
    .filter(([id]) => id !== leaveOut)
    .map(([, r]) => r.value)
    .sort((x, y) => x - y);
  if (rest.length === 0) return [fit.ratioP10.value, fit.ratioP90.value];
  return [percentile(rest, 0.1), percentile(rest, 0.9)];
}
