/**
 * The Adapt view's GRPO task (web/src/rl.ts, run in the worker) gives `llmecon rl --json`'s numbers for
 * the same inputs, with and without `--offload`; a GPU without host data gets the CLI's message.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { rlTask } from '../../web/src/rl.js';
import { defaultState, type RlInput } from '../../web/src/state.js';
import { runCli } from '../run-cli.js';

const base = defaultState('name: x').rl;

const cliLine = (r: RlInput) =>
  `rl --model ${r.model} --gpu ${r.gpu} --gpus ${r.gpus} --method ${r.method} --prompts ${r.prompts} --samples-per-prompt ${r.samplesPerPrompt} --prompt-tokens ${r.promptTokens} --response-tokens ${r.responseTokens} --max-response-tokens ${r.maxResponseTokens} --steps ${r.steps} --price-per-gpu-hour ${r.usdPerGpuHour} --offload ${r.offload} --precision ${r.precision} --stack ${r.stack}`;

describe('GRPO in the web app = llmecon rl', () => {
  it.each(['none', 'optimizer', 'optimizer+params'] as const)(
    'offload %s: the same step, GPU-hours, cost and band',
    async (offload) => {
      const input = { ...base, offload };
      const r = await runCli(`${cliLine(input)} --json`);
      expect(r.code, r.stderr).toBe(0);
      const cli = JSON.parse(r.stdout);
      const web = rlTask(input);
      expect(web.stepSeconds).toBe(cli.stepSeconds);
      expect(web.gpuHours).toBe(cli.gpuHours);
      expect(web.costUsd).toBe(cli.costUsd);
      expect(web.range.costUsd).toEqual(cli.range.costUsd);
    },
  );

  it('on Megatron: the same step, GPU-hours and cost as `rl --stack megatron`, its partial recomputation searched alike', async () => {
    const input = {
      ...base,
      model: 'llama-3.1-70b',
      gpus: 32,
      prompts: 16,
      samplesPerPrompt: 8,
      stack: 'megatron' as const,
    };
    const cli = JSON.parse((await runCli(`${cliLine(input)} --json`)).stdout);
    // The CLI's policy update recomputes only some layers (block method): the web app's plan is that one.
    expect(cli.policyUpdate.layout.recomputeLayers).toBeGreaterThan(0);
    const web = rlTask(input);
    expect(web.stepSeconds).toBe(cli.stepSeconds);
    expect(web.phasesSeconds.policyUpdate).toBe(cli.phasesSeconds.policyUpdate);
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.range.costUsd).toEqual(cli.range.costUsd);
    expect(web.phasesSeconds.policyUpdate).not.toBe(
      rlTask({ ...input, stack: 'hf' }).phasesSeconds.policyUpdate,
    );
  }, 60_000);

  it('a model whose context leaves less room than “Max response tokens”: cut there, said, and priced as `rl` with that cut', async () => {
    const input = { ...base, model: 'llama-3-8b' };
    const web = rlTask(input);
    expect(web.capNote).toBe(
      "“Max response tokens” 16,384 is beyond Meta Llama 3 8B's room of 7,680 tokens after the prompt (its context, 8,192): responses are cut there",
    );
    const cli = JSON.parse((await runCli(`${cliLine({ ...input, maxResponseTokens: 7680 })} --json`)).stdout);
    expect(web.costUsd).toBe(cli.costUsd);
    expect(rlTask(base).capNote).toBeNull();
  }, 60_000);

  it('offload moves the update: the optimizer on the host changes the step', () => {
    expect(rlTask({ ...base, offload: 'optimizer' }).stepSeconds).not.toBe(rlTask(base).stepSeconds);
  });

  it("a GPU without host data: the CLI's --offload message", async () => {
    const input = { ...base, gpu: 'l40s', offload: 'optimizer' as const };
    const r = await runCli(cliLine(input));
    expect(r.code).toBe(2);
    let message = '';
    try {
      rlTask(input);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      message = error.issues.map((i) => i.message).join('; ');
    }
    expect(message).toMatch(/^no host data for l40s/);
    expect(r.stderr).toBe(`error: --offload: ${message}`);
  });

  it('pure BF16: the same step, GPU-hours and cost as `rl --precision bf16-pure`, and a different update from mixed precision', async () => {
    const input = { ...base, precision: 'bf16-pure' as const };
    const cli = JSON.parse((await runCli(`${cliLine(input)} --json`)).stdout);
    const web = rlTask(input);
    expect(web.precision).toBe('bf16-pure');
    expect(web.stepSeconds).toBe(cli.stepSeconds);
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.phasesSeconds.policyUpdate).not.toBe(rlTask(base).phasesSeconds.policyUpdate);
  });

  it("QLoRA in pure BF16: the CLI's --precision message, by the field", async () => {
    const input = { ...base, method: 'qlora' as const, precision: 'bf16-pure' as const };
    const r = await runCli(cliLine(input));
    expect(r.code).toBe(2);
    expect(() => rlTask(input)).toThrowError(InputError);
    try {
      rlTask(input);
    } catch (error) {
      const issue = (error as InputError).issues[0]!;
      expect(issue.path).toEqual(['precision']);
      expect(r.stderr).toBe(`error: --precision: ${issue.message}`);
    }
  });
});
