/** Stacks run only where they have a port (catalog/stacks gpuVendors): named ones are refused elsewhere, defaults fall back. */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../test/input-error.js';
import { STACK_IDS, stackLayoutIssues } from '../core/training/stack.js';
import { parseScenario } from '../scenario/load.js';
import { prepareScenario } from '../scenario/prepare.js';
import { loadCatalog } from './catalog.js';
import { STACKS_FILES } from './data.js';
import { stackOnGpu } from './stacks.js';

describe('stack GPU vendors', () => {
  it('name only vendors the GPU catalog has', () => {
    const vendors = new Set([...loadCatalog().gpus.values()].map((g) => g.vendor));
    for (const id of STACK_IDS) {
      const listed = (STACKS_FILES[id] as { gpuVendors?: { value: string[] } }).gpuVendors?.value ?? [];
      for (const v of listed) expect(vendors, `${id}: ${v}`).toContain(v);
    }
  });
  it('a default with no port to the GPU falls back to Hugging Face; a stack named there is refused', () => {
    expect(stackOnGpu('pretrain', undefined, 'h100-sxm').id).toBe('megatron');
    expect(stackOnGpu('pretrain', undefined, 'mi300x').id).toBe('megatron');
    expect(stackOnGpu('pretrain', undefined, 'tpu-v6e').id).toBe('hf');
    // The fallback says so where it refuses a layout the user thought the default would run.
    expect(
      stackLayoutIssues(stackOnGpu('pretrain', undefined, 'tpu-v6e'), { tensorParallel: 2 })[0]!.message,
    ).toBe(
      'Hugging Face Trainer / TRL / PEFT (taken on tpu-v6e, where Megatron-Core / NeMo, the pretrain default, does not run; name another with --stack) does not support tensor parallelism',
    );
    expect(stackOnGpu('pretrain', undefined, 'h100-sxm').takenBecause).toBeUndefined();
    expect(stackOnGpu('finetune', 'unsloth', 'mi300x').id).toBe('unsloth');
    const tpu = inputErrorOf(() => stackOnGpu('pretrain', 'megatron', 'tpu-v6e'));
    expect(tpu.issues[0]).toMatchObject({
      path: ['--stack'],
      message: expect.stringMatching(
        /runs on NVIDIA, AMD, Intel and AWS accelerators .* not Google's tpu-v6e; stacks that run there: hf$/,
      ),
    });
    expect(inputErrorOf(() => stackOnGpu('finetune', 'unsloth', 'gaudi3')).message).toMatch(
      /not Intel's gaudi3/,
    );
  });
  it('a scenario phase names its own field', () => {
    const text = `name: t\nmodel: llama-3-8b\nhorizonMonths: 12\nphases:\n  - kind: pretrain\n    name: p\n    startMonth: 0\n    tokens: 1T\n    gpu: tpu-v6e\n    gpus: 64\n    stack: torchtitan\n    wattsPerGpu: 500\n    hardware: { rent: { usdPerGpuHour: 2 } }\n`;
    const error = inputErrorOf(() => prepareScenario(parseScenario(text)));
    expect(error.issues[0]?.path).toEqual(['phases', 0, 'stack']);
  });
});
