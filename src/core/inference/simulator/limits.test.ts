/**
 * The simulator's size limits: a run too large for a few seconds is refused before it starts, naming
 * the input the requests come from; a run that grows past them while simulating (sparse arrivals)
 * stops at the step limit; and a request that outgrows the whole KV cache alone is rejected.
 */
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../../catalog/catalog.js';
import { InputError } from '../../errors.js';
import { modelSpecFrom } from '../../model/resolve-model.js';
import { GENERIC_ENGINE } from '../engine.js';
import { SIMULATION_LIMITS } from './limits.js';
import { simulateReplica } from './simulate.js';
import { parseTrace, type SimRequest, syntheticRequests } from './workload.js';

const h100 = findCluster('dgx-h100');
const llama8b = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
const fp8 = { tensorParallel: 1, expertParallel: 1, weightFormat: 'fp8' as const, kvFormat: 'fp8' as const };
const burst = { kind: 'burst' } as const;
const fixed = (n: number, inputTokens: number, outputTokens: number, gap = 0): SimRequest[] =>
  Array.from({ length: n }, (_, i) => ({ arrivalSeconds: i * gap, inputTokens, outputTokens }));
const errorOf = (f: () => unknown): InputError => {
  try {
    f();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
};

describe('simulation limits', () => {
  it('more sequence-steps than the limit are refused before simulating, naming the input', () => {
    // 20,000 × 5,000 output tokens: 10⁸ sequence-steps (tens of seconds), twice the limit.
    const requests = fixed(20_000, 100, 5_000);
    const start = performance.now();
    const e = errorOf(() =>
      simulateReplica(llama8b, h100, fp8, requests, { engine: GENERIC_ENGINE, arrival: burst }),
    );
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(e.issues[0]!.path).toEqual(['--requests']);
    expect(e.message).toMatch(
      /^--requests: 20,000 requests of 5,000 output tokens on average take about 100,\d{3},\d{3} sequence-steps/,
    );
    expect(e.message).toContain('more than the 50,000,000 one simulation runs');
    const trace = errorOf(() =>
      simulateReplica(llama8b, h100, fp8, requests, {
        engine: GENERIC_ENGINE,
        arrival: burst,
        sizeField: '--trace',
      }),
    );
    expect(trace.message).toMatch(/^--trace: 20,000 requests/);
  });

  it('a request whose decode alone needs more steps than the limit is refused before simulating', () => {
    // A KV pool large enough to hold it: 3,000,000 tokens decoded one step after another.
    const big = { ...h100, gpu: { ...h100.gpu, memoryBytes: 2e12 } };
    const e = errorOf(() =>
      simulateReplica(llama8b, big, fp8, fixed(1, 1, 3_000_000), { engine: GENERIC_ENGINE, arrival: burst }),
    );
    expect(e.message).toContain('--requests: one request decodes 2,999,999 tokens one step after another');
    expect(e.message).toContain(
      `more than the ${SIMULATION_LIMITS.steps.toLocaleString('en-US')} engine steps`,
    );
  });

  it('sparse arrivals run one sequence a step: the step limit stops them while simulating', () => {
    // 450 requests of 4,990 tokens, one at a time: 2.2 million steps, beyond the 2,000,000 limit.
    const e = errorOf(() =>
      simulateReplica(llama8b, h100, fp8, fixed(450, 100, 4_990, 1_000), {
        engine: GENERIC_ENGINE,
        arrival: { kind: 'trace' },
        sizeField: '--trace',
      }),
    );
    expect(e.message).toMatch(/^--trace: the simulation passed 2,000,000 engine steps \(sparse arrivals/);
  });

  it('more requests than one simulation takes are refused before they are drawn or parsed', () => {
    const requests = SIMULATION_LIMITS.requests + 1;
    expect(() =>
      syntheticRequests({ requests, inputTokens: 1, outputTokens: 1, arrival: burst, seed: 1 }),
    ).toThrowError('--requests: 200,001 requests, more than the 200,000 one simulation takes');
    const line = '{"arrivalSeconds":0,"inputTokens":1,"outputTokens":1}\n';
    expect(() => parseTrace(line.repeat(requests))).toThrowError(
      '--trace: line 200001 is request 200,001, more than the 200,000 one simulation takes',
    );
  });

  it('a lone request that outgrows the whole KV cache is rejected, not left preempted', () => {
    const small = { ...h100, gpu: { ...h100.gpu, memoryBytes: 14e9 } };
    const sim = simulateReplica(llama8b, small, fp8, fixed(1, 100, 10_000_000), {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'trace' },
    });
    expect(sim.completed).toBe(0);
    expect(sim.rejected).toBe(1);
    // With a request that fits after it, that one completes.
    const two = simulateReplica(llama8b, small, fp8, [...fixed(1, 100, 10_000_000), ...fixed(1, 100, 10)], {
      engine: GENERIC_ENGINE,
      arrival: burst,
    });
    expect(two.completed + two.rejected).toBe(2);
    expect(two.completed).toBeGreaterThanOrEqual(1);
  });
});
