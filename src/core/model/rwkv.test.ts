/**
 * The RWKV variants of linear attention (`linearAttention.projections: 'rwkv4' | 'rwkv7'`; transformers
 * `RwkvSelfAttention` + `RwkvFeedForward`, fla `RWKV7Attention` + `RWKV7FeedForward`): parameters,
 * state (WKV + token shift), operation list (FLOPs equal FLOPs per token under any layout, 2 × the
 * matmul parameters at decode, the breakdown sums), layer 0 without v_lora, LoRA module names and the
 * hand-written spec's checks naming the field. Expected values are written from the modules' shapes.
 */
import { describe, expect, it } from 'vitest';
import { specIssues } from '../../../test/input-error.js';
import { flopsOf, isMixing, linearMixerInvariantTests, single } from '../../../test/operation-setup.js';
import { adaptedMatrices, parseTargets } from './adapters.js';
import { recurrentStateBytes } from './kv-cache.js';
import { gatedDeltaNetFlopsPerToken, rwkvFlopsPerToken } from './layer-kinds.js';
import { describeLayerMix } from './layer-mix.js';
import { specFromInput } from './model-spec-schema.js';
import { layerOperations } from './operations.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

const [h, d, I, vocab, layers] = [512, 64, 2048, 1000, 6];
const heads = h / d;
const [rw, ra, rv, rg] = [32, 32, 16, 64];

const input = (linear: object, extra: object = {}) => ({
  name: 'small-rwkv',
  vocabSize: vocab,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: heads, headDim: d },
  layerPattern: ['linear'],
  norm: 'layernorm',
  mlp: { intermediateSize: I, gated: false },
  ...extra,
  linearAttention: linear,
});
const rwkv4 = { numKeyHeads: h, numValueHeads: h, keyHeadDim: 1, valueHeadDim: 1, projections: 'rwkv4' };
const rwkv7 = {
  numKeyHeads: heads,
  numValueHeads: heads,
  keyHeadDim: d,
  valueHeadDim: d,
  projections: 'rwkv7',
  decayRank: rw,
  learningRateRank: ra,
  valueRank: rv,
  gateRank: rg,
};
const SPECS: Record<string, ModelSpec> = {
  rwkv4: specFromInput(input(rwkv4)),
  rwkv7: specFromInput(input(rwkv7)),
  // RWKV-7's layer 0 (valueFirst): no v_lora.
  'rwkv7 v-first': (() => {
    const s = specFromInput(input(rwkv7));
    return { ...s, layers: s.layers.map((l, i) => (i === 0 ? { ...l, valueFirst: true } : l)) };
  })(),
};

const issues = (value: object) => specIssues(specFromInput, value);

