/**
 * MTP modules end to end: a stack that does not build them (transformers-based) trains the model without
 * them and says so; `--mtp-layers` sets how many a stack that builds them trains (Megatron-Core's
 * mtp_num_layers); `--mtp` serving pays for the drafter that a bare `--draft-tokens` leaves uncosted.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const mimo = 'test/fixtures/hf-configs/hand-built/mimo-7b-base.json';
const notTrained = '1 MTP module is not trained';

describe('MTP modules by stack and in serving', () => {
  it('finetune and rl (hf) and memory --stack hf say the MTP module is left out; megatron keeps it', async () => {
    const finetune = await run([
      'finetune',
      '--model',
      mimo,
      '--method',
      'lora',
      '--gpu',
      'h100',
      '--tokens',
      '1M',
    ]);
    expect(finetune.code).toBe(0);
    expect(finetune.stdout).toContain(notTrained);
    const rl = await run(['rl', '--model', mimo, '--gpu', 'h100', '--gpus', '8', '--steps', '10', '--json']);
    expect(JSON.parse(rl.stdout).warnings.join(' ')).toContain(notTrained);
    const hf = await run(['memory', mimo, '--stack', 'hf', '--json']);
    const megatron = await run(['memory', mimo, '--stack', 'megatron', '--json']);
    expect(JSON.parse(hf.stdout).warnings.join(' ')).toContain(notTrained);
    expect(JSON.parse(megatron.stdout).warnings.join(' ')).not.toContain(notTrained);
  });
  it('--mtp-layers: 0 trains none, more cost memory and time on the last stage; refused where no MTP is built', async () => {
    const memory = async (extra: string[]) => {
      const r = await run(['memory', mimo, '--stack', 'megatron', '--pp', '2', ...extra, '--json']);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout);
    };
    const stored = await memory([]);
    const none = await memory(['--mtp-layers', '0']);
    const three = await memory(['--mtp-layers', '3']);
    // The last stage holds the MTP modules: none < the checkpoint's one < three.
    const last = (m: { stages: { totalBytes: number }[] }) => m.stages.at(-1)!.totalBytes;
    expect(last(none)).toBeLessThan(last(stored));
    expect(last(three)).toBeGreaterThan(last(stored));
    const train = async (extra: string[]) =>
      JSON.parse(
        (
          await run([
            'train',
            '--model',
            mimo,
            '--gpu',
            'h100',
            '--gpus',
            '8',
            '--tp',
            '1',
            '--pp',
            '1',
            '--micro-batch',
            '1',
            '--recompute',
            'none',
            '--zero',
            '1',
            '--global-batch',
            '64',
            ...extra,
            '--json',
          ])
        ).stdout,
      );
    const [trained, without] = [await train([]), await train(['--mtp-layers', '0'])];
    expect(trained.mtpModules).toBe(1);
    expect(without.mtpModules).toBe(0);
    expect(without.stepSeconds).toBeLessThan(trained.stepSeconds);
    // A dense Llama-style model takes MTP modules too (Megatron-Core builds them for any GPT model).
    const added = await train(['--mtp-layers', '2']);
    expect(added.mtpModules).toBe(2);
    expect(added.stepSeconds).toBeGreaterThan(trained.stepSeconds);
    const hf = await run([
      'finetune',
      '--model',
      mimo,
      '--gpu',
      'h100',
      '--tokens',
      '1M',
      '--mtp-layers',
      '1',
    ]);
    expect(hf.code).toBe(2);
    expect(hf.stderr).toMatch(/--mtp-layers: Hugging Face .* builds no MTP modules.*megatron and torchtitan/);
    expect((await run(['memory', mimo, '--mode', 'infer', '--mtp-layers', '1'])).stderr).toMatch(
      /--mtp-layers: applies only with --mode train/,
    );
    expect(
      (await run(['train', '--model', mimo, '--gpu', 'h100', '--gpus', '8', '--mtp-layers', '17'])).stderr,
    ).toMatch(/--mtp-layers: must be a whole number ≥ 0 and ≤ 16/);
  });
  it('serve --mtp serves fewer tokens per GPU than drafts that cost nothing', async () => {
    const base = [
      'serve',
      '--model',
      mimo,
      '--gpu',
      'h100',
      '--input-tokens',
      '1000',
      '--output-tokens',
      '500',
    ];
    const throughput = async (extra: string[]) =>
      JSON.parse((await run([...base, ...extra, '--gpus', '1', '--json'])).stdout)
        .outputTokensPerSecondPerGpu as number;
    const withDrafter = await throughput(['--mtp', '--acceptance-rate', '0.85']);
    const free = await throughput(['--draft-tokens', '1', '--acceptance-rate', '0.85']);
    expect(withDrafter).toBeLessThan(free);
    expect(withDrafter).toBeGreaterThan(0.8 * free);
    // --draft-tokens with --mtp sets the draft steps (the one module reused), not ignored.
    const three = JSON.parse(
      (await run([...base, '--mtp', '--draft-tokens', '3', '--gpus', '1', '--json'])).stdout,
    );
    expect(three.workload.speculative).toEqual({ draftTokens: 3, acceptanceRate: 0.85 });
    expect((await run([...base, '--mtp', '--draft-tokens', '0', '--gpus', '1'])).stderr).toMatch(
      /--draft-tokens/,
    );
  });
});
