/** The CLI and the web app (which evaluates lever states) price the same run alike: one cost function. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { runCli } from '../../test/run-cli.js';
import type { InputError } from '../core/errors.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { SECONDS_PER_DAY } from '../core/units.js';
import { baselineState, evaluateState } from './levers.js';
import { finetuneBaselineSchema, trainingBaselineSchema } from './schema.js';
import { stateFor } from './state.js';

/** Llama 3 8B fine-tuned on 8 GPUs, rank-16 adapters on every projection (none in full), 64 × 4,096-token batches. */
const evaluateFinetune = (change: Record<string, unknown>) =>
  evaluateState(
    baselineState(
      finetuneBaselineSchema.parse({
        kind: 'finetune',
        model: 'llama-3-8b',
        ...(change.method !== undefined && change.method !== 'full' && { rank: 16, targets: 'all' }),
        gpus: 8,
        seqLen: 4096,
        globalBatch: 64,
        ...change,
      }),
    ),
  );

describe('fine-tuning cost: CLI = web app', () => {
  it('LoRA on 8 × A100: the same dollars, GPU-hours after goodput in both', async () => {
    const cli = await runCli([
      'finetune',
      '--model',
      'llama-3-8b',
      '--method',
      'lora',
      '--rank',
      '16',
      '--targets',
      'all',
      '--tokens',
      '20M',
      '--epochs',
      '2',
      '--gpu',
      'a100',
      '--gpus',
      '8',
      '--seq-len',
      '4096',
      '--global-batch',
      '64',
      '--json',
    ]);
    expect(cli.code).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as { computeCostUsd: number };
    const web = evaluateFinetune({ tokens: 20e6, epochs: 2, method: 'lora', gpu: 'a100' });
    expect(web.costUsd).toBeGreaterThan(0);
    expect(fromCli.computeCostUsd).toBeCloseTo(web.costUsd, 6);
  });
});

/** `llmecon <command> … --json` parsed (exit 0 asserted). */
async function cliJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** 1T tokens on 64 H100 at $2/GPU-hour: the levers baseline and the CLI's flags for it. */
const pretrain = { kind: 'train', tokens: 1e12, gpu: 'h100', gpus: 64, usdPerGpuHour: 2 } as const;
const pretrainFlags = ['--gpu', 'h100', '--gpus', '64', '--tokens', '1e12', '--price-per-gpu-hour', '2'];
const evaluatePretrain = (change: Record<string, unknown>) =>
  evaluateState(baselineState(trainingBaselineSchema.parse({ ...pretrain, ...change })));

