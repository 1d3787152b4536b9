/**
 * A pretraining phase's `fullIterationCudaGraphs` (the scenario form of `--full-iteration-cuda-graphs`):
 * the megatron stack replays each step as one CUDA graph; a stack without it refuses it at its path.
 */
import { describe, expect, it } from 'vitest';
import { exampleWith, preparationIssue, pretrainPhase as pretrain } from '../../test/scenario-phase.js';
import { parseScenario } from './load.js';

const withLines = exampleWith('deepseek-v3.yaml', '    precision: fp8\n');

describe('scenario fullIterationCudaGraphs', () => {
  it('on the megatron stack, an MoE model: fewer GPU-hours per token; false changes nothing', () => {
    const eager = pretrain(withLines(''));
    const graphed = pretrain(withLines('    fullIterationCudaGraphs: true\n'));
    expect(graphed.gpuHoursPerToken).toBeLessThan(eager.gpuHoursPerToken);
    expect(pretrain(withLines('    fullIterationCudaGraphs: false\n')).gpuHoursPerToken).toBe(
      eager.gpuHoursPerToken,
    );
  });
  it('on a stack without it: refused at phases[0].fullIterationCudaGraphs, naming the stack that has it', () => {
    const issue = preparationIssue(withLines('    stack: hf\n    fullIterationCudaGraphs: true\n'));
    expect(issue.path).toEqual(['phases', 0, 'fullIterationCudaGraphs']);
    expect(issue.message).toMatch(/hf stack has no modelled full-iteration CUDA graph capture/);
    expect(() => parseScenario(withLines('    fullIterationCudaGraphs: 1\n'), 's.yaml')).toThrow(
      /fullIterationCudaGraphs/,
    );
  });
});
