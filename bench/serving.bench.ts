/**
 * Speed goals (issue 5): `llmecon serve` plans a deployment — every GPU type × TP × EP × weight
 * format candidate, the best concurrency of each within memory and the SLO — in ≤ 100 ms, and
 * `compare-api` (25 volumes, each a full plan) in ≤ 1 s; the latency at a stated traffic of the plans
 * `serve` prints in ≤ 50 ms. Figures are recorded in bench/README.md.
 */
import { bench, describe } from 'vitest';
import { findGpu, findModel } from '../src/catalog/catalog.js';
import { energyAssumptions, resolveHardware } from '../src/catalog/training-defaults.js';
import { selfHostVsApi, volumeGrid } from '../src/core/inference/api-break-even.js';
import { type DeploymentCandidate, planDeployments } from '../src/core/inference/deployment.js';
import { replicaOptions } from '../src/core/inference/replica-layouts.js';
import { planServingModes } from '../src/core/inference/serving-modes.js';
import { trafficPoint } from '../src/core/inference/traffic-point.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const candidates = (id: string, gpus: string[]): DeploymentCandidate[] =>
  gpus.flatMap((g) => {
    const hw = resolveHardware(findGpu(g).id, undefined);
    return replicaOptions(spec(id), hw.cluster, ['bf16', 'fp8'], 'bf16', {}).map((replica) => ({
      gpuId: hw.gpu.id,
      cluster: hw.cluster,
      usdPerGpuHour: 2,
      replica,
      energy: energyAssumptions(hw.gpu, hw.cluster, {}),
    }));
  });
const llama70b = spec('llama-3.1-70b');
const dense = candidates('llama-3.1-70b', ['h100', 'h200', 'a100']);
const v3 = spec('deepseek-v3');
const moe = candidates('deepseek-v3', ['h800']);
const w = { inputTokens: 2048, outputTokens: 256 };
// Speculative decoding with a costed draft model: every candidate also runs Llama 3.2 1B four times a step.
const drafted = dense.map((c) => ({
  ...c,
  replica: {
    ...c.replica,
    drafter: { kind: 'model' as const, spec: spec('llama-3.2-1b'), weightFormat: 'bf16' as const },
  },
}));
const speculative = { ...w, speculative: { draftTokens: 4, acceptanceRate: 0.7 } };

describe('serving', () => {
  bench(`Llama 3.1 70B: ${dense.length} candidates on H100/H200/A100, 20 req/s, TPOT ≤ 50 ms`, () => {
    planDeployments(llama70b, dense, w, 20, { tpotSeconds: 0.05 });
  });
  bench(`DeepSeek-V3: ${moe.length} candidates (TP × EP × format) on H800, full use`, () => {
    planDeployments(v3, moe, w, null, { tpotSeconds: 0.05 });
  });
  bench(
    `serve fleet plan (issue 17, ≤ 1 s): Llama 3.1 70B, ${dense.length} candidates, aggregated and disaggregated, 5B tokens/day`,
    () => {
      planServingModes(llama70b, dense, w, 5e9 / 86_400 / (w.inputTokens + w.outputTokens), {
        tpotSeconds: 0.05,
      });
    },
  );
  bench(
    `serve fleet plan with a TTFT SLO (≤ 1 s): Llama 3.1 70B, ${dense.length} candidates, both modes, 5B tokens/day, TTFT ≤ 300 ms (prefill pools sized to it)`,
    () => {
      planServingModes(llama70b, dense, w, 5e9 / 86_400 / (w.inputTokens + w.outputTokens), {
        tpotSeconds: 0.05,
        ttftSeconds: 0.3,
      });
    },
  );
  bench(
    `serve fleet plan (issue 17, ≤ 1 s): DeepSeek-V3, ${moe.length} candidates on H800, both modes, full use`,
    () => {
      planServingModes(v3, moe, w, null, { tpotSeconds: 0.05 });
    },
  );
  bench(
    `serve fleet plan with a draft model (issue 17, ≤ 1 s): Llama 3.1 70B + Llama 3.2 1B drafting 4, ${drafted.length} candidates, both modes, 5B tokens/day`,
    () => {
      planServingModes(llama70b, drafted, speculative, 5e9 / 86_400 / (w.inputTokens + w.outputTokens), {
        tpotSeconds: 0.05,
      });
    },
  );
  const fleet = planServingModes(llama70b, dense, w, 20, { tpotSeconds: 0.05 }).plans.slice(0, 5);
  bench(
    'latency at the traffic (≤ 50 ms): the 5 cheapest Llama 3.1 70B plans at 20 req/s, as serve prints them',
    () => {
      for (const plan of fleet) trafficPoint(llama70b, plan, w);
    },
  );
  bench('compare-api: Llama 3.1 70B on H100/H200/A100 vs a $0.15/$0.60 API, 25 volumes', () => {
    selfHostVsApi(
      llama70b,
      dense,
      w,
      { inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 },
      { tpotSeconds: 0.05 },
      volumeGrid(1e6, 1e12),
    );
  });
});
