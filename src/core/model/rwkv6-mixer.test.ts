/**
 * The RWKV-6 "Finch" variant of linear attention (`linearAttention.projections: 'rwkv6'`; Hub
 * `modeling_rwkv6.py` `Rwkv6SelfAttention` + `Rwkv6FeedForward`, fla `RWKV6Attention` + `RWKV6FeedForward`)
 * in a hand-written spec: parameters, state (WKV + token shift), the WKV's FLOPs (fla `chunk_rwkv6`,
 * `fused_recurrent_rwkv6`), the operation list (FLOPs equal FLOPs per token under any layout, 2 × the
 * matmul parameters at decode, the breakdown sums), LoRA module names, the defaults, and the checks
 * naming the field. Expected values are written from the modules' shapes.
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

const [h, d, I, vocab, layers] = [512, 64, 1792, 1000, 6];
const heads = h / d;
const [m, rd] = [16, 32]; // token-shift and decay LoRA ranks

const input = (linear: object) => ({
  name: 'small-finch',
  vocabSize: vocab,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: heads, headDim: d },
  layerPattern: ['linear'],
  norm: 'layernorm',
  mlp: { intermediateSize: I, gated: false },
  linearAttention: linear,
});
const finch = {
  numKeyHeads: heads,
  numValueHeads: heads,
  keyHeadDim: d,
  valueHeadDim: d,
  projections: 'rwkv6',
  decayRank: rd,
  tokenShiftRank: m,
};
const SPECS: Record<string, ModelSpec> = {
  rwkv6: specFromInput(input(finch)),
  // fla expand_v = 2: values, gate and ln_x twice as wide as the keys.
  'rwkv6 wide values': specFromInput(input({ ...finch, valueHeadDim: 2 * d })),
};
const issues = (linear: object) => specIssues(specFromInput, input(linear));

describe('RWKV-6 (projections: rwkv6)', () => {
  it('parameters: the time mix, its two LoRAs, and the channel mix’s mixes and receptance with the mixer', () => {
    const timeMix = (v: number) =>
      6 * h + // time_maa_x, _w, _k, _v, _r, _g
      h * 5 * m + // time_maa_w1
      5 * m * h + // time_maa_w2
      2 * h * h + // receptance, key
      2 * h * v + // value, gate
      v * h + // output
      h * rd + // time_decay_w1
      rd * h + // time_decay_w2
      h + // time_decay
      h + // time_faaaa
      2 * v; // ln_x weight, bias
    const channelMix = 2 * h + h * h + 2 * h * I; // time_maa_k, _r; receptance; key, value (spec.mlp)
    const outer = 2 * vocab * h + 2 * h; // embeddings, head, ln_out
    const total = (v: number) => layers * (timeMix(v) + channelMix + 2 * 2 * h) + outer;
    expect(paramCount(SPECS.rwkv6!).totalParams).toBe(total(h));
    expect(paramCount(SPECS['rwkv6 wide values']!).totalParams).toBe(total(2 * h));
  });

  it('state: per layer H × d_k × d_v in FP32 and the two token-shift vectors at BF16', () => {
    expect(recurrentStateBytes(SPECS.rwkv6!)).toMatchObject({
      convBytesPerSequence: layers * 2 * h * 2,
      stateBytesPerSequence: layers * heads * d * d * 4,
    });
    expect(recurrentStateBytes(SPECS['rwkv6 wide values']!).stateBytesPerSequence).toBe(
      layers * heads * d * 2 * d * 4,
    );
  });

  it('WKV FLOPs: chunk_rwkv6 with chunks of 64 at prefill, fused_recurrent_rwkv6 at decode; the op list’s mixer', () => {
    const g = SPECS.rwkv6!.linearAttention!;
    expect(rwkvFlopsPerToken(g, 'causal')).toBe(heads * 2 * (64 * (d + d) + 2 * d * d));
    expect(rwkvFlopsPerToken(g, 'decode')).toBe(heads * 2 * 2 * d * d);
    expect(gatedDeltaNetFlopsPerToken(g, 'causal')).toBe(rwkvFlopsPerToken(g, 'causal'));
    for (const spec of Object.values(SPECS)) {
      const lin = spec.linearAttention!;
      const layer = spec.layers[0]!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', 4096)), isMixing);
      expect(forward / 4096 / rwkvFlopsPerToken(lin, 'causal')).toBeCloseTo(1, 12);
      const decodeOps = layerOperations(spec, layer, single('decode', 4096));
      expect(flopsOf(decodeOps, isMixing) / rwkvFlopsPerToken(lin, 'decode')).toBeCloseTo(1, 12);
      expect(decodeOps.find((op) => op.type === 'mixer')).toMatchObject({ name: 'wkv6', recurrent: true });
      // The token-shift LoRA runs whole on every TP rank: each projection reads all h of its mix.
      const split = layerOperations(spec, layer, single('forward', 4096, 2));
      expect(split.filter((op) => op.type === 'gemm' && op.replicated).map((op) => op.name)).toEqual([
        'time_maa_w1',
        'time_maa_w2',
        'time_decay.down',
      ]);
    }
  });

  linearMixerInvariantTests(SPECS, 0.01);

  it('LoRA: in_proj adapts receptance, key, value and gate, out_proj the output', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    expect(
      adaptedMatrices(SPECS['rwkv6 wide values']!, lora).map((a) => [
        a.module,
        a.inFeatures,
        a.outFeatures,
        a.count,
      ]),
    ).toEqual([
      ['attention.receptance', h, h, layers],
      ['attention.key', h, h, layers],
      ['attention.value', h, 2 * h, layers],
      ['attention.gate', h, 2 * h, layers],
      ['attention.output', 2 * h, h, layers],
    ]);
  });

  it('the layer mix names it; the defaults: no conv, chunk 64, FP32 state', () => {
    expect(describeLayerMix(SPECS.rwkv6!)).toBe(
      '6 layers: 6 linear (RWKV-6 time mix); dense MLP on 6 layers',
    );
    expect(SPECS.rwkv6!.linearAttention).toMatchObject({
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
    });
  });

  it('the hand-written spec refuses RWKV-7’s fields and a missing rank, naming the field', () => {
    expect(issues({ ...finch, learningRateRank: 32, valueRank: 16 })).toEqual([
      "linearAttention.learningRateRank: only RWKV-7 (projections 'rwkv7') has learningRateRank",
      "linearAttention.valueRank: only RWKV-7 (projections 'rwkv7') has valueRank",
    ]);
    expect(issues({ ...finch, gateRank: 64 })).toEqual([
      "linearAttention.gateRank: RWKV-6's gate is full-rank (h → v): leave gateRank out",
    ]);
    expect(issues({ ...finch, tokenShiftRank: undefined })).toEqual([
      'linearAttention.tokenShiftRank: RWKV-6 needs tokenShiftRank (its time_maa_w1 rank)',
    ]);
    expect(issues({ ...finch, decayRank: undefined })).toEqual([
      'linearAttention.decayRank: RWKV-6 needs decayRank (its time_decay_w1 rank)',
    ]);
    expect(issues({ ...finch, numKeyHeads: 4, numValueHeads: 4 })).toEqual([
      'linearAttention.numKeyHeads: RWKV-6 needs numKeyHeads × keyHeadDim equal to hiddenSize (512), got 256',
    ]);
    expect(issues({ ...finch, convKernel: 4 })).toEqual([
      'linearAttention.convKernel: RWKV-6 has no conv: leave convKernel out',
    ]);
    const { tokenShiftRank: _m, ...rwkv7 } = {
      ...finch,
      projections: 'rwkv7',
      learningRateRank: 32,
      gateRank: 64,
    };
    expect(issues({ ...rwkv7, tokenShiftRank: m })).toEqual([
      "linearAttention.tokenShiftRank: only RWKV-6 (projections 'rwkv6') has tokenShiftRank",
    ]);
    expect(issues(rwkv7)).toEqual([]);
    expect(
      issues({
        numKeyHeads: h,
        numValueHeads: h,
        keyHeadDim: 1,
        valueHeadDim: 1,
        projections: 'rwkv4',
        decayRank: 8,
      }),
    ).toEqual([
      "linearAttention.decayRank: only RWKV-6 and RWKV-7 (projections 'rwkv6', 'rwkv7') have decayRank",
    ]);
  });
});
