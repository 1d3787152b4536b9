/**
 * The analytic latency at a traffic (src/core/inference/traffic-point.ts) against the request-level
 * simulator of the same replica under the same Poisson arrivals: Llama 3.1 8B on one H100 under each
 * engine, seven workloads from long prompts with short outputs to short prompts, at 30%, 50% and 70% of
 * the replica's capacity point (LOADS=0.85,0.95 for others). Prints a Markdown table (mean TPOT,
 * sequences running and mean TTFT, analytic against simulated; whether the point says it is past what
 * was checked, traffic-point.ts) and the median and largest |error| per engine; docs/serving.md quotes it.
 *
 *   npx tsx scripts/traffic-vs-simulation.ts
 */
import { findCluster, findModel } from '../src/catalog/catalog.js';
import { engineForGpu, findEngine } from '../src/catalog/engines.js';
import { bestServingPoint, type ServingReplica } from '../src/core/inference/serving.js';
import { simulateReplica } from '../src/core/inference/simulator/simulate.js';
import { syntheticRequests } from '../src/core/inference/simulator/workload.js';
import { replicaAtRate } from '../src/core/inference/traffic-point.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';

const ENGINES = ['trt-llm', 'vllm', 'sglang'];
const WORKLOADS = [
  [16_000, 128],
  [8_000, 128],
  [8_000, 512],
  [4_000, 256],
  [2_000, 300],
  [1_000, 1_000],
  [500, 200],
] as const;
const LOADS = (process.env.LOADS ?? '0.3,0.5,0.7').split(',').map(Number);
const REQUESTS = 1500;

const h100 = findCluster('dgx-h100');
const spec = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(
  '| engine | in / out | load | ρ | TPOT ms (analytic / simulated) | error | running (analytic / simulated) | error | TTFT ms (analytic / simulated) | error | preemptions | past what was checked |',
);
console.log(`|${' --- |'.repeat(12)}`);
const summary: string[] = [];
for (const engine of ENGINES) {
  const profile = engineForGpu(findEngine(engine, '--engine'), 'h100-sxm');
  const r: ServingReplica = {
    tensorParallel: 1,
    expertParallel: 1,
    weightFormat: 'bf16',
    kvFormat: 'bf16',
    profile,
  };
  const errors: number[] = [];
  const ttftErrors: number[] = [];
  for (const [inputTokens, outputTokens] of WORKLOADS) {
    const w = { inputTokens, outputTokens };
    const capacity = bestServingPoint(spec, h100, r, w)!;
    for (const load of LOADS) {
      const rate = (load * capacity.outputTokensPerSecondPerGpu) / outputTokens;
      const at = replicaAtRate(spec, h100, r, w, rate);
      const arrival = { kind: 'poisson' as const, requestsPerSecond: rate };
      const requests = syntheticRequests({ requests: REQUESTS, ...w, arrival, seed: 1 });
      const sim = simulateReplica(spec, h100, r, requests, { engine: profile, arrival, seed: 1 });
      const simulated = `${(1e3 * sim.tpotSeconds.mean).toFixed(1)} ms, ${sim.meanRunningSequences.toFixed(1)} running, TTFT ${(1e3 * sim.ttftSeconds.mean).toFixed(0)} ms`;
      if (at === null) {
        // The analytic point finds the rate beyond what the replica carries: no error to state.
        console.log(
          `| ${profile.name} | ${inputTokens} / ${outputTokens} | ${load} | — | falls behind / ${simulated} | — | — | — | — | — | ${sim.preemptions} | — |`,
        );
        continue;
      }
      const tpot = at.tpotSeconds / sim.tpotSeconds.mean - 1;
      const running = at.meanConcurrency / sim.meanRunningSequences - 1;
      const ttft = at.ttftSeconds / sim.ttftSeconds.mean - 1;
      errors.push(Math.abs(tpot));
      ttftErrors.push(Math.abs(ttft));
      console.log(
        `| ${profile.name} | ${inputTokens} / ${outputTokens} | ${load} | ${at.prefillLoad.toFixed(2)} | ${(1e3 * at.tpotSeconds).toFixed(1)} / ${(1e3 * sim.tpotSeconds.mean).toFixed(1)} | ${percent(tpot)} | ${at.meanConcurrency.toFixed(1)} / ${sim.meanRunningSequences.toFixed(1)} | ${percent(running)} | ${(1e3 * at.ttftSeconds).toFixed(0)} / ${(1e3 * sim.ttftSeconds.mean).toFixed(0)} | ${percent(ttft)} | ${sim.preemptions} | ${at.caveat === null ? '' : 'yes'} |`,
      );
    }
  }
  summary.push(
    `${profile.name}: mean TPOT median |error| ${(100 * median(errors)).toFixed(1)}%, max ${(100 * Math.max(...errors)).toFixed(1)}%; mean TTFT ${(100 * median(ttftErrors)).toFixed(1)}%, ${(100 * Math.max(...ttftErrors)).toFixed(1)}%`,
  );
}
console.log('');
for (const line of summary) console.log(line);
