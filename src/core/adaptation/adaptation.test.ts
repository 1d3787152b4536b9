import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { trainingMemory } from '../memory/training-memory.js';
import { adaptedMatrices, parseTargets, trainableParams } from '../model/adapters.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { methodAdapter } from './finetune.js';
import { datasetTokens } from './finetune-dataset.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);
const llama = spec('llama-3-8b');

describe('adapters', () => {
  it('counts LoRA parameters per module exactly (Llama 3 8B, r=16 on q,k,v,o,gate,up,down: 41.9M, as PEFT reports)', () => {
    const all = parseTargets('attn,mlp');
    expect(trainableParams(llama, { method: 'lora', rank: 16, targets: all })).toBe(41_943_040);
    const q = adaptedMatrices(llama, { method: 'lora', rank: 16, targets: ['q'] })[0]!;
    expect(q).toMatchObject({
      module: 'q_proj',
      inFeatures: 4096,
      outFeatures: 4096,
      count: 32,
      trainableParams: 32 * 16 * 8192,
    });
  });
  it('DoRA adds one magnitude per output feature', () => {
    const lora = trainableParams(llama, { method: 'lora', rank: 8, targets: ['v'] });
    const dora = trainableParams(llama, { method: 'dora', rank: 8, targets: ['v'] });
    expect(dora - lora).toBe(32 * 1024);
  });
  it('MoE: experts are a separate target; MLA keys and values share their projections', () => {
    const v3 = spec('deepseek-v3');
    const experts = adaptedMatrices(v3, { method: 'lora', rank: 8, targets: ['experts'] });
    expect(experts.map((m) => m.count)).toEqual([58 * 256, 58 * 256, 58 * 256]);
    const kv = adaptedMatrices(v3, { method: 'lora', rank: 8, targets: ['k', 'v'] });
    expect(kv.map((m) => m.module)).toEqual(['kv_a_proj_with_mqa', 'kv_b_proj']);
  });
  it('rejects unknown targets and bad ranks with precise messages', () => {
    expect(() => parseTargets('attn,ffn')).toThrowError(
      "--targets: unknown target module 'ffn'; allowed: attn, mixer, mlp, all, q, k, v, o, in_proj, out_proj, gate, up, down, shared, experts",
    );
    expect(() => trainableParams(llama, { method: 'lora', rank: 0, targets: ['q'] })).toThrowError(
      '--rank: must be a whole number ≥ 1, got 0',
    );
    expect(() => trainableParams(llama, { method: 'lora', rank: 8, targets: ['experts'] })).toThrowError(
      '--targets: none of experts exists in llama-3-8b',
    );
  });
  it('datasets: packing fills sequences, padding pads each example; too-long examples are refused', () => {
    expect(datasetTokens({ tokens: 10_000, epochs: 2, packing: true }, 4096)).toEqual({
      processed: 5 * 4096,
      useful: 20_000,
      sequences: 5,
    });
    expect(datasetTokens({ tokens: 10_000, examples: 100, epochs: 1, packing: false }, 512)).toEqual({
      processed: 100 * 512,
      useful: 10_000,
      sequences: 100,
    });
    expect(() =>
      datasetTokens({ tokens: 10_000, examples: 10, epochs: 1, packing: false }, 512),
    ).toThrowError(
      '--seq-len: examples average 1000 tokens, more than --seq-len 512; raise it or use --packing',
    );
    expect(() =>
      datasetTokens({ tokens: 1_000, examples: 10_000, epochs: 1, packing: false }, 512),
    ).toThrowError('--examples: 10000 examples in 1000 tokens: fewer than one token each');
  });
});

const options = { seqLen: 2048, globalBatchSize: 8, precision: 'bf16' as const, optimizer: 'adamw' as const };
describe('adaptation invariants', () => {
  test.prop([fc.integer({ min: 1, max: 256 }), fc.constantFrom('attn', 'mlp', 'all', 'q,v')])(
    'trainable parameters grow linearly in rank',
    (rank, targets) => {
      const t = parseTargets(targets);
      const one = trainableParams(llama, { method: 'lora', rank: 1, targets: t });
      expect(trainableParams(llama, { method: 'lora', rank, targets: t })).toBe(rank * one);
    },
  );
  test.prop([fc.integer({ min: 1, max: 128 }), fc.constantFrom(1, 2, 4, 8), fc.constantFrom('none', 'full')])(
    "LoRA needs less memory than full fine-tuning; QLoRA's frozen base is smaller than LoRA's",
    (rank, dp, recompute) => {
      const layout = { ...DEFAULT_LAYOUT, dataParallel: dp, recompute: recompute as 'none' | 'full' };
      const lora = methodAdapter(llama, {
        method: 'lora',
        rank,
        targets: ['q', 'k', 'v', 'o'],
        baseFormat: 'bf16',
      })!;
      const qlora = methodAdapter(llama, { method: 'qlora', rank, targets: ['q', 'k', 'v', 'o'] })!;
      const full = trainingMemory(llama, layout, options).peak;
      const withLora = trainingMemory(llama, layout, { ...options, adapter: lora }).peak;
      const withQlora = trainingMemory(llama, layout, { ...options, adapter: qlora }).peak;
      expect(withLora.totalBytes).toBeLessThan(full.totalBytes);
      expect(qlora.baseBytesPerParam).toBeLessThan(lora.baseBytesPerParam);
      expect(withQlora.modelStates.weights).toBeLessThan(withLora.modelStates.weights);
    },
  );
});