describe('RWKV (projections: rwkv4, rwkv7)', () => {
  const norms = 2 * 2 * h; // ln1, ln2 LayerNorms with bias
  const mlp = 2 * h * I; // channel mix key and value
  const outer = 2 * vocab * h + 2 * h; // embeddings, head, ln_out

  it('parameters: the time mix and the channel mix’s mixes (and RWKV-4’s receptance) with the mixer', () => {
    // RWKV-4: key, value, receptance, output (h²), time_decay, time_first (h), three time mixes, two channel mixes, receptance.
    const time4 = 4 * h * h + 2 * h + 3 * h + 2 * h + h * h;
    expect(paramCount(SPECS.rwkv4!).totalParams).toBe(layers * (time4 + mlp + norms) + outer);
    // RWKV-7: six mixes, k_k, k_a, r_k, r/k/v/o (h²), w/a/v LoRAs with bias, g LoRA without, g_norm, channel x_k.
    const lora = (r: number, bias: boolean) => 2 * h * r + (bias ? h : 0);
    const time7 =
      6 * h + 3 * h + 4 * h * h + lora(rw, true) + lora(ra, true) + lora(rv, true) + lora(rg, false);
    const all = layers * (time7 + 2 * h + h + mlp + norms) + outer;
    expect(paramCount(SPECS.rwkv7!).totalParams).toBe(all);
    expect(paramCount(SPECS['rwkv7 v-first']!).totalParams).toBe(all - lora(rv, true));
  });

  it('state: the WKV state in FP32 and two token-shift vectors per layer at BF16', () => {
    expect(recurrentStateBytes(SPECS.rwkv4!)).toMatchObject({
      convBytesPerSequence: layers * 2 * h * 2,
      stateBytesPerSequence: layers * 3 * h * 4,
    });
    expect(recurrentStateBytes(SPECS.rwkv7!)).toMatchObject({
      convBytesPerSequence: layers * 2 * h * 2,
      stateBytesPerSequence: layers * heads * d * d * 4,
    });
  });

  it('mixing FLOPs: RWKV-4 4 multiply-adds per channel; RWKV-7 the chunked DPLR rule (chunk 16), 4·d² at decode', () => {
    const g4 = SPECS.rwkv4!.linearAttention!;
    const g7 = SPECS.rwkv7!.linearAttention!;
    expect(rwkvFlopsPerToken(g4, 'causal')).toBe(8 * h);
    expect(rwkvFlopsPerToken(g4, 'decode')).toBe(8 * h);
    expect(rwkvFlopsPerToken(g7, 'causal')).toBe(heads * 2 * (16 * 9 * d + 256 / 6 + 4 * d * d));
    expect(rwkvFlopsPerToken(g7, 'decode')).toBe(heads * 2 * 4 * d * d);
    expect(gatedDeltaNetFlopsPerToken(g7, 'decode')).toBe(rwkvFlopsPerToken(g7, 'decode'));
    for (const spec of Object.values(SPECS)) {
      const g = spec.linearAttention!;
      const layer = spec.layers[0]!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', 4096)), isMixing);
      expect(forward / 4096 / rwkvFlopsPerToken(g, 'causal')).toBeCloseTo(1, 12);
      const decodeOps = layerOperations(spec, layer, single('decode', 4096));
      expect(flopsOf(decodeOps, isMixing) / rwkvFlopsPerToken(g, 'decode')).toBeCloseTo(1, 12);
      expect(decodeOps.find((op) => op.type === 'mixer')).toMatchObject({
        kernel: g.projections === 'rwkv4' ? 'wkv4' : 'wkv7',
        recurrent: true,
      });
      expect(decodeOps.some((op) => op.name.includes('conv'))).toBe(false);
    }
  });

  linearMixerInvariantTests(SPECS, 0.01);

  it('LoRA: in_proj adapts the receptance, key and value projections, out_proj the output', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    const modules = (spec: ModelSpec) =>
      adaptedMatrices(spec, lora).map((m) => [m.module, m.inFeatures, m.outFeatures, m.count]);
    expect(modules(SPECS.rwkv4!)).toEqual([
      ['attention.key', h, h, layers],
      ['attention.value', h, h, layers],
      ['attention.receptance', h, h, layers],
      ['attention.output', h, h, layers],
    ]);
    expect(modules(SPECS.rwkv7!)).toEqual([
      ['attn.r_proj', h, h, layers],
      ['attn.k_proj', h, h, layers],
      ['attn.v_proj', h, h, layers],
      ['attn.o_proj', h, h, layers],
    ]);
  });

  it('the layer mix names it; the defaults: no conv, chunk 1 (RWKV-4) or 16 (RWKV-7), FP32 state', () => {
    expect(describeLayerMix(SPECS.rwkv7!)).toBe(
      '6 layers: 6 linear (RWKV-7 time mix); dense MLP on 6 layers',
    );
    expect(SPECS.rwkv4!.linearAttention).toMatchObject({
      convKernel: 0,
      chunkTokens: 1,
      stateBytesPerElement: 4,
    });
    expect(SPECS.rwkv7!.linearAttention).toMatchObject({
      convKernel: 0,
      chunkTokens: 16,
      stateBytesPerElement: 4,
    });
  });

  it('the hand-written spec names the field it refuses', () => {
    expect(issues(input({ ...rwkv4, keyHeadDim: 2, numKeyHeads: h / 2, numValueHeads: h / 2 }))).toEqual([
      "linearAttention.keyHeadDim: RWKV-4's WKV is per channel: keyHeadDim must be 1, got 2",
    ]);
    expect(issues(input({ ...rwkv7, numKeyHeads: 4, numValueHeads: 4 }))).toEqual([
      'linearAttention.numKeyHeads: RWKV-7 needs numKeyHeads × keyHeadDim equal to hiddenSize (512), got 256',
    ]);
    expect(issues(input({ ...rwkv7, decayRank: undefined }))).toEqual([
      'linearAttention.decayRank: RWKV-7 needs decayRank (its w_lora rank)',
    ]);
    expect(issues(input({ ...rwkv7, convKernel: 4 }))).toEqual([
      'linearAttention.convKernel: RWKV-7 has no conv: leave convKernel out',
    ]);
    expect(issues(input({ ...rwkv4, valueRank: 16 }))).toEqual([
      "linearAttention.valueRank: only RWKV-7 (projections 'rwkv7') has valueRank",
    ]);
  });
});
