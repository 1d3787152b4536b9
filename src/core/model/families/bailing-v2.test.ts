/**
 * Ling 2.0 (`bailing_moe_v2`) and Ring-linear 2.0 (`bailing_moe_linear`), bailing-v2.ts: Ling-mini-2.0
 * and Ring-mini-linear-2.0 counted tensor by tensor from the checkpoints' modules (inclusionAI/Ling-V2
 * `models/modeling_bailing_moe_v2.py`; SGLang and mlx-lm `bailing_moe_linear.py` for the hybrid),
 * written here from config.json and not through the reader, against paramCount and the published
 * figures: Ling-mini-2.0 "1.43B activated of 16.26B total params … (non-embedding 789M)" (Ling-V2
 * README), Ring-mini-linear-2.0 "16B parameters and 957M activations" (Ling Team 2025, "Every
 * Attention Matters: An Efficient Hybrid Architecture for Long-Context Reasoning", arXiv:2510.19338,
 * abstract).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { bailingMoeLinear, bailingMoeV2 } from './bailing-v2.js';
import { Fields } from './fields.js';

const ling = () => structuredClone(hfFixture('hand-built/ling-mini-2.0')) as Cfg;
const ring = () => structuredClone(hfFixture('hand-built/ring-mini-linear-2.0')) as Cfg;
const readV2 = (c: Cfg) => bailingMoeV2(new Fields(c, 'bailing_moe_v2'), 'ling-mini-2.0');
const readLinear = (c: Cfg) => bailingMoeLinear(new Fields(c, 'bailing_moe_linear'), 'ring-mini-linear-2.0');

/** Ring-linear's layer kinds as its DecoderLayer picks them: softmax on whole-group ends and the tail. */
const isSoftmax = (c: Cfg, i: number): boolean =>
  (i + 1) % c.layer_group_size === 0 ||
  i >= Math.floor(c.num_hidden_layers / c.layer_group_size) * c.layer_group_size;

/**
 * The checkpoint's tensors, from the modules: model.word_embeddings [V, h], model.norm [h], lm_head
 * [V, h]; per layer input_layernorm and post_attention_layernorm [h]; attention.query_key_value
 * [(H + 2K)·d, h] (K = H on Ring-linear's linear layers), query_layernorm and key_layernorm [d],
 * dense [h, H·d], and on linear layers g_proj [H·d, h] and g_norm [H·d]; mlp.gate_proj, up_proj
 * [I, h] and down_proj [h, I] on the first_k_dense_replace layers, else mlp.gate.weight [E, h],
 * gate.expert_bias [E], E experts of moe_intermediate_size and shared_experts of
 * num_shared_experts × moe_intermediate_size. MTP layers: enorm, hnorm, eh_proj [h, 2h],
 * final_layernorm and a softmax MoE layer. No biases (use_bias, use_qkv_bias false).
 */
