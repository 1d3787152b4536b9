/**
 * A pretraining phase's `tpCommOverlap` (the scenario form of `--tp-comm-overlap`): the megatron stack
 * pipelines its TP collectives with the GEMMs; a stack without a modelled overlap refuses it at its path.
 */
import { describe, expect, it } from 'vitest';
import { exampleWith, preparationIssue, pretrainPhase as pretrain } from '../../test/scenario-phase.js';
import { parseScenario } from './load.js';

const withLines = exampleWith('llama-3.1-405b.yaml', '    precision: bf16\n');

describe('scenario tpCommOverlap', () => {
  it('on the megatron stack: never more GPU-hours per token, fewer where the layout runs tensor parallelism', () => {
    const exposed = pretrain(withLines(''));
    const overlapped = pretrain(withLines('    tpCommOverlap: true\n'));
    expect(exposed.layout).toMatch(/tp [2-8]/);
    expect(overlapped.gpuHoursPerToken).toBeLessThan(exposed.gpuHoursPerToken);
    expect(pretrain(withLines('    tpCommOverlap: false\n')).gpuHoursPerToken).toBe(exposed.gpuHoursPerToken);
  });
  it('on a stack without it: refused at phases[0].tpCommOverlap, naming the stack that has it', () => {
    const issue = preparationIssue(withLines('    stack: torchtitan\n    tpCommOverlap: true\n'));
    expect(issue.path).toEqual(['phases', 0, 'tpCommOverlap']);
    expect(issue.message).toMatch(/torchtitan stack has no modelled .* the megatron stack has it/);
    expect(() => parseScenario(withLines('    tpCommOverlap: yes please\n'), 's.yaml')).toThrow(
      /tpCommOverlap/,
    );
  });
});
