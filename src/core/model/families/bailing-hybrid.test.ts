/**
 * `bailing_hybrid`, read by calling the family directly. Counts tensor by tensor from the modules of the
 * checkpoint's inclusionAI/Ring-V2.5 `models/modeling_bailing_moe_v2_5.py` (Ling 2.5) and of SGLang
 * `srt/models/bailing_moe_v3.py` / mlx-lm `bailing_moe_v3.py` (Ling 3.0): word_embeddings [V, h]; per layer
 * input_layernorm and post_attention_layernorm [h]; MLA layers q_proj [H·(n+r), h] or q_a_proj [q, h],
 * q_a_layernorm [q], q_b_proj [H·(n+r), q], kv_a_proj_with_mqa [c+r, h], kv_a_layernorm [c], kv_b_proj
 * [H·(n+v), c], dense [h, H·v] (Ling 3.0: g_proj [H, h]); lightning layers query_key_value [3·H·d, h],
 * query_layernorm and key_layernorm [d], g_proj [H·d, h], g_norm [H·d], dense [h, H·d]; KDA layers q/k/v_proj,
 * q/k/v_conv1d [H·d, 1, K], f_proj [H·d, h] or f_a_proj [d, h] + f_b_proj [H·d, d], dt_bias [H·d], A_log [H],
 * b_proj [H, h], g_proj [H·d, h] or g_a_proj + g_b_proj, o_norm [d], o_proj [h, H·d]; a SwiGLU [I] below
 * first_k_dense_replace, else gate.weight [E, h] + expert_bias [E], E SwiGLU experts and one shared; model.norm
 * [h]; lm_head [V, h]. MTP layer: enorm, hnorm, eh_proj [h, 2h], the MLA + MoE layer, final_layernorm.
 *
 * Fixture `hand-built/ring-2.5-1t.json`: transformers' BailingHybridConfig defaults (documented on
 * inclusionAI/Ring-2.5-1T). Cards: Ling-2.5-1T and Ring-2.5-1T "1T total parameters, 63B active".
 * Fixture `hand-built/ling-3.0-tiny.json`: the Ling-3.0-tiny config quoted in mlx-swift's BailingMoeV3 test.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf, specIssues } from '../../../../test/input-error.js';
import { deepseekV3Mla } from '../../../../test/mla.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';
import { bailingHybrid } from './bailing-hybrid.js';
import { Fields, type Json } from './fields.js';

const fixture = (file: string): Json => hfFixture(`hand-built/${file}`);
const RING_25 = fixture('ring-2.5-1t');
const LING_30_TINY = fixture('ling-3.0-tiny');

const read = (config: Json) => bailingHybrid(new Fields(config, 'bailing_hybrid'), 'x');

interface Shape {
  vocab: number;
  h: number;
  layers: number;
  heads: number;
  /** The linear layers' head width. */
  d: number;
  inter: number;
  expertInter: number;
  sharedInter: number;
  experts: number;
  topK: number;
  firstDense: number;
  group: number;
  qLora: number | null;
  kvLora: number;
  nope: number;
  rope: number;
  v: number;
  linear: 'lightning' | 'kda-low-rank' | 'kda-full-rank';
  conv: number;
  headGate: boolean;
  mtp: number;
}

/** The state dict's total, active (top-k experts) and MTP parameters, from the config's numbers alone. */
function hybridTensors(c: Shape): { total: number; active: number; mtp: number } {
  const { h, heads: H, d } = c;
  const mla =
    (c.qLora === null ? h * H * (c.nope + c.rope) : h * c.qLora + c.qLora + c.qLora * H * (c.nope + c.rope)) +
    h * (c.kvLora + c.rope) +
    c.kvLora +
    c.kvLora * H * (c.nope + c.v) +
    H * c.v * h +
    (c.headGate ? h * H : 0);
  const w = H * d;
  const lowRank = h * d + d * w;
  const linear =
    c.linear === 'lightning'
      ? h * 3 * w + 2 * d + h * w + w + w * h
      : 3 * h * w +
        3 * w * c.conv +
        2 * (c.linear === 'kda-full-rank' ? h * w : lowRank) +
        w +
        H +
        h * H +
        d +
        w * h;
  const expert = 3 * h * c.expertInter;
  const moeShared = c.experts * h + c.experts + 3 * h * c.sharedInter;
  const norms = 2 * h;
  let total = 2 * c.vocab * h + h;
  let active = total;
  for (let i = 0; i < c.layers; i++) {
    const isMla = (i + 1) % c.group === 0 || i >= Math.floor(c.layers / c.group) * c.group;
    const mixer = norms + (isMla ? mla : linear);
    const dense = i < c.firstDense;
    total += mixer + (dense ? 3 * h * c.inter : moeShared + c.experts * expert);
    active += mixer + (dense ? 3 * h * c.inter : moeShared + c.topK * expert);
  }
  const mtp = c.mtp * (3 * h + 2 * h * h + norms + mla + moeShared + c.experts * expert);
  return { total, active, mtp };
}

