/**
 * HGRN families (`hgrn_bit`, `hgrn2`), read by calling the family directly; counts rebuilt tensor by
 * tensor from the modules of the modelling code (hgrn.ts cites it):
 * - HGRNBitForCausalLM: model.embeddings [V, h]; model.lower_bounds [L, h]; per layer attn_norm [h],
 *   attn.{i,f,g}_proj.weight [D, h] and .norm.weight [h], attn.g_norm [D], attn.o_proj.weight [h, D]
 *   and .norm.weight [D], (use_short_conv) attn.h_conv1d [h, 1, K] or attn.{q,f,i}_conv1d [D, 1, K],
 *   mlp_norm [h], mlp.gate_proj.weight [2I, h] and .norm.weight [h], mlp.down_proj.weight [h, I] and
 *   .norm.weight [I]; model.norm [h]; lm_head.weight [V, h] (unless tied) and lm_head.norm.weight [h].
 *   The 370M shape (h 1024, 24 layers, I 2816, V 32000, one head, no conv, lower bounds) is the one a
 *   third-party CPU port states it verified against ridger/MMfreeLM-370M's safetensors.
 * - HGRN2ForCausalLM: model.embeddings; model.lower_bounds; per layer attn_norm, attn.q_proj [F, h],
 *   attn.f_proj [F, h], attn.i_proj [h, h], attn.g_norm [h], attn.o_proj [h, h], mlp_norm,
 *   mlp.gate_proj, mlp.up_proj [I, h], mlp.down_proj [h, I]; model.norm; lm_head [V, h]. A third-party
 *   audit of fla-hub/hgrn2-1.3B-100B (revision 2f413dd) loaded 244 tensors, 1,364,396,032 parameters.
 * Fixtures `hand-built/mmfreelm-2.7b.json`, `hand-built/hgrn2-1.3b-100b.json` (provenance: README).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { decodeGemmRatio, layoutFlopsRatio, request } from '../../../../test/operation-setup.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { hgrn2, hgrnBit } from './hgrn.js';

const MMFREE_27B = hfFixture('hand-built/mmfreelm-2.7b');
const HGRN2_13B = hfFixture('hand-built/hgrn2-1.3b-100b');

const readBit = (config: Json) => hgrnBit(new Fields(config, 'hgrn_bit'), 'x');
const read2 = (config: Json) => hgrn2(new Fields(config, 'hgrn2'), 'x');

interface BitShape {
  vocab: number;
  h: number;
  layers: number;
  expand: number;
  inter: number;
  lowerBounds: boolean;
  tied: boolean;
  /** use_short_conv: conv_size taps, shared (h_conv1d) or not (q, f, i_conv1d). */
  conv?: { taps: number; shared: boolean };
}

