/**
 * A pretraining phase's stack switches, the scenario forms of `--full-iteration-cuda-graphs` and
 * `--bf16-grad-buffers` (`fullIterationCudaGraphs`, `bf16GradBuffers`): the megatron stack runs them; a
 * stack without one refuses it at its path. A fine-tuning phase takes `bf16GradBuffers` too.
 */
import { describe, expect, it } from 'vitest';
import { exampleWith, preparationIssue, pretrainPhase as pretrain } from '../../test/scenario-phase.js';
import { parseScenario } from './load.js';
import { prepareScenario } from './prepare.js';

const withLines = exampleWith('deepseek-v3.yaml', '    precision: fp8\n');

describe.each([
  // One CUDA graph per step drops the host time per expert of DeepSeek-V3's MoE layers: strictly fewer.
  { field: 'fullIterationCudaGraphs', fewer: true, stack: 'hf', what: 'full-iteration CUDA graph capture' },
  { field: 'bf16GradBuffers', fewer: false, stack: 'torchtitan', what: 'BF16 main-grad buffers' },
])('scenario $field', ({ field, fewer, stack, what }) => {
  it('on the megatron stack: fewer GPU-hours per token (never more); false changes nothing', () => {
    const off = pretrain(withLines('')).gpuHoursPerToken;
    const on = pretrain(withLines(`    ${field}: true\n`)).gpuHoursPerToken;
    if (fewer) expect(on).toBeLessThan(off);
    else expect(on).toBeLessThanOrEqual(off);
    expect(pretrain(withLines(`    ${field}: false\n`)).gpuHoursPerToken).toBe(off);
  });
  it(`on a stack without it (${stack}): refused at phases[0].${field}, naming the stack that has it`, () => {
    const issue = preparationIssue(withLines(`    stack: ${stack}\n    ${field}: true\n`));
    expect(issue.path).toEqual(['phases', 0, field]);
    expect(issue.message).toMatch(new RegExp(`${stack} stack has no modelled ${what}`));
    expect(() => parseScenario(withLines(`    ${field}: 1\n`), 's.yaml')).toThrow(new RegExp(field));
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