const RING_SHAPE: Shape = {
  vocab: 157_184,
  h: 8192,
  layers: 80,
  heads: 64,
  d: 128,
  inter: 18_432,
  expertInter: 2048,
  sharedInter: 2048,
  experts: 256,
  topK: 8,
  firstDense: 4,
  group: 8,
  qLora: 1536,
  kvLora: 512,
  nope: 128,
  rope: 64,
  v: 128,
  linear: 'lightning',
  conv: 0,
  headGate: false,
  mtp: 0,
};

const TINY_SHAPE: Shape = {
  ...RING_SHAPE,
  h: 1536,
  layers: 24,
  heads: 16,
  inter: 4608,
  expertInter: 512,
  sharedInter: 512,
  experts: 128,
  firstDense: 1,
  group: 4,
  qLora: 256,
  linear: 'kda-full-rank',
  conv: 4,
  headGate: true,
};

describe('bailing_hybrid, Ling 2.5 (BailingMoeV2_5ForCausalLM: MLA + lightning attention)', () => {
  it('reads MLA on every 8th layer, lightning attention elsewhere, four dense layers then MoE', () => {
    const spec = read(RING_25);
    const mla = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(mla).toEqual([7, 15, 23, 31, 39, 47, 55, 63, 71, 79]);
    expect(spec.layers.filter((l) => l.attention === 'linear')).toHaveLength(70);
    expect(spec.layers.map((l) => l.mlp).indexOf('moe')).toBe(4);
    expect(spec.attention).toEqual(deepseekV3Mla(64));
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 64,
      numValueHeads: 64,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 0,
      projections: 'lightning',
    });
    expect(spec.layers[0]!.extras).toEqual({
      modules: 'query_layernorm, key_layernorm',
      params: 256,
      gemms: [],
    });
    expect(spec.layers[7]!.extras).toBeUndefined();
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 2048,
      routerBias: true,
    });
    expect(spec.moe?.routingGroups).toEqual({ groups: 8, groupsPerToken: 4 });
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors exactly: 1,012,231,160,320 total, 63,580,258,816 active', () => {
    const p = paramCount(read(RING_25));
    const expected = hybridTensors(RING_SHAPE);
    expect(p.totalParams).toBe(expected.total);
    expect(p.activeParams).toBe(expected.active);
    // The card's "1T total, 63B active": 1.2% and 0.9% above the round figures.
    expect(p.totalParams).toBe(1_012_231_160_320);
    expect(p.activeParams).toBe(63_580_258_816);
  });

  it('counts an MTP layer as BailingMoeV2_5MTPLayer (MLA + MoE, three norms, eh_proj) without a warning', () => {
    const spec = read({ ...RING_25, num_nextn_predict_layers: 1 });
    expect(spec.numMtpModules).toBe(1);
    expect(paramCount(spec).mtpParams).toBe(hybridTensors({ ...RING_SHAPE, mtp: 1 }).mtp);
    expect(spec.warnings).toBeUndefined();
  });

  it('caches the MLA latent on 10 layers and a 128 × 128 state per head on 70', () => {
    const spec = read(RING_25);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(10 * (512 + 64) * 2);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(70 * 64 * 128 * 128 * 2);
  });

  it('runs about 2 FLOPs per active weight a token, plus attention', () => {
    const spec = read(RING_25);
    const p = paramCount(spec);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const weights = 2 * (p.activeParams - 157_184 * 8192);
    expect(f.flopsPerToken).toBeGreaterThan(weights);
    expect(f.flopsPerToken).toBeLessThan(1.1 * weights);
  });

  it('reads the layer kinds from layer_types, layers_block_type or a per-layer list, which must agree', () => {
    const base = read(RING_25).layers;
    const types = base.map((l) => (l.attention === 'full' ? 'full_attention' : 'linear_attention'));
    expect(read({ ...RING_25, layer_types: types }).layers).toEqual(base);
    const blocks = base.map((l) => (l.attention === 'full' ? 'attention' : 'linear_attention'));
    const { layer_group_size: _, ...noGroup } = RING_25;
    expect(read({ ...noGroup, layers_block_type: blocks }).layers).toEqual(base);
    const list = base.map((l) => (l.attention === 'full' ? 0 : 1));
    expect(read({ ...RING_25, layer_group_size: list }).layers).toEqual(base);
    // The checkpoint's trailing-remainder rule: 10 layers in groups of 4 put MLA on 3, 7, 8 and 9.
    const tail = read({ ...RING_25, num_hidden_layers: 10, layer_group_size: 4 }).layers;
    expect(tail.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([3, 7, 8, 9]);
    const e = inputErrorOf(() => read({ ...RING_25, layer_types: ['full_attention', ...types.slice(1)] }));
    expect(e.issues[0]?.path).toEqual(['layer_types']);
    expect(e.message).toMatch(/makes layer 0 MLA, but layer_group_size makes it linear attention/);
  });
});

