/**
 * What a study may ask of the engines, found by fuzzing: a baseline that does not fit is a does-not-fit
 * (exit 3, as `train`), a sequence beyond the context is computed as given (as `train --seq-len`, no
 * silent cut to the context), a GPU count on a deployment is refused, and a study of 100 levers reuses
 * the layout searches its states repeat (price-only levers, each lever alone on the baseline).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { applyLever, baselineState, evaluateState, LeverDoesNotFitError, runWaterfall } from './levers.js';
import {
  finetuneBaselineSchema,
  type Lever,
  leverSchema,
  leverStudySchema,
  servingBaselineSchema,
  trainingBaselineSchema,
} from './schema.js';

const train = { kind: 'train', model: 'llama-3-8b', tokens: 1e12, gpu: 'h100', gpus: 64 } as const;
const serve8bInput = {
  kind: 'serve',
  model: 'llama-3.1-8b',
  gpu: 'h100',
  inputTokens: 1000,
  outputTokens: 200,
  tokensPerDay: 1e9,
} as const;
const serve8b = () => baselineState(servingBaselineSchema.parse(serve8bInput));
const study = (baseline: unknown, levers: unknown[]) =>
  leverStudySchema.parse({ name: 's', baseline, levers });

describe('a study at the edges of what the engines run', () => {
  it('a baseline that does not fit in memory is a does-not-fit, naming the baseline', () => {
    const big = study({ ...train, model: 'llama-3.1-405b', gpus: 1 }, [
      { lever: 'spot', discount: 0.5, restartOverhead: 0.05 },
    ]);
    expect(() => runWaterfall(big)).toThrow(LeverDoesNotFitError);
    expect(() => runWaterfall(big)).toThrow(/the baseline: no layout fits in memory/);
  });
  it('a batch lever past the context runs at the length asked, as train --seq-len does', () => {
    const at = (seqLen: number) =>
      evaluateState(
        applyLever(
          baselineState(trainingBaselineSchema.parse(train)),
          leverSchema.parse({ lever: 'batch', seqLen }) as Lever,
          0,
        ).state,
      );
    // Llama 3 8B's context is 8,192: 16,384 costs more (attention), it is not cut back to 8,192.
    expect(at(16384).costUsd).toBeGreaterThan(at(8192).costUsd);
    // ... and says so, as train --seq-len does.
    expect(at(16384).band.outside).toContain(
      "seqLen (16384 tokens) exceeds Meta Llama 3 8B's max_position_embeddings of 8192; trained only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled",
    );
    expect(at(8192).band.outside.join(' ')).not.toContain('max_position_embeddings');
  });
  it('a GPU lever with a count or a layout on a deployment is refused at its field', () => {
    const serve = serve8b();
    for (const [field, extra] of [
      ['gpus', { gpus: 3 }],
      ['layout', { layout: { tp: 2 } }],
    ] as const) {
      try {
        applyLever(serve, leverSchema.parse({ lever: 'gpu', gpu: 'h200', ...extra }) as Lever, 4);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).issues[0]?.path).toEqual(['levers', 4, field]);
      }
    }
  });
  it('price-only levers reuse the baseline search and price it anew: spot × 2 compounds exactly', () => {
    const spot = { lever: 'spot', discount: 0.3, restartOverhead: 0.1 };
    const w = runWaterfall(study(train, [spot, spot]));
    const factor = (1 - 0.3) / (1 - 0.1);
    expect(w.steps[0]!.costUsd / w.baseline.costUsd).toBeCloseTo(factor, 9);
    expect(w.steps[1]!.costUsd / w.steps[0]!.costUsd).toBeCloseTo(factor, 9);
    // Restarts stretch the run: 1 / (1 − overhead) a lever.
    expect(w.steps[1]!.timeSeconds / w.baseline.timeSeconds).toBeCloseTo(1 / 0.9 ** 2, 9);
  });
  it('TensorRT-LLM named on a deployment is refused off NVIDIA at the field that put it there', () => {
    const trt = { ...serve8bInput, engine: 'trt-llm' };
    const onAmd = () => baselineState(servingBaselineSchema.parse({ ...trt, gpu: 'mi300x' }));
    expect(onAmd).toThrow(/runs on NVIDIA GPUs only/);
    try {
      onAmd();
    } catch (error) {
      expect((error as InputError).issues[0]?.path).toEqual(['baseline', 'engine']);
    }
    const nvidia = baselineState(servingBaselineSchema.parse(trt));
    try {
      applyLever(nvidia, leverSchema.parse({ lever: 'gpu', gpu: 'mi300x' }) as Lever, 1);
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).issues[0]?.path).toEqual(['levers', 1, 'gpu']);
    }
  });
  it('levers refuse what the CLI refuses: FP8 over a QLoRA base, a block-scaled format the GPU lacks', () => {
    const qlora = baselineState(
      finetuneBaselineSchema.parse({
        kind: 'finetune',
        model: 'llama-3-8b',
        tokens: 1e8,
        gpu: 'h100',
        gpus: 8,
        method: 'qlora',
      }),
    );
    expect(() => applyLever(qlora, leverSchema.parse({ lever: 'fp8' }) as Lever, 0)).toThrow(
      /QLoRA trains its adapters in BF16/,
    );
    const serve = serve8b();
    try {
      applyLever(serve, leverSchema.parse({ lever: 'quantize', weights: 'int4', kv: 'nvfp4' }) as Lever, 2);
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).issues[0]).toMatchObject({
        path: ['levers', 2, 'kv'],
        message: expect.stringMatching(/no NVFP4 tensor cores/),
      });
    }
  });
  it('a GPU lever that moves an FP8 run to a GPU without FP8 says it runs as BF16 there', () => {
    const fp8 = baselineState(trainingBaselineSchema.parse({ ...train, precision: 'fp8' }));
    const moved = applyLever(fp8, leverSchema.parse({ lever: 'gpu', gpu: 'a100-80gb' }) as Lever, 0);
    expect(moved.state.kind === 'train' && moved.state.precision).toBe('bf16');
    expect(moved.caveat).toContain('FP8 runs as BF16 there (a100-80gb has no FP8 tensor cores)');
  });
});
