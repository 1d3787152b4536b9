/**
 * The request-level simulator: deterministic, conserving requests, agreeing with the analytic steady
 * state where both apply (one request at a time; a closed loop of staggered requests), and showing
 * what the steady state cannot (preemption when KV is full, prefix hits, latency percentiles).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../../catalog/catalog.js';
import { modelSpecFrom } from '../../model/resolve-model.js';
import { GENERIC_ENGINE } from '../engine.js';
import { replicaOptions } from '../replica-layouts.js';
import { liveKvTokensPerSequence, maxConcurrency, servingPoint } from '../serving.js';
import { loneTtftSeconds } from '../static-batch.js';
import { simulateReplica } from './simulate.js';
import { parseTrace, type SimRequest, syntheticRequests } from './workload.js';

const h100 = findCluster('dgx-h100');
const llama8b = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
const fp8 = { tensorParallel: 1, expertParallel: 1, weightFormat: 'fp8' as const, kvFormat: 'fp8' as const };
const fixed = (n: number, input: number, output: number) =>
  syntheticRequests({
    requests: n,
    inputTokens: input,
    outputTokens: output,
    arrival: { kind: 'burst' },
    seed: 1,
  });

/** 1,500 requests whose lengths are drawn so that they stagger (the steady state's assumption). */
const staggered = () =>
  syntheticRequests({
    requests: 1500,
    inputTokens: { dist: 'uniform', min: 768, max: 1280 },
    outputTokens: { dist: 'uniform', min: 128, max: 384 },
    arrival: { kind: 'burst' },
    seed: 3,
  });