function bailingTensors(c: Cfg, hybrid: boolean): { t: Tensors; mtp: number; linearQkNorms: number } {
  const h = c.hidden_size;
  const d = c.head_dim;
  const heads = c.num_attention_heads;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h], [c.vocab_size, h]);
  let linearQkNorms = 0;
  const layer = (into: Tensors, i: number, linear: boolean) => {
    const kv = linear ? heads : c.num_key_value_heads;
    into.add([h], [h], [(heads + 2 * kv) * d, h], [d], [d], [h, heads * d]);
    if (linear) {
      into.add([heads * d, h], [heads * d]);
      linearQkNorms += 2 * d;
    }
    if (i < c.first_k_dense_replace) {
      into.add([c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
      return;
    }
    const ie = c.moe_intermediate_size;
    const is = c.num_shared_experts * ie;
    into.add([c.num_experts, h], [c.num_experts], [is, h], [is, h], [h, is]);
    into.experts(c.num_experts, c.num_experts_per_tok, [ie, h], [ie, h], [h, ie]);
  };
  for (let i = 0; i < c.num_hidden_layers; i += 1) layer(t, i, hybrid && !isSoftmax(c, i));
  const m = new Tensors();
  for (let i = 0; i < c.num_nextn_predict_layers; i += 1) {
    m.add([h], [h], [h, 2 * h], [h]);
    layer(m, c.num_hidden_layers + i, false);
  }
  return { t, mtp: m.total, linearQkNorms };
}

describe('bailing_moe_v2 (Ling 2.0)', () => {
  it('reads Ling-mini-2.0: one dense layer then 19 MoE layers, GQA with q/k norms, sigmoid group routing', () => {
    const spec = readV2(ling());
    expect(spec.modelType).toBe('bailing_moe_v2');
    expect(spec.layers.map((l) => `${l.attention}/${l.mlp}`)).toEqual([
      'full/dense',
      ...Array(19).fill('full/moe'),
    ]);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 4,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
      // One query_key_value: LoRA adapts it whole.
      fusedQkv: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 5120, gated: true, bias: false });
    expect(spec.moe).toEqual({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 512,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 512,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: { groups: 8, groupsPerToken: 4 },
    });
    expect(spec.linearAttention).toBeNull();
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(32_768);
    expect(spec.numMtpModules).toBe(0);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts Ling-mini-2.0 tensor by tensor: 16.26B total, 1.43B active (789M without embedding and head)', () => {
    const c = ling();
    const { t } = bailingTensors(c, false);
    const p = paramCount(readV2(c));
    expect(p.totalParams).toBe(t.total);
    expect(p.totalParams).toBe(16_255_643_392);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(p.activeParams).toBe(1_432_973_056);
    // The card: "1.43B activated of 16.26B total params", "non-embedding 789M".
    expect(p.totalParams / 1e9).toBeCloseTo(16.26, 2);
    expect(p.activeParams / 1e9).toBeCloseTo(1.43, 2);
    expect((p.activeParams - p.embeddingParams) / 1e6).toBeCloseTo(789.1, 1);
    // Each MoE layer's gate holds 256 weights rows and the 256-entry expert_bias.
    expect(p.breakdown.router).toBe(19 * (256 * 2048 + 256));
    // query_key_value (h → (16 + 2·4)·128), dense, and the two per-head norms, counted with attention.
    expect(p.breakdown.attention).toBe(20 * (2048 * 3072 + 2048 * 2048 + 2 * 128));
    expect(p.breakdown.norms).toBe(20 * 2 * 2048 + 2048);
    expect(p.mtpParams).toBe(0);
  });

  it('counts an MTP layer as BailingMoeV2MTPLayer, apart from the total', () => {
    const c = { ...ling(), num_nextn_predict_layers: 1 };
    const { t, mtp } = bailingTensors(c, false);
    const spec = readV2(c);
    expect(spec.numMtpModules).toBe(1);
    const p = paramCount(spec);
    expect(p.mtpParams).toBe(mtp);
    expect(p.totalParams).toBe(t.total);
  });

  it('KV cache: K and V of 4 heads × 128 on all 20 layers (partial RoPE rotates half, caches all)', () => {
    expect(kvCacheBytes(readV2(ling()), 4096, 'bf16').bytesPerToken).toBe(20 * 2 * 4 * 128 * 2);
  });

  it('applies BailingMoeV2Config defaults to omitted keys and reads head_dim null as hidden / heads', () => {
    const c = ling();
    for (const k of ['use_qk_norm', 'num_key_value_heads', 'n_group', 'topk_group', 'first_k_dense_replace'])
      delete c[k];
    expect(readV2(c)).toEqual(readV2(ling()));
    const spec = readV2({ ...ling(), head_dim: null, hidden_size: 1024 });
    expect(spec.attention).toMatchObject({ headDim: 64 });
    expect(readV2({ ...ling(), n_group: 1 }).moe?.routingGroups).toBeNull();
    expect(readV2({ ...ling(), num_shared_experts: null }).moe?.numSharedExperts).toBe(0);
    expect(readV2({ ...ling(), moe_shared_expert_intermediate_size: 1024 }).moe?.sharedIntermediateSize).toBe(
      1024,
    );
  });

  it('num_experts null is a dense model; query_key_value bias follows use_qkv_bias, dense bias use_bias', () => {
    const dense = readV2({ ...ling(), num_experts: null });
    expect(dense.moe).toBeNull();
    expect(dense.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(readV2({ ...ling(), use_bias: true }).attention).toMatchObject({
      qkvBias: false,
      outputBias: true,
    });
    expect(readV2({ ...ling(), use_qkv_bias: true }).attention).toMatchObject({
      qkvBias: true,
      outputBias: false,
    });
    expect(readV2({ ...ling(), use_qk_norm: false }).attention).toMatchObject({ qkNorm: 'none' });
  });

  it('refuses malformed fields, naming them', () => {
    const { hidden_size: _, ...noHidden } = ling();
    expect(() => readV2(noHidden)).toThrowError(/missing field 'hidden_size'/);
    const { num_experts: __, ...noExperts } = ling();
    expect(() => readV2(noExperts)).toThrowError(/missing field 'num_experts'/);
    const { moe_intermediate_size: ___, ...noExpertSize } = ling();
    expect(() => readV2(noExpertSize)).toThrowError(/missing field 'moe_intermediate_size'/);
    expect(() => readV2({ ...ling(), n_group: 3 })).toThrowError(
      /'n_group' \(3\) must divide num_experts \(256\)/,
    );
    expect(() => readV2({ ...ling(), topk_group: 9 })).toThrowError(
      /'topk_group' \(9\) exceeds n_group \(8\)/,
    );
    expect(() =>
      readV2({ ...ling(), num_experts: 16, n_group: 8, topk_group: 1, num_experts_per_tok: 4 }),
    ).toThrowError(/'num_experts_per_tok' \(4\) exceeds the 2 experts/);
    expect(() => readV2({ ...ling(), num_experts_per_tok: 257 })).toThrowError(/'num_experts_per_tok'/);
    expect(() => readV2({ ...ling(), num_key_value_heads: 3 })).toThrowError(
      /'num_key_value_heads' \(3\) must divide/,
    );
    expect(() => readV2({ ...ling(), first_k_dense_replace: 21 })).toThrowError(
      /'first_k_dense_replace' \(21\) exceeds num_hidden_layers \(20\)/,
    );
    expect(() => readV2({ ...ling(), num_experts: null, num_nextn_predict_layers: 1 })).toThrowError(
      /'num_nextn_predict_layers' \(1\) needs num_experts/,
    );
    expect(() => readV2({ ...ling(), use_qk_norm: 'yes' })).toThrowError(
      /'use_qk_norm' must be true or false/,
    );
    const e = inputErrorOf(() => readV2({ ...ling(), moe_intermediate_size: 0 }));
    expect(e.message).toMatch(/'moe_intermediate_size' must be at least 1/);
  });

  it('specFromHfConfig reads it by this family, no lookalike warning', () => {
    const spec = specFromHfConfig(ling(), 'ling-mini-2.0');
    expect(spec).toEqual(readV2(ling()));
    expect(spec.warnings).toBeUndefined();
  });
});

