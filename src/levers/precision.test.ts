/**
 * A lever baseline trains only at a precision its run can take (the check `train` and `finetune`
 * make, training-recipes.ts trainingPrecisionError), refused naming `baseline.precision`.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { baselineState, evaluateState } from './levers.js';
import { finetuneBaselineSchema, trainingBaselineSchema } from './schema.js';

const finetune = (o: Record<string, unknown>) =>
  finetuneBaselineSchema.parse({ kind: 'finetune', model: 'llama-3-8b', tokens: 1e7, gpus: 8, ...o });

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues[0]!;
  }
  throw new Error('not refused');
};

describe('baseline precision', () => {
  it('FP8 on a GPU without FP8 tensor cores is refused, for training and fine-tuning', () => {
    const train = trainingBaselineSchema.parse({
      kind: 'train',
      model: 'llama-3-8b',
      tokens: 1e12,
      gpu: 'a100-80gb',
      gpus: 64,
      precision: 'fp8',
    });
    expect(refusal(() => baselineState(train))).toMatchObject({
      path: ['baseline', 'precision'],
      message: 'a100-80gb has no FP8 tensor cores; use bf16',
    });
    expect(
      refusal(() => baselineState(finetune({ gpu: 'a100-80gb', method: 'full', precision: 'fp8' }))).path,
    ).toEqual(['baseline', 'precision']);
  });
  it('QLoRA takes BF16 only; full fine-tuning in pure BF16 holds smaller optimizer states', () => {
    expect(
      refusal(() => baselineState(finetune({ gpu: 'h100', method: 'qlora', precision: 'bf16-pure' })))
        .message,
    ).toMatch(/^QLoRA trains its adapters in BF16/);
    const [mixed, pure] = (['bf16', 'bf16-pure'] as const).map((precision) =>
      evaluateState(baselineState(finetune({ gpu: 'h100', method: 'full', precision })), true),
    );
    expect(mixed!.costUsd).toBeGreaterThan(0);
    expect(pure!.costUsd).toBeGreaterThan(0);
    expect(pure!.costUsd).toBeLessThanOrEqual(mixed!.costUsd * 1.001);
  });
});
