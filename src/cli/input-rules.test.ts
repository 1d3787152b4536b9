/**
 * Inputs a fuzzing pass found accepted or misreported (forty-first and forty-second passes): each now
 * exits 2 naming the flag and what is allowed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

/** A file of `text` named `name` in a fresh temporary folder. */
const tempFile = (name: string, text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'llmecon-input-')), name);
  writeFileSync(path, text);
  return path;
};

const refused = async (args: string[], flag: string, says: string) => {
  const r = await runCli(args);
  expect(r.code, args.join(' ')).toBe(2);
  expect(r.stderr).toContain(`error: ${flag}: `);
  expect(r.stderr).toContain(says);
  expect(r.stdout).toBe('');
};

describe('input rules the CLI used to let through', () => {
  it('--prefill-tp and --prefill-ep meet the decode layout rules (heads over TP, experts over EP)', async () => {
    const serve = ['serve', '--model', 'llama-3-8b', '--gpu', 'h100', '--disaggregated'];
    const lengths = ['--input-tokens', '1000', '--output-tokens', '200'];
    await refused(
      [...serve, '--prefill-tp', '3', ...lengths],
      '--prefill-tp',
      'must divide the 32 attention heads',
    );
    await refused([...serve, '--prefill-tp', '1000000', ...lengths], '--prefill-tp', 'must divide');
    await refused([...serve, '--prefill-ep', '2', ...lengths], '--prefill-ep', 'dense');
    const ok = await runCli([...serve, '--prefill-tp', '2', ...lengths, '--json']);
    expect(ok.code).toBe(0);
  });

  it('a fixed --tp the heads refuse is named as such at any GPU count, not as a count that cannot be split', async () => {
    const train = ['train', '--model', 'llama-3.1-8b', '--gpu', 'h100', '--tp', '3'];
    for (const gpus of ['8', '9'])
      await refused(
        [...train, '--gpus', gpus],
        '--tp',
        'tensor parallelism 3 must divide the 32 attention heads',
      );
  });
  it('DualPipe needs an even pipeline: a fixed odd pp exits 2; without --pp the search tries only even ones', async () => {
    const train = ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--tokens', '1B'];
    for (const [pp, gpus] of [
      ['1', '8'],
      ['3', '6'],
    ] as const)
      await refused(
        [...train, '--schedule', 'dualpipe', '--pp', pp, '--gpus', gpus],
        '--schedule',
        'DualPipe needs an even pipeline',
      );
    const searched = await runCli([...train, '--schedule', 'dualpipe', '--json']);
    expect(searched.code).toBe(0);
    const { layout } = JSON.parse(searched.stdout);
    expect(layout.schedule).toBe('dualpipe');
    expect(layout.pp % 2).toBe(0);
  });

  it('the interleaved schedule needs a pipeline: --pp 1 exits 2; without --pp the search interleaves pp > 1', async () => {
    const train = ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '64', '--tokens', '1B'];
    await refused(
      [...train, '--schedule', 'interleaved', '--pp', '1'],
      '--schedule',
      'the interleaved schedule needs pipeline parallelism > 1',
    );
    const searched = await runCli([...train, '--schedule', 'interleaved', '--json']);
    expect(searched.code).toBe(0);
    const { layout } = JSON.parse(searched.stdout);
    expect(layout.pp).toBeGreaterThan(1);
    expect(layout.vpp).toBeGreaterThan(1);
  });

  it('--targets experts on a dense model names the modules the model has', async () => {
    await refused(
      ['finetune', '--model', 'llama-3-8b', '--gpu', 'h100', '--tokens', '20M', '--targets', 'experts'],
      '--targets',
      'experts: mixture-of-experts modules, and Meta Llama 3 8B is dense; it has q, k, v, o, gate, up, down',
    );
  });

  it('a trace line without a field says the field is missing (not "received undefined")', async () => {
    const trace = tempFile('missing.jsonl', '{"arrivalSeconds":0,"inputTokens":10}\n');
    const args = ['serve', '--model', 'llama-3-8b', '--gpu', 'h100', '--simulate', '--trace', trace];
    await refused(
      [...args, '--input-tokens', '10', '--output-tokens', '10'],
      '--trace',
      "line 1, field 'outputTokens': missing (expected number)",
    );
  });

  it('a trace states its own requests and lengths: --requests, --input-p90, --output-p90 beside it exit 2', async () => {
    const trace = tempFile('ok.jsonl', '{"arrivalSeconds":0,"inputTokens":10,"outputTokens":10}\n');
    const args = ['serve', '--model', 'llama-3-8b', '--gpu', 'h100', '--simulate', '--trace', trace];
    const lengths = ['--input-tokens', '10', '--output-tokens', '10'];
    for (const [flag, value] of [
      ['--requests', '10'],
      ['--input-p90', '20'],
      ['--output-p90', '20'],
    ] as const)
      await refused(
        [...args, ...lengths, flag, value],
        flag,
        `a --trace states its own requests and lengths; drop ${flag}`,
      );
  });

  it('rl: a prompt longer than the context blames --prompt-tokens, not --response-tokens', async () => {
    await refused(
      ['rl', '--model', 'qwen2.5-7b', '--gpu', 'h100', '--prompt-tokens', '200000'],
      '--prompt-tokens',
      'give at most 131071 prompt tokens',
    );
  });

  it('train: a micro-batch that does not divide the global batch blames --micro-batch, not --gpus', async () => {
    const train = ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--tokens', '1B'];
    await refused(
      [...train, '--micro-batch', '2048'],
      '--micro-batch',
      'must divide the global batch of 1024',
    );
    await refused([...train, '--micro-batch', '3'], '--micro-batch', 'must divide the global batch of 1024');
  });

  it('levers: a study of more than 100 levers is refused at once, naming the file', async () => {
    const file = tempFile('many.yaml', '- lever: gpu\n  gpu: h200\n'.repeat(101));
    const r = await runCli(['levers', 'examples/startup-serving-8b.yaml', '--levers', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('at most 100');
  });

  it('compare-api: per-token file prices print as quoted per million, not as float noise', async () => {
    const file = tempFile(
      'prices.json',
      JSON.stringify({ m: { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 } }),
    );
    const args = [
      'compare-api',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'h100',
      '--api',
      'm',
      '--api-prices',
      file,
    ];
    const r = await runCli([...args, '--input-tokens', '2048', '--output-tokens', '256']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$0.1/M input, $0.2/M output');
  });

  it('kernel collective --kind p2p refuses --group (a send is between 2 GPUs; --group 8 became 2 silently)', async () => {
    const args = ['kernel', 'collective', '--gpu', 'h100', '--kind', 'p2p', '--bytes', '1G'];
    await refused([...args, '--group', '8'], '--group', 'applies only to a group collective');
    const ok = await runCli([...args, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).group).toBe(2);
  });

  it('kernel collective puts as many ranks on every node: --per-node divides --group, and by default does', async () => {
    const args = ['kernel', 'collective', '--gpu', 'h100', '--bytes', '1G', '--group', '12'];
    await refused([...args, '--per-node', '5'], '--per-node', 'a divisor of --group (12)');
    const ok = await runCli([...args, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).perNode).toBe(6);
  });

  it('flags that would be ignored are refused: flops layout flags without --ops, levers --phase without a scenario', async () => {
    await refused(['flops', 'llama-3-8b', '--tp', '2'], '--tp', 'applies only with --ops');
    await refused(['flops', 'llama-3-8b', '--layer', '3'], '--layer', 'applies only with --ops');
    const ops = await runCli(['flops', 'llama-3-8b', '--ops', '--tp', '2', '--json']);
    expect(ops.code).toBe(0);
    await refused(
      ['levers', '--preset', 'llama-70b-serving', '--phase', '2'],
      '--phase',
      'applies only with a scenario file',
    );
  });

  it('a --levers file names its issue under --levers, with its line', async () => {
    const levers = tempFile('levers.yaml', '- kind: nonsense\n');
    await refused(
      ['levers', '--preset', 'llama-70b-serving', '--levers', levers],
      '--levers[0].lever',
      'line 1: missing: one of moe',
    );
  });

  it('an error echoes a very long input cut to its start and its length', async () => {
    const r = await runCli(['flops', 'x'.repeat(100_000)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${'x'.repeat(60)}…' (100,000 characters)`);
    expect(r.stderr.length).toBeLessThan(400);
  });
  it('a GPU count a fixed split does not divide names the nearest counts it does', async () => {
    const train = ['train', '--model', 'llama-3.1-70b', '--tokens', '1e12', '--gpu', 'h100', '--gpus', '64'];
    await refused(
      [...train, '--tp', '8', '--pp', '3'],
      '--gpus',
      'fixed tp × pp × dp × cp = 24; the nearest GPU counts that can: 48 or 72 (multiples of 24)',
    );
    await refused(
      [...train, '--tp', '8', '--pp', '2', '--dp', '2', '--cp', '1'],
      '--gpus',
      'with all four fixed the GPU count must be 32, or leave one of them free',
    );
  });
  it("a count with no split exits 2 even where smaller counts (train's Pareto search) have layouts", async () => {
    // One head (tp 1), 1,000 layers, a batch of 1,000 sequences: at most 8M GPUs split it, 5M do.
    const giant = {
      model_type: 'llama',
      hidden_size: 100000,
      intermediate_size: 100000,
      num_attention_heads: 1,
    };
    const config = { ...giant, num_hidden_layers: 1000, vocab_size: 1000, max_position_embeddings: 8192 };
    const path = tempFile('giant.json', JSON.stringify(config));
    const r = await runCli([
      'train',
      '--model',
      path,
      '--tokens',
      '1e16',
      '--gpu',
      'h100',
      '--gpus',
      '10000000',
    ]);
    expect(r.stderr).toMatch(/^error: --gpus: 10000000 GPUs have no valid split into tp × pp × dp × cp/);
    expect(r.code).toBe(2);
  });
  it('a long list between two quoted names is prose, not an echo: the message reaches the user whole', async () => {
    // Zyphra's native Zamba2 format (no model_type): the refusal (which listed every supported type
    // between 'model_type' and 'dim' until they became a count) is not elided from one quote to the other.
    const path = tempFile('zamba2.json', JSON.stringify({ d_model: 2560, n_layers: 54, vocab_size: 32000 }));
    const r = await runCli(['params', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("a Mistral params.json (with 'dim' and 'n_layers')");
    expect(r.stderr).toContain('model types are supported (all: llmecon models --types)');
    expect(r.stderr).not.toContain('characters)');
  });
});
