/**
 * The P10–P90 band of a deployment plan's serving figures: the leave-one-out residuals of its
 * engine's calibration on its GPU family (catalog/engines/*.json `calibrated.<family>.fit`), as the
 * CLI's `serve` and the web app's Serve view both report it.
 */
import type { ResidualBand } from '../core/inference/bands.js';
import type { DeploymentPlan } from '../core/inference/deployment.js';
import { engineCalibration, findEngine, gpuFamily } from './engines.js';

/** The residual band for a plan: its engine's calibration on its GPU family (TensorRT-LLM's when no engine is named). */
export function planBand(p: DeploymentPlan): ResidualBand | null {
  const engine = findEngine(p.candidate.replica.profile?.id ?? 'trt-llm');
  const k = engineCalibration(engine, p.candidate.gpuId);
  if (!k) return null;
  return {
    ratioP10: k.fit.ratioP10.value,
    ratioP90: k.fit.ratioP90.value,
    basis: `${engine.id} × ${gpuFamily(p.candidate.gpuId)} leave-one-out residuals (${k.fit.rows.value} rows)${p.candidate.replica.profile ? '' : ', no engine named'}`,
  };
}
