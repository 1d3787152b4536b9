/**
 * The Serve view's worker tasks (web/src/serving.ts) give the CLI's numbers for the same inputs:
 * `llmecon serve --engine … --tokens-per-day … --pareto --simulate --json`.
 */
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

  it('an engine without a calibration on the GPU family has no band (as the CLI prints no range)', () => {
    expect(serveTask({ ...base, engine: 'vllm' }).band).toBeNull();
    expect(serveTask(base).band?.basis).toMatch(/no engine named/);
  });

  it('self-hosting vs the API: the API bill at the day’s traffic and a curve over 1M–1T tokens a day', () => {
    const a = apiTask(base);
    expect(a.api).toBe('gpt-4o-mini');
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
  }, 60_000);
});
