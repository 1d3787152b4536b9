/**
 * GigaChat 3.5 (`gigachat3_5`), read by calling the family directly. The recount below follows the
 * state dict vLLM `gigachat3_5.py` / SGLang `gigachat35.py` load and llama.cpp's `llama_model_gigachat35`
 * requires: embed_tokens [V, h]; per MLA layer q_a_proj [q, h], q_a_layernorm [q], q_b_proj
 * [H·(n + r), q], kv_a_proj_with_mqa [kv + r, h], kv_a_layernorm [kv], kv_b_proj [H·(n + v), kv],
 * o_proj [h, H·v], gate_proj [H·v, h]; per GDN layer in_proj_qkvz [2·Hk·dk + 2·Hv·dv, h], in_proj_ba
 * [2·Hv, h], conv1d [2·Hk·dk + Hv·dv, 1, 4], A_log [Hv], dt_bias [Hv], norm [dv], out_proj [h, Hv·dv];
 * four norms [h]; a SwiGLU [I] below first_k_dense_replace, else gate [E, h] with
 * e_score_correction_bias [E], E experts and the shared expert (three matrices of [Im, h] each);
 * model.norm [h]; lm_head [V, h]. Each gated norm of width d adds gate_up_projection [16, d] and
 * gate_down_projection [d, 16].
 *
 * Fixture `hand-built/gigachat3.5-432b-a28b.json`: not a verbatim copy (see the report): vLLM's
 * GigaChat35Config defaults (its 432B shape) with the release's 40 layers, 64 heads, MLA every 4th layer
 * from 3, 256 experts top-8 plus one shared, 3 dense layers, 262144 positions and 2 MTP heads (SGLang
 * cookbook GigaChat3.5.mdx, the llama.cpp loader's 40-layer 432B_A28B). Card: 432B total, 28B active.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { deepseekV3Mla } from '../../../../test/mla.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { gigachat35 } from './gigachat.js';

const GIGACHAT_35: Json = hfFixture('hand-built/gigachat3.5-432b-a28b');

const read = (config: Json) => gigachat35(new Fields(config, 'gigachat3_5'), 'x');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly mlaLayers: number;
  readonly firstDense: number;
  readonly heads: number;
  readonly q: number;
  readonly kv: number;
  readonly nope: number;
  readonly rope: number;
  readonly v: number;
  readonly kHeads: number;
  readonly vHeads: number;
  readonly dk: number;
  readonly dv: number;
  readonly inter: number;
  readonly moeInter: number;
  readonly experts: number;
  readonly topK: number;
  readonly shared: number;
  /** Gated norms (ZeroCenteredGatedNorm) or plain RMSNorms; hidden-size norms per layer. */
  readonly gated: boolean;
  readonly normsPerLayer: number;
}

const SHAPE: Shape = {
  vocab: 128_256,
  h: 7168,
  layers: 40,
  mlaLayers: 10,
  firstDense: 3,
  heads: 64,
  q: 1536,
  kv: 512,
  nope: 128,
  rope: 64,
  v: 128,
  kHeads: 32,
  vHeads: 64,
  dk: 128,
  dv: 128,
  inter: 18_432,
  moeInter: 2048,
  experts: 256,
  topK: 8,
  shared: 1,
  gated: true,
  normsPerLayer: 4,
};

/** GigaChat35ForCausalLM's state dict from the config's numbers alone: total, active, one MTP head. */
function gigachatTensors(c: Shape): { total: number; active: number; mtpHead: number } {
  const norm = (d: number) => d + (c.gated ? 2 * d * 16 : 0);
  const mla =
    c.h * c.q +
    norm(c.q) +
    c.q * c.heads * (c.nope + c.rope) +
    c.h * (c.kv + c.rope) +
    norm(c.kv) +
    c.kv * c.heads * (c.nope + c.v) +
    c.heads * c.v * c.h +
    c.h * c.heads * c.v;
  const keys = c.kHeads * c.dk;
  const values = c.vHeads * c.dv;
  const gdn =
    c.h * (2 * keys + 2 * values) +
    c.h * 2 * c.vHeads +
    (2 * keys + values) * 4 +
    2 * c.vHeads +
    c.dv +
    values * c.h;
  const dense = 3 * c.h * c.inter;
  const expert = 3 * c.h * c.moeInter;
  const moe = c.experts * expert + c.shared * expert + c.h * c.experts + c.experts;
  const moeLayers = c.layers - c.firstDense;
  const total =
    2 * c.vocab * c.h +
    c.mlaLayers * mla +
    (c.layers - c.mlaLayers) * gdn +
    c.layers * c.normsPerLayer * norm(c.h) +
    c.firstDense * dense +
    moeLayers * moe +
    norm(c.h);
  const mtpHead = 2 * c.h * c.h + 3 * norm(c.h) + mla + c.normsPerLayer * norm(c.h) + dense;
  return { total, active: total - moeLayers * (c.experts - c.topK) * expert, mtpHead };
}