describe('bailing_moe_linear (Ring-linear 2.0)', () => {
  it('reads Ring-mini-linear-2.0: softmax attention every 5th layer, lightning attention on the other 16', () => {
    const spec = readLinear(ring());
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([4, 9, 14, 19]);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(19).fill('moe')]);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 4,
      headDim: 128,
      qkNorm: 'per-head',
    });
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 16,
      numValueHeads: 16,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 2,
      projections: 'lightning',
    });
    expect(spec.moe).toMatchObject({ numExperts: 256, topK: 8, numSharedExperts: 1, routerBias: true });
    expect(spec.moe?.routingGroups).toEqual({ groups: 8, groupsPerToken: 4 });
    expect(spec.maxContextTokens).toBe(131_072);
    // The linear layers' q/k norms, which lightning attention has no field for, are their layer extras.
    expect(spec.layers[0]!.extras).toEqual({
      modules: 'query_layernorm, key_layernorm',
      params: 256,
      gemms: [],
    });
    expect(spec.layers[4]!.extras).toBeUndefined();
    expect(spec.warnings).toBeUndefined();
  });

  it('counts Ring-mini-linear-2.0 tensor by tensor: 16.42B, 957M active without embedding and head', () => {
    const c = ring();
    const { t, linearQkNorms } = bailingTensors(c, true);
    expect(t.total).toBe(16_423_448_320);
    expect(linearQkNorms).toBe(16 * 256);
    const p = paramCount(readLinear(c));
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(p.breakdown.layerExtras).toBe(linearQkNorms);
    // Linear layers: query_key_value (h → 3·16·128), g_proj, g_norm, dense.
    expect(p.breakdown.linearAttention).toBe(16 * (2048 * 3 * 2048 + 2048 * 2048 + 2048 + 2048 * 2048));
    // The report: 957M activated (non-embedding); 1.6B with the embedding and head.
    const checkpointActive = t.total - t.inactive;
    expect((checkpointActive - 2 * 157_184 * 2048) / 1e6).toBeCloseTo(956.95, 2);
    expect((p.activeParams - p.embeddingParams) / 1e6).toBeCloseTo(956.95, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(1.6, 1);
    expect(p.totalParams / 1e9).toBeCloseTo(16.42, 2);
  });

  it('KV cache only on the 4 softmax layers; a 128 × 128 state per head on the 16 linear ones', () => {
    const spec = readLinear(ring());
    expect(kvCacheBytes(spec, 1024, 'bf16').bytesPerToken).toBe(4 * 2 * 4 * 128 * 2);
    expect(kvCacheBytes(spec, 131_072, 'bf16').bytesPerToken).toBe(4 * 2 * 4 * 128 * 2);
    const s = recurrentStateBytes(spec);
    expect(s.linearLayers).toBe(16);
    expect(s.convBytesPerSequence).toBe(0);
    expect(s.stateBytesPerSequence).toBe(16 * 16 * 128 * 128 * 2);
  });

  it('layers past the last whole group are softmax; one group of all layers is a Ling 2.0 stack', () => {
    const tail = readLinear({ ...ring(), num_hidden_layers: 22 });
    expect(tail.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([
      4, 9, 14, 19, 20, 21,
    ]);
    const one = readLinear({ ...ring(), layer_group_size: 1 });
    expect(one.linearAttention).toBeNull();
    expect(one.warnings).toBeUndefined();
    expect(paramCount(one).totalParams).toBe(paramCount(readV2(ling())).totalParams);
  });

  it('biases per use_bias / use_qkv_bias: on the softmax layers, and as the linear layers’ extras', () => {
    const spec = readLinear({ ...ring(), use_bias: true });
    expect(spec.attention).toMatchObject({ qkvBias: true, outputBias: true });
    // q/k norms (2 × 128), query_key_value's bias (3 × 2048) and dense's (2048) on each of the 16.
    expect(spec.layers[0]!.extras).toEqual({
      modules: 'query_layernorm, key_layernorm, query_key_value.bias, dense.bias',
      params: 8448,
      gemms: [],
    });
    expect(paramCount(spec).breakdown.layerExtras).toBe(16 * 8448);
    expect(spec.warnings).toBeUndefined();
    expect(readLinear({ ...ring(), use_qkv_bias: true }).attention).toMatchObject({
      qkvBias: true,
      outputBias: false,
    });
    expect(readLinear({ ...ring(), use_qk_norm: false }).layers[0]!.extras).toBeUndefined();
    expect(readLinear({ ...ring(), moe_router_enable_expert_bias: false }).moe?.routerBias).toBe(false);
    expect(readLinear({ ...ring(), num_experts: 1 }).moe).toBeNull();
  });

  it('an MTP layer is counted as Ling 2.0 counts it, and the reading says so', () => {
    const c = { ...ring(), num_nextn_predict_layers: 1 };
    const spec = readLinear(c);
    expect(paramCount(spec).mtpParams).toBe(bailingTensors(c, true).mtp);
    expect(spec.warnings?.[0]).toMatch(/the 1 MTP layer\(s\) are counted as Ling 2.0's BailingMoeV2MTPLayer/);
  });

  it('refuses malformed fields, naming them', () => {
    const { layer_group_size: _, ...noGroup } = ring();
    expect(() => readLinear(noGroup)).toThrowError(/missing field 'layer_group_size'/);
    expect(() => readLinear({ ...ring(), layer_group_size: 0 })).toThrowError(
      /'layer_group_size' must be at least 1/,
    );
    expect(() => readLinear({ ...ring(), head_dim: 64 })).toThrowError(
      /'head_dim' \(64\) × num_attention_heads \(16\) must equal hidden_size \(2048\)/,
    );
    expect(() => readLinear({ ...ring(), layer_group_size: 'five' })).toThrowError(
      /'layer_group_size' must be a non-negative integer/,
    );
    expect(() => readLinear({ ...ring(), moe_shared_expert_intermediate_size: 0 })).toThrowError(
      /'moe_shared_expert_intermediate_size' must be at least 1/,
    );
  });

  it('specFromHfConfig reads it by this family, no lookalike warning', () => {
    const spec = specFromHfConfig(ring(), 'ring-mini-linear-2.0');
    expect(spec).toEqual(readLinear(ring()));
    expect(spec.warnings).toBeUndefined();
  });
});
