/**
 * EAGLE heads read from their configs (SpecForge's EAGLE-3 draft configs, test/fixtures/hf-configs/eagle3)
 * and costed as vLLM builds them: parameters, a pass's operations, memory and step time as a drafter.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findCluster, findModel } from '../../catalog/catalog.js';
import {
  type Replica,
  type StepWork,
  servingRequest,
  servingStepSeconds,
} from '../inference/serving-step.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { eagleHeadFrom, eagleHeadOperations, eagleHeadParams, eagleVersion } from './eagle-head.js';
import { modelSpecFrom } from './resolve-model.js';

const fixture = (file: string) =>
  JSON.parse(readFileSync(`test/fixtures/hf-configs/eagle3/${file}.json`, 'utf8')) as Record<string, unknown>;
const headOf = (config: Record<string, unknown>) => eagleHeadFrom(config, modelSpecFrom(config, 'head'))!;
const llama8b = fixture('llama3-8B-eagle3');
const head = headOf(llama8b);

describe('EAGLE heads from their configs', () => {
  it('are told apart by their architectures', () => {
    expect(eagleVersion(llama8b)).toBe(3);
    expect(eagleVersion({ architectures: ['EagleLlamaForCausalLM'] })).toBe(1);
    expect(eagleVersion({ architectures: ['LlamaForCausalLM'] })).toBeNull();
    for (const odd of [null, 3, 'eagle', [], { architectures: 'Eagle3' }, { architectures: [7, null] }])
      expect(eagleVersion(odd)).toBeNull();
    const llama = findModel('llama-3.1-8b').config;
    expect(eagleHeadFrom(llama, modelSpecFrom(llama, 'llama'))).toBeNull();
  });
  it("count what vLLM's Eagle3LlamaForCausalLM loads: no embedding, a 32K head, fc and 2h-wide q/k/v", () => {
    expect(head).toMatchObject({ version: 3, fcInputSize: 3 * 4096, headVocabSize: 32_000 });
    const attention = 4096 * 4096 * 2 + 2 * 4096 * 1024; // q, o; k, v (8 KV heads of 128)
    const mlp = 3 * 4096 * 14_336;
    const norms = 3 * 4096; // two in the layer, the final norm
    const embeddingQkv = 4096 * (4096 + 2 * 1024);
    const ownHead = 32_000 * 4096;
    expect(eagleHeadParams(head)).toEqual({
      sharded: attention + mlp + norms + embeddingQkv + ownHead,
      replicated: 3 * 4096 * 4096,
    });
    // 424,685,568 parameters in all: 849 MB in FP16.
    const { sharded, replicated } = eagleHeadParams(head);
    expect(sharded + replicated).toBe(424_685_568);
  });
  it("take the target's hidden size for fc where the config names it, and no fc without fused states", () => {
    const wider = headOf({ ...llama8b, target_hidden_size: 7168 });
    expect(wider.fcInputSize).toBe(3 * 7168);
    expect(headOf({ ...llama8b, eagle_config: { use_aux_hidden_state: false } }).fcInputSize).toBe(0);
    // gpt-oss-120b's head: 64 heads of 64 over a hidden of 2880.
    const gptOss = headOf(fixture('gpt-oss-120B-eagle3'));
    expect(gptOss).toMatchObject({ fcInputSize: 3 * 2880, headVocabSize: 32_000 });
  });
  it('refuse a draft vocabulary or target width no engine loads, naming the field', () => {
    for (const [field, value, message] of [
      ['draft_vocab_size', -5, /must be a positive integer/],
      ['draft_vocab_size', 200_000, /exceeds the largest supported value 128,256/],
      ['draft_vocab_size', '32000', /integer/],
      ['target_hidden_size', 0, /must be a positive integer/],
    ] as const)
      expect(() => headOf({ ...llama8b, [field]: value }), field).toThrow(message);
  });
  it('refuse heads whose layers are not GQA attention with a dense MLP, naming the field', () => {
    const moe = {
      ...fixture('qwen3-235B-A22B-eagle3'),
      model_type: 'qwen3_moe',
      num_experts: 8,
      num_experts_per_tok: 2,
      moe_intermediate_size: 1024,
      decoder_sparse_step: 1,
    };
    expect(() => headOf(moe)).toThrow(/architectures.*mixture-of-experts/);
  });
});

describe('an EAGLE head as a drafter', () => {
  const cluster = findCluster('dgx-h100');
  const plain: Replica = { tensorParallel: 2, expertParallel: 1, weightFormat: 'bf16', kvFormat: 'bf16' };
  const drafted: Replica = { ...plain, drafter: { kind: 'eagle', head, weightFormat: 'bf16' } };
  const target = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
  const decode = (drafts: number, verified: number): StepWork => ({
    decodeSequences: 64,
    tokensPerSequence: 1 + verified,
    context: 2048,
    prefillTokens: 0,
    prefillContext: 0,
    draftTokens: drafts,
  });
  it('runs fc once per step, on the pass fed the target, and the head over its draft vocabulary', () => {
    const step = (r: Replica, w: StepWork) => servingStepSeconds(target, cluster, r, w);
    const later = step(drafted, decode(3, 3)) - step(drafted, decode(2, 3));
    const first = step(drafted, decode(1, 3)) - step(plain, decode(1, 3));
    expect(later).toBeGreaterThan(0);
    expect(first).toBeGreaterThan(later);
    const request = (w: StepWork) => servingRequest(cluster, plain, w);
    const names = (fused: boolean) =>
      eagleHeadOperations(head, request(decode(0, 3)), request(decode(0, 0)), fused).map((o) => o.name);
    expect(names(true)).toContain('eagle.fc');
    expect(names(false)).not.toContain('eagle.fc');
    expect(names(false)).toContain('eagle.qkvEmbedding');
    const headGemm = eagleHeadOperations(head, request(decode(0, 0)), request(decode(0, 0)), false).find(
      (o) => o.type === 'gemm' && o.component === 'head',
    );
    // The draft vocabulary over TP2, for one token of each of 64 sequences.
    expect(headGemm).toMatchObject({ m: 64, n: 16_000, k: 4096 });
  });
  it('holds its weights (fc whole on each rank, the rest over TP) and its layer’s KV cache', () => {
    const options = {
      weightFormat: 'bf16' as const,
      kvFormat: 'bf16' as const,
      batchSize: 8,
      contextTokens: 4096,
    };
    const without = inferenceMemory(target, { ...options, tensorParallel: 2 });
    const withHead = inferenceMemory(target, { ...options, tensorParallel: 2, drafter: drafted.drafter });
    const { sharded, replicated } = eagleHeadParams(head);
    expect(withHead.weightsBytes - without.weightsBytes).toBeCloseTo((sharded * 2) / 2 + replicated * 2, 0);
    // One layer of 8 KV heads × 128 dims, K and V in BF16, 4 heads per rank.
    expect(withHead.kvCacheBytes - without.kvCacheBytes).toBe(8 * 4096 * 2 * 4 * 128 * 2);
  });
});
