/** The CLI and the web app (which evaluates lever states) price the same run alike: one cost function. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { baselineState, evaluateState } from './levers.js';
import { finetuneBaselineSchema } from './schema.js';

describe('fine-tuning cost: CLI = web app', () => {
  it('LoRA on 8 × A100: the same dollars, GPU-hours after goodput in both', async () => {
    const cli = await runCli([
      'finetune',
      '--model',
      'llama-3-8b',
      '--method',
      'lora',
      '--rank',
      '16',
      '--targets',
      'all',
      '--tokens',
      '20M',
      '--epochs',
      '2',
      '--gpu',
      'a100',
      '--gpus',
      '8',
      '--seq-len',
      '4096',
      '--global-batch',
      '64',
      '--json',
    ]);
    expect(cli.code).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as { computeCostUsd: number };
    const web = evaluateState(
      baselineState(
        finetuneBaselineSchema.parse({
          kind: 'finetune',
          model: 'llama-3-8b',
          tokens: 20e6,
          epochs: 2,
          method: 'lora',
          rank: 16,
          targets: 'all',
          gpu: 'a100',
          gpus: 8,
          seqLen: 4096,
          globalBatch: 64,
        }),
      ),
    );
    expect(web.costUsd).toBeGreaterThan(0);
    expect(fromCli.computeCostUsd).toBeCloseTo(web.costUsd, 6);
  });
});
