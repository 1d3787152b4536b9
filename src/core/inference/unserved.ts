/**
 * Why no candidate serves a workload, as a "computed, but does not fit" error (exit 3, as `serve`'s):
 * the weights and one sequence fit no replica layout, or every replica misses the SLO (its fields named
 * as scenarios and levers files name them). One home for scenarios' serve phases and levers deployments.
 */
import { DoesNotFitError } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import type { DeploymentCandidate } from './deployment.js';
import { maxConcurrency, type ServingWorkload, type Slo } from './serving.js';

/** `where`: the hardware as the caller names it ("h100-sxm", "h100-sxm (fp8 weights)"); `path`: the field blamed. */
export function unservedError(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  slo: Slo,
  where: string,
  path: readonly (string | number)[],
): DoesNotFitError {
  const limits = [
    slo.tpotSeconds !== undefined && `tpotSloSeconds ${slo.tpotSeconds}`,
    slo.ttftSeconds !== undefined && `ttftSloSeconds ${slo.ttftSeconds}`,
  ].filter((x) => typeof x === 'string');
  const fits = candidates.some((c) => maxConcurrency(spec, c.cluster, c.replica, w) >= 1);
  return new DoesNotFitError({
    code: 'infeasible',
    path,
    message: !fits
      ? `the weights and one sequence's KV cache of ${spec.name} fit no replica layout on ${where}; use a larger GPU or smaller weights/kv formats`
      : `no replica of ${spec.name} on ${where} ${limits.length > 0 ? `meets the SLO (${limits.join(', ')})` : 'reaches a steady state'} at any batch; ${limits.length > 0 ? 'relax it or ' : ''}use faster hardware`,
  });
}
