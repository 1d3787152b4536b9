import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_LENGTHS as base, runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

describe('llmecon serve --simulate and --pareto', () => {
  it('under load the analytic TTFT waits for the prompts ahead, as the simulated closed loop does', async () => {
    const args = [...SERVE_8B_H100, '--weights', 'fp8', '--kv', 'fp8', '--tp', '1', '--engine', 'vllm'];
    const w = ['--input-tokens', '2000', '--output-tokens', '200', '--json'];
    const lone = JSON.parse((await run([...args, ...w, '--concurrency', '1'])).stdout);
    const loaded = JSON.parse(
      (await run([...args, ...w, '--concurrency', '128', '--simulate', '--requests', '800'])).stdout,
    );
    expect(loaded.ttftSeconds).toBeGreaterThan(1.2 * lone.ttftSeconds);
    // Within ±35% of the simulation's median (the mean carries the first wave of 128 at once).
    const ratio = loaded.ttftSeconds / loaded.simulation.ttftSeconds.p50;
    expect(ratio).toBeGreaterThan(0.65);
    expect(ratio).toBeLessThan(1.35);
  });
  it('--simulate: latency percentiles of one replica, from drawn lengths or a JSONL trace', async () => {
    const args = [...SERVE_8B_H100, '--weights', 'fp8', '--tp', '1', ...base];
    const drawn = JSON.parse(
      (
        await run([
          ...args,
          '--simulate',
          '--requests',
          '300',
          '--output-p90',
          '600',
          '--engine',
          'vllm',
          '--json',
        ])
      ).stdout,
    );
    expect(drawn.simulation.completed).toBe(300);
    expect(drawn.simulation.ttftSeconds.p99).toBeGreaterThanOrEqual(drawn.simulation.ttftSeconds.p50);
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-trace-'));
    const trace = join(dir, 'trace.jsonl');
    writeFileSync(
      trace,
      Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({
          arrivalSeconds: i * 0.1,
          inputTokens: 500 + i,
          outputTokens: 50,
          prefixId: `s${i % 5}`,
        }),
      ).join('\n'),
    );
    const text = await run([...args, '--simulate', '--trace', trace]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/simulated 50 of 50 requests on one replica/);
    expect(text.stdout).toMatch(/P50 \/ P90 \/ P99: TTFT/);
    // The trace's lengths are not the plan's: said, with the lengths to plan at.
    expect(text.stdout).toMatch(
      /warning: the plan was sized for 1,024 in \/ 256 out tokens, but the trace averages 525 in \/ 50 out: .*--input-tokens 525 --output-tokens 50\)/,
    );
    // No SLO given: goodput counts every completed request, and says so.
    expect(text.stdout).toMatch(/goodput [\d.]+ req\/s \(no SLO given: every completed request\)/);
    // Fields a trace carries beside the four (a request id) are ignored.
    writeFileSync(trace, '{"arrivalSeconds": 0, "inputTokens": 5, "outputTokens": 5, "id": "r1"}');
    expect((await run([...args, '--simulate', '--trace', trace])).code).toBe(0);
    // …but one that spells a trace field another way is refused, naming the field meant.
    writeFileSync(trace, '{"arrivalSeconds": 0, "inputTokens": 5, "outputTokens": 5, "prefix_id": "s1"}');
    expect((await run([...args, '--simulate', '--trace', trace])).stderr).toMatch(
      /--trace: line 1, field 'prefix_id': did you mean 'prefixId'\?/,
    );
    writeFileSync(trace, '{"arrivalSeconds": 0, "inputTokens": 0, "outputTokens": 5}');
    const bad = await run([...args, '--simulate', '--trace', trace]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--trace: line 1, field 'inputTokens'/);
  });
  it('--simulate without an engine says when the plan runs more sequences than its generic engine caps', async () => {
    const w = ['--input-tokens', '1000', '--output-tokens', '200', '--aggregated', '--simulate'];
    const plain = (await run([...SERVE_8B_H100, ...w])).stdout;
    expect(plain).toMatch(
      /warning: the plan runs \d+ sequences per replica \(no engine named: .*at most 256 at once.*name an --engine/,
    );
    const named = (await run([...SERVE_8B_H100, ...w, '--engine', 'vllm'])).stdout;
    expect(named).not.toMatch(/no engine named/);
  });

  it('--simulate --burst: every request at t = 0, as trtllm-bench throughput runs; a burst needs --simulate and no traffic', async () => {
    const args = [...SERVE_8B_H100, '--weights', 'fp8', '--tp', '1', ...base, '--engine', 'trt-llm'];
    const burst = JSON.parse(
      (await run([...args, '--simulate', '--burst', '--requests', '400', '--json'])).stdout,
    ).simulation;
    expect(burst.completed).toBe(400);
    // All arrive together and more than the KV pool holds: the last wait for a whole first wave
    // (256 output tokens at its TPOT) before their first token.
    expect(burst.ttftSeconds.p99).toBeGreaterThan(200 * burst.tpotSeconds.p50);
    expect(burst.ttftSeconds.p50).toBeLessThan(200 * burst.tpotSeconds.p50);
    const alone = await run([...args, '--burst']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--burst.*need --simulate/);
    const both = await run([...args, '--simulate', '--burst', '--requests-per-second', '2']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--burst: give --burst or a traffic/);
  });
  it('--pareto: a frontier where faster users always cost throughput per GPU, with prices along it', async () => {
    const result = await run([...SERVE_8B_H100, '--weights', 'fp8', ...base, '--pareto', '--json']);
    const frontier = JSON.parse(result.stdout).frontier as {
      tokensPerSecondPerUser: number;
      outputTokensPerSecondPerGpu: number;
      costPerMillionOutputTokensUsd: number;
    }[];
    expect(frontier.length).toBeGreaterThan(3);
    for (let i = 1; i < frontier.length; i += 1) {
      expect(frontier[i]!.tokensPerSecondPerUser).toBeLessThanOrEqual(
        frontier[i - 1]!.tokensPerSecondPerUser,
      );
      expect(frontier[i]!.outputTokensPerSecondPerGpu).toBeGreaterThan(
        frontier[i - 1]!.outputTokensPerSecondPerGpu,
      );
      expect(frontier[i]!.costPerMillionOutputTokensUsd).toBeLessThan(
        frontier[i - 1]!.costPerMillionOutputTokensUsd,
      );
    }
    const text = await run([...SERVE_8B_H100, ...base, '--pareto']);
    expect(text.stdout).toMatch(/frontier: output tokens\/s per GPU vs tokens\/s per user/);
  });
  it('a run too large to simulate blames what made it so: the drawn lengths without --requests', async () => {
    const args = [...SERVE_8B_H100, ...base, '--simulate', '--output-p90', '1e8'];
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --output-p90: 2,000 requests of [\d,]+ output tokens on average/);
    expect((await run([...args, '--requests', '2000'])).stderr).toMatch(/^error: --requests: /);
  });
  it('--pareto with a pinned mode keeps to it', async () => {
    for (const [flag, disaggregated] of [
      ['--aggregated', false],
      ['--disaggregated', true],
    ] as const) {
      const result = await run([...SERVE_8B_H100, ...base, flag, '--pareto', '--json']);
      const frontier = JSON.parse(result.stdout).frontier as { disaggregated: boolean }[];
      expect(frontier.length).toBeGreaterThan(0);
      expect(frontier.every((p) => p.disaggregated === disaggregated)).toBe(true);
    }
  });
});
