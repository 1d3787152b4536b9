/**
 * The Serve view's worker tasks (web/src/serving.ts) give the CLI's numbers for the same inputs:
 * `llmecon serve --engine … --tokens-per-day … --pareto --simulate --json`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { apiTask, SIMULATION_BUDGET, serveTask, simulateTask } from '../../web/src/serving.js';
import { defaultState, type ServeInput } from '../../web/src/state.js';
import { runCli } from '../run-cli.js';

const base = defaultState('name: x').serve;

const cliArgs = (s: ServeInput) => [
  'serve',
  '--model',
  s.model,
  '--gpu',
  s.gpu,
  '--weights',
  s.weights,
  '--kv',
  s.kv,
  '--input-tokens',
  String(s.inputTokens),
  '--output-tokens',
  String(s.outputTokens),
  '--tokens-per-day',
  String(s.tokensPerDay),
  '--tpot-slo',
  String(s.tpotSloSeconds),
  '--price-per-gpu-hour',
  String(s.usdPerGpuHour),
  ...(s.engine === 'none' ? [] : ['--engine', s.engine]),
  ...(s.speculative === 'none'
    ? []
    : [
        ...(s.speculative === 'mtp' ? ['--mtp'] : ['--draft-model', s.draftModel]),
        '--draft-tokens',
        String(s.draftTokens),
        '--acceptance-rate',
        String(s.acceptanceRate),
      ]),
  ...(s.lengths === 'lognormal'
    ? ['--input-p90', String(s.inputP90), '--output-p90', String(s.outputP90)]
    : []),
  '--simulate',
  '--requests',
  String(s.requests),
  '--seed',
  String(s.seed),
  '--pareto',
  '--json',
];

describe('Serve view tasks = llmecon serve', () => {
  it('TensorRT-LLM, lognormal lengths, Poisson at the day’s traffic: plan, band, frontier and percentiles as the CLI', async () => {
    const input: ServeInput = { ...base, engine: 'trt-llm', lengths: 'lognormal', requests: 300, seed: 7 };
    const r = await runCli(cliArgs(input));
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const served = serveTask(input);
    expect(served.plan.usdPerDay).toBe(cli.usdPerDay);
    expect(served.plan.gpus).toBe(cli.gpusNeeded);
    expect(served.plan.costPerMillionBlendedTokensUsd).toBe(cli.costPerMillionBlendedTokensUsd);
    expect(served.band?.costPerMillionBlendedTokensUsd).toEqual(cli.range.costPerMillionBlendedTokensUsd);
    expect(served.band?.outputTokensPerSecondPerGpu).toEqual(cli.range.outputTokensPerSecondPerGpu);
    // The latency at the day's traffic, as the CLI states it beside the capacity point's.
    expect(cli.atTraffic).not.toBeNull();
    expect(served.plan.atTraffic?.ttftSeconds).toBe(cli.atTraffic.ttftSeconds);
    expect(served.plan.atTraffic?.tpotSeconds).toBe(cli.atTraffic.tpotSeconds);
    expect(served.plan.atTraffic?.meanConcurrency).toBe(cli.atTraffic.meanConcurrency);
    // The band brackets the figure (P10 ≤ x ≤ P90 for these calibrations).
    const b = served.band!.costPerMillionBlendedTokensUsd;
    expect(b.p10).toBeLessThan(b.p90);
    // The CLI's frontier is the two modes' points together, reduced: every point of it is in the view's.
    const key = (f: { tokensPerSecondPerUser: number; outputTokensPerSecondPerGpu: number }) =>
      `${f.tokensPerSecondPerUser}|${f.outputTokensPerSecondPerGpu}`;
    const mine = new Set(served.frontier.map(key));
    expect(cli.frontier.length).toBeGreaterThan(0);
    for (const f of cli.frontier) expect(mine.has(key(f)), key(f)).toBe(true);
    expect(served.frontier.some((f) => !f.disaggregated)).toBe(true);
    expect(served.frontier.some((f) => f.disaggregated)).toBe(true);
    const sim = simulateTask(input);
    expect(sim.capped).toBeNull();
    for (const metric of ['ttftSeconds', 'tpotSeconds', 'itlSeconds', 'e2eSeconds'] as const)
      expect(sim.result[metric]).toEqual(cli.simulation[metric]);
    expect(sim.result.goodputRequestsPerSecond).toBe(cli.simulation.goodputRequestsPerSecond);
    expect(sim.result.timeline.length).toBeGreaterThan(10);
    expect(sim.result.timeline.length).toBeLessThanOrEqual(600);
  }, 60_000);

  it('speculative decoding with a draft model: the plan and the simulation as the CLI, the drafter named', async () => {
    const input: ServeInput = {
      ...base,
      speculative: 'draft',
      draftModel: 'llama-3.2-1b',
      draftTokens: 4,
      acceptanceRate: 0.7,
      tpotSloSeconds: 0.02,
      requests: 200,
    };
    const cli = JSON.parse((await runCli(cliArgs(input))).stdout);
    const served = serveTask(input);
    expect(served.plan.usdPerDay).toBe(cli.usdPerDay);
    expect(served.plan.tpotSeconds).toBe(cli.tpotSeconds);
    expect(served.speculation).toMatch(
      /4 drafts per step at 70% acceptance \(2\.77 tokens per step\), drafted by Llama 3\.2 1B/,
    );
    expect(simulateTask(input).result.tpotSeconds).toEqual(cli.simulation.tpotSeconds);
    expect(serveTask(base).speculation).toBeNull();
    // MTP needs MTP modules: refused by the field that asks for them.
    let error: unknown;
    try {
      serveTask({ ...base, speculative: 'mtp' });
    } catch (e) {
      error = e;
    }
    expect((error as InputError).issues[0]).toMatchObject({ path: ['speculative'] });
    expect(serveTask({ ...base, model: 'deepseek-v3', gpu: 'h200', speculative: 'mtp' }).speculation).toMatch(
      /1 draft per step at 85% acceptance.*its MTP modules/,
    );
  }, 60_000);

  it("'checkpoint' weights and KV serve the model as released, as the CLI without --weights and --kv", async () => {
    const oss: ServeInput = { ...base, model: 'gpt-oss-120b', weights: 'checkpoint', kv: 'checkpoint' };
    const served = serveTask(oss);
    // The CLI line of the same inputs without the format flags (and without the simulation).
    const args = cliArgs(oss);
    const dropped = new Set(['--weights', '--kv', '--requests', '--seed']);
    const cliLine = args.filter(
      (a, i) => !dropped.has(a) && !dropped.has(args[i - 1]!) && a !== '--simulate' && a !== '--pareto',
    );
    const cli = JSON.parse((await runCli(cliLine)).stdout);
    expect(cli.layout.weights).toBe('fp4');
    expect(served.plan.label).toMatch(/ fp4\/bf16/);
    expect(served.plan.usdPerDay).toBe(cli.usdPerDay);
  }, 60_000);

  it("a fixed TP 8 with EP 8 says, as the CLI does, that it is 64 GPUs and not the engines' EP inside TP", () => {
    const moe = { ...base, model: 'deepseek-v3', gpu: 'h200', weights: 'fp8', kv: 'fp8' } as const;
    expect(serveTask({ ...moe, tp: 8, ep: 8 }).warnings).toContainEqual(
      expect.stringMatching(/^TP 8 with EP 8 is a replica of 64 GPUs: .*--ep-in-tp/),
    );
    const inTp = serveTask({ ...moe, tp: 8, epInTp: true });
    // Experts whole over the TP group (no attention-DP ranks); a prefill pool beside one decode replica
    // serves it as cheaply as the aggregated layouts (the same GPUs for the traffic) and, at the
    // traffic, soonest (as the CLI says: `disaggregated kept (equal cost, lower end-to-end latency …)`).
    expect(inTp.plan.label).toBe('h200 TP8·EP8 fp8/fp8 disagg');
    expect(inTp.warnings.some((w) => w.includes('is a replica of'))).toBe(false);
    expect(inTp.band?.basis).toMatch(/experts whole over the TP group/);
  }, 60_000);

  it('an engine with too few rows on the GPU family takes its pooled band and says so (as the CLI)', () => {
    expect(serveTask({ ...base, engine: 'vllm', gpu: 'a100-80gb' }).band?.basis).toMatch(
      /^vllm pooled over ampere \+ hopper/,
    );
    expect(serveTask(base).band?.basis).toMatch(/no engine named/);
  });

  it('SGLang plans beyond the CUDA-graph capture carry the CLI statement as a warning', async () => {
    const input: ServeInput = { ...base, engine: 'sglang' };
    const served = serveTask(input);
    const cli = JSON.parse((await runCli(cliArgs(input))).stdout);
    const eager = served.warnings.find((w) => w.startsWith('eager decode:'));
    expect(eager === undefined).toBe(cli.eagerDecode === null);
    if (cli.eagerDecode) expect(eager).toContain(`capture of ${cli.eagerDecode.cudaGraphMaxBatch}`);
    expect(serveTask(base).warnings.some((w) => w.startsWith('eager decode:'))).toBe(false);
  }, 60_000);

  it('a simulation beyond the CUDA-graph capture says so, as `serve --simulate` does', async () => {
    const input: ServeInput = {
      ...base,
      model: 'llama-3.1-8b',
      gpu: 'h100-sxm',
      weights: 'bf16',
      kv: 'bf16',
      engine: 'sglang',
      tp: 1,
      inputTokens: 200,
      outputTokens: 500,
      arrival: 'concurrency',
      concurrency: 600,
      requests: 600,
    };
    const sim = simulateTask(input);
    expect(sim.eager).toMatch(
      /ran beyond the SGLang CUDA-graph capture of 256: those steps launch their kernels/,
    );
    expect(simulateTask({ ...input, concurrency: 200, requests: 200 }).eager).toBeNull();
  }, 60_000);

  it('self-hosting vs the API: the API bill at the day’s traffic and a curve over 1M–1T tokens a day', () => {
    const a = apiTask(base);
    expect(a.api).toBe('gpt-5.4-mini');
    expect(a.apiUsdPerDay).toBeGreaterThan(0);
    expect(a.curve.series).toHaveLength(25);
    expect(a.curve.series[0]!.tokensPerDay).toBe(1e6);
  });

  it('a closed loop of N clients keeps at most N running; a TTFT SLO is applied to goodput', () => {
    const input: ServeInput = {
      ...base,
      arrival: 'concurrency',
      concurrency: 16,
      ttftSloSeconds: 0.2,
      requests: 200,
    };
    const sim = simulateTask(input);
    expect(sim.arrival).toMatch(/closed loop of 16 clients/);
    expect(Math.max(...sim.result.timeline.map((p) => p.runningSequences))).toBeLessThanOrEqual(16);
    expect(sim.result.goodputRequestsPerSecond).toBeLessThanOrEqual(sim.result.requestsPerSecond);
    expect(sim.result.sloAttainment).toBeGreaterThanOrEqual(0);
    expect(sim.result.sloAttainment).toBeLessThanOrEqual(1);
  });

  it('the browser simulates a bounded prefix of the requests and says so; a P90 below the median is refused by field', () => {
    const long: ServeInput = { ...base, outputTokens: 4000, requests: 10_000, tokensPerDay: 1e10 };
    const sim = simulateTask(long);
    const kept = Math.floor(SIMULATION_BUDGET.outputTokens / 4000);
    expect(sim.result.requests).toBe(kept);
    expect(sim.capped).toMatch(new RegExp(`first ${kept} of 10000 requests`));
    let error: unknown;
    try {
      simulateTask({ ...base, lengths: 'lognormal', inputP90: 10 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]!.path).toEqual(['inputP90']);
    // Traffic below the domain (one token a day) is refused by field, never NaN or e+287 prices; any
    // traffic in it gives finite figures or a clear refusal.
    expect(() => simulateTask({ ...base, model: 'llama-3-8b', tokensPerDay: 1e-300, requests: 50 })).toThrow(
      /must be at least 1 and at most 1e16 \(tokens per day\)/,
    );
    expect(() => simulateTask({ ...base, model: 'llama-3-8b', tokensPerDay: 1, requests: 20 })).toThrow(
      /tokensPerDay: 8.90e-9 requests\/s spreads 20 arrivals over more than 1e9 s/,
    );
    const slow = simulateTask({ ...base, model: 'llama-3-8b', tokensPerDay: 1000, requests: 20 }).result;
    for (const v of [
      slow.ttftSeconds.p99,
      slow.e2eSeconds.p99,
      slow.goodputRequestsPerSecond,
      slow.durationSeconds,
    ])
      expect(Number.isFinite(v)).toBe(true);
  }, 60_000);

  it('property: any simulated workload in the domains gives ordered, finite percentiles or a clear refusal', () => {
    const input = fc.record({
      inputTokens: fc.integer({ min: 1, max: 100_000 }),
      outputTokens: fc.integer({ min: 1, max: 5000 }),
      tokensPerDay: fc.double({ min: 3, max: 13, noNaN: true }).map((e) => 10 ** e),
      lengths: fc.constantFrom('fixed' as const, 'lognormal' as const),
      p90Factor: fc.double({ min: 1, max: 10, noNaN: true }),
      arrival: fc.constantFrom('traffic' as const, 'concurrency' as const),
      concurrency: fc.integer({ min: 0, max: 10_000 }),
      requests: fc.integer({ min: 1, max: 200 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    });
    fc.assert(
      fc.property(input, ({ p90Factor, ...i }) => {
        const s: ServeInput = {
          ...base,
          ...i,
          model: 'llama-3-8b',
          inputP90: Math.ceil(i.inputTokens * p90Factor),
          outputP90: Math.ceil(i.outputTokens * p90Factor),
        };
        let sim: ReturnType<typeof simulateTask>;
        try {
          sim = simulateTask(s);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          return;
        }
        const r = sim.result;
        for (const stats of [r.ttftSeconds, r.tpotSeconds, r.itlSeconds, r.e2eSeconds]) {
          for (const v of Object.values(stats)) expect(Number.isFinite(v) && v >= 0).toBe(true);
          expect(stats.p50).toBeLessThanOrEqual(stats.p90);
          expect(stats.p90).toBeLessThanOrEqual(stats.p99);
        }
        expect(r.goodputRequestsPerSecond).toBeLessThanOrEqual(r.requestsPerSecond * (1 + 1e-12));
        expect(r.completed + r.rejected).toBe(r.requests);
        expect(r.requests).toBeLessThanOrEqual(s.requests);
      }),
      { numRuns: 12, seed: 17 },
    );
  }, 120_000);
});
