/**
 * The mLSTM variant of linear attention (`linearAttention.projections: 'mlstm'`, xLSTM's xLSTMLayer):
 * its parameters with and without `bias`, state, operation list (FLOPs equal FLOPs per token under
 * any layout and 2 × the matmul parameters at decode), LoRA module names, and the hand-written spec's
 * checks naming the field. Expected values are written from transformers `modeling_xlstm.py`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specIssues } from '../../../test/input-error.js';
import {
  flopsOf,
  isMixing,
  linearMixerInvariantTests,
  request,
  single,
} from '../../../test/operation-setup.js';
import { adaptedMatrices, parseTargets } from './adapters.js';
import { Fields } from './families/fields.js';
import { xlstm } from './families/xlstm.js';
import { recurrentStateBytes } from './kv-cache.js';
import { gatedDeltaNetFlopsPerToken, mlstmFlopsPerToken } from './layer-kinds.js';
import { describeLayerMix } from './layer-mix.js';
import { specFromInput } from './model-spec-schema.js';
import { layerOperations } from './operations.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

const [h, heads, dk, dv, I, vocab, layers] = [512, 4, 64, 128, 1024, 1000, 6];

/** A small xLSTM written by hand: mLSTM layers of 4 heads, d_qk 64, d_v 128, a SwiGLU MLP. */
const input = (linear: object = {}, extra: object = {}) => ({
  name: 'small-xlstm',
  vocabSize: vocab,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 65_536,
  attention: { kind: 'gqa', numHeads: heads, headDim: dv },
  layerPattern: ['linear'],
  linearAttention: {
    numKeyHeads: heads,
    numValueHeads: heads,
    keyHeadDim: dk,
    valueHeadDim: dv,
    projections: 'mlstm',
    ...linear,
  },
  mlp: { intermediateSize: I },
  ...extra,
});

const xlstm7b = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/hf-configs/hand-built/xlstm-7b.json', import.meta.url),
    'utf8',
  ),
);
const SPECS: Record<string, ModelSpec> = {
  single: specFromInput(input()),
  fused: specFromInput(input({ fusedProjections: true })),
  bias: specFromInput(input({ bias: true, chunkTokens: 32, stateBytesPerElement: 2 })),
  'xLSTM-7B': xlstm(new Fields(xlstm7b, 'xlstm'), 'xlstm-7b'),
  'xLSTM-7B fused': xlstm(new Fields({ ...xlstm7b, weight_mode: 'fused' }, 'xlstm'), 'xlstm-7b'),
};

const issues = (value: object) => specIssues(specFromInput, value);

