/**
 * Hunyuan-Large (`hunyuan`), read by calling the family directly: counts tensor by tensor from the modules
 * of Tencent/Tencent-Hunyuan-Large `models/modeling_hunyuan.py`: embed_tokens [V, h]; per layer
 * input_layernorm and post_attention_layernorm [h]; q_proj [H·d, h] and o_proj [h, H·d], and on a 'self'
 * layer k_proj and v_proj [K·d, h], without bias; query_layernorm and key_layernorm [d] when use_qk_norm;
 * HunYuanMoE's `num_experts` experts of gate/up_proj [I, h] and down_proj [h, I], gate.wg [E, h] and
 * shared_mlp of width I·S; model.norm [h]; lm_head [V, h] unless tied.
 *
 * Fixture `hand-built/hunyuan-large.json`: not a verbatim copy (no stored copy of the Hub file was found):
 * the keys an Ascend MindIE test quotes for Hunyuan-Large (with 2 layers), `num_hidden_layers` 64 (the
 * technical report) and `use_mixed_mlp_moe` true (the release's examples/train_demo.sh). Card: 389B total,
 * 52B active.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { hunyuanLarge } from './hunyuan-large.js';

const HUNYUAN_LARGE: Json = hfFixture('hand-built/hunyuan-large');

const read = (config: Json) => hunyuanLarge(new Fields(config, 'hunyuan'), 'x');

interface Shape {
  vocab: number;
  h: number;
  layers: number;
  heads: number;
  kvHeads: number;
  inter: number;
  experts: number;
  topK: number;
  shared: number;
  claFactor: number;
  qkNorm: boolean;
  tied: boolean;
}

/** HunYuanForCausalLM's state dict from the config's numbers alone: total and active (top-k experts). */
function hunyuanTensors(c: Shape): { total: number; active: number } {
  const d = c.h / c.heads;
  const qo = 2 * c.h * c.heads * d;
  const kv = 2 * c.h * c.kvHeads * d;
  const qkNorms = c.qkNorm ? 2 * d : 0;
  const expert = 3 * c.h * c.inter;
  const routedCommon = c.experts > 1 ? 3 * c.h * c.inter * c.shared + c.experts * c.h : expert;
  let total = c.vocab * c.h * (c.tied ? 1 : 2) + c.h;
  let active = total;
  for (let i = 0; i < c.layers; i++) {
    const common = qo + (i % c.claFactor === 0 ? kv : 0) + qkNorms + 2 * c.h + routedCommon;
    total += common + (c.experts > 1 ? c.experts * expert : 0);
    active += common + (c.experts > 1 ? c.topK * expert : 0);
  }
  return { total, active };
}

const SHAPE: Shape = {
  vocab: 129_024,
  h: 6400,
  layers: 64,
  heads: 80,
  kvHeads: 8,
  inter: 18_304,
  experts: 16,
  topK: 1,
  shared: 1,
  claFactor: 2,
  qkNorm: true,
  tied: true,
};

