/**
 * Speed goal (issue 17): a 10,000-request trace through the request-level serving simulator in
 * ≤ 1 s on one core. Run with `npm run bench`; figures are recorded in bench/README.md.
 */
import { bench, describe } from 'vitest';
import { findCluster, findModel } from '../src/catalog/catalog.js';
import { GENERIC_ENGINE } from '../src/core/inference/engine.js';
import { simulateReplica } from '../src/core/inference/simulator/simulate.js';
import { parseTrace, syntheticRequests } from '../src/core/inference/simulator/workload.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';

const llama8b = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
const h100 = findCluster('dgx-h100');
const fp8 = { tensorParallel: 1, expertParallel: 1, weightFormat: 'fp8' as const, kvFormat: 'fp8' as const };
// A 10,000-request trace as a file would hold it: lognormal lengths (median 1,000 in / 200 out),
// Poisson arrivals at 20 req/s, a quarter of them later turns of 500 sessions.
const synthetic = syntheticRequests({
  requests: 10_000,
  inputTokens: { dist: 'lognormal', median: 1000, p90: 3000 },
  outputTokens: { dist: 'lognormal', median: 200, p90: 600 },
  arrival: { kind: 'poisson', requestsPerSecond: 20 },
  seed: 1,
});
const jsonl = synthetic
  .map((r, i) => JSON.stringify({ ...r, ...(i % 4 === 0 ? { prefixId: `session-${i % 500}` } : {}) }))
  .join('\n');

describe('serving simulator', () => {
  bench('10,000-request JSONL trace, Llama-3-8B on one H100 (parse + simulate)', () => {
    const requests = parseTrace(jsonl);
    simulateReplica(llama8b, h100, fp8, requests, {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'poisson', requestsPerSecond: 20 },
    });
  });
});
