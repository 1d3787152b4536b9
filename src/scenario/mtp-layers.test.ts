/**
 * A phase's `mtpLayers` (the scenario form of `--mtp-layers`): 0 trains DeepSeek-V3 without its MTP
 * module, so each token costs fewer GPU-hours; more than 0 on a stack that builds none is refused with
 * the phase's path and line.
 */
import { describe, expect, it } from 'vitest';
import { exampleWith, preparationIssue, pretrainPhase as pretrain } from '../../test/scenario-phase.js';
import { parseScenario } from './load.js';

const withLines = exampleWith('deepseek-v3.yaml', '    precision: fp8\n');

describe('scenario mtpLayers', () => {
  it("0 leaves DeepSeek-V3's MTP module out of the run: never more GPU-hours per token, fewer where its stage sets the step", () => {
    // On 2,048 GPUs the search may move to another layout without the module: never a dearer token.
    expect(pretrain(withLines('    mtpLayers: 0\n')).gpuHoursPerToken).toBeLessThanOrEqual(
      pretrain(withLines('')).gpuHoursPerToken,
    );
    const on1024 = (extra: string) => pretrain(withLines(extra).replace('gpus: 2048', 'gpus: 1024'));
    const trained = on1024('');
    const without = on1024('    mtpLayers: 0\n');
    expect(without.gpuHoursPerToken).toBeLessThan(trained.gpuHoursPerToken);
    // At PP 4 the last stage holds 15 of the 61 layers, the head and the module (an MoE layer and a
    // second output head): about two layers' worth of 17, so at most ~12% saved.
    expect(without.gpuHoursPerToken).toBeGreaterThan(0.85 * trained.gpuHoursPerToken);
    expect(on1024('    mtpLayers: 1\n').gpuHoursPerToken).toBe(trained.gpuHoursPerToken);
  });

  it('more than 0 on a stack that builds none: refused at phases[0].mtpLayers with its line', () => {
    const issue = preparationIssue(withLines('    stack: hf\n    mtpLayers: 1\n'));
    expect(issue.path).toEqual(['phases', 0, 'mtpLayers']);
    expect(issue.message).toMatch(/builds no MTP modules.*megatron and torchtitan stacks/);
    expect(() => parseScenario(withLines('    mtpLayers: 17\n'), 's.yaml')).toThrow(/mtpLayers/);
  });
});
