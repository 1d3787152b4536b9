/**
 * Issue 17 (6): a length beyond the config's context is a warning that names the limit, not an error,
 * in a scenario as in the CLI; an RL rollout beyond it is refused, as `llmecon rl` refuses it.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { evaluateScenario, prepareScenario } from './evaluate.js';
import { parseScenario } from './load.js';
import { phaseWarnings } from './phase-warnings.js';
import { scenarioReportMarkdown } from './report.js';

const spec = { name: 'Meta Llama 3 8B', maxContextTokens: 8192 };
const scenario = (phase: string) => `name: long context
model: llama-3-8b
horizonMonths: 24
phases:
  - name: extension
    gpu: h100
    hardware: { rent: { usdPerGpuHour: 2 } }
${phase
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

describe('scenario phase warnings', () => {
  it('name the phase field and the limit; none within the context', () => {
    const pretrain = { kind: 'pretrain', seqLen: 32768 } as const;
    expect(phaseWarnings(spec, pretrain, 2)).toEqual([
      "phases[2].seqLen (32768 tokens) exceeds Meta Llama 3 8B's max_position_embeddings of 8192; trained only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled",
    ]);
    const serve = { kind: 'serve', inputTokens: 8000, outputTokens: 500 } as Parameters<
      typeof phaseWarnings
    >[1];
    expect(phaseWarnings(spec, serve, 0)[0]).toMatch(
      /^phases\[0\]\.inputTokens \+ outputTokens \(8500 tokens\) exceed .* served only with RoPE scaling/,
    );
    expect(phaseWarnings(spec, { ...pretrain, seqLen: 8192 }, 0)).toEqual([]);
    // How the config was read comes first, as every CLI command prints it.
    expect(phaseWarnings({ ...spec, warnings: ['read as llama-like'] }, pretrain, 0)[0]).toBe(
      'read as llama-like',
    );
  });
  it('a pretraining phase beyond the context is computed at its length, and the report says so', () => {
    const at = (seqLen: number) =>
      prepareScenario(parseScenario(scenario(`kind: pretrain\ngpus: 64\ntokens: 100B\nseqLen: ${seqLen}`)));
    const long = at(32768);
    expect(long.phases[0]!.warnings).toEqual([
      expect.stringMatching(/^phases\[0\]\.seqLen \(32768 tokens\)/),
    ]);
    // Attention grows with the sequence: the longer run costs more GPU-hours per token than 8K.
    const short = at(8192);
    expect(short.phases[0]!.warnings).toEqual([]);
    const perToken = (p: typeof long) => (p.phases[0] as { gpuHoursPerToken: number }).gpuHoursPerToken;
    expect(perToken(long)).toBeGreaterThan(perToken(short));
    const report = scenarioReportMarkdown(long, evaluateScenario(long), null);
    expect(report).toContain("- Warning: phases\\[0\\].seqLen (32768 tokens) exceeds Meta Llama 3 8B's");
  });
  it('a pretraining batch in tokens that the GPUs cannot split moves within ±5%, and the phase says so', () => {
    const at = (batch: number) =>
      prepareScenario(
        parseScenario(
          scenario(`kind: pretrain\ngpus: 64\ntokens: 100B\nseqLen: 4096\nglobalBatchTokens: ${batch}`),
        ),
      ).phases[0]!.warnings;
    expect(at(4_000_000)).toEqual([
      expect.stringMatching(
        /^phases\[0\]\.globalBatchTokens: global batch 1024 sequences \(4\.19M tokens, \+4\.9%\): .*64 GPUs split over at most 1 data-parallel rank;/,
      ),
    ]);
    expect(at(4 * 2 ** 20)).toEqual([]);
  });
  it('a pretraining phase without seqLen trains at 4,096 tokens or the context where shorter, as `llmecon train`', () => {
    const phase = (model: string, extra = '') =>
      prepareScenario(
        parseScenario(
          scenario(`kind: pretrain\ngpus: 8\ntokens: 100B${extra}`).replace(
            'model: llama-3-8b',
            `model: ${model}`,
          ),
        ),
      ).phases[0] as unknown as { warnings: string[]; gpuHoursPerToken: number };
    // GPT-2's 1,024 learned positions: the default is its context, no warning about a length nobody gave.
    const gpt2 = phase('gpt2');
    expect(gpt2.warnings).toEqual([]);
    expect(gpt2.gpuHoursPerToken).toBe(phase('gpt2', '\nseqLen: 1024').gpuHoursPerToken);
    expect(phase('llama-3-8b').gpuHoursPerToken).toBe(phase('llama-3-8b', '\nseqLen: 4096').gpuHoursPerToken);
    // Past a learned position table RoPE scaling is no way out: the warning says what would be needed.
    expect(phase('gpt2', '\nseqLen: 4096').warnings).toEqual([
      "phases[0].seqLen (4096 tokens) exceeds GPT-2 (124M)'s max_position_embeddings of 1024, a learned position table with no row beyond it; trained only with the table grown to that length (its extra rows are not counted), quality beyond it is not modelled",
    ]);
  });
  it('a pretraining phase of fewer tokens than one global batch is refused at its line, as `llmecon train` refuses it', () => {
    const text = scenario('kind: pretrain\ngpus: 8\ntokens: 1000');
    try {
      prepareScenario(parseScenario(text));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues[0]).toMatchObject({
        path: ['phases', 0, 'tokens'],
        message: expect.stringMatching(
          /^1000 tokens is less than one global batch \(4194304 tokens\); lower globalBatchTokens or raise tokens$/,
        ),
      });
    }
  });
  it('a serving phase beyond the context is computed with its warning', () => {
    const p = prepareScenario(
      parseScenario(
        scenario('kind: serve\nmonths: 12\ninputTokens: 8000\noutputTokens: 500\ntokensPerDay: 1B'),
      ),
    );
    expect(p.phases[0]!.warnings[0]).toMatch(/inputTokens \+ outputTokens \(8500 tokens\) exceed/);
    expect(Number.isFinite(evaluateScenario(p).totalCostUsd)).toBe(true);
  });
  it('an RL rollout beyond the context is refused with its path, as `llmecon rl` refuses it', () => {
    expect(() =>
      parseScenario(scenario('kind: rl\ngpus: 64\nsteps: 100\npromptTokens: 512\nresponseTokens: 16384')),
    ).toThrow(InputError);
  });
});
