/**
 * Bad inputs from the issue 15 audit: every one gets a precise message naming the flag and what is
 * allowed, exit 2, quickly (bounded counts), and nothing prints NaN or Infinity.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run, SERVE_8B_H100 } from '../../test/run-cli.js';

/** `serve` of 100-in / 100-out requests on the DGX H100 cluster with `--gpu` beside it. */
const serveOnDgxH100 = (gpu: string) => [
  ...['serve', '--model', 'llama-3-8b', '--cluster', 'dgx-h100', '--gpu', gpu],
  ...['--input-tokens', '100', '--output-tokens', '100', '--requests-per-second', '1'],
];

const DEEPSEEK_H200 = [
  'serve',
  '--model',
  'deepseek-v3',
  '--gpu',
  'h200',
  '--input-tokens',
  '1000',
  '--output-tokens',
  '200',
];

describe('CLI inputs: domain bounds, integers, flags that would do nothing', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'fractional seed',
      ['run', 'examples/deepseek-v3.yaml', '--seed', '1.5'],
      /^error: --seed: must be a whole number ≥ 0 and ≤ 2,147,483,647 \(a seed\), got '1\.5'$/,
    ],
    [
      'seed with trailing letters',
      ['run', 'examples/deepseek-v3.yaml', '--seed', '12abc'],
      /^error: --seed: expected a number such as .*got '12abc'$/,
    ],
    [
      'GPUs beyond any cluster',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '6e15'],
      /^error: --gpus: must be a whole number ≥ 1 and ≤ 10,000,000 \(GPUs\), got '6e15'$/,
    ],
    [
      'GPUs at 2^53',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '9007199254740992'],
      /^error: --gpus: must be a whole number ≥ 1 and ≤ 10,000,000/,
    ],
    [
      'Monte Carlo samples above the maximum',
      ['run', 'examples/deepseek-v3.yaml', '--samples', '1e9'],
      /^error: --samples: must be a whole number ≥ 1 and ≤ 100,000 \(samples\), got '1e9'$/,
    ],
    [
      'a simulation of a billion requests (would run for hours)',
      [
        ...SERVE_8B_H100,
        '--input-tokens',
        '1000',
        '--output-tokens',
        '200',
        '--simulate',
        '--requests',
        '1e9',
      ],
      /^error: --requests: must be a whole number ≥ 1 and ≤ 200,000 \(simulated requests\), got '1e9'$/,
    ],
    [
      'a GEMM dimension that would overflow the tile count',
      ['kernel', 'gemm', '--gpu', 'h200', '--m', '1e15', '--n', '4096', '--k', '4096'],
      /^error: --m: must be a whole number ≥ 1 and ≤ 16,777,216 \(a GEMM dimension\), got '1e15'$/,
    ],
    [
      'a base cost that would overflow',
      ['trends', '--base-usd', '1e308'],
      /^error: --base-usd: must be at least 0.01 and at most 1e13 \(USD\), got '1e308'$/,
    ],
    [
      'a batch that would overflow, with --json',
      ['kv', 'llama-3-8b', '--batch', '1e300', '--json'],
      /^error: --batch: must be a whole number ≥ 1 and ≤ 1e8 \(sequences\), got '1e300'$/,
    ],
    [
      'a goodput above 1',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--goodput', '1.5'],
      /^error: --goodput: must be at least 0\.01 and at most 1 \(a fraction of the time\), got '1\.5'$/,
    ],
    [
      'a PUE below 1',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--pue', '0.5'],
      /^error: --pue: must be at least 1 and at most 3 \(a PUE\), got '0\.5'$/,
    ],
    [
      'tokens beyond the bound',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--tokens', '1e300'],
      /^error: --tokens: must be at least 1 and at most 1e16 \(tokens\), got '1e300'$/,
    ],
    [
      '--life-years without a purchase price',
      ['train', '--model', 'llama-3-8b', '--gpu', 'h100', '--gpus', '8', '--life-years', '3'],
      /^error: --life-years: applies only to owned hardware: give --purchase-price-per-gpu too$/,
    ],
    [
      '--weights in training mode',
      ['memory', 'llama-3-8b', '--weights', 'int4'],
      /^error: --weights: applies only with --mode infer$/,
    ],
    [
      '--seq-len in inference mode',
      ['memory', 'llama-3-8b', '--mode', 'infer', '--seq-len', '4096'],
      /^error: --seq-len: applies only with --mode train/,
    ],
    [
      'serve: --gpu beside a --cluster of another GPU',
      serveOnDgxH100('a100'),
      /^error: --gpu: cluster 'dgx-h100' has h100-sxm GPUs, not a100-80gb$/,
    ],
    [
      'serve: several GPUs beside a --cluster',
      serveOnDgxH100('h100,a100'),
      /^error: --gpu: with --cluster give at most one GPU, the cluster's; got h100, a100$/,
    ],
    [
      'kernel collective: --gpu beside a --cluster of another GPU',
      ['kernel', 'collective', '--cluster', 'dgx-h100', '--gpu', 'a100', '--bytes', '1G'],
      /^error: --gpu: cluster 'dgx-h100' has h100-sxm GPUs, not a100-80gb$/,
    ],
    [
      '--redundant-experts on a dense model',
      [...SERVE_8B_H100, '--input-tokens', '100', '--output-tokens', '100', '--redundant-experts', '8'],
      /^error: --redundant-experts: .* is dense; redundant expert slots need a mixture-of-experts model$/,
    ],
    [
      '--redundant-experts that no searched EP size divides (256 + 3 is odd)',
      [...DEEPSEEK_H200, '--redundant-experts', '3'],
      /^error: --redundant-experts: no expert parallelism the search tries \(powers of two from 2 to 256\) divides the 256 experts \+ 3 redundant slots of DeepSeek-V3: choose a count that makes the sum even, or fix the EP size$/,
    ],
    [
      '--gpus below a fixed replica (was "up to TP-Infinity")',
      [...DEEPSEEK_H200, '--gpus', '4', '--tp', '8'],
      /^error: --gpus: 4 GPUs hold no replica: the smallest layout tried takes 8 \(TP × EP × PP\); raise --gpus or lower --tp\/--ep\/--pp$/,
    ],
    [
      '--gpus 1 with redundant experts (EP ≥ 2)',
      [...DEEPSEEK_H200, '--gpus', '1', '--redundant-experts', '32'],
      /^error: --gpus: 1 GPU holds no replica: the smallest layout tried takes 2/,
    ],
    [
      '--mem-fraction without --engine',
      [...SERVE_8B_H100, '--input-tokens', '100', '--output-tokens', '100', '--mem-fraction', '0.8'],
      /^error: --mem-fraction: applies only with --engine$/,
    ],
    [
      '--mem-fraction 0',
      [
        ...SERVE_8B_H100,
        ...['--input-tokens', '100', '--output-tokens', '100', '--engine', 'vllm', '--mem-fraction', '0'],
      ],
      /^error: --mem-fraction: must be greater than 0 and at most 1 \(a share of GPU memory\), got '0'$/,
    ],
    [
      '--stack in inference mode',
      ['memory', 'llama-3-8b', '--mode', 'infer', '--stack', 'megatron'],
      /^error: --stack: applies only with --mode train/,
    ],
    [
      '--prefill-tp without --disaggregated',
      [...SERVE_8B_H100, '--input-tokens', '1000', '--output-tokens', '100', '--prefill-tp', '2'],
      /^error: --prefill-tp: applies only with --disaggregated$/,
    ],
    [
      '--base-format with QLoRA',
      [
        'finetune',
        '--model',
        'llama-3-8b',
        '--method',
        'qlora',
        '--base-format',
        'fp8',
        '--tokens',
        '1M',
        '--gpu',
        'h100',
      ],
      /^error: --base-format: qlora takes a frozen base of nf4 or gptq, got 'fp8'/,
    ],
    [
      '--rank with full fine-tuning',
      [
        'finetune',
        '--model',
        'llama-3-8b',
        '--method',
        'full',
        '--rank',
        '64',
        '--tokens',
        '1M',
        '--gpu',
        'h100',
      ],
      /^error: --rank: applies only with an adapter method \(lora, dora, qlora\)$/,
    ],
    [
      '--tokens together with --examples',
      [
        'finetune',
        '--model',
        'llama-3-8b',
        '--tokens',
        '1M',
        '--examples',
        '1000',
        '--avg-tokens',
        '500',
        '--gpu',
        'h100',
      ],
      /^error: --tokens: give the dataset as --tokens or as --examples with --avg-tokens, not both$/,
    ],
    [
      'a fractional rank',
      ['finetune', '--model', 'llama-3-8b', '--rank', '1.5', '--tokens', '1M', '--gpu', 'h100'],
      /^error: --rank: must be a whole number ≥ 1 and ≤ 65,536 \(adapter rank\), got '1\.5'$/,
    ],
    [
      'a FLOP budget beyond the bound',
      ['scaling', '--flops', '1e300'],
      /^error: --flops: must be at least 1 and at most 1e35 \(FLOPs\), got '1e300'$/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const started = Date.now();
      const result = await run(args);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  }
});

