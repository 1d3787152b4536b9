/**
 * A stack that compiles its loss (torchtitan since PR #1033, catalog/stacks/torchtitan.json
 * `memory.compiledLoss`) says what the memory figure assumes, in `train`, `finetune`, `memory` and `stacks`;
 * a stack that does not (Megatron's fused vocab-parallel loss) prints no such line.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const run = '--gpu h200 --tp 1 --pp 1 --dp 8 --zero 3 --seq-len 8192 --micro-batch 2 --global-batch 16';
const LOSS_LINE =
  /^loss: 4 B \(compiled, as the stack runs it since 2025-04-01; 12 B without torch\.compile or before\) per logit element$/m;

describe('the compiled loss is said where the figure assumes it', () => {
  it('memory, train and finetune on torchtitan print the loss line; megatron does not', async () => {
    const memory = await runCli(`memory llama-3.1-8b --stack torchtitan ${run}`);
    expect(memory.code).toBe(0);
    expect(memory.stdout).toMatch(LOSS_LINE);
    const train = await runCli(`train --model llama-3.1-8b --gpus 8 --stack torchtitan ${run}`);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(LOSS_LINE);
    const finetune = await runCli(
      'finetune --model llama-3.1-8b --gpu h200 --gpus 8 --stack torchtitan --method full --examples 1000 --avg-tokens 2048',
    );
    expect(finetune.code).toBe(0);
    expect(finetune.stdout).toMatch(LOSS_LINE);
    const megatron = await runCli(
      `memory llama-3.1-8b --stack megatron --gpu h200 --tp 1 --pp 1 --dp 8 --zero 1`,
    );
    expect(megatron.stdout).not.toMatch(/^loss: /m);
  });
  it('stacks torchtitan gives both figures', async () => {
    const r = await runCli('stacks torchtitan');
    expect(r.stdout).toContain('loss 4 B (compiled, as the stack runs it since 2025-04-01; 12 B without');
  });
});
