/**
 * `serve --draft-model`: a draft model's passes, weights and KV cache are costed and named; drafts with no
 * drafter are said to cost nothing; every result with speculation is set against the plan without it.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const eagleHead = 'test/fixtures/hf-configs/eagle3/llama3-8B-eagle3.json';

const base = 'serve --model llama-3.1-70b --gpu h100 --gpus 8 --input-tokens 2000 --output-tokens 400'.split(
  ' ',
);
const drafts = ['--draft-tokens', '4', '--acceptance-rate', '0.7'];

describe('serve --draft-model', () => {
  it('costs the draft model: fewer tokens per GPU than free drafts, and says what it drafts with', async () => {
    const json = async (extra: string[]) => JSON.parse((await run([...base, ...extra, '--json'])).stdout);
    const drafted = await json([...drafts, '--draft-model', 'llama-3.2-1b', '--tp', '4']);
    const free = await json([...drafts, '--tp', '4']);
    expect(drafted.outputTokensPerSecondPerGpu).toBeLessThan(free.outputTokensPerSecondPerGpu);
    // Its weights and KV cache leave room for fewer sequences.
    expect(drafted.maxConcurrency).toBeLessThan(free.maxConcurrency);
    expect(drafted.speculation.drafter).toEqual({
      model: 'Llama 3.2 1B',
      kind: 'model',
      weightFormat: 'bf16',
    });
    expect(drafted.warnings).toEqual([]);
    expect(free.speculation.drafter).toBe('none');
    expect(free.warnings.join(' ')).toMatch(/cost no GPU time or memory/);
    // The plan without speculation, for the same traffic: the target alone.
    expect(drafted.withoutSpeculation.outputTokensPerSecondPerGpu).toBeGreaterThan(0);
    expect((await json([])).withoutSpeculation).toBeUndefined();
  });
  it('sets speculation against the plan without it in text, and says when only speculation meets the SLO', async () => {
    const text = (await run([...base, ...drafts, '--draft-model', 'llama-3.2-1b', '--concurrency', '1']))
      .stdout;
    expect(text).toContain('drafted by Llama 3.2 1B (bf16) on the same GPUs');
    expect(text).toMatch(/without speculative decoding: h100-sxm TP\d .* speculation changes TPOT −\d+%/);
    const tight = await run([...base, ...drafts, '--draft-model', 'llama-3.2-1b', '--tpot-slo', '0.01']);
    expect(tight.code).toBe(0);
    expect(tight.stdout).toContain('without speculative decoding no layout meets the SLO');
  });
  it('takes the mean acceptance length an engine reports in place of the rate', async () => {
    const json = async (acceptance: string[]) =>
      JSON.parse(
        (
          await run([
            ...base,
            '--draft-tokens',
            '4',
            ...acceptance,
            '--draft-model',
            'llama-3.2-1b',
            '--json',
          ])
        ).stdout,
      );
    const byLength = await json(['--acceptance-length', '2.77']);
    expect(byLength.workload.speculative.acceptanceRate).toBeCloseTo(0.7, 2);
    expect(byLength.speculation.text).toContain('2.77 tokens per step');
  });
  it('drafts a tree (SGLang top-k): its nodes verified, its accepted length stated, and refused when half given', async () => {
    const eagle = [
      ...'serve --model llama-3.1-8b --gpu h100 --gpus 1 --input-tokens 1000 --output-tokens 300 --draft-tokens 5'.split(
        ' ',
      ),
      '--draft-model',
      eagleHead,
      '--acceptance-length',
      '4.2',
    ];
    const at = async (concurrency: string, extra: string[]) =>
      JSON.parse((await run([...eagle, '--concurrency', concurrency, ...extra, '--json'])).stdout);
    const treeFlags = ['--draft-topk', '8', '--verify-tokens', '64'];
    const tree = await at('1', treeFlags);
    expect(tree.workload.speculative.tree).toEqual({ width: 8, verifyTokens: 64 });
    expect(tree.speculation.text).toMatch(
      /a tree of 5 draft steps × top-8, 64 tokens verified per sequence, 4\.20 accepted/,
    );
    // One sequence: the tree's 64 tokens ride on a memory-bound step; 64 sequences: they cost more than they save.
    expect(tree.tpotSeconds).toBeLessThan(tree.withoutSpeculation.tpotSeconds);
    const busy = await at('64', treeFlags);
    expect(busy.tpotSeconds).toBeGreaterThan((await at('64', [])).tpotSeconds);
    const half = await run([...eagle, '--draft-topk', '8']);
    expect(half.stderr).toMatch(/--verify-tokens: a tree of drafts needs/);
  });
  it('refuses what cannot run, naming the flag', async () => {
    const fails = async (extra: string[], flag: RegExp) => {
      const r = await run([...base, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(flag);
    };
    await fails(
      ['--draft-model', 'llama-3.2-1b'],
      /--draft-tokens.*needs --draft-tokens and --acceptance-rate/,
    );
    await fails(['--draft-model', 'llama-3.2-1b', '--draft-tokens', '2'], /--acceptance-rate/);
    await fails([...drafts, '--draft-model', 'llama-3.2-1b', '--mtp'], /--draft-model.*not both/);
    await fails([...drafts, '--draft-model', 'no-such-model'], /--draft-model/);
    // A draft as large as the target costs a target pass per draft: it cannot be faster.
    await fails(
      [...drafts, '--draft-model', 'llama-3.1-70b'],
      /--draft-model: Llama 3\.1 70B \(70\.55B parameters active per token\) is not smaller than Llama 3\.1 70B/,
    );
    await fails([...drafts, '--draft-model', 'no/such/config.json'], /--draft-model.*no such file/);
    await fails([...drafts, '--draft-weights', 'fp8'], /--draft-weights.*--draft-model/);
    await fails([...drafts, '--draft-model', 'llama-3.2-1b', '--draft-weights', 'fp7'], /--draft-weights/);
    await fails([...drafts, '--acceptance-length', '2'], /--acceptance-length.*not both/);
    await fails(['--draft-tokens', '2', '--acceptance-length', '3.5'], /--acceptance-length.*from 1 to 3/);
    // An error in the draft's config names --draft-model before the field.
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-draft-'));
    const bad = join(dir, 'head.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...JSON.parse(readFileSync(eagleHead, 'utf8')), draft_vocab_size: -5 }),
    );
    await fails([...drafts, '--draft-model', bad], /--draft-model\.draft_vocab_size: .*positive integer/);
    // A model directory whose config.json is broken: the flag, not --model's field name.
    writeFileSync(join(dir, 'config.json'), '{bad');
    await fails(
      [...drafts, '--draft-model', dir],
      /error: --draft-model: '.*config\.json' is not valid JSON/,
    );
  });
  it("runs the draft at the target's TP: a split its heads refuse is named when fixed, passed over when searched", async () => {
    const qwen =
      'serve --model qwen2.5-72b --gpu h100 --gpus 8 --input-tokens 1000 --output-tokens 300'.split(' ');
    const draft = [...drafts, '--draft-model', 'qwen2.5-7b'];
    const fixed = await run([...qwen, ...draft, '--tp', '8']);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr).toMatch(
      /--draft-model: tensor parallelism 8 must divide the 28 attention heads.*Qwen2\.5 7B/,
    );
    const searched = JSON.parse((await run([...qwen, ...draft, '--json'])).stdout);
    const tps = [searched, ...searched.alternatives].map(
      (p: { layout: { tensorParallel: number } }) => p.layout.tensorParallel,
    );
    expect(tps).not.toContain(8);
  });
  it('warns when the draft and target vocabularies differ', async () => {
    const r = await run([...base, ...drafts, '--draft-model', 'qwen2.5-7b', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).warnings.join(' ')).toMatch(
      /vocabulary \(152064\) differs from .*\(128256\)/,
    );
  });
  it('reads an EAGLE-3 head as one, and says what a head read alone as a model leaves out', async () => {
    const eagle = eagleHead;
    const small =
      'serve --model llama-3.1-8b --gpu h100 --gpus 1 --input-tokens 2000 --output-tokens 400 --concurrency 1 --json'.split(
        ' ',
      );
    const serveWith = async (draft: string) =>
      JSON.parse((await run([...small, ...drafts, '--draft-model', draft])).stdout);
    const headed = await serveWith(eagle);
    expect(headed.speculation.drafter).toEqual({
      model: 'llama3-8B-eagle3',
      kind: 'eagle3',
      weightFormat: 'bf16',
    });
    expect(headed.warnings).toEqual([]);
    // One layer and a 32K head draft faster than Llama 3.2 1B's 16 layers and 128K head.
    expect(headed.tpotSeconds).toBeLessThan((await serveWith('llama-3.2-1b')).tpotSeconds);
    expect(headed.tpotSeconds).toBeLessThan(headed.withoutSpeculation.tpotSeconds);
    const params = await run(['params', eagle, '--json']);
    expect(JSON.parse(params.stdout).warnings.join(' ')).toMatch(/EAGLE-3 draft head.*serve --draft-model/);
  });
});
