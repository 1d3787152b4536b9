/**
 * DeepSeekMoE (`deepseek`), read by calling the family directly: counts tensor by tensor from the modules
 * of the checkpoint's modeling_deepseek.py (as vLLM `models/deepseek.py` and mlx-lm `models/deepseek.py`
 * port it): embed_tokens [V, h]; per layer input_layernorm and post_attention_layernorm [h], q/k/v/o_proj
 * [H·d, h], [K·d, h], [K·d, h], [h, H·d] without bias; a dense layer's gate/up_proj [I, h] and down_proj
 * [h, I]; a MoE layer's E experts of gate/up/down [Ie, h]/[h, Ie], MoEGate weight [E, h] and shared_experts
 * of width Ie·S; model.norm [h]; lm_head [V, h] unless tied.
 *
 * Fixture `hand-built/deepseek-moe-16b-base.json`: deepseek-ai/deepseek-moe-16b-base's config.json as a
 * third-party parameter-counter test quotes it (a Python dict, written back as JSON); -chat shares the
 * shape. Card: 16.4B total, 2.8B active.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { deepseekMoe } from './deepseek-moe.js';
import { Fields, type Json } from './fields.js';

const DEEPSEEK_MOE_16B: Json = hfFixture('hand-built/deepseek-moe-16b-base');

const read = (config: Json) => deepseekMoe(new Fields(config, 'deepseek'), 'x');

interface Shape {
  vocab: number;
  h: number;
  layers: number;
  heads: number;
  kvHeads: number;
  inter: number;
  moeInter: number;
  experts: number;
  topK: number;
  shared: number;
  firstDense: number;
  freq: number;
}

/** DeepseekForCausalLM's state dict from the config's numbers alone: total and active (top-k experts). */
function deepseekTensors(c: Shape): { total: number; active: number } {
  const d = c.h / c.heads;
  const attention = 2 * c.h * c.heads * d + 2 * c.h * c.kvHeads * d;
  const norms = 2 * c.h;
  const expert = 3 * c.h * c.moeInter;
  let total = 2 * c.vocab * c.h + c.h;
  let active = total;
  for (let i = 0; i < c.layers; i++) {
    const moe = i >= c.firstDense && i % c.freq === 0;
    const common = attention + norms + (moe ? 3 * c.h * c.moeInter * c.shared + c.experts * c.h : 0);
    total += common + (moe ? c.experts * expert : 3 * c.h * c.inter);
    active += common + (moe ? c.topK * expert : 3 * c.h * c.inter);
  }
  return { total, active };
}

const SHAPE_16B: Shape = {
  vocab: 102_400,
  h: 2048,
  layers: 28,
  heads: 16,
  kvHeads: 16,
  inter: 10_944,
  moeInter: 1408,
  experts: 64,
  topK: 6,
  shared: 2,
  firstDense: 1,
  freq: 1,
};