describe('bailing_hybrid, Ling 3.0 (BailingMoeV3ForCausalLM: MLA + KDA)', () => {
  it('reads no_kda_lora true (every release): full-rank f_proj and g_proj, counted tensor by tensor', () => {
    const spec = read(LING_30_TINY);
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 16,
      keyHeadDim: 128,
      valueHeadDim: 128,
      projections: 'kda',
      fullRankForgetGate: true,
      fullRankOutputGate: true,
    });
    expect(spec.linearAttention?.gateRank).toBeUndefined();
    // mlx-lm BailingKDA's tensors; no published total was found to compare with.
    const p = paramCount(spec);
    expect(p.totalParams).toBe(hybridTensors(TINY_SHAPE).total);
    expect(p.activeParams).toBe(hybridTensors(TINY_SHAPE).active);
    expect(p).toMatchObject({ totalParams: 7_893_392_800, activeParams: 1_381_735_840 });
    // Decode runs f_proj and g_proj (h → H·d each) on the 18 KDA layers, not the low-rank pairs.
    const full = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const lowRank = forwardFlopsPerToken(read({ ...LING_30_TINY, no_kda_lora: false }), {
      attentionMode: 'decode',
      contextTokens: 4096,
    });
    const d = 16 * 128;
    expect(full.breakdown.attentionProjections - lowRank.breakdown.attentionProjections).toBe(
      18 * 2 * 2 * (1536 * d - (1536 * 128 + 128 * d)),
    );
    const noFlag: Json = { ...LING_30_TINY };
    delete noFlag.no_kda_lora;
    expect(inputErrorOf(() => read(noFlag)).message).toMatch(/'no_kda_lora' is required: SGLang defaults it/);
  });

  it('with no_kda_lora false reads KDA of rank head_dim and MLA with a head-wise gate, counted exactly', () => {
    const spec = read({ ...LING_30_TINY, no_kda_lora: false });
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([
      3, 7, 11, 15, 19, 23,
    ]);
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 16,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 4,
      projections: 'kda',
      gateRank: 128,
    });
    expect(spec.layers[3]!.extras).toEqual({
      modules: 'g_proj',
      params: 1536 * 16,
      gemms: [{ name: 'g_proj', n: 16, k: 1536 }],
    });
    expect(spec.layers[0]!.extras).toBeUndefined();
    const p = paramCount(spec);
    const expected = hybridTensors({ ...TINY_SHAPE, linear: 'kda-low-rank' });
    expect(p.totalParams).toBe(expected.total);
    expect(p.activeParams).toBe(expected.active);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(6 * (512 + 64) * 2);
    const element = read({
      ...LING_30_TINY,
      no_kda_lora: false,
      gated_attention_proj_granularity_type: 'element_wise',
    });
    expect(element.attention).toMatchObject({ kind: 'mla', outputGate: true });
    expect(element.layers[3]!.extras).toBeUndefined();
  });

  it('counts an MTP layer’s head-wise gate with its MLA (24,576 parameters each), without a warning', () => {
    const spec = read({ ...LING_30_TINY, no_kda_lora: false, num_nextn_predict_layers: 1 });
    const ungated = { ...spec, mtpModule: null };
    expect(spec.warnings).toBeUndefined();
    expect(spec.mtpModule?.layer.extras?.modules).toBe('g_proj');
    expect(paramCount(spec).mtpParams - paramCount(ungated).mtpParams).toBe(24_576);
  });
});