describe('expert tensor parallelism and offload: CLI = levers baseline (what the web app evaluates)', () => {
  it('MoE pretraining with --tp 2 --etp 1: the same layout, cost, GPU-hours, days and memory', async () => {
    const cli = await cliJson([
      'train',
      ...pretrainFlags,
      ...'--model qwen3-30b-a3b --tp 2 --etp 1'.split(' '),
    ]);
    const web = evaluatePretrain({ model: 'qwen3-30b-a3b', layout: { tp: 2, etp: 1 } });
    expect(cli.layout.etp).toBe(1);
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.gpuHours).toBe(cli.gpuHours);
    expect(web.timeSeconds / SECONDS_PER_DAY).toBeCloseTo(cli.wallClockDays, 9);
    expect(web.memoryPerGpuBytes).toBe(cli.memoryPerGpuBytes);
  });

  it('dense pretraining with --offload optimizer: the same figures and host memory', async () => {
    const cli = await cliJson(['train', '--model', 'llama-3-8b', ...pretrainFlags, '--offload', 'optimizer']);
    const web = evaluatePretrain({ model: 'llama-3-8b', offload: 'optimizer' });
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.memoryPerGpuBytes).toBe(cli.memoryPerGpuBytes);
    expect(web.offload).toEqual({
      mode: 'optimizer',
      bytesPerGpu: cli.offload.bytesPerGpu,
      bytesPerHost: cli.offload.bytesPerHost,
      capacityBytes: cli.offload.capacityBytes,
      fits: cli.offload.fits,
    });
    expect(web.offload!.bytesPerGpu).toBeGreaterThan(0);
  });

  it.each(['full', 'lora', 'qlora'] as const)(
    '%s fine-tuning with --offload optimizer: the same cost, memory and host memory',
    async (method) => {
      const cli = await cliJson([
        'finetune',
        ...['--model', 'llama-3-8b', '--gpu', 'h100-sxm', '--gpus', '8', '--tokens', '100M'],
        ...['--epochs', '3', '--seq-len', '4096', '--global-batch', '64', '--price-per-gpu-hour', '2'],
        ...['--method', method, ...(method === 'full' ? [] : ['--rank', '16', '--targets', 'all'])],
        ...['--offload', 'optimizer'],
      ]);
      const web = evaluateFinetune({
        tokens: 100e6,
        epochs: 3,
        method,
        gpu: 'h100-sxm',
        usdPerGpuHour: 2,
        offload: 'optimizer',
      });
      expect(web.costUsd).toBeCloseTo(cli.computeCostUsd, 9);
      expect(web.memoryPerGpuBytes).toBe(cli.memoryPerGpuBytes);
      expect(web.offload?.bytesPerGpu).toBe(cli.offload.bytesPerGpu);
      expect(web.offload?.fits).toBe(cli.offload.fits);
    },
  );

  it.each([
    {
      line: '--model qwen3-30b-a3b --tp 4 --etp 2',
      flag: '--etp',
      change: { model: 'qwen3-30b-a3b', layout: { tp: 4, etp: 2 } },
    },
    {
      line: '--model llama-3-8b --offload optimizer+params',
      flag: '--offload',
      change: { model: 'llama-3-8b', offload: 'optimizer+params' },
    },
  ])(
    "$line (an ETP neither 1 nor TP; a mode Megatron does not offload): the CLI's $flag message",
    async ({ line, flag, change }) => {
      const cli = await runCli(['train', ...pretrainFlags, ...line.split(' ')]);
      expect(cli.code).toBe(2);
      let message = '';
      try {
        evaluatePretrain(change);
      } catch (error) {
        message = (error as InputError).issues.map((i) => i.message).join('; ');
      }
      expect(message).not.toBe('');
      expect(cli.stderr).toBe(`error: ${flag}: ${message}`);
    },
  );
});

describe('MTP modules: CLI --mtp-layers = levers baseline mtpLayers (what the web app evaluates)', () => {
  it('MiMo-7B with 0 and 2 MTP modules on Megatron: the same cost and memory as the CLI', async () => {
    const mimo = 'test/fixtures/hf-configs/hand-built/mimo-7b-base.json';
    const spec = modelSpecFrom(JSON.parse(readFileSync(mimo, 'utf8')), 'mimo');
    for (const n of [0, 2]) {
      const cli = await cliJson(['train', '--model', mimo, ...pretrainFlags, '--mtp-layers', String(n)]);
      // The web app's worker evaluates an uploaded config so (web/src/worker.ts).
      const web = evaluateState(
        stateFor('mimo', spec, trainingBaselineSchema.parse({ ...pretrain, model: 'mimo', mtpLayers: n })),
      );
      expect(cli.mtpModules).toBe(n);
      expect(web.costUsd).toBe(cli.costUsd);
      expect(web.memoryPerGpuBytes).toBe(cli.memoryPerGpuBytes);
    }
  });

  it('mtpLayers on a stack that builds none: refused naming baseline.mtpLayers, as the CLI names the flag', () => {
    const issue = inputErrorOf(() => evaluatePretrain({ model: 'deepseek-v3', stack: 'hf', mtpLayers: 1 }))
      .issues[0];
    expect(issue?.path).toEqual(['baseline', 'mtpLayers']);
    expect(issue?.message).toMatch(/builds no MTP modules.*megatron and torchtitan stacks/);
  });
});

