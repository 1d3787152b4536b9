/**
 * A fine-tuning baseline of `llmecon levers` as `llmecon finetune` runs it: the embedding and head
 * trained beside the adapters (`trainEmbeddings`), and the dataset's shape (examples, packing,
 * padding to the longest) carried over from a scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCliJson } from '../../test/run-cli.js';
import type { InputError } from '../core/errors.js';
import { parseScenario } from '../scenario/load.js';
import { baselineFromScenario } from './from-scenario.js';
import { applyLever, baselineState, evaluateState } from './levers.js';
import { finetuneBaselineSchema, type Lever, leverSchema } from './schema.js';

describe('a fine-tuning baseline may train the embedding and head beside its adapters', () => {
  const base = {
    kind: 'finetune',
    model: 'llama-3-8b',
    tokens: 20e6,
    method: 'lora',
    gpu: 'h100',
    gpus: 8,
    usdPerGpuHour: 2,
  };
  it('as `llmecon finetune --train-embeddings`: more trainable parameters, more memory, more cost', () => {
    const plain = evaluateState(baselineState(finetuneBaselineSchema.parse(base)));
    const emb = evaluateState(
      baselineState(finetuneBaselineSchema.parse({ ...base, trainEmbeddings: true })),
    );
    expect(emb.costUsd).toBeGreaterThan(plain.costUsd);
    expect(emb.memoryPerGpuBytes).toBeGreaterThan(plain.memoryPerGpuBytes);
  });
  it('a frozen base as `--base-format`: QLoRA on a GPTQ checkpoint is slower than on NF4; a base the method does not take is refused at baseline.baseFormat', () => {
    const qlora = { ...base, method: 'qlora' };
    const nf4 = evaluateState(baselineState(finetuneBaselineSchema.parse(qlora)));
    const gptq = evaluateState(baselineState(finetuneBaselineSchema.parse({ ...qlora, baseFormat: 'gptq' })));
    expect(gptq.timeSeconds).toBeGreaterThan(nf4.timeSeconds);
    for (const [method, format] of [
      ['lora', 'gptq'],
      ['full', 'bf16'],
    ] as const) {
      let issue: InputError['issues'][number] | undefined;
      try {
        baselineState(finetuneBaselineSchema.parse({ ...base, method, baseFormat: format }));
      } catch (e) {
        issue = (e as InputError).issues[0];
      }
      expect(issue).toMatchObject({ path: ['baseline', 'baseFormat'] });
    }
  });
  it('full fine-tuning with it is refused at baseline.trainEmbeddings', () => {
    let issue: InputError['issues'][number] | undefined;
    try {
      baselineState(finetuneBaselineSchema.parse({ ...base, method: 'full', trainEmbeddings: true }));
    } catch (e) {
      issue = (e as InputError).issues[0];
    }
    expect(issue).toMatchObject({ path: ['baseline', 'trainEmbeddings'] });
  });
  it('full fine-tuning with an adapter rank or targets is refused at baseline.rank and baseline.targets (they did nothing)', () => {
    let issues: InputError['issues'] = [];
    try {
      baselineState(finetuneBaselineSchema.parse({ ...base, method: 'full', rank: 8, targets: 'attn' }));
    } catch (e) {
      issues = (e as InputError).issues;
    }
    expect(issues.map((i) => i.path)).toEqual([
      ['baseline', 'rank'],
      ['baseline', 'targets'],
    ]);
    // An adapter method takes them, and the rank costs what it should: r=64 trains more than r=8.
    const at = (rank: number) =>
      evaluateState(baselineState(finetuneBaselineSchema.parse({ ...base, rank }))).memoryPerGpuBytes;
    expect(at(64)).toBeGreaterThan(at(8));
  });
  it('fractional epochs run as `llmecon finetune --epochs 1.5` runs them: half as much again as one epoch', () => {
    const time = (epochs: number) =>
      evaluateState(baselineState(finetuneBaselineSchema.parse({ ...base, epochs }))).timeSeconds;
    expect(time(1.5) / time(1)).toBeCloseTo(1.5, 1);
    expect(() => finetuneBaselineSchema.parse({ ...base, epochs: 0 })).toThrow(/epochs/);
  });
});

describe('a fine-tuning baseline keeps its dataset shape (examples, packing, padding to the longest)', () => {
  it('the s1 scenario as a baseline runs as the scenario does: no packing, each step at the longest of 16 ranks', () => {
    const text = readFileSync(new URL('../../examples/s1-32b.yaml', import.meta.url), 'utf8');
    const baseline = baselineFromScenario(parseScenario(text), 0);
    expect(baseline).toMatchObject({
      kind: 'finetune',
      packing: false,
      padding: 'longest',
      lengthP99: 12300,
    });
    const asRun = evaluateState(baselineState(finetuneBaselineSchema.parse(baseline)));
    const packed = evaluateState(
      baselineState(
        finetuneBaselineSchema.parse({
          ...baseline,
          seqLen: 8192,
          packing: true,
          padding: undefined,
          lengthP99: undefined,
        }),
      ),
    );
    // The same run the scenario prints (7.15 GPU-hours against s1's 6.93); packed at 8,192 tokens, 3.1.
    expect(asRun.gpuHours).toBeGreaterThan(6);
    expect(asRun.gpuHours).toBeLessThan(8.5);
    expect(packed.gpuHours).toBeLessThan(asRun.gpuHours);
    // As the scenario and `llmecon finetune` warn: the dataset's longest example fits no layout on H100.
    expect(asRun.warnings).toContainEqual(
      expect.stringMatching(/the dataset's longest example \(about 20,\d{3} tokens/),
    );
    expect(packed.warnings ?? []).toEqual([]);
  });
});

describe('an adapter without targets is adapted as `llmecon finetune` adapts it', () => {
  it('an MoE model: attention and MLP (not the routed experts), as the CLI, in the baseline and the adapter lever', async () => {
    const run = {
      model: 'qwen3-30b-a3b',
      tokens: 20e6,
      gpu: 'h100',
      gpus: 8,
      usdPerGpuHour: 2,
      seqLen: 4096,
      globalBatch: 64,
    };
    const cli = await runCliJson(
      'finetune --model qwen3-30b-a3b --method lora --tokens 20M --gpu h100 --gpus 8 --price-per-gpu-hour 2 --seq-len 4096 --global-batch 64',
    );
    expect(cli.code).toBe(0);
    const lora = (targets?: string) =>
      evaluateState(
        baselineState(
          finetuneBaselineSchema.parse({
            kind: 'finetune',
            ...run,
            method: 'lora',
            ...(targets && { targets }),
          }),
        ),
      );
    expect(lora().costUsd).toBeCloseTo(cli.json.computeCostUsd, 6);
    expect(lora().costUsd).toBeCloseTo(lora('attn,mlp').costUsd, 9);
    // Routed experts adapted too ('all') is another run: more trainable parameters.
    expect(lora('all').memoryPerGpuBytes).toBeGreaterThan(lora().memoryPerGpuBytes);
  });
});

describe('the data lever on a dataset of examples', () => {
  it('halves the examples, not their length: about half the cost', () => {
    const study = finetuneBaselineSchema.parse({
      kind: 'finetune',
      model: 'llama-3-8b',
      tokens: 10e6,
      examples: 10_000,
      packing: false,
      method: 'lora',
      gpu: 'h100',
      gpus: 1,
      usdPerGpuHour: 2,
    });
    const base = baselineState(study);
    const half = applyLever(
      base,
      leverSchema.parse({ lever: 'data', tokens: 5e6, assumption: 'x' }) as Lever,
      0,
    );
    expect(half.state.kind === 'finetune' && half.state.dataset.examples).toBe(5_000);
    const ratio = evaluateState(half.state).costUsd / evaluateState(base).costUsd;
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });
});

describe('the adapter lever on an adapter run', () => {
  it("keeps the run's targets and takes another rank; a QLoRA step drops a LoRA run's FP8 base", () => {
    const lora = baselineState(
      finetuneBaselineSchema.parse({
        kind: 'finetune',
        model: 'llama-3-8b',
        tokens: 10e6,
        method: 'lora',
        targets: 'attn',
        baseFormat: 'fp8',
        gpu: 'h100',
        gpus: 1,
        usdPerGpuHour: 2,
      }),
    );
    const step = (l: object) =>
      applyLever(lora, leverSchema.parse({ lever: 'adapter', ...l }) as Lever, 0).state;
    const wider = step({ method: 'lora', rank: 64 });
    expect(wider.kind === 'finetune' && [wider.targets, wider.rank]).toEqual(['attn', 64]);
    const qlora = step({ method: 'qlora' });
    expect(qlora.kind === 'finetune' && qlora.baseFormat).toBeUndefined();
    expect(evaluateState(qlora).costUsd).toBeGreaterThan(0);
  });
});