describe('hunyuan (tencent/Tencent-Hunyuan-Large, Hunyuan-A52B)', () => {
  it('reads GQA 80/8 × 80 with q/k norms, CLA on odd layers, 16 experts top-1 + one shared MLP', () => {
    const spec = read(HUNYUAN_LARGE);
    expect(spec.modelType).toBe('hunyuan');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 80,
      numKvHeads: 8,
      headDim: 80,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 16,
      topK: 1,
      expertIntermediateSize: 18_304,
      numSharedExperts: 1,
      sharedIntermediateSize: 18_304,
      routerBias: false,
      routingGroups: null,
    });
    expect(spec.layers).toHaveLength(64);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'moe')).toBe(true);
    expect(spec.layers.filter((l) => l.kvShared).length).toBe(32);
    expect(spec.layers[0]).toEqual({ attention: 'full', mlp: 'moe' });
    expect(spec.layers[1]).toEqual({
      attention: 'full',
      mlp: 'moe',
      kvShared: true,
      extras: { modules: 'self_attn.key_layernorm', params: 80, gemms: [] },
    });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 388,701,405,440 total, 51,322,077,440 active (card: 389B / 52B)', () => {
    const p = paramCount(read(HUNYUAN_LARGE));
    const expected = hunyuanTensors(SHAPE);
    expect(p.totalParams).toBe(expected.total);
    expect(p.activeParams).toBe(expected.active);
    // Against the card: 388.70B vs "389B" (−0.3B, rounding); 51.32B vs "52B" (−0.68B; the tied
    // embedding counted once — counting it again as the head gives 52.15B).
    expect(p.totalParams).toBe(388_701_405_440);
    expect(p.activeParams).toBe(51_322_077_440);
    // 32 'cross' layers without k_proj/v_proj: 32 × 2 × 6400 × 640 fewer weights than without CLA.
    const noCla = paramCount(read({ ...HUNYUAN_LARGE, use_cla: false })).totalParams;
    expect(noCla - p.totalParams).toBe(32 * 2 * 6400 * 640);
  });

  it('KV cache: 32 of 64 layers cache K and V of 8 × 80; the cross layers reuse them', () => {
    const kv = kvCacheBytes(read(HUNYUAN_LARGE), 4096, 'bf16');
    expect(kv.bytesPerToken).toBe(32 * 2 * 8 * 80 * 2);
    expect(kv.kvSharedLayers).toBe(32);
    const plain = kvCacheBytes(read({ ...HUNYUAN_LARGE, use_cla: false }), 4096, 'bf16');
    expect(plain.bytesPerToken).toBe(2 * kv.bytesPerToken);
    const quarter = kvCacheBytes(read({ ...HUNYUAN_LARGE, cla_share_factor: 4 }), 4096, 'bf16');
    expect(quarter.bytesPerToken).toBe(16 * 2 * 8 * 80 * 2);
  });

  it('forward FLOPs per token ≈ 2 × the active matmul weights + attention scores', () => {
    const spec = read(HUNYUAN_LARGE);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    // The tied table counts once in the active parameters and runs once, as the head.
    const approx = 2 * paramCount(spec).activeParams + f.breakdown.attentionScores;
    expect(Math.abs(f.flopsPerToken - approx) / approx).toBeLessThan(0.01);
    expect(f.breakdown.routedExperts).toBe(64 * 2 * 3 * 6400 * 18_304);
    expect(f.breakdown.sharedExperts).toBe(64 * 2 * 3 * 6400 * 18_304);
  });

  it("follows HunYuanConfig's defaults: no CLA, no q/k norm, no shared MLP, one expert a dense MLP", () => {
    const keys = ['use_cla', 'cla_share_factor', 'use_qk_norm', 'use_mixed_mlp_moe', 'num_shared_expert'];
    const trimmed = Object.fromEntries(Object.entries(HUNYUAN_LARGE).filter(([k]) => !keys.includes(k)));
    const spec = read(trimmed);
    expect(spec.layers.some((l) => l.kvShared || l.extras)).toBe(false);
    expect(spec.attention).toMatchObject({ qkNorm: 'none' });
    expect(spec.moe).toMatchObject({ numSharedExperts: 0, sharedIntermediateSize: 0 });
    const bare = { ...SHAPE, claFactor: 1, qkNorm: false, shared: 0 };
    expect(paramCount(spec).totalParams).toBe(hunyuanTensors(bare).total);
    expect(paramCount(spec).activeParams).toBe(hunyuanTensors(bare).active);
    const twoShared = { ...HUNYUAN_LARGE, num_shared_expert: 2, tie_word_embeddings: false };
    expect(paramCount(read(twoShared)).totalParams).toBe(
      hunyuanTensors({ ...SHAPE, shared: 2, tied: false }).total,
    );
    const dense = read({ ...HUNYUAN_LARGE, num_experts: 1 });
    expect(dense.moe).toBeNull();
    expect(dense.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(paramCount(dense).totalParams).toBe(hunyuanTensors({ ...SHAPE, experts: 1 }).total);
  });

  it('refuses malformed fields, naming them', () => {
    expect(inputErrorOf(() => read({ ...HUNYUAN_LARGE, cla_share_factor: 0 })).message).toMatch(
      /'cla_share_factor' must be at least 1, got 0/,
    );
    const list = inputErrorOf(() => read({ ...HUNYUAN_LARGE, num_experts: [16, 8] }));
    expect(list.message).toMatch(/'num_experts' must be one number or a list of equal numbers/);
    expect(list.issues[0]?.path).toEqual(['num_experts']);
    expect(inputErrorOf(() => read({ ...HUNYUAN_LARGE, moe_topk: 17 })).message).toMatch(
      /'moe_topk' \(17\) exceeds the number of experts \(16\)/,
    );
    expect(inputErrorOf(() => read({ ...HUNYUAN_LARGE, hidden_size: 6401 })).message).toMatch(
      /'hidden_size' \(6401\) must be divisible by 'num_attention_heads' \(80\)/,
    );
    expect(inputErrorOf(() => read({ ...HUNYUAN_LARGE, num_key_value_heads: 7 })).message).toMatch(
      /'num_key_value_heads' \(7\) must divide num_attention_heads \(80\)/,
    );
    expect(inputErrorOf(() => read({ ...HUNYUAN_LARGE, use_cla: 'yes' })).issues[0]?.path).toEqual([
      'use_cla',
    ]);
  });
});

