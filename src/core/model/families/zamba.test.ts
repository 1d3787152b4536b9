/**
 * Zamba (`zamba`), read by calling the family directly: counts tensor by tensor from the modules of
 * transformers `models/zamba/modeling_zamba.py` (ZambaMambaMixer, ZambaMambaDecoderLayer,
 * ZambaHybridLayer, ZambaAttentionDecoderLayer, ZambaAttention, ZambaMLP, ZambaModel), the layers
 * read as blocks, KV for the shared block's calls only, Mamba-1 state, class defaults, and errors
 * that name the field.
 *
 * Fixture: `hand-built/zamba-7b.json`: ZambaConfig's `__init__` defaults (its docstring: "a similar
 * configuration to that of the Zamba-v0.1 model", Zyphra/Zamba-7B-v1) written as `to_dict` saves
 * them, derived keys (attention_hidden_size, attention_head_dim, mamba_dt_rank, layers_block_type)
 * included; the released config.json is not quoted in the stored code. Not a verbatim copy.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { zamba } from './zamba.js';

const Z7B: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/zamba-7b.json', import.meta.url),
    'utf8',
  ),
);

const read = (config: Json) => zamba(new Fields(config, 'zamba'), 'zamba');

/** A Zamba shape, as ZambaConfig derives it. */
interface Shape {
  readonly h: number;
  readonly vocab: number;
  readonly layers: number;
  readonly hybrid: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly intermediate: number;
  readonly mambaHeads: number;
  readonly state: number;
  readonly conv: number;
  readonly tied: boolean;
}

/** Every tensor of ZambaForCausalLM, from the modules' shapes. */
function tensors(s: Shape): number {
  const { h, state: n } = s;
  const inner = 2 * h; // ZambaMambaMixer.intermediate_size = mamba_expand · h
  const p = inner / s.mambaHeads; // mamba_head_dim
  const r = Math.ceil(h / 16); // mamba_dt_rank "auto"
  const mambaLayer =
    h * 2 * inner + // mamba.in_proj.weight (mamba_proj_bias false)
    inner * s.conv + // mamba.conv1d.weight [d_in, 1, d_conv]
    inner + // mamba.conv1d.bias (mamba_conv_bias true)
    s.mambaHeads * (r + 2 * n) * p + // mamba.x_proj_weight [H, R + 2N, P]
    s.mambaHeads * p * r + // mamba.dt_proj_weight [H, P, R]
    s.mambaHeads * p + // mamba.dt_proj_bias [H, P]
    s.mambaHeads * p * n + // mamba.A_log [H, P, N]
    s.mambaHeads * p + // mamba.D [H, P]
    inner * h + // mamba.out_proj.weight
    h; // input_layernorm.weight
  const d = Math.floor((2 * h) / s.heads); // attention_head_dim
  const sharedBlock =
    2 * h + // shared_transf.input_layernorm.weight (attention_hidden_size)
    2 * h * s.heads * d + // self_attn.q_proj
    2 * 2 * h * s.kvHeads * d + // self_attn.k_proj, v_proj
    s.heads * d * h + // self_attn.o_proj
    h + // pre_ff_layernorm.weight
    3 * h * s.intermediate; // feed_forward.gate_proj, up_proj, down_proj
  return (
    s.layers * mambaLayer +
    sharedBlock + // one block, tied into every hybrid layer
    s.hybrid * h * h + // ZambaHybridLayer.linear (bias=False)
    s.vocab * h + // embed_tokens
    (s.tied ? 0 : s.vocab * h) + // lm_head
    h // final_layernorm
  );
}

const SHAPE_7B: Shape = {
  h: 3712,
  vocab: 32_000,
  layers: 76,
  hybrid: 13,
  heads: 16,
  kvHeads: 16,
  intermediate: 14_848,
  mambaHeads: 2,
  state: 16,
  conv: 4,
  tied: true,
};

/** The hybrid layers ZambaConfig._layers_block_type gives 76 layers at period 6, offset 4. */
const HYBRID_7B = [2, 7, 13, 19, 25, 31, 37, 43, 49, 55, 61, 67, 73];

