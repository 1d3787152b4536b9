/**
 * The P10–P90 band of a deployment plan's serving figures: its engine's calibration on its GPU
 * family (catalog/engines/*.json, see servingBand), as the CLI's `serve` and the web app's Serve
 * view both report it.
 */
import type { BreakEven } from '../core/inference/api-break-even.js';
import type { ResidualBand } from '../core/inference/bands.js';
import type { DeploymentCandidate, DeploymentPlan } from '../core/inference/deployment.js';
import type { ServingWorkload } from '../core/inference/serving.js';
import type { Replica } from '../core/inference/serving-step.js';
import { labelledMixerKinds, routedLayers } from '../core/model/layer-mix.js';
import { paramCount } from '../core/model/param-count.js';
import type { ModelSpec } from '../core/model/spec.js';
import { type ServingScale, servingBand } from './bands.js';

/**
 * What a deployment serves, for the band's statements on extrapolation: its model and context, and on
 * `replica` its pipeline depth and expert layout.
 */
export const servingScale = (
  spec: ModelSpec,
  w: ServingWorkload,
  replica?: Pick<Replica, 'pipelineParallel' | 'epInTp'>,
): ServingScale =>
  servingScaleOn(
    {
      totalParams: paramCount(spec).totalParams,
      contextTokens: w.inputTokens + w.outputTokens,
      mixers: labelledMixerKinds(spec),
      moe: routedLayers(spec) > 0,
    },
    replica,
  );

/** `scale` on a replica: its pipeline stages, and whole experts over its TP group. */
const servingScaleOn = (
  scale: ServingScale,
  replica?: Pick<Replica, 'pipelineParallel' | 'epInTp'>,
): ServingScale => ({
  ...scale,
  pipelineParallel: replica?.pipelineParallel ?? 1,
  ...(replica?.epInTp ? { epInTp: true } : {}),
});

/** The residual band for a plan: its engine's calibration on its GPU family (TensorRT-LLM's when no engine is named). */
export const planBand = (p: DeploymentPlan, scale?: ServingScale): ResidualBand =>
  candidateBand(p.candidate, scale);

/** The residual band of a deployment candidate (its GPU and engine), as {@link planBand}. */
export function candidateBand(c: DeploymentCandidate, scale?: ServingScale): ResidualBand {
  const b = candidateServingBand(c, scale);
  return { ratioP10: 1 / b.high, ratioP90: 1 / b.low, basis: basisClauses(c, b).join('; ') };
}

const candidateServingBand = (c: DeploymentCandidate, scale?: ServingScale) =>
  servingBand(c.gpuId, c.replica.profile?.id ?? 'trt-llm', scale && servingScaleOn(scale, c.replica));

/** A candidate band's basis as clauses: the fit it comes from, then each statement on extrapolation. */
const basisClauses = (c: DeploymentCandidate, b: ReturnType<typeof servingBand>): string[] => [
  `${b.basis}${c.replica.profile?.id ? '' : ', no engine named'}`,
  ...b.outside,
];

/**
 * A self-host vs API search (api-break-even.ts selfHostVsApi, given each candidate's throughput
 * ratio) at both ends of the serving band: every candidate at its band's P10 and P90 ratio of
 * published / predicted throughput. Slower serving needs more GPUs, so `slow` holds the P90
 * break-even volume and self-host bill, `fast` the P10 ones.
 */
export function selfHostVsApiBand(
  candidates: readonly DeploymentCandidate[],
  search: (speedRatio: (c: DeploymentCandidate) => number) => BreakEven,
  scale?: ServingScale,
): { readonly slow: BreakEven; readonly fast: BreakEven; readonly basis: string } {
  return {
    slow: search((c) => candidateBand(c, scale).ratioP10),
    fast: search((c) => candidateBand(c, scale).ratioP90),
    // Each clause once, in order: candidates on one fit differ only in what they extrapolate.
    basis: [...new Set(candidates.flatMap((c) => basisClauses(c, candidateServingBand(c, scale))))].join(
      '; ',
    ),
  };
}