describe('scenarios: exit codes as the CLI', () => {
  it('a phase that does not fit in memory exits 3 and names the scenario path, not a flag', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'nofit.yaml');
    writeFileSync(
      file,
      'name: does not fit\nmodel: llama-3.1-405b\nhorizonMonths: 24\nphases:\n  - kind: pretrain\n    name: pretraining\n    tokens: 1T\n    gpu: h100\n    gpus: 8\n    hardware: { rent: { usdPerGpuHour: 2 } }\n',
    );
    const r = await run(['run', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: phases\[0\]\.gpus: line 9: pretraining: no layout fits in memory/);
    expect(r.stderr).not.toMatch(/--/);
  });
});

describe('first-hour: asking whether QLoRA fits needs no price', () => {
  it('a GPU without a catalog price: the fit and GPU-hours are answered, the cost omitted with a note', async () => {
    const qlora = [
      'finetune',
      '--model',
      'llama-3-8b',
      '--method',
      'qlora',
      '--gpu',
      'h20',
      '--tokens',
      '1M',
    ];
    const r = await run(qlora);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GiB\/GPU/);
    expect(r.stdout).toMatch(
      /cost omitted: the catalog has no rental price for h20 \(pass --price-per-gpu-hour\)/,
    );
    const json = JSON.parse((await run([...qlora, '--json'])).stdout);
    expect(json).toMatchObject({ fits: true, costUsd: null, usdPerGpuHour: null });
  });
});
