/**
 * A project scenario's serve phase: the cheapest replica for its SLO on its engine — aggregated, or
 * decoding beside a pool of prefill replicas — planned as `llmecon serve` plans it, for the monthly
 * cash-flow model (prepare.ts runs it once per phase).
 */
import type { CalibrationBand } from '../catalog/bands.js';
import { servingBand } from '../catalog/bands.js';
import { findApi } from '../catalog/catalog.js';
import { servingScale } from '../catalog/serving-band.js';
import {
  engineChoiceWarnings,
  onEngine,
  replicaFixed,
  servingEngineChoice,
} from '../catalog/serving-engine-choice.js';
import type { ResolvedHardware } from '../catalog/training-defaults.js';
import { candidateLabel, replicaRequestsPerSecond } from '../core/inference/deployment.js';
import { eagerDecodeWarnings } from '../core/inference/eager-decode.js';
import { prefillReplicaCapacity } from '../core/inference/prefill-pool.js';
import { replicaOptions } from '../core/inference/replica-layouts.js';
import { planServingModes } from '../core/inference/serving-modes.js';
import { replicaGpus } from '../core/inference/serving-step.js';
import { unservedError } from '../core/inference/unserved.js';
import {
  asReleased,
  type CheckpointFormat,
  formatsTaken,
  servedFormat,
} from '../core/model/checkpoint-format.js';
import type { ModelSpec } from '../core/model/spec.js';
import { centralValue } from '../core/uncertainty/distributions.js';
import { requestsPerSecondFor } from '../core/units.js';
import { tokensPerDayInMonth } from './bounds.js';
import type { PhaseEnergy, PreparedPhase } from './prepare.js';
import type { Phase } from './schema.js';

type ServePhase = Extract<Phase, { kind: 'serve' }>;
type PreparedServe = Extract<PreparedPhase, { kind: 'serve' }>;

/** The API a serve phase compares with: its id and prices per million tokens. */
function apiPrices(id: string, index: number) {
  const api = findApi(id, `phases[${index}].compareWithApi`);
  return {
    id: api.id,
    inputUsdPerMillion: api.prices.input.value,
    outputUsdPerMillion: api.prices.output.value,
  };
}

/** The phase's traffic (tokens a day) averaged over its months at central values, as the ledger grows it. */
function meanTokensPerDay(phase: ServePhase): number {
  const first = centralValue(phase.tokensPerDay);
  const growth = centralValue(phase.growthPerMonth);
  let sum = 0;
  for (let k = 0; k < phase.months; k += 1) sum += tokensPerDayInMonth(first, growth, k);
  return sum / Math.max(1, phase.months);
}

/** The phase's replica, capacity and layout, with its engine's calibration band (not yet drawn). */
export function prepareServePhase(
  spec: ModelSpec,
  checkpoint: CheckpointFormat | null,
  hw: ResolvedHardware,
  phase: ServePhase,
  index: number,
  energy: PhaseEnergy,
): Omit<PreparedServe, 'band' | 'warnings'> & {
  readonly band: CalibrationBand;
  /** What the plan's engine leaves untimed, as `serve` says it (decode beyond its CUDA-graph capture), and a TP × EP replica read as the engines' EP inside TP. */
  readonly engineWarnings: readonly string[];
} {
  const w = { inputTokens: phase.inputTokens, outputTokens: phase.outputTokens };
  // The engine, its memory share, a fixed TP or EP and the expert placement, as `llmecon serve` takes them.
  const choice = servingEngineChoice(spec, phase, ['phases', index]);
  // Formats not given: the checkpoint as released (checkpoint-format.ts), as `llmecon serve` takes it.
  const served = servedFormat(checkpoint, hw.gpu);
  const formats = formatsTaken(served, {
    weights: phase.weights !== undefined,
    kv: phase.kv !== undefined,
    statedWeights: phase.weights ? [phase.weights] : [],
  });
  const options = replicaOptions(
    spec,
    hw.cluster,
    [phase.weights ?? served.weights],
    phase.kv ?? served.kv,
    replicaFixed(choice),
  ).map((replica) => asReleased(replica, served));
  const candidates = onEngine(
    options.map((replica) => ({ gpuId: hw.gpu.id, cluster: hw.cluster, usdPerGpuHour: 1, replica, energy })),
    choice,
  );
  // Aggregated replicas, or decode replicas beside a prefill pool where that is cheaper, as `serve
  // --tokens-per-day` plans them for the phase's mean traffic (whole replicas: a prefill pool beside one
  // decode replica can cost more than aggregated replicas at a low traffic, cheaper per token at full use).
  const slo = { tpotSeconds: phase.tpotSloSeconds, ttftSeconds: phase.ttftSloSeconds };
  const rps = requestsPerSecondFor(meanTokensPerDay(phase), w.inputTokens + w.outputTokens);
  const best = planServingModes(spec, candidates, w, rps > 0 ? rps : null, slo).plans[0];
  // As `llmecon serve`: computed, but no replica holds the model or meets the SLO (exit 3), saying which.
  if (!best) throw unservedError(spec, candidates, w, slo, hw.gpu.id, ['phases', index, 'gpu']);
  const n = replicaGpus(best.candidate.replica);
  // A decode replica's rate at full use (deployment.ts planAtPoint): the ledger sizes each month's fleet for
  // capacity; a plan for one traffic may bound it by the prefill pool it sized, or add replicas for its SLO.
  const replicaRps = replicaRequestsPerSecond(best.candidate.replica, best.point, w);
  const pool = best.disaggregated ? prefillReplicaCapacity(spec, best.candidate, w) : null;
  return {
    kind: 'serve',
    phase,
    index,
    replicaGpus: n,
    replicaRequestsPerSecond: replicaRps,
    prefillPool: pool,
    energy,
    layout: `${candidateLabel(best.candidate)}${best.disaggregated ? ' disagg' : ''}`,
    // At scale, as the ledger sizes the pools: a decode replica and its share of prefill replicas.
    outputTokensPerSecondPerGpu:
      (replicaRps * w.outputTokens) / (n + (pool ? (pool.gpus * replicaRps) / pool.requestsPerSecond : 0)),
    api: phase.compareWithApi === undefined ? null : apiPrices(phase.compareWithApi, index),
    band: servingBand(hw.gpu.id, choice.engine, servingScale(spec, w, best.candidate.replica)),
    engineWarnings: [
      ...(formats ? [`phases[${index}]: ${formats}`] : []),
      ...eagerDecodeWarnings(best.candidate.replica, best.point.concurrency),
      ...engineChoiceWarnings(choice),
    ],
  };
}
