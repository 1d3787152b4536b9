/**
 * HGRN2's gated linear attention and HGRN's element-wise recurrence as linear-attention variants
 * (`linearAttention.projections: 'gla' | 'hgrn'`; fla `HGRN2Attention` with `chunk_gla` /
 * `fused_recurrent_gla`, fla `HGRNAttention` and the MatMul-free LM's `HGRNBitAttention` with
 * `fused_recurrent_hgrn`) in hand-written specs: parameters, state (recurrent + short-conv window),
 * FLOPs per token, the operation list (FLOPs equal FLOPs per token over TP × CP, 2 × the matmul
 * parameters at decode), LoRA module names, the defaults, and the checks naming the field. Expected
 * values are written from the modules' shapes.
 */
import { describe, expect, it } from 'vitest';
import { specIssues } from '../../../test/input-error.js';
import {
  decodeGemmRatio,
  flopsOf,
  isMixing,
  layoutFlopsRatio,
  linearMixerInvariantTests,
  request,
  single,
} from '../../../test/operation-setup.js';
import { adaptedMatrices, parseTargets } from './adapters.js';
import { recurrentStateBytes } from './kv-cache.js';
import { gatedDeltaNetFlopsPerToken, hgrnCoreFlopsPerToken } from './layer-kinds.js';
import { describeLayerMix } from './layer-mix.js';
import { specFromInput } from './model-spec-schema.js';
import { layerOperations } from './operations.js';
import { paramCount } from './param-count.js';
import type { ModelSpec } from './spec.js';

const [h, I, vocab, layers] = [512, 1408, 1000, 6];
// HGRN2: 4 heads, keys of 32 (k = 128), values of 128 (v = 512); HGRN: D = 2·h channels.
const [heads, dk, dv, D] = [4, 32, 128, 1024];
const [k, v] = [heads * dk, heads * dv];

const input = (linear: object) => ({
  name: 'small-hgrn',
  vocabSize: vocab,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: heads, headDim: dv },
  layerPattern: ['linear'],
  norm: 'rmsnorm',
  mlp: { intermediateSize: I },
  linearAttention: linear,
});
const gla = {
  numKeyHeads: heads,
  numValueHeads: heads,
  keyHeadDim: dk,
  valueHeadDim: dv,
  projections: 'gla',
};
const hgrn = { numKeyHeads: D, numValueHeads: D, keyHeadDim: 1, valueHeadDim: 1, projections: 'hgrn' };
const SPECS: Record<string, ModelSpec> = {
  gla: specFromInput(input(gla)),
  'gla conv': specFromInput(input({ ...gla, convKernel: 4 })),
  'gla no norm weight': specFromInput(input({ ...gla, outputNormWeight: false })),
  hgrn: specFromInput(input(hgrn)),
  'hgrn conv': specFromInput(input({ ...hgrn, convKernel: 3 })),
};
const issues = (linear: object) => specIssues(specFromInput, input(linear));