/** HGRNBitForCausalLM's state dict (name → elements), from the config's numbers alone. */
function mmfreeTensors(c: BitShape): Map<string, number> {
  const t = new Map<string, number>();
  const d = c.h * c.expand;
  // A BitLinear: weight [out, in] and its RMSNorm over the input [in].
  const bitLinear = (name: string, inputs: number, outputs: number) => {
    t.set(`${name}.weight`, outputs * inputs);
    t.set(`${name}.norm.weight`, inputs);
  };
  t.set('model.embeddings.weight', c.vocab * c.h);
  if (c.lowerBounds) t.set('model.lower_bounds', c.layers * c.h);
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}`;
    t.set(`${p}.attn_norm.weight`, c.h);
    for (const x of ['i', 'f', 'g']) bitLinear(`${p}.attn.${x}_proj`, c.h, d);
    t.set(`${p}.attn.g_norm.weight`, d);
    bitLinear(`${p}.attn.o_proj`, d, c.h);
    if (c.conv?.shared) t.set(`${p}.attn.h_conv1d.weight`, c.h * c.conv.taps);
    else if (c.conv) for (const x of ['q', 'f', 'i']) t.set(`${p}.attn.${x}_conv1d.weight`, d * c.conv.taps);
    t.set(`${p}.mlp_norm.weight`, c.h);
    bitLinear(`${p}.mlp.gate_proj`, c.h, 2 * c.inter);
    bitLinear(`${p}.mlp.down_proj`, c.inter, c.h);
  }
  t.set('model.norm.weight', c.h);
  bitLinear('lm_head', c.h, c.vocab);
  if (c.tied) t.delete('lm_head.weight');
  return t;
}

/** HGRN2ForCausalLM's state dict (fla), from the config's numbers alone. */
function hgrn2Tensors(c: { vocab: number; h: number; layers: number; forget: number; inter: number }) {
  const t = new Map<string, number>();
  t.set('model.embeddings.weight', c.vocab * c.h);
  t.set('model.lower_bounds', c.layers * c.h);
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}`;
    for (const norm of ['attn_norm', 'attn.g_norm', 'mlp_norm']) t.set(`${p}.${norm}.weight`, c.h);
    t.set(`${p}.attn.q_proj.weight`, c.forget * c.h);
    t.set(`${p}.attn.f_proj.weight`, c.forget * c.h);
    t.set(`${p}.attn.i_proj.weight`, c.h * c.h);
    t.set(`${p}.attn.o_proj.weight`, c.h * c.h);
    for (const m of ['gate_proj', 'up_proj', 'down_proj']) t.set(`${p}.mlp.${m}.weight`, c.h * c.inter);
  }
  t.set('model.norm.weight', c.h);
  t.set('lm_head.weight', c.vocab * c.h);
  return t;
}

const sum = (t: Map<string, number>) => [...t.values()].reduce((a, b) => a + b, 0);

const SHAPE_27B: BitShape = {
  vocab: 32_000,
  h: 2560,
  layers: 32,
  expand: 1,
  inter: 6912,
  lowerBounds: true,
  tied: false,
};

/** The operation list's FLOPs equal FLOPs per token over TP {1, 2} × CP {1, 2}, and decode GEMMs 2 × the matmul weights. */
function expectOperationInvariants(spec: ModelSpec): void {
  for (const tp of [1, 2])
    for (const cp of [1, 2]) expect(layoutFlopsRatio(spec, request({ tp, cp }))).toBeCloseTo(1, 9);
  expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(0.005);
}