describe('KDA with a full-rank forget gate written as an llmecon spec (linearAttention.fullRankForgetGate)', () => {
  const input = (linear: object) => ({
    name: 'kda-by-hand',
    vocabSize: 1000,
    hiddenSize: 1536,
    numLayers: 4,
    maxContextTokens: 4096,
    attention: { kind: 'gqa', numHeads: 16, numKvHeads: 16, headDim: 128 },
    layerPattern: ['linear', 'linear', 'linear', 'full'],
    linearAttention: { numKeyHeads: 16, numValueHeads: 16, keyHeadDim: 128, valueHeadDim: 128, ...linear },
    mlp: { intermediateSize: 4608 },
  });
  it('counts f_proj (h → k) in place of f_a_proj → f_b_proj on each linear layer', () => {
    const lowRank = paramCount(specFromInput(input({ projections: 'kda', gateRank: 128 }))).totalParams;
    const full = paramCount(
      specFromInput(input({ projections: 'kda', gateRank: 128, fullRankForgetGate: true })),
    ).totalParams;
    expect(full - lowRank).toBe(3 * (1536 * 2048 - (1536 * 128 + 128 * 2048)));
  });
  it('is KDA only', () => {
    expect(specIssues(specFromInput, input({ projections: 'lightning', fullRankForgetGate: true }))).toEqual([
      "linearAttention.fullRankForgetGate: only KDA (projections 'kda') has fullRankForgetGate",
    ]);
  });
});

describe('an unknown type shaped like a Ling hybrid', () => {
  it('is refused, not read as MLA alone: layer_group_size signals linear-attention layers', () => {
    const config = { ...(RING_25 as Record<string, Json>), model_type: 'bailing_hybrid_next' };
    expect(() => specFromHfConfig(config, 'u')).toThrow(
      /unsupported model_type 'bailing_hybrid_next'.*'layer_group_size' signals state-space or recurrent layers/,
    );
  });
});

describe('bailing_hybrid refusals', () => {
  it('name the field and what is allowed', () => {
    const cases: [Json, string[], RegExp][] = [
      [{ ...RING_25, short_conv_kernel_size: 4 }, ['short_conv_kernel_size'], /mixes the two architectures/],
      [{ ...RING_25, use_qkv_bias: true }, ['use_qkv_bias'], /every release sets it false/],
      [{ ...RING_25, num_kv_heads_for_linear_attn: 32 }, ['num_kv_heads_for_linear_attn'], /must be 0 or/],
      [
        { ...RING_25, moe_shared_expert_intermediate_size: 4096 },
        ['moe_shared_expert_intermediate_size'],
        /must equal/,
      ],
      [{ ...RING_25, num_shared_experts: 2 }, ['num_shared_experts'], /must be 0 or 1/],
      [
        { ...RING_25, gated_attention_proj_granularity_type: 'channel' },
        ['gated_attention_proj_granularity_type'],
        /'head_wise' or 'element_wise'/,
      ],
    ];
    for (const [config, path, message] of cases) {
      const e = inputErrorOf(() => read(config));
      expect(e.issues[0]?.path).toEqual(path);
      expect(e.message).toMatch(message);
    }
    const { first_k_dense_replace: _, ...noFirst } = RING_25;
    expect(inputErrorOf(() => read(noFirst)).message).toMatch(/'first_k_dense_replace' is required/);
  });
});
