/**
 * Aggregated against disaggregated serving: both modes planned over every candidate, the cheapest of
 * each, and why one wins, in one sentence.
 */
import { formatUsd } from '../format.js';
import type { ModelSpec } from '../model/spec.js';
import {
  cheaper,
  type DeploymentCandidate,
  type DeploymentPlan,
  planCost,
  planDeployments,
} from './deployment.js';
import { hasSlo, type ServingWorkload, type Slo } from './serving.js';

export interface ServingModes {
  /** Both modes' plans together, cheapest first. */
  readonly plans: readonly DeploymentPlan[];
  /** The cheapest plan of each mode that meets the SLO (absent: none does). */
  readonly aggregated?: DeploymentPlan;
  readonly disaggregated?: DeploymentPlan;
  /** Why the cheapest plan's mode was chosen, in one sentence. */
  readonly reason: string;
}

/**
 * Aggregated serving (chunked prefill inside the decode steps) against disaggregated prefill and
 * decode pools (DistServe, Zhong et al. 2024; DeepSeek Day-6), each over every candidate layout
 * against the TTFT/TPOT SLO; the pools' ratio is sized to the traffic (prefill GPUs for the prompt
 * tokens, decode replicas for the requests). Candidates whose engine has no disaggregated prefill
 * are planned aggregated only.
 */
export function planServingModes(
  spec: ModelSpec,
  candidates: readonly DeploymentCandidate[],
  w: ServingWorkload,
  requestsPerSecond: number | null,
  slo: Slo,
  concurrency?: number,
): ServingModes {
  const modePlans = (cs: readonly DeploymentCandidate[], disaggregated: boolean) =>
    planDeployments(spec, cs, { ...w, disaggregated }, requestsPerSecond, slo, concurrency);
  const agg = modePlans(candidates, false);
  const disagg = modePlans(
    candidates.filter((c) => c.replica.profile?.features.disaggregatedPrefill !== false),
    true,
  );
  const plans = [...agg, ...disagg].sort(cheaper(spec, w, requestsPerSecond));
  const a = agg[0];
  const d = disagg[0];
  const cost = (p: DeploymentPlan) =>
    requestsPerSecond === null
      ? `${formatUsd(p.costPerMillionBlendedTokensUsd)}/M blended tokens`
      : `$${Math.round(p.usdPerDay).toLocaleString('en-US')}/day`;
  const pools = (p: DeploymentPlan) =>
    `${p.prefillGpus} prefill + ${p.gpus - p.prefillGpus - p.idleGpus} decode GPUs${p.idleGpus > 0 ? ` + ${p.idleGpus} idle` : ''}`;
  // What a mode with no plan missed: the SLO, a fixed fleet too small for its pools, or neither (memory, the engine).
  const missed =
    [
      hasSlo(slo) && 'meets the SLO',
      candidates.some((c) => c.fixedGpus !== undefined) && 'fits the fixed fleet',
    ]
      .filter((x) => typeof x === 'string')
      .join(' or ') || 'runs here';
  let reason: string;
  if (a && d) {
    const best = plans[0]!;
    const other = best === a ? d : a;
    const [bestCost, otherCost] = [planCost(best, requestsPerSecond), planCost(other, requestsPerSecond)];
    const tie = bestCost === otherCost;
    const saving = (100 * (1 - bestCost / otherCost)).toFixed(0);
    reason =
      saving === '0'
        ? `aggregated (${cost(best.disaggregated ? other : best)}) and disaggregated (${pools(best.disaggregated ? best : other)}, ${cost(best.disaggregated ? best : other)}) cost the same within the SLO (to the percent); ${best.disaggregated ? 'disaggregated' : 'aggregated'} kept${tie ? ` (equal cost, lower end-to-end latency${requestsPerSecond === null ? '' : ' at this traffic'})` : ''}`
        : best.disaggregated
          ? `disaggregated (${pools(best)}, ${cost(best)}) is ${saving}% cheaper than aggregated (${cost(other)}) within the SLO`
          : `aggregated (${cost(best)}) is ${saving}% cheaper than disaggregated (${pools(other)}, ${cost(other)}) within the SLO`;
  } else if (a) reason = `aggregated: no disaggregated layout ${missed}`;
  else if (d) reason = `disaggregated (${pools(d)}): no aggregated layout ${missed}`;
  else reason = `no layout of either mode ${missed}`;
  return { plans, ...(a ? { aggregated: a } : {}), ...(d ? { disaggregated: d } : {}), reason };
}