describe('hgrn_bit (ridger/MMfreeLM-2.7B)', () => {
  it('reads 32 HGRN layers of 2560 channels, a fused SwiGLU of 6912, RMSNorms, the BitLinear norms as extras', () => {
    const spec = readBit(MMFREE_27B);
    expect(spec.modelType).toBe('hgrn_bit');
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers.every((l) => l.attention === 'linear' && l.mlp === 'dense')).toBe(true);
    // HGRNBitAttention: i/f/g_proj (h → D), o_proj (D → h), one state element per channel.
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 2560,
      numValueHeads: 2560,
      keyHeadDim: 1,
      valueHeadDim: 1,
      convKernel: 0,
      chunkTokens: 1,
      stateBytesPerElement: 2,
      projections: 'hgrn',
    });
    // int(2560 · 4 · 2/3) = 6826, rounded up to a multiple of 256.
    expect(spec.mlp).toEqual({ intermediateSize: 6912, gated: true, bias: false, fusedGateUp: true });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    // The TP split's units: the 2560 channels.
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 2560, numKvHeads: 2560, headDim: 1 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.activation).toBe('swish');
    const extras = spec.layers[0]?.extras;
    // The norms of i/f/g_proj (h each), o_proj (D), gate_proj (h), down_proj (I), a lower-bound row.
    expect(extras?.params).toBe(3 * 2560 + 2560 + 2560 + 6912 + 2560);
    expect(extras?.gemms).toEqual([]);
    expect(extras?.modules).toMatch(/BitLinear input RMSNorms\), the layer's row of model\.lower_bounds$/);
    expect(spec.layers[31]?.extras?.params).toBe((extras?.params ?? 0) + 2560);
    expect(spec.layers[31]?.extras?.modules).toMatch(/lm_head\.norm$/);
    expect(describeLayerMix(spec)).toBe('32 layers: 32 linear (HGRN); dense MLP on 32 layers');
    expect(spec.warnings).toEqual([
      'hgrn_bit: every projection, the MLP and lm_head are BitLinear (FusedBitLinear): an RMSNorm of the input width (633,344 weights in all, counted) and a matmul of ternary weights {−1, 0, 1} (one absmean scale a matrix) with 8-bit absmax activations; the checkpoint stores the 2,619,473,920 weights as full matrices and they are counted as such, while FLOPs, kernel times and weight bytes are priced at the precision asked, not at ternary × INT8',
    ]);
  });

  it('counts the tensors: 2,702,357,504 (the "2.7B" of the name), BitLinear norms and lower bounds included', () => {
    const p = paramCount(readBit(MMFREE_27B));
    const tensors = mmfreeTensors(SHAPE_27B);
    expect(p.totalParams).toBe(sum(tensors));
    expect(p.totalParams).toBe(2_702_357_504);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(2 * 32_000 * 2560);
    // attn_norm, mlp_norm a layer and model.norm.
    expect(p.breakdown.norms).toBe(65 * 2560);
    expect(p.breakdown.denseMlp).toBe(32 * 3 * 2560 * 6912);
    // The mixer: i/f/g_proj, o_proj and g_norm.
    expect(p.breakdown.linearAttention).toBe(32 * (4 * 2560 * 2560 + 2560));
    // Per layer: the six BitLinear norms (3h + D + h + I) and a lower-bound row; lm_head.norm once.
    expect(p.breakdown.layerExtras).toBe(32 * (5 * 2560 + 6912 + 2560) + 2560);
  });

  it('counts the 370M shape a port verified against the checkpoint: 374,108,160', () => {
    const c = { ...MMFREE_27B, hidden_size: 1024, num_hidden_layers: 24 };
    expect(readBit(c).mlp.intermediateSize).toBe(2816);
    const shape = { ...SHAPE_27B, h: 1024, layers: 24, inter: 2816 };
    expect(paramCount(readBit(c)).totalParams).toBe(sum(mmfreeTensors(shape)));
    expect(sum(mmfreeTensors(shape))).toBe(374_108_160);
  });

  it('FLOPs: the four projections and the recurrence (2 a channel) in prefill and decode; the state, no KV', () => {
    const spec = readBit(MMFREE_27B);
    for (const attentionMode of ['causal', 'decode'] as const) {
      const f = forwardFlopsPerToken(spec, { attentionMode, contextTokens: 4096 });
      expect(f.breakdown.attentionProjections).toBe(32 * 2 * 4 * 2560 * 2560);
      expect(f.breakdown.attentionScores).toBe(32 * 2 * 2560);
      expect(f.breakdown.denseMlp).toBe(32 * 2 * 3 * 2560 * 6912);
      expect(f.breakdown.head).toBe(2 * 32_000 * 2560);
      expect(f.flopsPerToken).toBe(5_239_111_680);
    }
    expect(kvCacheBytes(spec, 4096).bytesPerToken).toBe(0);
    expect(kvCacheBytes(spec, 4096).layersWithoutKv).toBe(32);
    // fused_recurrent_hgrn's state: 2560 elements a layer at BF16.
    expect(recurrentStateBytes(spec)).toMatchObject({
      bytesPerSequence: 32 * 2560 * 2,
      convBytesPerSequence: 0,
      linearLayers: 32,
    });
    expectOperationInvariants(spec);
  });

  it('LoRA on the mixer adapts attn.i_proj, f_proj, g_proj and o_proj', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    expect(
      adaptedMatrices(readBit(MMFREE_27B), lora).map((a) => [a.module, a.inFeatures, a.outFeatures]),
    ).toEqual([
      ['attn.i_proj', 2560, 2560],
      ['attn.f_proj', 2560, 2560],
      ['attn.g_proj', 2560, 2560],
      ['attn.o_proj', 2560, 2560],
    ]);
  });

  it('follows intermediate_size, hidden_ratio, tying, lower bounds and expand_ratio tensor by tensor', () => {
    expect(readBit({ ...MMFREE_27B, intermediate_size: 7168 }).mlp.intermediateSize).toBe(7168);
    expect(readBit({ ...MMFREE_27B, hidden_ratio: null }).mlp.intermediateSize).toBe(6912);
    expect(readBit({ ...MMFREE_27B, hidden_ratio: 3 }).mlp.intermediateSize).toBe(5120);
    const { hidden_ratio: _, intermediate_size: __, ...bare } = MMFREE_27B;
    expect(readBit(bare)).toEqual(readBit(MMFREE_27B));
    const variants: [Json, BitShape][] = [
      [{ tie_word_embeddings: true }, { ...SHAPE_27B, tied: true }],
      [{ use_lower_bound: false }, { ...SHAPE_27B, lowerBounds: false }],
      [
        { expand_ratio: 2, num_heads: 4 },
        { ...SHAPE_27B, expand: 2 },
      ],
    ];
    for (const [change, shape] of variants) {
      expect(paramCount(readBit({ ...MMFREE_27B, ...change })).totalParams).toBe(sum(mmfreeTensors(shape)));
    }
    // num_heads only reshapes D: the channels stay the mixer's heads.
    const wide = readBit({ ...MMFREE_27B, expand_ratio: 2, num_heads: 4 });
    expect(wide.linearAttention).toMatchObject({ numKeyHeads: 5120, numValueHeads: 5120, keyHeadDim: 1 });
    expect(recurrentStateBytes(wide).bytesPerSequence).toBe(32 * 5120 * 2);
  });

  it('use_short_conv: i/f_conv1d as the mixer’s convs (q_conv1d held idle), or h_conv1d as an extra', () => {
    const split = readBit({ ...MMFREE_27B, use_short_conv: true, share_conv_kernel: false, conv_size: 3 });
    const p = paramCount(split);
    expect(p.totalParams).toBe(sum(mmfreeTensors({ ...SHAPE_27B, conv: { taps: 3, shared: false } })));
    // q_conv1d is built and loaded but HGRNBitAttention.forward never runs it.
    expect(p.totalParams - p.activeParams).toBe(32 * 2560 * 3);
    expect(split.linearAttention?.convKernel).toBe(3);
    expect(p.breakdown.linearAttention).toBe(32 * (4 * 2560 * 2560 + 2560 + 2 * 2560 * 3));
    // The window of i and f (kernel − 1 inputs each) at BF16.
    expect(recurrentStateBytes(split).convBytesPerSequence).toBe(32 * 2 * 2 * 2560 * 2);
    const decode = forwardFlopsPerToken(split, { attentionMode: 'decode', contextTokens: 4096 });
    expect(decode.breakdown.attentionScores).toBe(32 * (2 * 2560 + 2 * 3 * 2 * 2560));
    expect(split.warnings).toHaveLength(1);
    expectOperationInvariants(split);

    const shared = readBit({ ...MMFREE_27B, use_short_conv: true });
    expect(paramCount(shared).totalParams).toBe(
      sum(mmfreeTensors({ ...SHAPE_27B, conv: { taps: 4, shared: true } })),
    );
    expect(shared.linearAttention?.convKernel).toBe(0);
    expect(shared.layers[0]?.extras?.gemms).toEqual([{ name: 'attn.h_conv1d', n: 2560, k: 4 }]);
    expect(shared.warnings?.[1]).toMatch(
      /h_conv1d \(2560 channels, 4 taps\) .* its window — 7,680 elements a layer, 491,520 bytes per sequence in BF16 — is not in the recurrent-state figures$/,
    );
    expectOperationInvariants(shared);
  });

  it('refuses what HGRNBitAttention refuses, naming the field', () => {
    const mode = inputErrorOf(() => readBit({ ...MMFREE_27B, attn_mode: 'chunk' }));
    expect(mode.issues[0]?.path).toEqual(['attn_mode']);
    expect(mode.message).toMatch(/must be "fused_recurrent", got "chunk"/);
    const heads = inputErrorOf(() => readBit({ ...MMFREE_27B, num_heads: 3 }));
    expect(heads.issues[0]?.path).toEqual(['num_heads']);
    expect(heads.message).toMatch(/\(3\) must divide hidden_size \(2560\)/);
    for (const key of ['expand_ratio', 'num_heads', 'intermediate_size', 'hidden_ratio', 'conv_size']) {
      const bad = { ...MMFREE_27B, use_short_conv: true, [key]: 0 };
      expect(inputErrorOf(() => readBit(bad)).issues[0]?.path).toEqual([key]);
    }
  });
});

