/**
 * Nanbeige 4.2 (`nanbeige`), read by calling the family directly: counts tensor by tensor from the
 * modules of the Hub remote code `modeling_nanbeige.py` (NanbeigeAttention, NanbeigeMLP,
 * NanbeigeDecoderLayer, NanbeigeModel, NanbeigeForCausalLM; revision b82e54b): the layers read
 * unrolled over the loops with their weights counted once, a KV cache per loop and layer, LoopSplit's
 * call order, class defaults, and errors that name the field.
 *
 * Fixture: `hand-built/nanbeige4.2-3b.json` (see test/fixtures/hf-configs/README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import {
  LLAMA_7B_SHAPE,
  type LlamaShape,
  llamaAttentionTensors,
  llamaTensors,
} from '../../../../test/llama-tensors.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { nanbeige } from './nanbeige.js';

const NANBEIGE_42_3B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/nanbeige4.2-3b.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => nanbeige(new Fields(config, 'nanbeige'), 'nanbeige');

const SHAPE_3B: LlamaShape = {
  vocab: 166_144,
  h: 3072,
  layers: 22,
  heads: 48,
  kvHeads: 8,
  headDim: 128,
  inter: 10_752,
  tied: false,
};
/** One layer's attention and MLP weights (q/k/v/o; gate, up, down), each run once per call. */
const ATTENTION_3B = llamaAttentionTensors(SHAPE_3B);
const MLP_3B = 3 * 3072 * 10_752;

describe('nanbeige', () => {
  it('Nanbeige4.2-3B: 22 layers counted once, 3.15B without embeddings, 4,169,800,704 in all', () => {
    const spec = read(NANBEIGE_42_3B);
    const params = paramCount(spec);
    expect(params.totalParams).toBe(llamaTensors(SHAPE_3B));
    expect(params.totalParams).toBe(4_169_800_704);
    expect(params.totalParams - 2 * 166_144 * 3072).toBe(3_149_011_968);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toMatch(/num_loops \(2\) passes over the stack, 44 layer calls/);
    expect(spec.maxContextTokens).toBe(262_144);
  });

  it('two passes in call order, each with its own KV cache and compute', () => {
    const spec = read(NANBEIGE_42_3B);
    expect(spec.numLayers).toBe(44);
    const pass = Array.from({ length: 22 }, (_, j) => j);
    expect(spec.layers.map((l, i) => l.reusesWeights ?? i)).toEqual([...pass, ...pass]);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(44 * 2 * 8 * 128 * 2);
    const { breakdown } = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(breakdown.attentionProjections).toBe(44 * 2 * ATTENTION_3B);
    expect(breakdown.denseMlp).toBe(44 * 2 * MLP_3B);
    expect(breakdown.head).toBe(2 * 166_144 * 3072);
  });

  it('loop_loss_weights overrides num_loops; one loop is a plain stack', () => {
    const three = read({ ...NANBEIGE_42_3B, loop_loss_weights: [0.2, 0.3] });
    expect(three.layers).toHaveLength(66);
    expect(three.warnings![0]).toMatch(/len\(loop_loss_weights\) \+ 1 \(3\)/);
    expect(paramCount(three).totalParams).toBe(4_169_800_704);
    const one = read({ ...NANBEIGE_42_3B, num_loops: 1 });
    expect(one.layers.some((l) => l.reusesWeights !== undefined)).toBe(false);
    expect(kvCacheBytes(one, 4096, 'bf16').bytesPerToken).toBe(22 * 2 * 8 * 128 * 2);
  });

  it('LoopSplit: the outer layers once, the middle block (n + m) // m times', () => {
    // 22 layers, middle 11: layers 0–4 once, 5–15 three times, 16–21 once — 44 calls.
    const spec = read({ ...NANBEIGE_42_3B, enable_double_loop_split: true });
    const middle = Array.from({ length: 11 }, (_, j) => 5 + j);
    const calls = spec.layers.map((l, i) => l.reusesWeights ?? i);
    expect(spec.layers).toHaveLength(5 + 33 + 6);
    expect(calls.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(calls.slice(5, 38)).toEqual([...middle, ...middle, ...middle]);
    expect(calls.slice(38)).toEqual([38, 39, 40, 41, 42, 43]);
    expect(paramCount(spec).totalParams).toBe(4_169_800_704);
    // An explicit middle of 2 layers: 10 outer before, 2 × 12 calls, 10 after.
    const narrow = read({ ...NANBEIGE_42_3B, enable_double_loop_split: true, loop_middle_layers: 2 });
    expect(narrow.layers).toHaveLength(10 + 2 * 12 + 10);
  });

  it('qk_layernorm and biases add their weights; the class defaults read as the class builds them', () => {
    const normed = read({ ...NANBEIGE_42_3B, qk_layernorm: true, attention_bias: true, mlp_bias: true });
    const q = 48 * 128;
    const kv = 8 * 128;
    const extra = 22 * (2 * 128 + (q + 2 * kv + 3072) + (2 * 10_752 + 3072));
    expect(paramCount(normed).totalParams).toBe(4_169_800_704 + extra);
    const bare = read({ model_type: 'nanbeige' });
    expect(paramCount(bare).totalParams).toBe(llamaTensors(LLAMA_7B_SHAPE));
    expect(bare.layers).toHaveLength(32);
  });

  it('errors name the field; research options that change the shapes are refused by name', () => {
    for (const key of ['enable_hyper_connection', 'enable_mhc', 'enable_depth_attention', 'loop_share_kv']) {
      const refused = inputErrorOf(() => read({ ...NANBEIGE_42_3B, [key]: true }));
      expect(refused.issues[0]?.path).toEqual([key]);
      expect(refused.message).toMatch(/not modelled/);
    }
    const ngram = inputErrorOf(() => read({ ...NANBEIGE_42_3B, emb_neighbor_num: 3 }));
    expect(ngram.issues[0]?.path).toEqual(['emb_neighbor_num']);
    expect(inputErrorOf(() => read({ ...NANBEIGE_42_3B, num_loops: 0 })).issues[0]?.path).toEqual([
      'num_loops',
    ]);
    expect(inputErrorOf(() => read({ ...NANBEIGE_42_3B, loop_loss_weights: 'x' })).issues[0]?.path).toEqual([
      'loop_loss_weights',
    ]);
    const factor = inputErrorOf(() =>
      read({ ...NANBEIGE_42_3B, enable_double_loop_split: true, loop_middle_layers: 5 }),
    );
    expect(factor.issues[0]?.path).toEqual(['loop_middle_layers']);
    const odd = inputErrorOf(() =>
      read({ ...NANBEIGE_42_3B, num_hidden_layers: 21, enable_double_loop_split: true }),
    );
    expect(odd.issues[0]?.path).toEqual(['num_hidden_layers']);
    const deep = inputErrorOf(() => read({ ...NANBEIGE_42_3B, num_loops: 9000 }));
    expect(deep.issues[0]?.path).toEqual(['num_loops']);
  });
});