describe('gigachat3_5 (ai-sage/GigaChat3.5-432B-A28B)', () => {
  it('reads MLA on every 4th layer from 3, fused Gated DeltaNet elsewhere, MoE from layer 3', () => {
    const spec = read(GIGACHAT_35);
    expect(spec.modelType).toBe('gigachat3_5');
    const full = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []));
    expect(full).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39]);
    expect(spec.layers.filter((l) => l.attention === 'linear')).toHaveLength(30);
    expect(spec.layers.map((l) => l.mlp).slice(0, 4)).toEqual(['dense', 'dense', 'dense', 'moe']);
    expect(spec.attention).toEqual(deepseekV3Mla(64, { outputGate: true }));
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 32,
      numValueHeads: 64,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 4,
      projections: 'fused',
    });
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 8,
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 18_432, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.numMtpModules).toBe(2);
  });

  it('holds the norms’ low-rank gates as extras: 4 per layer, q_a/kv_a on MLA layers, model.norm last', () => {
    const spec = read(GIGACHAT_35);
    const g = (d: number) => 2 * d * 16;
    expect(spec.layers[0]!.extras?.params).toBe(4 * g(7168));
    expect(spec.layers[3]!.extras?.params).toBe(4 * g(7168) + g(1536) + g(512));
    expect(spec.layers[39]!.extras?.params).toBe(5 * g(7168) + g(1536) + g(512));
    expect(spec.layers[3]!.extras?.modules).toBe(
      'gate_up_projection and gate_down_projection of input_layernorm, post_self_attn_layernorm, post_attention_layernorm, post_feedforward_layernorm, q_a_layernorm, kv_a_layernorm',
    );
    expect(spec.layers[0]!.extras?.gemms).toEqual([
      { name: 'layernorms.gate_up_projection', n: 16, k: 7168, count: 4 },
      { name: 'layernorms.gate_down_projection', n: 7168, k: 16, count: 4 },
    ]);
  });

  it('counts the tensors: 430.59B total, 26.47B active (card: 432B / 28B with the MTP heads)', () => {
    const p = paramCount(read(GIGACHAT_35));
    const t = gigachatTensors(SHAPE);
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.active);
    expect(p.totalParams).toBe(430_586_965_760);
    expect(p.activeParams).toBe(26_474_163_968);
    // The card's 432B / 28B count the two MTP heads (0.66B each): 431.91B and 27.80B with them; the
    // Hub's "434B" is the bf16 checkpoint's tensors, one extra vocabulary matrix per MTP head (1.84B).
    expect(p.totalParams + 2 * t.mtpHead).toBe(431_908_341_504);
    expect(p.activeParams + 2 * t.mtpHead).toBe(27_795_539_712);
    expect(p.mtpParams).toBe(2 * t.mtpHead);
    expect(p.embeddingParams).toBe(2 * 128_256 * 7168);
  });

  it("counts the 2 MTP heads as MTP modules (660,687,872 each): an MLA layer, a dense MLP, their norms' gates as extras", () => {
    const each = gigachatTensors(SHAPE).mtpHead;
    expect(each).toBe(660_687_872);
    const spec = read(GIGACHAT_35);
    expect(spec.warnings).toBeUndefined();
    expect(spec.mtpModule?.layer).toMatchObject({ attention: 'full', mlp: 'dense' });
    expect(spec.mtpModule?.layer.extras?.modules).toMatch(/enorm|q_a_layernorm/);
    const none = read({ ...GIGACHAT_35, num_nextn_predict_layers: 0 });
    expect(none.numMtpModules).toBe(0);
    expect(none.mtpModule).toBeUndefined();
    expect(read({ ...GIGACHAT_35, nextn_is_sparse: true }).mtpModule?.layer.mlp).toBe('moe');
  });

  it('KV cache: the MLA latent (512 + 64) on the 10 MLA layers only; the GDN state is constant', () => {
    const spec = read(GIGACHAT_35);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(10 * 576 * 2);
    expect(kvCacheBytes(spec, 262_144, 'bf16').bytesPerToken).toBe(10 * 576 * 2);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBeGreaterThan(0);
  });

  it('forward FLOPs per token ≈ 2 × active parameters (+ attention), the gates in layerExtras', () => {
    const spec = read(GIGACHAT_35);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const ratio = f.flopsPerToken / (2 * paramCount(spec).activeParams);
    expect(ratio).toBeGreaterThan(0.93);
    expect(ratio).toBeLessThan(1.1);
    expect(f.breakdown.layerExtras).toBe(2 * paramCount(spec).breakdown.layerExtras!);
  });

  it('plain RMSNorms (LlamaRMSNorm) and pre-norm layers: no extras, two norms a layer', () => {
    const plain = read({ ...GIGACHAT_35, norm_type: 'LlamaRMSNorm', layernorm_type: 'pre' });
    expect(plain.layers.every((l) => l.extras === undefined)).toBe(true);
    const t = gigachatTensors({ ...SHAPE, gated: false, normsPerLayer: 2 });
    expect(paramCount(plain).totalParams).toBe(t.total);
    expect(read({ ...GIGACHAT_35, layernorm_type: null }).norm.perLayer).toBe(2);
  });

  it('reads layer_types (SGLang’s "attention" alias too) in place of full_attention_layers', () => {
    const { full_attention_layers: _, ...rest } = GIGACHAT_35 as Record<string, Json>;
    const types = Array.from({ length: 40 }, (_, i) =>
      (i + 1) % 4 === 0 ? 'attention' : 'linear_attention',
    );
    expect(read({ ...rest, layer_types: types }).layers).toEqual(read(GIGACHAT_35).layers);
    const mixed = read({
      ...GIGACHAT_35,
      layer_types: types.map((t) => (t === 'attention' ? 'full_attention' : t)),
    });
    expect(mixed.layers).toEqual(read(GIGACHAT_35).layers);
  });

  it('refuses what vLLM and SGLang would build differently, or llmecon cannot count, naming the field', () => {
    const cases: [Json, string, RegExp][] = [
      [{ linear_attention_type: null }, 'linear_attention_type', /must be 'Qwen3NextGatedDeltaNet'/],
      [{ linear_gating_type: 'sigmoid_gate' }, 'linear_gating_type', /must be 'gated_rmsnorm'/],
      [{ full_attention_layers: [3, 40] }, 'full_attention_layers', /lists layer 40; layers are 0 to 39/],
      [
        { layer_types: Array(40).fill('linear_attention') },
        'full_attention_layers',
        /disagrees with layer_types/,
      ],
      [{ moe_layer_freq: 2 }, 'moe_layer_freq', /must be 1/],
      [{ norm_type: 'LayerNorm' }, 'norm_type', /must be one of ZeroCenteredGatedNorm, GatedNorm/],
      [{ hidden_act: 'gelu' }, 'hidden_act', /must be 'silu'/],
    ];
    for (const [change, field, message] of cases) {
      const e = inputErrorOf(() => read({ ...GIGACHAT_35, ...change }));
      expect(e.issues[0]?.path).toEqual([field]);
      expect(e.message).toMatch(message);
    }
    for (const key of ['n_shared_experts', 'first_k_dense_replace', 'linear_num_key_heads']) {
      const { [key]: _, ...missing } = GIGACHAT_35 as Record<string, Json>;
      expect(inputErrorOf(() => read(missing)).issues[0]?.path).toEqual([key]);
    }
  });
});