describe('hgrn2 (fla-hub/hgrn2-1.3B-100B)', () => {
  it('reads 24 gated-linear-attention layers of 16 heads (keys 128, values 128), the lower bounds as extras', () => {
    const spec = read2(HGRN2_13B);
    expect(spec.modelType).toBe('hgrn2');
    expect(spec.layers.every((l) => l.attention === 'linear' && l.mlp === 'dense')).toBe(true);
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 16,
      numValueHeads: 16,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
      projections: 'gla',
    });
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 128 });
    expect(spec.mlp).toEqual({ intermediateSize: 5632, gated: true, bias: false });
    expect(spec.layers[0]?.extras).toEqual({
      modules: "the layer's row of model.lower_bounds",
      params: 2048,
      gemms: [],
    });
    expect(describeLayerMix(spec)).toBe('24 layers: 24 linear (HGRN2 (GLA)); dense MLP on 24 layers');
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the 244 tensors of the checkpoint: 1,364,396,032', () => {
    const tensors = hgrn2Tensors({ vocab: 32_000, h: 2048, layers: 24, forget: 2048, inter: 5632 });
    expect(tensors.size).toBe(244);
    const p = paramCount(read2(HGRN2_13B));
    expect(p.totalParams).toBe(sum(tensors));
    expect(p.totalParams).toBe(1_364_396_032);
    expect(p.breakdown.denseMlp).toBe(24 * 3 * 2048 * 5632);
    // q/f/i/o_proj and g_norm; the lower bounds apart.
    expect(p.breakdown.linearAttention).toBe(24 * (4 * 2048 * 2048 + 2048));
    expect(p.breakdown.layerExtras).toBe(24 * 2048);
  });

  it('FLOPs: chunk_gla in chunks of 64 at prefill, fused_recurrent_gla at decode; the FP32 state', () => {
    const spec = read2(HGRN2_13B);
    const at = (attentionMode: 'causal' | 'decode') =>
      forwardFlopsPerToken(spec, { attentionMode, contextTokens: 4096 });
    // Per head: 2·(64·(128 + 128) + 2·128·128) in a sequence, 2·2·128·128 at decode.
    expect(at('causal').breakdown.attentionScores).toBe(24 * 16 * 2 * (64 * 256 + 2 * 128 * 128));
    expect(at('decode').breakdown.attentionScores).toBe(24 * 16 * 2 * 2 * 128 * 128);
    expect(at('decode').breakdown.attentionProjections).toBe(24 * 2 * 4 * 2048 * 2048);
    expect(at('causal').flopsPerToken).toBe(2_635_071_488);
    expect(at('decode').flopsPerToken).toBe(2_622_488_576);
    // 16 × 128 × 128 a layer in FP32: 25,165,824 bytes per sequence.
    expect(recurrentStateBytes(spec)).toMatchObject({
      bytesPerSequence: 25_165_824,
      convBytesPerSequence: 0,
    });
    expect(kvCacheBytes(spec, 4096).bytesPerSequence).toBe(0);
    expectOperationInvariants(spec);
  });

  it('follows expand_ratio or num_heads, elementwise_affine and use_short_conv', () => {
    const wide = read2({ ...HGRN2_13B, expand_ratio: 256 });
    expect(wide.attention).toMatchObject({ numHeads: 8, headDim: 256 });
    expect(wide.linearAttention).toMatchObject({ numKeyHeads: 8, keyHeadDim: 256, valueHeadDim: 256 });
    expect(paramCount(wide).totalParams).toBe(paramCount(read2(HGRN2_13B)).totalParams);
    expect(read2({ ...HGRN2_13B, expand_ratio: null, num_heads: 8 })).toEqual(wide);
    // F = H · expand_ratio stays h whenever expand_ratio divides it: the count does not change; the state does.
    const narrow = read2({ ...HGRN2_13B, expand_ratio: 64 });
    expect(narrow.attention).toMatchObject({ numHeads: 32, headDim: 64 });
    expect(recurrentStateBytes(narrow).bytesPerSequence).toBe(24 * 32 * 64 * 64 * 4);
    const base = paramCount(read2(HGRN2_13B)).totalParams;
    expect(paramCount(narrow).totalParams).toBe(base);
    const bare = read2({ ...HGRN2_13B, elementwise_affine: false });
    expect(bare.linearAttention?.outputNormWeight).toBe(false);
    expect(paramCount(bare).totalParams).toBe(base - 24 * 2048);
    expect(read2({ ...HGRN2_13B, use_lower_bound: false }).layers[0]?.extras).toBeUndefined();
    const conv = read2({ ...HGRN2_13B, use_short_conv: true });
    expect(conv.linearAttention?.convKernel).toBe(4);
    expect(paramCount(conv).totalParams).toBe(base + 24 * (2048 + 2048 + 2048) * 4);
    // q, f, i windows of kernel − 1 inputs at BF16.
    expect(recurrentStateBytes(conv).convBytesPerSequence).toBe(24 * 3 * 3 * 2048 * 2);
    expectOperationInvariants(conv);
  });

  it('attn_mode: fused_recurrent and fused_chunk are priced as chunk_gla, said in a warning', () => {
    expect(read2({ ...HGRN2_13B, attn_mode: 'fused_recurrent' }).warnings).toEqual([
      'hgrn2: attn_mode "fused_recurrent" runs a prefill through fused_recurrent_gla, token by token; it is priced as chunk_gla in chunks of 64 (the parameters, state and decode are the same)',
    ]);
    const bad = inputErrorOf(() => read2({ ...HGRN2_13B, attn_mode: 'parallel' }));
    expect(bad.issues[0]?.path).toEqual(['attn_mode']);
    expect(bad.message).toMatch(/must be one of chunk, fused_recurrent, fused_chunk, got "parallel"/);
  });

  it("refuses fla's hybrids, OpenNLPLab's layout and heads that do not split the width", () => {
    const hybrid = inputErrorOf(() => read2({ ...HGRN2_13B, attn: { layers: [1], num_heads: 16 } }));
    expect(hybrid.issues[0]?.path).toEqual(['attn']);
    const attnres = inputErrorOf(() => read2({ ...HGRN2_13B, attnres_block_size: 4 }));
    expect(attnres.issues[0]?.path).toEqual(['attnres_block_size']);
    const opennlp = inputErrorOf(() =>
      read2({ decoder_embed_dim: 1024, decoder_layers: 24, expand_ratio: 2 }),
    );
    expect(opennlp.issues[0]?.path).toEqual(['decoder_embed_dim']);
    expect(opennlp.message).toMatch(/OpenNLPLab's Hgrn2Config/);
    const split = inputErrorOf(() => read2({ ...HGRN2_13B, expand_ratio: 96 }));
    expect(split.issues[0]?.path).toEqual(['expand_ratio']);
    expect(split.message).toMatch(/\(96\) must leave hidden_size \(2048\) divisible by .* \(21 heads\)/);
    const neither = inputErrorOf(() => read2({ ...HGRN2_13B, expand_ratio: null, num_heads: null }));
    expect(neither.issues[0]?.path).toEqual(['expand_ratio']);
  });
});
