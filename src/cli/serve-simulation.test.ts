/**
 * `serve --simulate` on inputs at its edges: a trace or request count too large is refused before
 * simulating (naming --trace / --requests and the limit), a run where nothing completes says why
 * instead of printing zero latencies, and trace requests beyond the model's context are warned about.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

const args = [...SERVE_8B_H100, '--input-tokens', '500', '--output-tokens', '100', '--simulate'];
const dir = mkdtempSync(join(tmpdir(), 'llmecon-sim-'));
const traceOf = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('serve --simulate limits', () => {
  it('a trace file beyond 32 MiB is refused before it is read whole', async () => {
    const path = traceOf('big.jsonl', ' '.repeat(32 * 1024 * 1024 + 1));
    const r = await run([...args, '--trace', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--trace: '${path}' is larger than 32 MiB, the most a trace may be`);
  });

  it('more requests than one simulation takes are refused at once, naming --requests and the limit', async () => {
    const start = performance.now();
    const r = await run([...args, '--requests', '1000000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--requests: must be a whole number ≥ 1 and ≤ 200,000 (simulated requests), got '1000000'",
    );
    const long = await run([...args, '--output-tokens', '8000', '--requests', '100000']);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(
      /--requests: 100,000 requests of 8,000 output tokens on average take about 800,\d{3},\d{3} sequence-steps/,
    );
    expect(performance.now() - start).toBeLessThan(15_000);
  });

  it('when no request completes, it says why (exit 3) and prints no latencies', async () => {
    const path = traceOf('long.jsonl', '{"arrivalSeconds":0,"inputTokens":1,"outputTokens":100000000}\n');
    for (const json of [false, true]) {
      const r = await run([...args, '--trace', path, ...(json ? ['--json'] : [])]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /--trace: no request completed, so there are no latencies to report: 1 of 1 rejected as larger than the replica's KV pool/,
      );
      expect(r.stdout).not.toMatch(/TTFT 0\.0/);
    }
  });

  it('trace requests beyond the model context are warned about, and one-token outputs have no TPOT', async () => {
    const path = traceOf('ctx.jsonl', '{"arrivalSeconds":0,"inputTokens":8000,"outputTokens":8000}\n');
    const r = await run([...args, '--trace', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "warning: 1 of the 1 trace requests go beyond the context; the longest: input + output (16000 tokens) exceed Meta Llama 3 8B's max_position_embeddings of 8192",
    );
    const json = JSON.parse((await run([...args, '--trace', path, '--json'])).stdout);
    // And the plan was sized for the flags' lengths, not the trace's 8,000 in / 8,000 out: said too.
    // (and that the plan runs more sequences than the simulator's generic engine, no engine being named).
    expect(json.simulation.warnings).toHaveLength(3);
    expect(json.simulation.warnings[1]).toMatch(
      /^the plan was sized for [\d,]+ in \/ [\d,]+ out tokens, but the trace averages 8,000 in \/ 8,000 out/,
    );
    expect(json.simulation.warnings[2]).toMatch(/^the plan runs \d+ sequences per replica \(no engine named/);
    const one = await run([...args, '--output-tokens', '1', '--requests', '50']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('TPOT — (every output is one token) · ITL — (every output is one token)');
  });

  it('says how much of the simulated time ran beyond the engine CUDA-graph capture, with a memory share stated too', async () => {
    const burst = [...SERVE_8B_H100, '--input-tokens', '200', '--output-tokens', '500', '--engine', 'sglang'];
    const more = ['--simulate', '--requests', '1000', '--burst', '--json'];
    for (const share of [[], ['--mem-fraction', '0.8']]) {
      const r = await run([...burst, ...share, ...more]);
      expect(r.code, r.stderr).toBe(0);
      const sim = JSON.parse(r.stdout).simulation;
      expect(sim.beyondCapture.widest).toMatchObject({ decodeBatchPerRank: 1000, cudaGraphMaxBatch: 256 });
      expect(sim.beyondCapture.timeShare).toBeGreaterThan(0.5);
      expect(sim.beyondCapture.timeShare).toBeLessThanOrEqual(1);
      expect(sim.warnings.join('\n')).toMatch(
        /^\d+% of the simulated time \(\d+ steps, up to 1000 sequences\) ran beyond the SGLang CUDA-graph capture of 256: those steps launch their kernels from the host/m,
      );
    }
    const few = JSON.parse(
      (await run([...burst, '--simulate', '--requests', '100', '--burst', '--json'])).stdout,
    );
    expect(few.simulation.warnings).toEqual([]);
    expect(few.simulation.beyondCapture).toBeNull();
  });
});