describe("Hunyuan-A13B as its release writes it (model_type 'hunyuan', HunYuanMoEV1ForCausalLM)", () => {
  // The release's field layout (vLLM hunyuan_v1.py reads it): attention_head_dim, per-layer lists of
  // moe_topk, num_shared_expert and moe_intermediate_size, the shared MLP behind use_mixed_mlp_moe.
  const a13b = hfFixture('hand-built/hunyuan-a13b');
  const perLayer = (v: number) => Array.from({ length: 32 }, () => v);
  const release: Json = {
    ...a13b,
    model_type: 'hunyuan',
    head_dim: undefined,
    attention_head_dim: 128,
    moe_topk: perLayer(8),
    num_shared_expert: perLayer(1),
    moe_intermediate_size: perLayer(3072),
    use_mixed_mlp_moe: true,
    use_qk_norm: true,
    use_cla: false,
  };
  it('reads the same model as the hunyuan_v1_moe layout: 80B total, 13B active (the card)', () => {
    const spec = specFromHfConfig(release, 'a13b');
    const counts = paramCount(spec);
    expect(counts).toEqual(paramCount(specFromHfConfig(a13b, 'a13b')));
    expect(counts.totalParams / 80e9).toBeCloseTo(1, 1);
    expect(counts.activeParams / 13e9).toBeCloseTo(1, 1);
  });
  it('takes the routed experts from moe_intermediate_size where it differs from intermediate_size', () => {
    const narrow = specFromHfConfig({ ...release, moe_intermediate_size: perLayer(1536) }, 'a13b');
    expect(narrow.moe?.expertIntermediateSize).toBe(1536);
    expect(narrow.moe?.sharedIntermediateSize).toBe(3072);
  });
});

describe('Hunyuan-A13B (hunyuan_v1_moe) without max_position_embeddings', () => {
  it("HunYuanMoEV1Config's default: 2048 positions, the counts unchanged", () => {
    const { max_position_embeddings: _, ...trimmed } = hfFixture('hand-built/hunyuan-a13b');
    const spec = specFromHfConfig(trimmed, 'a13b');
    expect(spec.maxContextTokens).toBe(2048);
    expect(paramCount(spec)).toEqual(
      paramCount(specFromHfConfig(hfFixture('hand-built/hunyuan-a13b'), 'a13b')),
    );
  });
});