describe('the mLSTM (projections: mlstm)', () => {
  it('parameters: q, k, v, ogate, the two gates with bias, multihead_norm and out_proj; use_bias adds six biases', () => {
    const [k, v] = [heads * dk, heads * dv];
    // xLSTMLayer: query, key h → k; value, ogate_preact h → v; igate/fgate_preact h → H (+ H); norm v; out_proj v → h.
    const mlstm = 2 * h * k + 2 * h * v + 2 * (h * heads + heads) + v + v * h;
    const rest = 2 * h + 3 * h * I; // two RMSNorms, SwiGLU
    const single = layers * (mlstm + rest) + h + 2 * vocab * h;
    expect(paramCount(SPECS.single!).totalParams).toBe(single);
    expect(paramCount(SPECS.fused!).totalParams).toBe(single);
    // use_bias: query, key (k each), value, ogate (v each), out_proj (h), multihead_norm (v).
    expect(paramCount(SPECS.bias!).totalParams - single).toBe(layers * (2 * k + 2 * v + h + v));
  });

  it('state: C, n and m per head and layer at stateBytesPerElement, no conv', () => {
    const elements = layers * heads * (dk * dv + dk + 1);
    expect(recurrentStateBytes(SPECS.single!)).toMatchObject({
      convBytesPerSequence: 0,
      stateBytesPerSequence: 4 * elements,
      linearLayers: layers,
    });
    expect(recurrentStateBytes(SPECS.bias!).stateBytesPerSequence).toBe(2 * elements);
  });

  it('mixing FLOPs: chunkwise C·(d_qk + d_v + 1) + 2·d_qk·(d_v + 1) multiply-adds per token and head, 2·d_qk·(d_v + 1) at decode', () => {
    const g = SPECS.single!.linearAttention!;
    expect(mlstmFlopsPerToken(g, 'causal')).toBe(heads * 2 * (64 * (dk + dv + 1) + 2 * dk * (dv + 1)));
    expect(mlstmFlopsPerToken(g, 'decode')).toBe(heads * 2 * 2 * dk * (dv + 1));
    expect(gatedDeltaNetFlopsPerToken(g, 'causal')).toBe(mlstmFlopsPerToken(g, 'causal'));
    for (const spec of Object.values(SPECS)) {
      const layer = spec.layers[0]!;
      const m = spec.linearAttention!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', 4096)), isMixing);
      expect(forward / 4096 / mlstmFlopsPerToken(m, 'causal')).toBeCloseTo(1, 12);
      const decodeOps = layerOperations(spec, layer, single('decode', 4096));
      expect(flopsOf(decodeOps, isMixing) / mlstmFlopsPerToken(m, 'decode')).toBeCloseTo(1, 12);
      expect(decodeOps.find((op) => op.type === 'mixer')).toMatchObject({ kernel: 'mlstm', recurrent: true });
      // No conv, no SiLU over q/k/v.
      expect(decodeOps.some((op) => op.name.includes('conv') || op.name.includes('silu'))).toBe(false);
    }
  });

  linearMixerInvariantTests(SPECS, 0.005);

  it('under TP the per-head multihead_norm needs no all-reduce', () => {
    const ops = layerOperations(SPECS.single!, SPECS.single!.layers[0]!, request({ tp: 4 }));
    expect(ops.some((op) => op.name === 'output-norm')).toBe(true);
    expect(ops.some((op) => op.name.startsWith('output-norm.'))).toBe(false);
  });

  it('LoRA: in_proj adapts query, key, value and ogate_preact (or qkv_opreact), out_proj mlstm_layer.out_proj', () => {
    const r = 8;
    const lora = { method: 'lora' as const, rank: r, targets: parseTargets('mixer') };
    const modules = (spec: ModelSpec) =>
      adaptedMatrices(spec, lora).map((m) => [m.module, m.inFeatures, m.outFeatures, m.count]);
    const [k, v] = [heads * dk, heads * dv];
    expect(modules(SPECS.single!)).toEqual([
      ['mlstm_layer.query', h, k, layers],
      ['mlstm_layer.key', h, k, layers],
      ['mlstm_layer.value', h, v, layers],
      ['mlstm_layer.ogate_preact', h, v, layers],
      ['mlstm_layer.out_proj', v, h, layers],
    ]);
    expect(modules(SPECS.fused!)).toEqual([
      ['mlstm_layer.qkv_opreact', h, 2 * k + 2 * v, layers],
      ['mlstm_layer.out_proj', v, h, layers],
    ]);
    const trainable = (spec: ModelSpec) =>
      adaptedMatrices(spec, lora).reduce((s, m) => s + m.trainableParams, 0);
    expect(trainable(SPECS.single!)).toBe(layers * r * (2 * (h + k) + 2 * (h + v) + (v + h)));
    expect(trainable(SPECS.fused!)).toBe(layers * r * (h + 2 * k + 2 * v + (v + h)));
  });

  it('the layer mix names it, and the hand-written defaults are xLSTMConfig’s (chunk 64, FP32, no conv)', () => {
    expect(describeLayerMix(SPECS.single!)).toBe('6 layers: 6 linear (mLSTM); dense MLP on 6 layers');
    expect(SPECS.single!.linearAttention).toEqual({
      numKeyHeads: heads,
      numValueHeads: heads,
      keyHeadDim: dk,
      valueHeadDim: dv,
      projections: 'mlstm',
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
    });
  });

  it('the hand-written spec names the field it refuses', () => {
    expect(issues(input({ numValueHeads: 2 }))).toEqual([
      'linearAttention.numValueHeads: the mLSTM needs numValueHeads equal to numKeyHeads (4), got 2',
    ]);
    expect(issues(input({ convKernel: 4 }))).toEqual([
      'linearAttention.convKernel: the mLSTM has no conv: leave convKernel out',
    ]);
    expect(issues(input({ gateRank: 64 }))).toEqual([
      'linearAttention.gateRank: the mLSTM has no low-rank gates: leave gateRank out',
    ]);
    expect(issues(input({ projections: 'lightning', keyHeadDim: dv, bias: true }))).toEqual([
      "linearAttention.bias: only the mLSTM (projections 'mlstm') has bias",
    ]);
    expect(issues(input({ projections: 'fused', convKernel: 4, fusedProjections: true }))).toEqual([
      "linearAttention.fusedProjections: only the mLSTM (projections 'mlstm') has fusedProjections",
    ]);
    expect(issues(input({ bias: 'yes' }))[0]).toMatch(/^linearAttention\.bias: /);
    expect(issues(input({ projections: 'mlstm2' }))[0]).toMatch(/^linearAttention\.projections: .*"mlstm"/);
  });
});
