/**
 * Scenario errors (issue 15): the path and line of every problem, what is allowed, a did-you-mean for
 * misspelled keys and values, the CLI's count syntax, the CLI's own checks, and no "Invalid input".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preparationIssue } from '../../test/scenario-phase.js';
import { InputError, type InputIssue } from '../core/errors.js';
import { scenarioText } from './flag-fields.js';
import { parseScenario } from './load.js';

const scenario = (phase: string) => `name: test
model: llama-3-8b
horizonMonths: 24
phases:
  - kind: pretrain
    name: pretraining
${phase
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;
const ok = 'tokens: 15T\ngpu: h100\ngpus: 1024\nhardware: { rent: { usdPerGpuHour: 2 } }';

function issues(text: string): InputIssue[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const list = (error as InputError).issues;
    for (const i of list) expect(i.message).not.toMatch(/Invalid input|--[a-z]/);
    return [...list];
  }
  throw new Error('expected the scenario to be refused');
}
const first = (text: string) => issues(text)[0]!;

describe('scenario errors name the path and line, what is allowed, and the nearest match', () => {
  it('accepts the CLI count syntax (tokens: 15T)', () => {
    const s = parseScenario(scenario(ok));
    expect(s.phases[0]).toMatchObject({ tokens: 15e12 });
  });
  it('.nan, .inf and a JSON number beyond a double are named in words, never echoed as NaN or Infinity', () => {
    const nan = first(scenario(ok).replace('horizonMonths: 24', 'horizonMonths: .nan'));
    expect(nan.message).toMatch(/got not a number \(\.nan\)$/);
    const inf = first(scenario(ok.replace('tokens: 15T', 'tokens: .inf')));
    expect(inf.message).toMatch(/got an infinite value \(\.inf, or beyond the range of a double\)$/);
    const big = first('{"name": "x", "model": "llama-3-8b", "horizonMonths": 1e400, "phases": []}');
    expect(big.path).toEqual(['horizonMonths']);
    for (const i of [nan, inf, big]) expect(i.message).not.toMatch(/NaN|Infinity/);
  });
  it('a key that is a list or a mapping is refused with its line (no warning on stderr)', () => {
    expect(first('name: x\n? [a, b]\n: 1\n').message).toBe(
      'line 2: a key must be a field name, not a list or a mapping',
    );
    expect(first('name: x\nref: &a [1, 2]\n? *a\n: 1\n').message).toBe(
      'line 3: a key must be a field name, not a list or a mapping',
    );
  });
  it('an empty file says it is empty', () => {
    expect(first('')).toMatchObject({ path: ['s.yaml'], message: expect.stringMatching(/is empty/) });
    expect(first('# only a comment\n').message).toMatch(/is empty/);
  });
  it('a YAML alias bomb is refused', () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(first(bomb).message).toMatch(/too many YAML alias expansions.*at most 100/);
  });
  it('YAML merge keys build a phase from another; two phases of one name are refused at the second', () => {
    const serve =
      'kind: serve\n    name: first\n    gpu: h100\n    inputTokens: 1000\n    outputTokens: 200\n    tokensPerDay: 1B\n    months: 6\n    hardware: { rent: { usdPerGpuHour: 2 } }';
    const text = (second: string) =>
      `name: t\nmodel: llama-3-8b\nhorizonMonths: 24\nphases:\n  - &b\n    ${serve}\n  - <<: *b\n${second}`;
    const merged = parseScenario(text('    name: second\n    startMonth: 6\n'), 's.yaml');
    expect(merged.phases.map((p) => [p.name, p.kind, p.startMonth])).toEqual([
      ['first', 'serve', 0],
      ['second', 'serve', 6],
    ]);
    expect(first(text('    startMonth: 6\n'))).toMatchObject({
      path: ['phases', 1, 'name'],
      message: expect.stringMatching(/'first' is already the name of phases\[0\]/),
    });
    // Names are trimmed: one that differs only by its spaces is the same name, printed alike.
    expect(first(text('    name: " first "\n    startMonth: 6\n'))).toMatchObject({
      path: ['phases', 1, 'name'],
      message: expect.stringMatching(/'first' is already the name of phases\[0\]/),
    });
  });
  it("a document nested thousands of levels deep is refused in words, not the engine's stack message", () => {
    const deep = `name: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(first(deep).message).toMatch(/^line 1: nested too deeply \(a resource-exhaustion document\)/);
  });
  it('a misspelled key: its line and the key meant', () => {
    const i = first(scenario(ok.replace('gpus:', 'gpuss:')));
    expect(i).toMatchObject({ code: 'unknown_field', path: ['phases', 0, 'gpuss'] });
    expect(i.message).toMatch(/^line 9: unknown field 'gpuss'; did you mean 'gpus'\? \(allowed: .*seqLen/);
  });
  it('two hardware choices at once: refused as such, not as an unknown field', () => {
    const both = ok.replace(
      '{ rent: { usdPerGpuHour: 2 } }',
      '{ rent: { usdPerGpuHour: 2 }, buy: { usdPerGpu: 2e4 } }',
    );
    expect(issues(scenario(both))).toEqual([
      expect.objectContaining({
        path: ['phases', 0, 'hardware'],
        message: 'line 10: give one of rent, reserve or buy, not rent and buy',
      }),
    ]);
  });
  it('a misspelled enum value and phase kind', () => {
    expect(first(scenario(`${ok}\nprecision: bf61`))).toMatchObject({
      path: ['phases', 0, 'precision'],
      message: "line 11: must be one of bf16, fp8, fp32, bf16-pure, got 'bf61'; did you mean 'bf16'?",
    });
    expect(first(scenario(ok).replace('kind: pretrain', 'kind: pretrian'))).toMatchObject({
      path: ['phases', 0, 'kind'],
      message:
        "line 5: must be one of pretrain, finetune, rl, serve, got 'pretrian'; did you mean 'pretrain'?",
    });
  });
  it('domain bounds as the CLI states them', () => {
    expect(first(scenario(ok.replace('gpus: 1024', 'gpus: 1.5'))).message).toBe(
      'line 9: must be a whole number ≥ 1 and ≤ 10,000,000 (GPUs), got 1.5',
    );
    expect(first(scenario(ok.replace('15T', '0'))).message).toBe(
      'line 7: must be at least 1 and at most 1e16 (tokens), got 0',
    );
    expect(first(scenario(ok.replace('usdPerGpuHour: 2', 'usdPerGpuHour: -3')))).toMatchObject({
      path: ['phases', 0, 'hardware', 'rent', 'usdPerGpuHour'],
    });
  });
  it('a scenario accepts nothing the CLI refuses: FP8 on a GPU without it, catalog ids', () => {
    expect(first(scenario(`${ok.replace('h100', 'a100')}\nprecision: fp8`))).toMatchObject({
      path: ['phases', 0, 'precision'],
      message: 'line 11: a100-80gb has no FP8 tensor cores; use bf16',
    });
    const qlora = `name: test
model: llama-3-8b
horizonMonths: 12
phases:
  - kind: finetune
    name: sft
    method: qlora
    tokens: 10M
    gpu: h100
    gpus: 1
    precision: bf16-pure
    hardware: { rent: { usdPerGpuHour: 2 } }
`;
    expect(first(qlora)).toMatchObject({
      path: ['phases', 0, 'precision'],
      message: expect.stringMatching(/^line 11: QLoRA trains its adapters in BF16/),
    });
    expect(first(scenario(ok.replace('h100', 'h1000')))).toMatchObject({
      path: ['phases', 0, 'gpu'],
      message: expect.stringMatching(/^line 8: unknown GPU 'h1000'; did you mean 'h100'/),
    });
  });
  it('a missing or mistyped hardware mapping names the keys that open one, once', () => {
    const without = ok.replace('\nhardware: { rent: { usdPerGpuHour: 2 } }', '');
    expect(first(scenario(without))).toMatchObject({
      code: 'missing_field',
      path: ['phases', 0, 'hardware'],
      message:
        'line 5: missing: this field is required (a mapping of fields with one of: buy, rent, reserve)',
    });
    expect(first(scenario(`${without}\nhardware: 7`))).toMatchObject({
      path: ['phases', 0, 'hardware'],
      message: 'line 10: expected a mapping of fields with one of: buy, rent, reserve, got 7',
    });
  });
  it('text where a number belongs states the forms allowed', () => {
    expect(first(scenario(ok.replace('15T', 'lots'))).message).toBe(
      "line 7: expected a number such as 4096, 0.5, 2.788M or 15T, or a distribution {dist: normal | lognormal | uniform | triangular | pert, …}; got 'lots'",
    );
  });
  it('a misspelled hardware choice', () => {
    expect(first(scenario(ok.replace('rent:', 'rnt:'))).message).toMatch(
      /unknown field 'rnt'; did you mean 'rent'\? \(allowed: buy, rent, reserve\)/,
    );
  });
  it('distributions must stay in the field domain; growth cannot go below −100%', () => {
    expect(
      first(scenario(ok.replace('usdPerGpuHour: 2', 'usdPerGpuHour: { dist: normal, mean: 1, sd: 1 }')))
        .message,
    ).toMatch(/reaches outside the field's domain \(at least 0 and at most 10,000, USD per GPU-hour\)/);
    expect(first(scenario(ok.replace('15T', '{ dist: normall, mean: 1, sd: 0 }'))).message).toMatch(
      /did you mean 'normal'/,
    );
  });
  it('a serve phase of too many months: that error alone, not also one of the horizon it was measured against', () => {
    const serve = (months: string) =>
      `name: t\nmodel: llama-3-8b\nhorizonMonths: 12\nphases:\n  - kind: serve\n    name: s\n    months: ${months}\n    gpu: h100\n    inputTokens: 1000\n    outputTokens: 200\n    tokensPerDay: 1e9\n    hardware: { rent: { usdPerGpuHour: 2.5 } }\n`;
    expect(issues(serve('1e9')).map((i) => i.path.join('.'))).toEqual(['phases.0.months']);
    expect(issues(serve('20'))).toMatchObject([
      {
        path: ['phases', 0, 'startMonth'],
        message: expect.stringMatching(/runs past the horizon \(12 months\)/),
      },
    ]);
  });
  it("an engine's error names the scenario's fields, never a CLI flag", async () => {
    const rl = readFileSync(new URL('../../examples/reasoning-rl-7b.yaml', import.meta.url), 'utf8');
    const issue = preparationIssue(
      rl
        .replace('    promptsPerStep: 64', '    promptsPerStep: 3')
        .replace('    samplesPerPrompt: 16', '    samplesPerPrompt: 1'),
    );
    expect(issue.path).toEqual(['phases', 1, 'gpus']);
    expect(issue.message).toContain("a step's batch: promptsPerStep × samplesPerPrompt sequences");
    expect(issue.message).not.toMatch(/--[a-z]/);
    expect(
      scenarioText('a length spread needs --padding longest (and --no-packing), or --packing-mask'),
    ).toBe('a length spread needs `padding: longest` (and `packing: false`), or packingMask');
    expect(scenarioText("vLLM's --enable-expert-parallel")).toBe("vLLM's --enable-expert-parallel");
  });
});