describe('TP comm overlap: CLI --tp-comm-overlap = levers baseline tpCommOverlap (what the web app evaluates)', () => {
  it('Llama 3.1 70B at TP 4 on Megatron: the same cost and layout as the CLI, cheaper than exposed', async () => {
    const flags = ['--model', 'llama-3.1-70b', ...pretrainFlags, '--tp', '4'];
    const cli = await cliJson(['train', ...flags, '--tp-comm-overlap']);
    const exposed = await cliJson(['train', ...flags]);
    const web = evaluatePretrain({ model: 'llama-3.1-70b', layout: { tp: 4 }, tpCommOverlap: true });
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.costUsd).toBeLessThan(exposed.costUsd);
  });

  it('on a stack without it: refused naming baseline.tpCommOverlap, as the CLI names the flag', () => {
    const issue = inputErrorOf(() =>
      evaluatePretrain({ model: 'llama-3.1-70b', stack: 'hf', tpCommOverlap: true }),
    ).issues[0];
    expect(issue?.path).toEqual(['baseline', 'tpCommOverlap']);
    expect(issue?.message).toMatch(/hf stack has no modelled tensor-parallel communication overlap/);
  });
});

describe('full-iteration CUDA graphs: CLI --full-iteration-cuda-graphs = levers baseline fullIterationCudaGraphs', () => {
  it('Qwen3 30B-A3B on Megatron: the same cost and layout as the CLI, cheaper than launching per layer', async () => {
    const flags = ['--model', 'qwen3-30b-a3b', ...pretrainFlags];
    const cli = await cliJson(['train', ...flags, '--full-iteration-cuda-graphs']);
    const eager = await cliJson(['train', ...flags]);
    const web = evaluatePretrain({ model: 'qwen3-30b-a3b', fullIterationCudaGraphs: true });
    expect(web.costUsd).toBe(cli.costUsd);
    expect(web.costUsd).toBeLessThan(eager.costUsd);
  });

  it('on a stack without it: refused naming baseline.fullIterationCudaGraphs, as the CLI names the flag', () => {
    const issue = inputErrorOf(() =>
      evaluatePretrain({ model: 'qwen3-30b-a3b', stack: 'torchtitan', fullIterationCudaGraphs: true }),
    ).issues[0];
    expect(issue?.path).toEqual(['baseline', 'fullIterationCudaGraphs']);
    expect(issue?.message).toMatch(/torchtitan stack has no modelled full-iteration CUDA graph capture/);
  });
});

describe('BF16 main-grad buffers: CLI --bf16-grad-buffers = levers baseline bf16GradBuffers', () => {
  it('Llama 3.1 70B in FP8 on Megatron: the same cost and layout as the CLI', async () => {
    const flags = ['--model', 'llama-3.1-70b', ...pretrainFlags, '--precision', 'fp8'];
    const cli = await cliJson(['train', ...flags, '--bf16-grad-buffers']);
    const web = evaluatePretrain({ model: 'llama-3.1-70b', precision: 'fp8', bf16GradBuffers: true });
    expect(web.costUsd).toBe(cli.costUsd);
    expect(cli.bf16GradBuffers).toBe(true);
  });
  it('on a stack without it: refused naming baseline.bf16GradBuffers, as the CLI names the flag', () => {
    const issue = inputErrorOf(() =>
      evaluatePretrain({ model: 'llama-3.1-70b', stack: 'hf', bf16GradBuffers: true }),
    ).issues[0];
    expect(issue?.path).toEqual(['baseline', 'bf16GradBuffers']);
    expect(issue?.message).toMatch(/hf stack has no modelled BF16 main-grad buffers/);
  });
});

describe('BF16 main-grad buffers in fine-tuning: CLI finetune --bf16-grad-buffers = levers baseline bf16GradBuffers', () => {
  it('full fine-tuning in FP8 on Megatron: the same cost as the CLI, less than with FP32 buffers', async () => {
    const flags = [
      ...['finetune', '--model', 'llama-3-8b', '--gpu', 'h100-sxm', '--gpus', '8', '--tokens', '100M'],
      ...['--seq-len', '4096', '--global-batch', '64', '--price-per-gpu-hour', '2', '--method', 'full'],
      ...['--precision', 'fp8', '--stack', 'megatron'],
    ];
    const cli = await cliJson([...flags, '--bf16-grad-buffers']);
    const fp32 = await cliJson(flags);
    const base = { tokens: 100e6, method: 'full', gpu: 'h100-sxm', usdPerGpuHour: 2, precision: 'fp8' };
    const web = evaluateFinetune({ ...base, stack: 'megatron', bf16GradBuffers: true });
    expect(web.costUsd).toBeCloseTo(cli.computeCostUsd, 9);
    expect(cli.computeCostUsd).toBeLessThan(fp32.computeCostUsd);
  });
});
