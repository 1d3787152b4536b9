/**
 * `serve --mixed-chunk`: SGLang's default runs a step of prompts alone whenever one forms (prefill-first), so
 * its plan is slower per GPU and per token than the same deployment with `--enable-mixed-chunk`, in the steady
 * state and in the simulation alike; an engine that mixes already, or no engine, refuses the flag by name.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

describe('serve --mixed-chunk', () => {
  const args = [...SERVE_8B_H100, '--input-tokens', '2000', '--output-tokens', '200', '--engine', 'sglang'];
  it('SGLang with prompts mixed into decode steps: more output per GPU and a shorter TPOT at the same concurrency', async () => {
    const at = ['--concurrency', '64', '--json'];
    const apart = JSON.parse((await run([...args, ...at])).stdout);
    const mixed = JSON.parse((await run([...args, ...at, '--mixed-chunk'])).stdout);
    expect(mixed.outputTokensPerSecondPerGpu).toBeGreaterThan(apart.outputTokensPerSecondPerGpu);
    expect(mixed.tpotSeconds).toBeLessThan(apart.tpotSeconds);
    // The plan says why, and how to state the other deployment; mixed, it has nothing to say.
    expect(apart.promptSteps).toMatch(
      /^SGLang runs a step of prompts alone whenever one forms \(its default\)/,
    );
    expect(mixed.promptSteps).toBeNull();
    expect((await run(args)).stdout).toContain(`  ${apart.promptSteps}`);
    // The simulation follows where lengths stagger (fixed lengths fall into waves that never interrupt a decode).
    const sim = [
      '--input-p90',
      '3000',
      '--output-p90',
      '400',
      '--simulate',
      '--requests',
      '400',
      '--seed',
      '2',
    ];
    const simApart = JSON.parse((await run([...args, ...at, ...sim])).stdout).simulation;
    const simMixed = JSON.parse((await run([...args, ...at, ...sim, '--mixed-chunk'])).stdout).simulation;
    expect(simMixed.outputTokensPerSecondPerGpu).toBeGreaterThan(simApart.outputTokensPerSecondPerGpu);
    expect(simMixed.tpotSeconds.p50).toBeLessThan(simApart.tpotSeconds.p50);
  });
  it('refuses it on an engine that mixes already, and without an engine, by the flag', async () => {
    const lengths = [...SERVE_8B_H100, '--input-tokens', '2000', '--output-tokens', '200'];
    const vllm = await run([...lengths, '--engine', 'vllm', '--mixed-chunk']);
    expect(vllm.code).toBe(2);
    expect(vllm.stderr).toMatch(
      /^error: --mixed-chunk: vLLM \(V1 engine\) already puts prompt chunks beside the decodes in every step; mixed chunks are SGLang's --enable-mixed-chunk/,
    );
    const none = await run([...lengths, '--mixed-chunk']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: --mixed-chunk: applies only with --engine/);
  });
});
