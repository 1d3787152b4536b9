/**
 * A stack that builds its own modules for some model types only (LLM Foundry: MPT) says so when it runs
 * another model, in every training command's text and JSON, and its band widens (error-band.ts).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const layout = '--tp 1 --pp 1 --dp 8 --zero 3 --seq-len 2048';

describe('llm-foundry on a model it does not build', () => {
  it('train: a warning names the model type and the hf stack, and the band says it is widened', async () => {
    const r = await runCli(`train --model llama-3.1-8b --gpu h100 --gpus 8 --stack llm-foundry ${layout}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /warning: .*builds its own modules for mpt models only: .*model_type 'llama'.*hf stack's/,
    );
    expect(r.stdout).toContain("this model runs transformers' modules: the band is widened by half");
  });
  it('memory: the same warning, in the text and in --json', async () => {
    const text = await runCli(`memory llama-3.1-8b --gpu h100 --stack llm-foundry ${layout}`);
    expect(text.stdout).toMatch(/warning: .*model_type 'llama'/);
    const json = JSON.parse(
      (await runCli(`memory llama-3.1-8b --gpu h100 --stack llm-foundry ${layout} --json`)).stdout,
    );
    expect(json.warnings.join(' ')).toMatch(/builds its own modules for mpt models only/);
  });
  it('on torchtitan, which builds every model the same way, there is no such warning', async () => {
    const r = await runCli(`memory llama-3.1-8b --gpu h100 --stack torchtitan ${layout}`);
    expect(r.stdout).not.toMatch(/builds its own modules/);
  });
});
