/** `train --document-tokens` and a pretraining phase's `documentTokens`: attention within packed documents. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { runCli, runCliJson } from '../../test/run-cli.js';
import { exampleWith, preparationIssue, pretrainPhase } from '../../test/scenario-phase.js';
import { parseScenario } from '../scenario/load.js';

const LONG = 'train --model llama-3.1-8b --gpu h100 --gpus 8 --seq-len 131072 --global-batch 8 --tp 1 --cp 8';

describe('train --document-tokens', () => {
  it('a long-context step with 4K documents: attention a fraction of the whole sequence’s, said in the header', async () => {
    const whole = await runCliJson(LONG);
    const packed = await runCliJson(`${LONG} --document-tokens 4096`);
    expect(packed.code).toBe(0);
    expect(whole.json.documentTokens).toBeNull();
    expect(whole.json.attentionSpanTokens).toBe(131_072);
    expect(packed.json.documentTokens).toBe(4096);
    expect(packed.json.stepBreakdownSeconds.attentionSeconds).toBeLessThan(
      0.2 * whole.json.stepBreakdownSeconds.attentionSeconds,
    );
    expect(packed.json.stepSeconds).toBeLessThan(0.5 * whole.json.stepSeconds);
    const text = await runCli(`${LONG} --document-tokens 4096`);
    expect(text.stdout.split('\n')[0]).toContain('seq 131072 (attention within 4,096-token documents)');
  });
  it('documents as long as the sequence change nothing; bad values are refused naming the flag', async () => {
    const whole = await runCliJson(LONG);
    const long = await runCliJson(`${LONG} --document-tokens 1M`);
    expect(long.json.stepSeconds).toBe(whole.json.stepSeconds);
    expect(long.json.documentTokens).toBeNull();
    // Said, not silent: the mask does nothing there.
    expect(long.json.warnings).toContain(
      '--document-tokens: the documents span whole 131,072-token sequences as their tokens see them: attention runs over each sequence, as without a mask',
    );
    for (const v of ['0', '-5', '1.5', 'many']) {
      const r = await runCli(`${LONG} --document-tokens ${v}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: --document-tokens: /);
    }
  });
});

describe('train --document-tokens-p99', () => {
  it('spread documents: long ones hold more of the tokens, so attention spans more than the mean', async () => {
    const mean = await runCliJson(`${LONG} --document-tokens 4096`);
    const spread = await runCliJson(`${LONG} --document-tokens 4096 --document-tokens-p99 30000`);
    expect(spread.json).toMatchObject({ documentTokens: 4096, documentTokensP99: 30_000 });
    expect(spread.json.attentionSpanTokens).toBe(14_267);
    expect(spread.json.stepSeconds).toBeGreaterThan(mean.json.stepSeconds);
    const text = await runCli(`${LONG} --document-tokens 4096 --document-tokens-p99 30000`);
    expect(text.stdout.split('\n')[0]).toContain(
      `(attention within documents of 4,096 tokens on average, P99 30,000: ${spread.json.attentionSpanTokens.toLocaleString('en-US')} as their tokens see them)`,
    );
  });
  it.each([
    [
      '--document-tokens-p99 30000',
      /^error: --document-tokens: --document-tokens-p99 spreads the mean document length: give --document-tokens too/,
    ],
    [
      '--document-tokens 4096 --document-tokens-p99 4096',
      /^error: --document-tokens-p99: must lie above the mean document length \(4096 tokens\)/,
    ],
    [
      '--document-tokens 4096 --document-tokens-p99 70000',
      /at most e\^\(z²\/2\) = 14\.9× it \(61310\), got 70000/,
    ],
    [
      '--document-tokens 4096 --document-tokens-p99 1.5',
      /^error: --document-tokens-p99: must be a whole number/,
    ],
  ])('%s: exit 2 naming the flag', async (extra, message) => {
    const r = await runCli(`${LONG} ${extra}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('scenario documentTokens', () => {
  const longContext = exampleWith('llama-3.1-405b.yaml', '    precision: bf16\n');
  it('fewer GPU-hours per token for a 128K phase of 8K documents; a bad value names its path', () => {
    const phase = (extra: string) =>
      pretrainPhase(longContext(extra).replace('seqLen: 8192', 'seqLen: 131072'));
    expect(phase('    documentTokens: 8192\n').gpuHoursPerToken).toBeLessThan(
      0.9 * phase('').gpuHoursPerToken,
    );
    const issue = inputErrorOf(() => parseScenario(longContext('    documentTokens: 0\n'), 's.yaml'))
      .issues[0]!;
    expect(issue.path).toEqual(['phases', 0, 'documentTokens']);
    expect(issue.message).toMatch(/^line \d+: must be a whole number ≥ 1/);
    // A spread: more GPU-hours than every document at the mean; a P99 alone names the mean's field.
    expect(
      phase('    documentTokens: 8192\n    documentTokensP99: 60000\n').gpuHoursPerToken,
    ).toBeGreaterThan(phase('    documentTokens: 8192\n').gpuHoursPerToken);
    const alone = preparationIssue(longContext('    documentTokensP99: 60000\n'));
    expect(alone).toMatchObject({
      path: ['phases', 0, 'documentTokens'],
      message: 'documentTokensP99 spreads the mean document length: give documentTokens too',
    });
  });
  it('the report says which phases mask their documents, and the span their tokens see', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'llmecon-docs-')), 's.yaml');
    writeFileSync(
      file,
      longContext('    documentTokens: 8192\n    documentTokensP99: 60000\n').replace(
        'seqLen: 8192',
        'seqLen: 131072',
      ),
    );
    const r = await runCli(['run', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /attention within documents of 8,192 tokens on average, P99 60,000: [\d,]+ as their tokens see them/,
    );
    expect(pretrainPhase(longContext('')).attentionSpanTokens).toBeNull();
    expect(pretrainPhase(longContext('    documentTokens: 9000\n')).warnings).toContain(
      'phases[0].documentTokens: the documents span whole 8,192-token sequences as their tokens see them: attention runs over each sequence, as without a mask',
    );
  });
});
