/**
 * The P10–P90 band of a deployment plan's serving figures: its engine's calibration on its GPU
 * family (catalog/engines/*.json, see servingBand), as the CLI's `serve` and the web app's Serve
 * view both report it.
 */
import type { ResidualBand } from '../core/inference/bands.js';
import type { DeploymentPlan } from '../core/inference/deployment.js';
import { servingBand } from './bands.js';

/** The residual band for a plan: its engine's calibration on its GPU family (TensorRT-LLM's when no engine is named). */
export function planBand(p: DeploymentPlan): ResidualBand {
  const named = p.candidate.replica.profile?.id;
  const b = servingBand(p.candidate.gpuId, named ?? 'trt-llm');
  return {
    ratioP10: 1 / b.high,
    ratioP90: 1 / b.low,
    basis: [`${b.basis}${named ? '' : ', no engine named'}`, ...b.outside].join('; '),
  };
}