describe('zamba', () => {
  it('Zamba-7B-v1: every tensor once, 7,232,490,496 — the card’s 7B', () => {
    const total = paramCount(read(Z7B)).totalParams;
    expect(total).toBe(tensors(SHAPE_7B));
    expect(total).toBe(7_232_490_496);
    expect(read(Z7B).warnings).toHaveLength(1);
  });

  it('layers as blocks: the shared block’s call, the per-call linear, Mamba-1', () => {
    const spec = read(Z7B);
    expect(spec.layers).toHaveLength(76 + 2 * 13);
    expect(spec.numLayers).toBe(102);
    const kinds = spec.layers.map((l) => l.attention);
    expect(kinds.filter((k) => k === 'mamba')).toHaveLength(76);
    expect(kinds.filter((k) => k === 'projection')).toHaveLength(13);
    // The q/k/v's second h of input: h · 3 · 7424 weights, 7424 MLP channels of 3h.
    const block = { attention: 'full', mlp: 'dense', intermediateSize: 14_848 + 7424, norms: 3 };
    // Layer 2 (the first hybrid): the shared block with its weights, the linear, the Mamba-1 mixer.
    expect(spec.layers.slice(2, 5)).toEqual([
      block,
      { attention: 'projection', mlp: 'none', norms: 0 },
      { attention: 'mamba', mlp: 'none' },
    ]);
    const calls = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    // Block index of hybrid layer k: k + 2·(hybrid layers before it).
    expect(calls).toEqual(HYBRID_7B.map((k, c) => k + 2 * c));
    expect(spec.layers.filter((l) => l.attention === 'full').map((l) => l.reusesWeights)).toEqual([
      undefined,
      ...Array(12).fill(2),
    ]);
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 464 });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 7424,
      headDim: 1,
      stateSize: 16,
      convKernel: 4,
      convBias: true,
      projBias: false,
      selective: { timeStepRank: 232, innerNorms: false },
    });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.activation).toBe('gelu');
    expect(spec.maxContextTokens).toBe(4096);
  });

  it('KV for the 13 shared-attention calls only; Mamba-1 state for the 76 mixers', () => {
    const spec = read(Z7B);
    // K and V of 16 heads × 464 per call, bf16.
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(13 * 2 * 16 * 464 * 2);
    const state = recurrentStateBytes(spec);
    expect(state.mambaLayers).toBe(76);
    // ssm_states [H, d_in/H, N] = d_in · N per layer, at bf16.
    expect(state.stateBytesPerSequence).toBe(76 * 7424 * 16 * 2);
    // The last d_conv − 1 inputs of the d_in conv channels.
    expect(state.convBytesPerSequence).toBe(76 * 3 * 7424 * 2);
  });

  it('the later calls run the shared block: its compute is theirs, its weights are not', () => {
    const spec = read(Z7B);
    const weights = (s: typeof spec) => paramCount(s).totalParams;
    const decode = (s: typeof spec) =>
      forwardFlopsPerToken(s, { attentionMode: 'decode', contextTokens: 4096 }).flopsPerToken;
    const without = (layer: number) =>
      read({
        ...Z7B,
        layers_block_type: (Z7B.layers_block_type as string[]).map((t, i) => (i === layer ? 'mamba' : t)),
      });
    // One hybrid layer fewer: one linear less, the shared block still counted once, whichever call
    // goes (the first, which held its weights, or the last).
    expect(weights(spec) - weights(without(73))).toBe(3712 * 3712);
    expect(weights(without(2))).toBe(weights(without(73)));
    // Every call costs the same compute, at least 2 FLOPs per weight it runs.
    expect(decode(without(2))).toBe(decode(without(73)));
    const perCall = 2 * 3712 * 3 * 7424 + 7424 * 3712 + 3 * 3712 * 14_848 + 3712 * 3712;
    expect(decode(spec) - decode(without(73))).toBeGreaterThan(2 * perCall);
  });

  it('ZambaConfig defaults: a config that leaves out every default-valued key reads the same', () => {
    const bare: Json = { model_type: 'zamba', architectures: ['ZambaForCausalLM'] };
    expect(paramCount(read(bare)).totalParams).toBe(7_232_490_496);
    expect(read(bare).layers).toEqual(read(Z7B).layers);
    // An untied head; a fixed dt rank (x_proj and dt_proj grow by d_in each per rank).
    expect(paramCount(read({ ...Z7B, tie_word_embeddings: false })).totalParams).toBe(
      tensors({ ...SHAPE_7B, tied: false }),
    );
    expect(paramCount(read({ ...Z7B, mamba_dt_rank: 256 })).totalParams).toBe(
      tensors(SHAPE_7B) + 76 * 2 * 7424 * (256 - 232),
    );
    // GQA: k and v shrink, the q/k/v's second-h channels with them.
    const gqa = paramCount(read({ ...Z7B, num_key_value_heads: 4 })).totalParams;
    expect(gqa).toBe(tensors(SHAPE_7B) - 2 * 2 * 3712 * 12 * 464);
    // No hybrid layer: ZambaModel still builds the shared block, which then runs nowhere (a warning).
    const none = read({ ...Z7B, layers_block_type: Array(76).fill('mamba') });
    const block = 3 * 3712 + 2 * 3712 * 3 * 7424 + 7424 * 3712 + 3 * 3712 * 14_848;
    expect(paramCount(none).totalParams).toBe(tensors(SHAPE_7B) - block - 13 * 3712 * 3712);
    expect(none.warnings![1]).toMatch(/no layer is "hybrid".*\(358,263,680 parameters\) runs nowhere/);
  });

  it('errors name the field', () => {
    const heads = inputErrorOf(() => read({ ...Z7B, n_mamba_heads: 3 }));
    expect(heads.issues[0]?.path).toEqual(['n_mamba_heads']);
    expect(heads.message).toMatch(/\(3\) must divide mamba_expand · hidden_size \(7424\)/);
    const width = inputErrorOf(() => read({ ...Z7B, attention_hidden_size: 3712 }));
    expect(width.issues[0]?.path).toEqual(['attention_hidden_size']);
    expect(width.message).toMatch(/must be 2 · hidden_size \(7424\)/);
    const types = inputErrorOf(() => read({ ...Z7B, layers_block_type: ['mamba', 'hybrid'] }));
    expect(types.issues[0]?.path).toEqual(['layers_block_type']);
    const short = inputErrorOf(() => read({ model_type: 'zamba', num_hidden_layers: 2 }));
    expect(short.issues[0]?.path).toEqual(['num_hidden_layers']);
  });
});