describe('HGRN2 (projections: gla) and HGRN (projections: hgrn)', () => {
  it('parameters: the projections, the optional convs, g_norm and o_proj, all bias-free', () => {
    // HGRN2: q_proj, f_proj (h → k), i_proj (h → v), q/f/i_conv1d (2k + v channels), g_norm (v), o_proj.
    const hgrn2 = (taps: number, norm: number) => 2 * h * k + h * v + (2 * k + v) * taps + norm + v * h;
    // HGRN: i_proj, g_proj (h → D), f_proj (h → D), i/f_conv1d (2·D channels), g_norm (D), o_proj.
    const hgrn1 = (taps: number) => 3 * h * D + 2 * D * taps + D + D * h;
    const mixer = (name: string) => paramCount(SPECS[name]!).breakdown.linearAttention;
    expect(mixer('gla')).toBe(layers * hgrn2(0, v));
    expect(mixer('gla conv')).toBe(layers * hgrn2(4, v));
    expect(mixer('gla no norm weight')).toBe(layers * hgrn2(0, 0));
    expect(mixer('hgrn')).toBe(layers * hgrn1(0));
    expect(mixer('hgrn conv')).toBe(layers * hgrn1(3));
    // The rest of the model: embeddings, head, two RMSNorms a layer and the final one, the SwiGLU.
    const rest = 2 * vocab * h + (2 * layers + 1) * h + layers * 3 * h * I;
    expect(paramCount(SPECS.gla!).totalParams).toBe(layers * hgrn2(0, v) + rest);
    expect(paramCount(SPECS.hgrn!).totalParams).toBe(layers * hgrn1(0) + rest);
  });

  it('state per sequence: H·d_k·d_v in FP32 (HGRN2), D at BF16 (HGRN), plus kernel − 1 conv inputs at BF16', () => {
    const state = (name: string) => recurrentStateBytes(SPECS[name]!);
    expect(state('gla')).toMatchObject({
      bytesPerSequence: layers * heads * dk * dv * 4,
      convBytesPerSequence: 0,
      linearLayers: layers,
    });
    expect(state('gla conv')).toMatchObject({
      stateBytesPerSequence: layers * heads * dk * dv * 4,
      convBytesPerSequence: layers * 3 * (2 * k + v) * 2,
    });
    expect(state('hgrn')).toMatchObject({ bytesPerSequence: layers * D * 2, convBytesPerSequence: 0 });
    expect(state('hgrn conv').convBytesPerSequence).toBe(layers * 2 * 2 * D * 2);
  });

  it('FLOPs per token: chunk_gla (chunks of 64) and fused_recurrent_gla; HGRN 2 a channel; the convs 2·kernel a channel', () => {
    const g = (name: string) => SPECS[name]!.linearAttention!;
    expect(gatedDeltaNetFlopsPerToken(g('gla'), 'causal')).toBe(heads * 2 * (64 * (dk + dv) + 2 * dk * dv));
    expect(gatedDeltaNetFlopsPerToken(g('gla'), 'decode')).toBe(heads * 2 * 2 * dk * dv);
    const glaConv = 2 * 4 * (2 * k + v);
    expect(gatedDeltaNetFlopsPerToken(g('gla conv'), 'decode')).toBe(heads * 2 * 2 * dk * dv + glaConv);
    for (const mode of ['causal', 'decode'] as const) {
      expect(gatedDeltaNetFlopsPerToken(g('hgrn'), mode)).toBe(2 * D);
      expect(gatedDeltaNetFlopsPerToken(g('hgrn conv'), mode)).toBe(2 * D + 2 * 3 * 2 * D);
      expect(hgrnCoreFlopsPerToken(g('hgrn conv'), mode)).toBe(2 * D);
    }
    // The operation list's mixing FLOPs are those per token: chunked in a sequence, recurrent at decode.
    for (const [name, spec] of Object.entries(SPECS)) {
      const layer = spec.layers[0]!;
      const lin = spec.linearAttention!;
      const forward = flopsOf(layerOperations(spec, layer, single('forward', 4096)), isMixing);
      expect(forward / 4096 / gatedDeltaNetFlopsPerToken(lin, 'causal'), name).toBeCloseTo(1, 12);
      const decodeOps = layerOperations(spec, layer, single('decode', 4096));
      expect(flopsOf(decodeOps, isMixing) / gatedDeltaNetFlopsPerToken(lin, 'decode'), name).toBeCloseTo(
        1,
        12,
      );
      const core = name.startsWith('gla') ? 'gla' : 'hgrn';
      expect(decodeOps.find((op) => op.type === 'mixer' && op.kernel === core)).toMatchObject({
        name: core,
        recurrent: true,
      });
      expect(decodeOps.some((op) => op.type === 'mixer' && op.kernel === 'causal-conv1d')).toBe(
        name.endsWith('conv'),
      );
    }
  });

  it('the operation list over TP {1, 2} × CP {1, 2}: FLOPs per token, 2 × the matmul parameters at decode', () => {
    for (const spec of Object.values(SPECS)) {
      for (const tp of [1, 2])
        for (const cp of [1, 2]) expect(layoutFlopsRatio(spec, request({ tp, cp }))).toBeCloseTo(1, 9);
      expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(0.01);
      // The state splits over TP with the heads (HGRN: the channels); g_norm's variance is all-reduced.
      const layer = spec.layers[0]!;
      const stateBytes = (tp: number) =>
        layerOperations(spec, layer, single('decode', 4096, tp))
          .filter((op) => op.type === 'mixer')
          .reduce((sum, op) => sum + (op.type === 'mixer' ? op.bytesRead + op.bytesWritten : 0), 0);
      expect(stateBytes(2) / stateBytes(1)).toBeCloseTo(0.5, 9);
      const split = layerOperations(spec, layer, single('forward', 4096, 2));
      expect(split.some((op) => op.name === 'output-norm.all-reduce')).toBe(true);
    }
  });

  it('decode reads and writes one sequence’s state and conv window: those of recurrentStateBytes', () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      const ops = layerOperations(spec, spec.layers[0]!, single('decode', 4096));
      const mixers = ops.flatMap((op) => (op.type === 'mixer' ? [op] : []));
      const state = recurrentStateBytes(spec);
      // The core reads its inputs (HGRN2: q, k, g, v; HGRN: x, g) at BF16 and the state.
      const inputs = 2 * (name.startsWith('gla') ? 3 * k + v : 2 * D);
      const core = mixers.find((op) => op.kernel !== 'causal-conv1d')!;
      expect(core.bytesRead, name).toBe(inputs + state.stateBytesPerSequence / layers);
      const conv = mixers.find((op) => op.kernel === 'causal-conv1d');
      const channels = name.startsWith('gla') ? 2 * k + v : 2 * D;
      if (conv) expect(conv.bytesRead, name).toBe(2 * channels + state.convBytesPerSequence / layers);
      else expect(state.convBytesPerSequence, name).toBe(0);
    }
  });

  linearMixerInvariantTests(SPECS, 0.01);

  it('LoRA: in_proj adapts q/f/i_proj (HGRN2) or i/f/g_proj (HGRN), out_proj o_proj, as the checkpoints name them', () => {
    const lora = { method: 'lora' as const, rank: 8, targets: parseTargets('mixer') };
    const shapes = (name: string) =>
      adaptedMatrices(SPECS[name]!, lora).map((a) => [a.module, a.inFeatures, a.outFeatures, a.count]);
    expect(shapes('gla')).toEqual([
      ['attn.q_proj', h, k, layers],
      ['attn.f_proj', h, k, layers],
      ['attn.i_proj', h, v, layers],
      ['attn.o_proj', v, h, layers],
    ]);
    expect(shapes('hgrn')).toEqual([
      ['attn.i_proj', h, D, layers],
      ['attn.f_proj', h, D, layers],
      ['attn.g_proj', h, D, layers],
      ['attn.o_proj', D, h, layers],
    ]);
  });

  it('the layer mix names them; the defaults: no conv, chunk 64 and FP32 (gla), chunk 1 and BF16 (hgrn)', () => {
    expect(describeLayerMix(SPECS.gla!)).toBe('6 layers: 6 linear (HGRN2 (GLA)); dense MLP on 6 layers');
    expect(describeLayerMix(SPECS.hgrn!)).toBe('6 layers: 6 linear (HGRN); dense MLP on 6 layers');
    expect(SPECS.gla!.linearAttention).toMatchObject({
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
    });
    expect(SPECS.hgrn!.linearAttention).toMatchObject({
      convKernel: 0,
      chunkTokens: 1,
      stateBytesPerElement: 2,
    });
    expect(SPECS['gla conv']!.linearAttention?.convKernel).toBe(4);
  });

  it('the hand-written spec refuses what HGRN2Attention and HGRN cannot have, naming the field', () => {
    expect(issues(gla)).toEqual([]);
    expect(issues(hgrn)).toEqual([]);
    expect(issues({ ...gla, numValueHeads: 8 })).toEqual([
      'linearAttention.numValueHeads: HGRN2 needs numValueHeads equal to numKeyHeads (4), got 8',
    ]);
    expect(issues({ ...gla, gateRank: 16 })).toEqual([
      'linearAttention.gateRank: HGRN2 has no low-rank gate: leave gateRank out',
    ]);
    expect(issues({ ...hgrn, keyHeadDim: 2, valueHeadDim: 2 })).toEqual([
      "linearAttention.keyHeadDim: HGRN's recurrence is per channel: keyHeadDim must be 1, got 2",
      "linearAttention.valueHeadDim: HGRN's recurrence is per channel: valueHeadDim must be 1, got 2",
    ]);
    expect(issues({ ...hgrn, chunkTokens: 64 })).toEqual([
      "linearAttention.chunkTokens: HGRN's recurrence is scanned token by token (fused_recurrent_hgrn): chunkTokens must be 1, got 64",
    ]);
    expect(issues({ ...hgrn, decayRank: 8 })).toEqual([
      "linearAttention.decayRank: only RWKV-6 and RWKV-7 (projections 'rwkv6', 'rwkv7') have decayRank",
    ]);
    const { projections: _p, ...deltaNet } = gla;
    expect(issues({ ...deltaNet, outputNormWeight: false })).toEqual([
      "linearAttention.outputNormWeight: only HGRN2 and HGRN (projections 'gla', 'hgrn') have outputNormWeight",
    ]);
    expect(issues({ ...gla, projections: 'hgrn2' })[0]).toMatch(/^linearAttention\.projections: /);
  });
});