describe('deepseek (deepseek-ai/deepseek-moe-16b-base)', () => {
  it('reads MHA of 16 × 128, a dense layer 0 and 27 MoE layers of 64 experts top-6 + 2 shared', () => {
    const spec = read(DEEPSEEK_MOE_16B);
    expect(spec.modelType).toBe('deepseek');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 16,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 10_944, gated: true, bias: false });
    expect(spec.moe).toMatchObject({
      numExperts: 64,
      topK: 6,
      expertIntermediateSize: 1408,
      numSharedExperts: 2,
      sharedIntermediateSize: 1408,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(27).fill('moe')]);
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.numMtpModules).toBe(0);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 16,375,728,128 total, 2,828,650,496 active (card: 16.4B / 2.8B)', () => {
    const p = paramCount(read(DEEPSEEK_MOE_16B));
    const expected = deepseekTensors(SHAPE_16B);
    expect(p.totalParams).toBe(expected.total);
    expect(p.activeParams).toBe(expected.active);
    // Against the card: 16.38B vs "16.4B" (−0.02B, rounding); 2.83B vs "2.8B" (+0.03B, rounding).
    expect(p.totalParams).toBe(16_375_728_128);
    expect(p.activeParams).toBe(2_828_650_496);
    expect(p.embeddingParams).toBe(2 * 102_400 * 2048);
  });

  it('KV cache: plain MHA, K and V of 16 × 128 on all 28 layers', () => {
    expect(kvCacheBytes(read(DEEPSEEK_MOE_16B), 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 16 * 128 * 2);
  });

  it('forward FLOPs per token ≈ 2 × the active matmul weights + attention scores', () => {
    const spec = read(DEEPSEEK_MOE_16B);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const matmuls = 2 * (paramCount(spec).activeParams - 102_400 * 2048);
    const approx = matmuls + f.breakdown.attentionScores;
    expect(Math.abs(f.flopsPerToken - approx) / approx).toBeLessThan(0.01);
    expect(f.breakdown.routedExperts).toBe(27 * 6 * 2 * 3 * 2048 * 1408);
  });

  it("follows DeepseekConfig's defaults and DeepseekDecoderLayer's MoE rule", () => {
    const {
      first_k_dense_replace: _,
      moe_layer_freq: __,
      ...noRule
    } = DEEPSEEK_MOE_16B as Record<string, Json>;
    expect(read(noRule).layers.every((l) => l.mlp === 'moe')).toBe(true);
    const alternate = { ...DEEPSEEK_MOE_16B, moe_layer_freq: 2, first_k_dense_replace: 3 };
    expect(
      read(alternate)
        .layers.slice(0, 7)
        .map((l) => l.mlp),
    ).toEqual(['dense', 'dense', 'dense', 'dense', 'moe', 'dense', 'moe']);
    const shape = { ...SHAPE_16B, firstDense: 3, freq: 2 };
    expect(paramCount(read(alternate)).totalParams).toBe(deepseekTensors(shape).total);
    const { n_routed_experts: ___, ...dense } = DEEPSEEK_MOE_16B as Record<string, Json>;
    const denseSpec = read(dense);
    expect(denseSpec.moe).toBeNull();
    expect(denseSpec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    const { n_shared_experts: ____, ...noShared } = DEEPSEEK_MOE_16B as Record<string, Json>;
    expect(paramCount(read(noShared)).totalParams).toBe(deepseekTensors({ ...SHAPE_16B, shared: 0 }).total);
    const biased = read({ ...DEEPSEEK_MOE_16B, attention_bias: true, head_dim: 64 });
    expect(biased.attention).toMatchObject({ qkvBias: true, outputBias: true, headDim: 128 });
  });

  it('refuses malformed fields, naming them', () => {
    const e = inputErrorOf(() => read({ ...DEEPSEEK_MOE_16B, scoring_func: 'sigmoid' }));
    expect(e.message).toMatch(
      /'scoring_func' must be 'softmax' \(MoEGate supports no other\), got 'sigmoid'/,
    );
    expect(e.issues[0]?.path).toEqual(['scoring_func']);
    expect(inputErrorOf(() => read({ ...DEEPSEEK_MOE_16B, hidden_size: 2049 })).message).toMatch(
      /'hidden_size' \(2049\) must be divisible by 'num_attention_heads' \(16\)/,
    );
    expect(inputErrorOf(() => read({ ...DEEPSEEK_MOE_16B, num_experts_per_tok: 65 })).message).toMatch(
      /'num_experts_per_tok' \(65\) exceeds the number of experts \(64\)/,
    );
    expect(inputErrorOf(() => read({ ...DEEPSEEK_MOE_16B, num_key_value_heads: 3 })).message).toMatch(
      /'num_key_value_heads' \(3\) must divide num_attention_heads \(16\)/,
    );
    const { moe_intermediate_size: _, ...noExpertWidth } = DEEPSEEK_MOE_16B as Record<string, Json>;
    expect(inputErrorOf(() => read(noExpertWidth)).issues[0]?.path).toEqual(['moe_intermediate_size']);
    expect(inputErrorOf(() => read({ ...DEEPSEEK_MOE_16B, moe_layer_freq: 0 })).issues[0]?.path).toEqual([
      'moe_layer_freq',
    ]);
  });
});