describe('serving simulator', () => {
  test.prop(
    [
      fc.constantFrom('llama-3-8b', 'llama-3.1-70b', 'mixtral-8x7b', 'gpt-oss-20b', 'qwen3-30b-a3b'),
      fc.constantFrom('dgx-h100', 'selene-a100'),
      fc.constantFrom('bf16' as const, 'fp8' as const, 'int4' as const),
      fc.integer({ min: 1, max: 32_000 }),
      fc.integer({ min: 1, max: 32 }),
    ],
    { numRuns: 12 },
  )(
    'property: every layout the planner can hold (maxConcurrency ≥ 1, no engine named) simulates without a KV refusal',
    (model, clusterId, weights, inputTokens, outputTokens) => {
      const spec = modelSpecFrom(findModel(model).config, model);
      const cluster = findCluster(clusterId);
      const w = { inputTokens, outputTokens };
      for (const replica of replicaOptions(spec, cluster, [weights], 'bf16', {})) {
        if (maxConcurrency(spec, cluster, replica, w) < 1) continue;
        const r = simulateReplica(spec, cluster, replica, fixed(2, inputTokens, outputTokens), {
          engine: GENERIC_ENGINE,
          arrival: { kind: 'burst' },
        });
        expect(r.completed).toBe(2);
      }
    },
  );
  it('host time hides behind the GPU step with an overlapping scheduler, and adds without one', () => {
    const requests = fixed(64, 512, 64);
    const run = (stepOverheadSeconds: number, hostOverlapsGpu: boolean) =>
      simulateReplica(llama8b, h100, fp8, requests, {
        engine: { ...GENERIC_ENGINE, stepOverheadSeconds, hostOverlapsGpu },
        arrival: { kind: 'burst' },
      }).durationSeconds;
    const gpu = run(0, false);
    const steps = simulateReplica(llama8b, h100, fp8, requests, {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'burst' },
    }).steps;
    // 2 ms of host per step: every step pays it serially; overlapped, only steps shorter than 2 ms do.
    expect(run(0.002, false)).toBeCloseTo(gpu + 0.002 * steps, 9);
    expect(run(0.002, true)).toBeLessThan(run(0.002, false));
    expect(run(0.002, true)).toBeGreaterThanOrEqual(gpu);
    // A host time longer than every step sets the pace: steps × host.
    expect(run(10, true)).toBeCloseTo(10 * steps, 6);
  });
  it('a layout the planner holds can be simulated: both size KV from the same pool (Llama 3.1 70B fp8 on one H100)', () => {
    const llama70b = modelSpecFrom(findModel('llama-3.1-70b').config, 'llama-3.1-70b');
    const w = { inputTokens: 1000, outputTokens: 200 };
    for (const profile of [undefined, GENERIC_ENGINE]) {
      const replica = { ...fp8, profile };
      const most = maxConcurrency(llama70b, h100, replica, w);
      expect(most).toBeGreaterThan(0);
      const r = simulateReplica(llama70b, h100, replica, fixed(most, w.inputTokens, w.outputTokens), {
        engine: GENERIC_ENGINE,
        arrival: { kind: 'burst' },
      });
      expect(r.completed).toBe(most);
      expect(r.kvCapacityTokens).toBeGreaterThanOrEqual(
        most * liveKvTokensPerSequence(w, most, 'paged', GENERIC_ENGINE.kvBlockTokens) -
          GENERIC_ENGINE.kvBlockTokens,
      );
    }
  });
  it('is deterministic for a seed, and the seed matters for drawn lengths', () => {
    const make = (seed: number) =>
      syntheticRequests({
        requests: 300,
        inputTokens: { dist: 'lognormal', median: 800, p90: 2400 },
        outputTokens: { dist: 'lognormal', median: 150, p90: 500 },
        arrival: { kind: 'poisson', requestsPerSecond: 10 },
        seed,
      });
    const run = (seed: number) =>
      simulateReplica(llama8b, h100, fp8, make(seed), {
        engine: GENERIC_ENGINE,
        arrival: { kind: 'poisson', requestsPerSecond: 10 },
        speculative: { draftTokens: 2, acceptanceRate: 0.7 },
        seed,
      });
    expect(run(7)).toEqual(run(7));
    expect(run(7).e2eSeconds.p50).not.toBe(run(8).e2eSeconds.p50);
  });

  it('one request at a time agrees with the analytic model: TTFT = the prefill, TPOT = a batch-1 step', () => {
    const sim = simulateReplica(llama8b, h100, fp8, fixed(20, 1024, 256), {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'closed', concurrency: 1 },
    });
    const analytic = servingPoint(llama8b, h100, fp8, { inputTokens: 1024, outputTokens: 256 }, 1);
    expect(Math.abs(sim.ttftSeconds.p50 / loneTtftSeconds(llama8b, h100, fp8, 1024) - 1)).toBeLessThan(0.05);
    // The analytic TPOT at concurrency 1 carries no prefill (the next prompt waits for this request):
    // the simulator's batch-1 decode step to 0.1% (it was 1% off while the analytic model spread the
    // next request's prefill over this one's steps).
    expect(Math.abs(sim.tpotSeconds.p50 / analytic.tpotSeconds - 1)).toBeLessThan(0.001);
    expect(Math.abs(sim.itlSeconds.p50 / analytic.tpotSeconds - 1)).toBeLessThan(0.05);
  });

  it('a closed loop of 64 agrees with the steady state on TPOT and throughput within 10%', () => {
    const requests = staggered();
    const sim = simulateReplica(llama8b, h100, fp8, requests, {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'closed', concurrency: 64 },
    });
    const analytic = servingPoint(llama8b, h100, fp8, { inputTokens: 1024, outputTokens: 256 }, 64);
    expect(Math.abs(sim.tpotSeconds.mean / analytic.tpotSeconds - 1)).toBeLessThan(0.1);
    expect(Math.abs(sim.outputTokensPerSecondPerGpu / analytic.outputTokensPerSecondPerGpu - 1)).toBeLessThan(
      0.1,
    );
  });

  it('prefill-first (SGLang without mixed chunks): the steady state still agrees within 10%, below mixed steps', () => {
    const requests = staggered();
    const engine = { ...GENERIC_ENGINE, prefillFirst: true };
    const sim = simulateReplica(llama8b, h100, fp8, requests, {
      engine,
      arrival: { kind: 'closed', concurrency: 64 },
    });
    const w = { inputTokens: 1024, outputTokens: 256 };
    const analytic = servingPoint(llama8b, h100, { ...fp8, profile: engine }, w, 64);
    expect(Math.abs(sim.tpotSeconds.mean / analytic.tpotSeconds - 1)).toBeLessThan(0.1);
    expect(Math.abs(sim.outputTokensPerSecondPerGpu / analytic.outputTokensPerSecondPerGpu - 1)).toBeLessThan(
      0.1,
    );
    // Prompts in steps of their own cannot ride on decode steps' weight reads: less throughput, longer TPOT.
    const mixed = servingPoint(llama8b, h100, { ...fp8, profile: GENERIC_ENGINE }, w, 64);
    expect(analytic.outputTokensPerSecondPerGpu).toBeLessThan(mixed.outputTokensPerSecondPerGpu);
    expect(analytic.tpotSeconds).toBeGreaterThan(mixed.tpotSeconds);
    // Alone, a request's TTFT is its prefill either way (issue 17: TTFT at concurrency 1 = the prefill).
    const lone = (profile: typeof engine) =>
      servingPoint(llama8b, h100, { ...fp8, profile }, w, 1).ttftSeconds;
    expect(lone(engine)).toBeCloseTo(lone(GENERIC_ENGINE), 12);
  });

  it('a full KV cache preempts and recomputes, and every request still completes', () => {
    const small = { ...h100, gpu: { ...h100.gpu, memoryBytes: 14e9 } };
    const sim = simulateReplica(llama8b, small, fp8, fixed(200, 512, 1024), {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'burst' },
    });
    expect(sim.preemptions).toBeGreaterThan(0);
    expect(sim.completed).toBe(200);
    expect(sim.timeline.some((p) => p.kvUsedFraction > 0.9)).toBe(true);
    expect(sim.timeline.every((p) => p.kvUsedFraction <= 1)).toBe(true);
    // The timeline counts preemptions as they happen: never decreasing, at most the total.
    const counts = sim.timeline.map((p) => p.preemptions);
    expect(counts.every((c, i) => i === 0 || c >= counts[i - 1]!)).toBe(true);
    expect(counts.at(-1)!).toBeGreaterThan(0);
    expect(counts.at(-1)!).toBeLessThanOrEqual(sim.preemptions);
  });

  it('a prompt larger than the whole cache is rejected, not looped on', () => {
    const small = { ...h100, gpu: { ...h100.gpu, memoryBytes: 14e9 } };
    const requests: SimRequest[] = [
      { arrivalSeconds: 0, inputTokens: 100, outputTokens: 10 },
      { arrivalSeconds: 0, inputTokens: 1_000_000, outputTokens: 10 },
    ];
    const sim = simulateReplica(llama8b, small, fp8, requests, {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'burst' },
    });
    expect(sim.completed).toBe(1);
    expect(sim.rejected).toBe(1);
  });

  it('prefill-first: a lone sequence that outgrows the cache is preempted, then admitted again or rejected, never left waiting', () => {
    const small = { ...h100, gpu: { ...h100.gpu, memoryBytes: 14e9 } };
    const sim = simulateReplica(llama8b, small, fp8, fixed(3, 100, 200_000), {
      engine: { ...GENERIC_ENGINE, prefillFirst: true },
      arrival: { kind: 'burst' },
    });
    expect(sim.completed + sim.rejected).toBe(3);
    expect(sim.rejected).toBeGreaterThan(0);
  });

  it('multi-turn sessions hit the prefix cache: later turns prefill only what is new', () => {
    const turns = (prefix: boolean) =>
      Array.from({ length: 40 }, (_, i) => ({
        arrivalSeconds: i * 2,
        inputTokens: 2000 + 300 * Math.floor(i / 4),
        outputTokens: 100,
        ...(prefix ? { prefixId: `s${i % 4}` } : {}),
      }));
    const run = (prefix: boolean) =>
      simulateReplica(llama8b, h100, fp8, turns(prefix), {
        engine: GENERIC_ENGINE,
        arrival: { kind: 'poisson', requestsPerSecond: 1 },
      });
    const withCache = run(true);
    expect(withCache.prefixHitShare).toBeGreaterThan(0.5);
    expect(withCache.ttftSeconds.p50).toBeLessThan(run(false).ttftSeconds.p50 * 0.6);
  });

  it('speculative decoding at 85% acceptance of one draft lowers TPOT (about 1.85 tokens a step)', () => {
    const run = (speculative?: { draftTokens: number; acceptanceRate: number }) =>
      simulateReplica(llama8b, h100, fp8, fixed(64, 512, 512), {
        engine: GENERIC_ENGINE,
        arrival: { kind: 'closed', concurrency: 8 },
        speculative,
      });
    const plain = run();
    const mtp = run({ draftTokens: 1, acceptanceRate: 0.85 });
    expect(mtp.tpotSeconds.mean).toBeLessThan(plain.tpotSeconds.mean * 0.7);
    expect(mtp.steps).toBeLessThan(plain.steps / 1.6);
  });

  test.prop(
    [
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 4000 }),
      fc.integer({ min: 1, max: 600 }),
      fc.double({ min: 0.1, max: 200, noNaN: true }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.boolean(),
      fc.boolean(),
    ],
    { numRuns: 25 },
  )(
    'requests are conserved and every figure is finite; goodput ≤ throughput (mixed or prefill-first steps, a roomy or a tight KV pool)',
    (n, input, output, rps, hit, prefillFirst, tight) => {
      const arrival = { kind: 'poisson' as const, requestsPerSecond: rps };
      const requests = syntheticRequests({
        requests: n,
        inputTokens: input,
        outputTokens: output,
        arrival,
        seed: n,
      });
      // 14 GB leaves Llama 3 8B's FP8 weights about 5 GB of KV: long requests preempt each other.
      const cluster = tight ? { ...h100, gpu: { ...h100.gpu, memoryBytes: 14e9 } } : h100;
      const sim = simulateReplica(llama8b, cluster, fp8, requests, {
        engine: { ...GENERIC_ENGINE, prefillFirst },
        arrival,
        cacheHitRate: hit,
        slo: { ttftSeconds: 0.5, tpotSeconds: 0.02 },
      });
      expect(sim.completed + sim.rejected).toBe(n);
      for (const v of [
        sim.ttftSeconds.p99,
        sim.tpotSeconds.p99,
        sim.e2eSeconds.p99,
        sim.outputTokensPerSecond,
      ])
        expect(Number.isFinite(v)).toBe(true);
      expect(sim.ttftSeconds.p50).toBeLessThanOrEqual(sim.ttftSeconds.p99);
      expect(sim.goodputRequestsPerSecond).toBeLessThanOrEqual(sim.requestsPerSecond * (1 + 1e-12));
    },
  );
});

