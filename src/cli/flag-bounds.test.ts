/**
 * Values at the bottom of a flag's range and empty values (adversarial audit H6, M4): a fraction,
 * duration or price that divides is bounded away from 0, and an empty value, a hex number or an empty
 * list item is refused naming the flag; nothing prints NaN or Infinity, with or without --json.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const TRAIN = ['train', '--model', 'llama-3-8b', '--tokens', '1T', '--gpu', 'h100-sxm', '--gpus', '64'];
const SERVE = ['serve', '--model', 'llama-3-8b', '--gpu', 'h100-sxm', '--input-tokens', '1000'];
const SERVE_ARGS = [...SERVE, '--output-tokens', '100'];
const COMPARE = [
  'compare-api',
  '--model',
  'llama-3-8b',
  '--gpu',
  'h100-sxm',
  '--api',
  'gpt-4o-mini',
  '--input-tokens',
  '1000',
  '--output-tokens',
  '100',
];
const OWNED = ['--purchase-price-per-gpu', '30000'];

/** Refused with exactly `message` (one line, exit 2, nothing on standard output), also with --json. */
async function refused(args: string[], message: string) {
  for (const argv of [args, [...args, '--json']]) {
    const r = await run(argv);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message}`,
    });
  }
}

describe('H6: fractions, durations and prices bounded away from 0', () => {
  const goodput = (v: string) =>
    `--goodput: must be at least 0.01 and at most 1 (a fraction of the time), got '${v}'`;
  it.each(['5e-324', '1e-300', '0.009'])('train --goodput %s is refused', async (v) => {
    await refused([...TRAIN, '--goodput', v], goodput(v));
  });
  it('--utilization and --life-years of owned hardware (train, serve, compare-api)', async () => {
    await refused(
      [...TRAIN, ...OWNED, '--utilization', '5e-324'],
      "--utilization: must be at least 0.01 and at most 1 (a fraction of the time), got '5e-324'",
    );
    const life = "--life-years: must be at least 0.1 and at most 50 (years), got '5e-324'";
    await refused([...TRAIN, ...OWNED, '--life-years', '5e-324'], life);
    await refused([...SERVE_ARGS, ...OWNED, '--life-years', '5e-324'], life);
    await refused([...COMPARE, ...OWNED, '--life-years', '5e-324'], life);
  });
  it('owned hardware costing more per GPU-hour than a rental may is refused, naming the terms', async () => {
    const r = await run([
      ...TRAIN,
      '--purchase-price-per-gpu',
      '1e8',
      '--life-years',
      '0.1',
      '--utilization',
      '0.01',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --purchase-price-per-gpu: a \$100,000,000 GPU and its server \(×1\.64\) amortised over 0\.1 years at 0\.01 utilization cost \$18,70\d,\d{3} per GPU-hour, above the \$10,000 a GPU-hour may cost \(--price-per-gpu-hour's maximum\): lower the price or raise --life-years or --utilization$/,
    );
  });
  it('--price-per-gpu-hour below a cent, and scaling names the flag the user gave, once', async () => {
    const price =
      "--price-per-gpu-hour: must be at least 0.01 and at most 10,000 (USD per GPU-hour), got '5e-324'";
    await refused([...TRAIN, '--price-per-gpu-hour', '5e-324'], price);
    await refused([...SERVE_ARGS, '--price-per-gpu-hour', '5e-324'], price);
    await refused(['scaling', '--usd', '1e13', '--gpu', 'h100-sxm', '--price-per-gpu-hour', '5e-324'], price);
    await refused(
      ['scaling', '--usd', '1e13', '--gpu', 'h100-sxm', '--mfu', '5e-324'],
      "--mfu: must be at least 0.01 and at most 1 (an MFU), got '5e-324'",
    );
  });
  it('a dollar budget is at least a cent', async () => {
    await refused(
      ['scaling', '--usd', '5e-324', '--gpu', 'h100-sxm'],
      "--usd: must be at least 0.01 and at most 1e13 (USD), got '5e-324'",
    );
  });
  it('counts of tokens are at least 1', async () => {
    await refused(
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100-sxm', '--gpus', '64', '--tokens', '5e-324'],
      "--tokens: must be at least 1 and at most 1e16 (tokens), got '5e-324'",
    );
    await refused(
      [...TRAIN, '--global-batch-tokens', '0.5'],
      "--global-batch-tokens: must be at least 1 and at most 1e10 (tokens), got '0.5'",
    );
  });
  it('at the bounds the figures are finite, and the help states the bounds', async () => {
    const r = await run([
      ...TRAIN,
      '--goodput',
      '0.01',
      ...OWNED,
      '--life-years',
      '0.1',
      '--utilization',
      '0.01',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Number.isFinite(out.gpuHours) && Number.isFinite(out.costUsd)).toBe(true);
    const help = (await run(['train', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('fraction of time making progress, 0.01–1');
    expect(help).toContain('depreciation life, 0.1–50 years');
    expect(help).toContain('share of the life spent on useful work, 0.01–1');
    expect(help).toContain('rental price, at least $0.01 per GPU-hour');
  });
});

describe('M4: empty values, hex numbers and empty list items are refused naming the flag', () => {
  it.each([
    [[...SERVE_ARGS, '--cache-hit-rate', ''], '--cache-hit-rate: must not be empty'],
    [[...SERVE_ARGS, '--cache-hit-rate', ' '], '--cache-hit-rate: must not be empty'],
    [[...SERVE_ARGS, '--cache-hit-rate', '0x0'], "--cache-hit-rate: a fraction in [0, 1), got '0x0'"],
    [[...TRAIN, '--cluster', ''], '--cluster: must not be empty'],
    [[...SERVE_ARGS, '--cluster', ''], '--cluster: must not be empty'],
    [['memory', 'llama-3-8b', '--gpu', ''], '--gpu: must not be empty'],
    [
      ['rl', '--model', 'qwen2.5-7b', '--gpu', 'h100-sxm', '--reward-model', ''],
      '--reward-model: must not be empty',
    ],
    [
      [
        'serve',
        '--model',
        'llama-3-8b',
        '--gpu',
        'h100-sxm,',
        '--input-tokens',
        '1000',
        '--output-tokens',
        '100',
      ],
      "--gpu: has an empty item in the list 'h100-sxm,' (separate items with single commas, no trailing comma)",
    ],
    [
      [...SERVE_ARGS, '--weights', 'bf16,,fp8'],
      "--weights: has an empty item in the list 'bf16,,fp8' (separate items with single commas, no trailing comma)",
    ],
    [['gpus', ''], '[id]: must not be empty'],
    [['params', ' '], '<model>: must not be empty'],
    [['--efficiency', '', 'gpus'], '--efficiency: must not be empty'],
  ])('%j', async (args, message) => {
    const r = await run(args);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${message}`,
    });
  });
  it.each(['0x10', '', ' ', '1e-400', '1.5', '-1'])('flops --ops --layer %j is refused', async (v) => {
    const r = await run(['flops', 'llama-3-8b', '--ops', '--layer', v]);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: --layer: must be a layer index (a whole number, from 0) or 'head', got '${v}'`,
    });
  });
  it('--layer 16 and head still work; levers --phase takes decimal indices only', async () => {
    expect((await run(['flops', 'llama-3-8b', '--ops', '--layer', '16'])).stdout).toMatch(
      /^Meta Llama 3 8B: layer 16 /,
    );
    expect((await run(['flops', 'llama-3-8b', '--ops', '--layer', 'head'])).stdout).toMatch(/output head/);
    expect(await run(['levers', 'examples/deepseek-v3.yaml', '--phase', '0x1'])).toMatchObject({
      code: 2,
      stderr: "error: --phase: must be a phase index ≥ 0 (a whole number, from 0), got '0x1'",
    });
  });
});
