/** An RL phase's adapter (`rank`, `targets`), as `llmecon rl --rank/--targets` takes it. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { prepareScenario } from './evaluate.js';
import { parseScenario } from './load.js';

const scenario = (fields: string) => `name: rl adapter
model: qwen2.5-7b
horizonMonths: 12
phases:
  - kind: rl
    name: grpo
    gpu: h100
    gpus: 8
    steps: 100
    promptTokens: 512
    responseTokens: 1024
    maxResponseTokens: 4096
    hardware: { rent: { usdPerGpuHour: 2 } }
${fields
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

const issue = (fields: string) => {
  try {
    prepareScenario(parseScenario(scenario(fields)));
  } catch (error) {
    if (error instanceof InputError) return error.issues[0]!;
    throw error;
  }
  throw new Error('expected an input error');
};

describe('RL phase adapter fields', () => {
  it('a LoRA policy update at a larger rank on more modules costs more GPU-hours per step', () => {
    const perStep = (fields: string) => {
      const phase = prepareScenario(parseScenario(scenario(fields))).phases[0]!;
      return (phase as { gpuHoursPerStep: number }).gpuHoursPerStep;
    };
    expect(perStep('method: lora\nrank: 256\ntargets: all')).toBeGreaterThan(
      perStep('method: lora\nrank: 8\ntargets: q,v'),
    );
  }, 60_000);
  it("a rank past the adapted matrices' side is warned about, as `llmecon rl` warns", () => {
    const phase = prepareScenario(parseScenario(scenario('method: lora\nrank: 4096\ntargets: attn')))
      .phases[0]!;
    expect(phase.warnings).toContainEqual(
      expect.stringMatching(/^phases\[0\]: rank 4096 reaches the smaller side/),
    );
  }, 60_000);
  it('refuses them with a full policy update, and a module the model lacks, at their paths', () => {
    expect(issue('method: full\nrank: 32')).toMatchObject({
      path: ['phases', 0, 'rank'],
      message: expect.stringMatching(/applies only with an adapter method .*: full trains every weight/),
    });
    expect(issue('method: lora\ntargets: wq').path).toEqual(['phases', 0, 'targets']);
  }, 60_000);
});
