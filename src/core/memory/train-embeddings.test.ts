/**
 * LoRA with the embedding and head trained in full (AdapterSpec.trainEmbeddings, PEFT modules_to_save):
 * the copies' memory (model-states.ts), the head's weight gradient and the dense embedding gradient
 * (operations-head.ts), the optimizer over the copies (data-parallel.ts), and the count reported.
 */
import { describe, expect, it } from 'vitest';
import { qwen7bV1 } from '../../../test/fixtures.js';
import { methodAdapter } from '../adaptation/finetune.js';
import { embeddingOperations, headOperations, operationFlops } from '../model/operations.js';
import { paramCount } from '../model/param-count.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { trainingMemory } from './training-memory.js';

const spec = qwen7bV1;
const TABLES = 2 * 151_936 * 4096;
const lora = (trainEmbeddings: boolean) =>
  methodAdapter(spec, {
    method: 'lora',
    rank: 64,
    targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
    trainEmbeddings,
  })!;
const options = { seqLen: 1024, globalBatchSize: 8, precision: 'bf16' as const, optimizer: 'adamw' as const };
const memory = (trainEmbeddings: boolean, zeroStage: 0 | 1 = 0) =>
  trainingMemory(
    spec,
    { ...DEFAULT_LAYOUT, recompute: 'full', zeroStage },
    {
      ...options,
      adapter: lora(trainEmbeddings),
    },
  ).peak.breakdown;

describe('LoRA with the embedding and head trained in full (modules_to_save)', () => {
  it('counts the embedding and the untied head as trainable, beside the adapters', () => {
    expect(lora(true).trainableEmbeddingParams).toBe(TABLES);
    expect(lora(false).trainableEmbeddingParams).toBe(0);
    expect(lora(true).trainableParams).toBe(lora(false).trainableParams);
    expect(paramCount(spec).embeddingParams).toBe(TABLES);
  });

  it('memory: a BF16 copy, its BF16 gradient and AdamW moments in BF16 (2 + 2 + 4 B); ZeRO-1 an FP32 master and moments', () => {
    const without = memory(false);
    const with_ = memory(true);
    // The stage's embedding and head plus the final norm (4,096) are what the copies hold.
    const copies = TABLES + 4096;
    expect(with_.adapters - without.adapters).toBe(2 * copies);
    expect(with_.gradients - without.gradients).toBe(2 * copies);
    expect(with_.optimizerStates - without.optimizerStates).toBe(4 * copies);
    // Under ZeRO-1 (one rank here) the optimizer keeps 4 + 8 B per copied parameter.
    expect(memory(true, 1).optimizerStates - memory(false, 1).optimizerStates).toBe(12 * copies);
  });

  it("time: the head's weight-gradient GEMM and a dense vocabulary × width embedding gradient, in the backward only", () => {
    const request = (trainEmbeddings: boolean, phase: 'forward' | 'backward') => ({
      phase,
      shape: { sequences: 1, tokensPerSequence: 1024, contextTokens: 1024 },
      layout: {
        tensorParallel: 1,
        contextParallel: 1,
        expertParallel: 1,
        sequenceParallel: false,
        gpusPerNode: 8,
      },
      datatype: 'bf16' as const,
      gemmInputBytes: 2,
      adapter: lora(trainEmbeddings),
    });
    const flops = (ops: ReturnType<typeof headOperations>) =>
      ops.reduce((f, op) => f + operationFlops(op), 0);
    const head = (e: boolean, phase: 'forward' | 'backward') => headOperations(spec, request(e, phase));
    expect(flops(head(true, 'forward'))).toBe(flops(head(false, 'forward')));
    expect(flops(head(true, 'backward')) - flops(head(false, 'backward'))).toBe(2 * 1024 * 151_936 * 4096);
    expect(head(true, 'backward').some((op) => op.name === 'lm_head.wgrad')).toBe(true);
    expect(head(false, 'backward').some((op) => op.name === 'lm_head.wgrad')).toBe(false);
    const grad = embeddingOperations(spec, request(true, 'backward')).find(
      (op) => op.name === 'embedding.grad',
    );
    expect(grad).toMatchObject({ type: 'memory', bytesWritten: 2 * 151_936 * 4096 });
    expect(
      embeddingOperations(spec, request(false, 'backward')).some((op) => op.name === 'embedding.grad'),
    ).toBe(false);
  });
});