describe('trace files', () => {
  it('reads JSONL, sorts by arrival, skips blank lines', () => {
    const trace = parseTrace(
      '{"arrivalSeconds": 1.5, "inputTokens": 10, "outputTokens": 5}\n\n{"arrivalSeconds": 0, "inputTokens": 7, "outputTokens": 2, "prefixId": "a"}\n',
    );
    expect(trace.map((r) => r.inputTokens)).toEqual([7, 10]);
  });
  it('names the line and the field of a bad entry', () => {
    expect(() =>
      parseTrace(
        '{"arrivalSeconds": 0, "inputTokens": 1, "outputTokens": 1}\n{"arrivalSeconds": 0, "inputTokens": -3, "outputTokens": 1}',
      ),
    ).toThrowError(/--trace: line 2, field 'inputTokens'/);
    expect(() => parseTrace('not json')).toThrowError(/--trace: line 1 is not JSON/);
    expect(() => parseTrace('\n')).toThrowError(/--trace: the trace has no requests/);
  });
  it('refuses arrivals beyond the clock and lengths beyond the sequence domain, naming the bound', () => {
    // At 1e300 s a millisecond step is lost in the clock's last digit: every latency would read 0.
    expect(() => parseTrace('{"arrivalSeconds": 1e300, "inputTokens": 1, "outputTokens": 1}')).toThrowError(
      /line 1, field 'arrivalSeconds'.*arrivalSeconds from 0 to 1e9/,
    );
    expect(() => parseTrace('{"arrivalSeconds": 0, "inputTokens": 1e15, "outputTokens": 1}')).toThrowError(
      /line 1, field 'inputTokens'.*from 1 to 1e8/,
    );
  });
  it('steps pure decode runs in bulk exactly as one by one (a pending arrival forces one-by-one stepping)', () => {
    // 300 long identical requests at once decode in bulk between completions; the same requests with
    // a one-token request due long after they finish are stepped one by one (an arrival is pending).
    const burst = fixed(300, 512, 700);
    const late: SimRequest = { arrivalSeconds: 1e6, inputTokens: 1, outputTokens: 1 };
    const opts = { engine: GENERIC_ENGINE, arrival: { kind: 'trace' as const } };
    const bulk = simulateReplica(llama8b, h100, fp8, burst, opts);
    const single = simulateReplica(llama8b, h100, fp8, [...burst, late], opts);
    expect(single.steps).toBe(bulk.steps + 1);
    expect(single.sequenceSteps).toBe(bulk.sequenceSteps + 1);
    // The late request adds no inter-token gap and no TPOT: those of the 300 are identical.
    expect(single.itlSeconds).toEqual(bulk.itlSeconds);
    expect(single.tpotSeconds).toEqual(bulk.tpotSeconds);
    expect(single.completed).toBe(301);
  });
});
