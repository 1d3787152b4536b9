/**
 * A pretraining phase's `bf16GradBuffers` (the scenario form of `--bf16-grad-buffers`): the megatron stack
 * keeps its main-grad buffers in BF16; a stack without the switch refuses it at its path.
 */
import { describe, expect, it } from 'vitest';
import { exampleWith, preparationIssue, pretrainPhase as pretrain } from '../../test/scenario-phase.js';
import { parseScenario } from './load.js';
import { prepareScenario } from './prepare.js';

const withLines = exampleWith('deepseek-v3.yaml', '    precision: fp8\n');

describe('scenario bf16GradBuffers', () => {
  it('on the megatron stack: never more GPU-hours per token; false changes nothing', () => {
    const fp32 = pretrain(withLines(''));
    const bf16 = pretrain(withLines('    bf16GradBuffers: true\n'));
    expect(bf16.gpuHoursPerToken).toBeLessThanOrEqual(fp32.gpuHoursPerToken);
    expect(pretrain(withLines('    bf16GradBuffers: false\n')).gpuHoursPerToken).toBe(fp32.gpuHoursPerToken);
  });
  it('on a stack without it: refused at phases[0].bf16GradBuffers, naming the stack that has it', () => {
    const issue = preparationIssue(withLines('    stack: torchtitan\n    bf16GradBuffers: true\n'));
    expect(issue.path).toEqual(['phases', 0, 'bf16GradBuffers']);
    expect(issue.message).toMatch(/torchtitan stack has no modelled BF16 main-grad buffers/);
  });
});

describe('scenario bf16GradBuffers on a fine-tuning phase', () => {
  const s1 = exampleWith('s1-32b.yaml', '    method: full\n');
  it('on the megatron stack it runs; on the stack the phase names by default (hf) it is refused at its path', () => {
    expect(() =>
      prepareScenario(parseScenario(s1('    stack: megatron\n    bf16GradBuffers: true\n'), 's.yaml')),
    ).not.toThrow();
    const issue = preparationIssue(s1('    bf16GradBuffers: true\n'));
    expect(issue.path).toEqual(['phases', 0, 'bf16GradBuffers']);
    expect(issue.message).toMatch(/hf stack has no modelled BF16 main-grad buffers/);
  });
});
