/**
 * Every 2025–26 accelerator of issue 14 through the CLI: train, serve, memory (train and infer) and
 * kernel exit 0 (3 where the model does not fit) with finite --json numbers; block-scaled datatypes
 * (NVFP4, MXFP4, MXFP8) are refused with exit 2 on GPUs whose datasheet lists none.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { loadCatalog } from '../catalog/catalog.js';
import { InputError } from '../core/errors.js';
import { formatSupportError } from '../core/precision.js';
import { applyLever } from '../levers/levers.js';
import type { Lever, ServingBaseline } from '../levers/schema.js';
import { baselineState } from '../levers/state.js';
import { parseScenario } from '../scenario/load.js';
import { prepareScenario } from '../scenario/prepare.js';

const NEW_GPUS = [
  'b300',
  'gb300',
  'mi355x',
  'tpu-v6e',
  'tpu7x',
  'trainium2',
  'rtx-pro-6000',
  'rtx-5090',
  'h20',
] as const;
/** Google publishes no power figure for these chips (Trainium2 has SemiAnalysis's ~500 W estimate): energy, CO2 and electricity $ are not estimated. */
const NO_POWER = new Set<string>(['tpu-v6e', 'tpu7x']);
/** GPUs without a catalog rental price get one on the command line (the cost is not under test). */
const PRICE = ['--price-per-gpu-hour', '2'];

function finiteNumbers(value: unknown, path = '$'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) finiteNumbers(v, `${path}[${i}]`);
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) finiteNumbers(v, `${path}.${k}`);
}

async function runJson(args: string[], allowed: number[] = [0]): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await runCli([...args, '--json']);
  expect(allowed, `${args.join(' ')} → exit ${code}: ${stderr}`).toContain(code);
  expect(stdout).not.toMatch(/NaN|Infinity/);
  const json = JSON.parse(stdout) as Record<string, unknown>;
  finiteNumbers(json);
  return json;
}

describe.each(NEW_GPUS)('every command runs on %s', { timeout: 180_000 }, (gpu) => {
  it('train, serve, finetune', async () => {
    const train = [
      'train',
      '--model',
      'llama-3-8b',
      '--gpu',
      gpu,
      '--gpus',
      '64',
      '--tokens',
      '1B',
      ...PRICE,
    ];
    const serve = [
      'serve',
      '--model',
      'llama-3-8b',
      '--gpu',
      gpu,
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
      ...PRICE,
    ];
    const finetune = [
      'finetune',
      '--model',
      'llama-3-8b',
      '--method',
      'lora',
      '--gpu',
      gpu,
      '--gpus',
      '8',
      '--tokens',
      '20M',
      ...PRICE,
    ];
    /** Energy of a run (train, finetune) or a deployment's day (serve), and the note. */
    const energyOf = (args: string[], json: Record<string, unknown>) => ({
      kWh: (args[0] === 'serve' ? json.energyKWhPerDay : json.energyKWh) as number | null,
      note: json.energyNote as string | null,
    });
    for (const args of [train, serve, finetune]) {
      const json = await runJson(args);
      const text = await runCli(args);
      expect(text.stdout).not.toMatch(/NaN|Infinity/);
      const e = energyOf(args, json);
      if (NO_POWER.has(gpu)) {
        // Time, GPU-hours and $ without a power figure; energy is null with the note, never 0 or NaN.
        expect(e.kWh).toBeNull();
        expect(e.note).toBe(
          `not estimated (the catalog has no power figure for ${gpu}; pass --watts-per-gpu W)`,
        );
        expect(text.stdout).toContain(`no power figure for ${gpu}`);
        // --watts-per-gpu gives it one.
        const given = energyOf(args, await runJson([...args, '--watts-per-gpu', '1000']));
        expect(given.kWh!).toBeGreaterThan(0);
        expect(given.note).toBeNull();
      } else {
        expect(e.kWh!).toBeGreaterThan(0);
        expect(e.note).toBeNull();
      }
    }
  });
  it('memory --mode train and --mode infer', async () => {
    // TPUs train on the one stack ported to them, Hugging Face's (catalog/stacks gpuVendors): no tensor parallelism.
    const tp = gpu.startsWith('tpu') ? [] : ['--tp', '8'];
    await runJson(['memory', 'llama-3-8b', '--mode', 'train', '--gpu', gpu, ...tp], [0, 3]);
    await runJson(['memory', 'llama-3-8b', '--mode', 'infer', '--gpu', gpu, '--batch', '8'], [0, 3]);
  });
  it('kernel gemm, memory, attention, collective', async () => {
    const gemm = await runJson(['kernel', 'gemm', '--gpu', gpu, '--m', '4096', '--n', '4096', '--k', '4096']);
    expect(gemm.seconds as number).toBeGreaterThan(0);
    await runJson(['kernel', 'memory', '--gpu', gpu, '--bytes', '1e9']);
    await runJson([
      'kernel',
      'attention',
      '--gpu',
      gpu,
      '--batch',
      '1',
      '--heads',
      '32',
      '--seq-len',
      '4096',
      '--head-dim',
      '128',
    ]);
    await runJson([
      'kernel',
      'collective',
      '--gpu',
      gpu,
      '--kind',
      'all-reduce',
      '--bytes',
      '1e8',
      '--group',
      '8',
    ]);
  });
});

describe('block-scaled datatypes', () => {
  it('run where the datasheet lists them: an NVFP4 GEMM on a B300 is faster than its BF16 GEMM', async () => {
    const shape = ['--m', '8192', '--n', '8192', '--k', '8192'];
    const bf16 = await runJson(['kernel', 'gemm', '--gpu', 'b300', ...shape, '--dtype', 'bf16']);
    const nvfp4 = await runJson(['kernel', 'gemm', '--gpu', 'b300', ...shape, '--dtype', 'nvfp4']);
    expect(nvfp4.seconds as number).toBeLessThan(bf16.seconds as number);
    await runJson([
      'serve',
      '--model',
      'llama-3-8b',
      '--gpu',
      'b200',
      '--weights',
      'nvfp4',
      '--kv',
      'nvfp4',
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
    ]);
    await runJson([
      'serve',
      '--model',
      'llama-3-8b',
      '--gpu',
      'mi355x',
      '--weights',
      'mxfp4',
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
      ...PRICE,
    ]);
  });
  it.each([
    [
      'h100',
      [
        'serve',
        '--model',
        'llama-3-8b',
        '--weights',
        'nvfp4',
        '--input-tokens',
        '100',
        '--output-tokens',
        '10',
      ],
      '--weights',
    ],
    [
      'a100',
      [
        'serve',
        '--model',
        'llama-3-8b',
        '--weights',
        'mxfp8',
        '--input-tokens',
        '100',
        '--output-tokens',
        '10',
      ],
      '--weights',
    ],
    [
      'mi300x',
      ['serve', '--model', 'llama-3-8b', '--kv', 'nvfp4', '--input-tokens', '100', '--output-tokens', '10'],
      '--kv',
    ],
    ['h200', ['kernel', 'gemm', '--m', '64', '--n', '64', '--k', '64', '--dtype', 'mxfp4'], '--dtype'],
  ])('are refused on %s (exit 2 naming %s)', async (gpu, args, flag) => {
    const r = await runCli([...args, '--gpu', gpu]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toMatch(/MXFP|NVFP|mxfp|nvfp/);
  });
  it('are refused exactly on the catalog GPUs whose datasheet lists no peak for them', () => {
    for (const gpu of loadCatalog().gpus.values()) {
      for (const format of ['nvfp4', 'mxfp4', 'mxfp8'] as const) {
        const error = formatSupportError(format, gpu);
        if (gpu.peakFlopsPerSecond[format] === undefined) {
          expect(error, `${gpu.id} ${format}`).toContain(gpu.id);
          expect(error).toContain(format.toUpperCase());
        } else expect(error, `${gpu.id} ${format}`).toBeNull();
      }
      // Other formats are never refused on their datatype (weight-only kernels dequantise them).
      for (const format of ['bf16', 'fp8', 'fp4', 'int4', 'nf4'] as const)
        expect(formatSupportError(format, gpu)).toBeNull();
    }
    expect(formatSupportError('nvfp4', loadCatalog().gpus.get('h100-sxm')!)).not.toBeNull();
    expect(formatSupportError('nvfp4', loadCatalog().gpus.get('b300')!)).toBeNull();
    // A KV cache is offered the KV formats (fp4 and int4 are weight formats), and memory --mode infer checks as serve does.
    const a100 = loadCatalog().gpus.get('a100-80gb')!;
    expect(formatSupportError('nvfp4', a100, 'kv')).toMatch(/; use fp8 or bf16$/);
    expect(formatSupportError('nvfp4', a100)).toMatch(/; use fp4 \(MXFP4 weights .*\) or int4$/);
  });
  it('memory --mode infer refuses a block-scaled KV cache on a GPU without its tensor cores, as serve does', async () => {
    const line = ['--model', 'llama-3-8b', '--gpu', 'a100-80gb', '--kv', 'nvfp4'];
    const memory = await runCli(['memory', 'llama-3-8b', '--mode', 'infer', ...line.slice(2)]);
    const serve = await runCli(['serve', ...line, '--input-tokens', '100', '--output-tokens', '10']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toBe(serve.stderr);
    expect(memory.stderr).toMatch(/^error: --kv: a100-80gb has no NVFP4 tensor cores .*; use fp8 or bf16/);
  });
});

describe('levers with block-scaled formats', () => {
  const baseline = (gpu: string) =>
    ({
      kind: 'serve',
      model: 'llama-3-8b',
      gpu,
      weights: 'nvfp4',
      kv: 'nvfp4',
      inputTokens: 1000,
      outputTokens: 200,
      tokensPerDay: 1e9,
      days: 30,
    }) as unknown as ServingBaseline;
  it('a serving baseline in NVFP4 is refused on an H100, naming the field', () => {
    expect(() => baselineState(baseline('h100'))).toThrow(/NVFP4/);
  });
  it('the gpu lever maps NVFP4 weights and KV to MXFP4 storage and FP8 KV on a GPU without NVFP4', () => {
    const s = baselineState(baseline('b200'));
    const { state } = applyLever(s, { lever: 'gpu', gpu: 'h100' } as Lever, 0);
    expect(state.kind === 'serve' && [state.weights, state.kv]).toEqual(['fp4', 'fp8']);
  });
});

describe('scenarios on an accelerator without a power figure', () => {
  const text = (watts: string) => `name: tpu
model: llama-3-8b
horizonMonths: 12
phases:
  - kind: pretrain
    name: pretraining
    tokens: 10B
    gpu: tpu-v6e
    gpus: 256
${watts}    hardware: { rent: { usdPerGpuHour: 2.7 } }
`;
  it('need wattsPerGpu on the phase (a scenario books energy every month), naming the path', () => {
    let error: unknown;
    try {
      prepareScenario(parseScenario(text('')));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues[0]).toMatchObject({
      path: ['phases', 0, 'wattsPerGpu'],
      message: expect.stringContaining('no power figure for tpu-v6e'),
    });
    expect(() => parseScenario(text('    wattsPerGpu: 0\n'))).toThrow(/wattsPerGpu/);
  });
  it('with it, the phase prices energy at the watts given', () => {
    const watts = (w: number) => {
      const p = prepareScenario(parseScenario(text(`    wattsPerGpu: ${w}\n`)));
      return p.phases[0]!.energy.nodeWattsPerGpu;
    };
    expect(watts(900)).toBe(900);
    expect(watts(1800)).toBe(1800);
  });
});

describe('owned hardware without a power figure', () => {
  it('costs the hardware alone and says electricity is excluded (train and serve)', async () => {
    const owned = ['--gpu', 'tpu-v6e', '--purchase-price-per-gpu', '20000'];
    const trainArgs = ['train', '--model', 'llama-3-8b', '--gpus', '64', '--tokens', '1B', ...owned];
    const train = await runJson(trainArgs);
    expect(train.priceBasis).toContain('electricity excluded (power unknown)');
    expect(train.costUsd as number).toBeGreaterThan(0);
    expect((train.costSplitUsd as { energyUsd: number | null }).energyUsd).toBeNull();
    const serve = await runJson([
      'serve',
      '--model',
      'llama-3-8b',
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
      ...owned,
    ]);
    expect(serve.priceBasis).toContain('electricity excluded (power unknown)');
    const withWatts = await runJson([...trainArgs, '--watts-per-gpu', '900']);
    // Electricity adds to owned cost once power is known.
    expect(withWatts.costUsd as number).toBeGreaterThan(train.costUsd as number);
  });
});
