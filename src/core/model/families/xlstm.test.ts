/**
 * xLSTM (`xlstm`, xlstm.ts): NX-AI/xLSTM-7b's config, its module shapes counted by hand (xLSTMBlock:
 * two RMSNorms, the mLSTM layer's q/k/v/ogate/out_proj, igate/fgate and multihead_norm, the gated
 * feed-forward), the mLSTM read as such (`projections: 'mlstm'`), its state and FLOPs, the spec
 * written back as an llmecon spec, and refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';
import type { GqaAttention, ModelSpec } from '../spec.js';
import { Fields } from './fields.js';
import { xlstm } from './xlstm.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/xlstm-7b.json', import.meta.url),
      'utf8',
    ),
  );

const read = (json: Cfg) => xlstm(new Fields(json, 'xlstm'), 'x');

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly qk: number;
  readonly v: number;
  readonly ffn: number;
  readonly tied: boolean;
}

/** xLSTM-7B: 4096 × 32 blocks of 8 heads, qk 4096·0.5, v 4096·1.0, I = ⌈4096·2.667 / 64⌉·64 = 10,944. */
const XLSTM_7B: Shape = {
  vocab: 50_304,
  h: 4096,
  layers: 32,
  heads: 8,
  qk: 2048,
  v: 4096,
  ffn: 10_944,
  tied: false,
};

/** igate_preact and fgate_preact of one layer: h → heads, with bias, each. */
const gateParams = (s: Shape) => 2 * (s.h * s.heads + s.heads);

/** Every tensor xLSTMForCausalLM holds, module by module (use_bias false). */
function xlstmParams(s: Shape): number {
  const { h, qk, v } = s;
  const mlstm = 2 * h * qk + h * v + h * v + gateParams(s) + v + v * h; // q, k, v, ogate, gates, norm, out
  const ffn = 3 * h * s.ffn; // proj_up_gate, proj_up, proj_down
  const block = 2 * h + mlstm + ffn; // norm_mlstm, norm_ffn
  return s.layers * block + h + s.vocab * h * (s.tied ? 1 : 2); // out_norm, embeddings, lm_head
}

/** The spec written back as an llmecon spec (docs/model-spec.md), as a user exporting it would. */
function asInput(spec: ModelSpec) {
  const { convKernel: _conv, ...linearAttention } = spec.linearAttention!;
  const a = spec.attention as GqaAttention;
  return {
    name: spec.name,
    vocabSize: spec.vocabSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers,
    maxContextTokens: spec.maxContextTokens,
    tieWordEmbeddings: spec.tieWordEmbeddings,
    norm: spec.norm.kind,
    normsPerLayer: spec.norm.perLayer,
    attention: { kind: 'gqa', numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim },
    layerPattern: ['linear'],
    linearAttention,
    mlp: spec.mlp,
  };
}

describe('xlstm', () => {
  it('xLSTM-7B: 32 mLSTM blocks, a SwiGLU of 10,944, untied, nothing left out', () => {
    const spec = read(fixture());
    expect(spec).toMatchObject({
      hiddenSize: 4096,
      numLayers: 32,
      vocabSize: 50_304,
      tieWordEmbeddings: false,
    });
    expect(spec.layers.every((l) => l.attention === 'linear' && l.mlp === 'dense')).toBe(true);
    expect(spec.linearAttention).toEqual({
      numKeyHeads: 8,
      numValueHeads: 8,
      keyHeadDim: 256,
      valueHeadDim: 512,
      convKernel: 0,
      chunkTokens: 64,
      stateBytesPerElement: 4,
      projections: 'mlstm',
    });
    expect(spec.mlp).toEqual({ intermediateSize: 10_944, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.warnings).toBeUndefined();
    expect(describeLayerMix(spec)).toBe('32 layers: 32 linear (mLSTM); dense MLP on 32 layers');
  });

  it('counts every tensor of the checkpoint, igate/fgate included: 6,865,424,896', () => {
    const all = xlstmParams(XLSTM_7B);
    expect(all).toBe(6_865_424_896);
    expect(XLSTM_7B.layers * gateParams(XLSTM_7B)).toBe(2_097_664);
    expect(paramCount(read(fixture())).totalParams).toBe(all);
  });

  it('the formula matches an independent count: a 736-wide, 12-block, tied xLSTM of 126,901,952', () => {
    // A stored training script's retained config (h736_l12_h4_chunk64) with its expected_params.
    const shape: Shape = {
      vocab: 65_536,
      h: 736,
      layers: 12,
      heads: 4,
      qk: 368,
      v: 736,
      ffn: 1984,
      tied: true,
    };
    expect(xlstmParams(shape)).toBe(126_901_952);
    const config = {
      vocab_size: 65_536,
      hidden_size: 736,
      embedding_dim: 736,
      num_hidden_layers: 12,
      num_blocks: 12,
      num_heads: 4,
      tie_word_embeddings: true,
    };
    const spec = read(config);
    expect(spec.mlp.intermediateSize).toBe(1984);
    expect(paramCount(spec).totalParams).toBe(126_901_952);
  });

  it('no KV cache: a constant state of C, n and m per head and layer at inference_state_dtype', () => {
    const spec = read(fixture());
    expect(kvCacheBytes(spec, 65_536, 'bf16').bytesPerToken).toBe(0);
    // xLSTMCache.rnn_state: 32 layers × 8 heads × (C 256 × 512, n 256, m 1), float32.
    const elements = 32 * 8 * (256 * 512 + 256 + 1);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(elements * 4);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(134_480_896);
    const bf16 = read({ ...fixture(), inference_state_dtype: 'bfloat16' });
    expect(recurrentStateBytes(bf16).bytesPerSequence).toBe(elements * 2);
  });

  it('FLOPs: q/k/v/ogate, the two gates and out_proj; the chunkwise and step mLSTM per head', () => {
    const spec = read(fixture());
    const { h, qk, v, heads, layers } = XLSTM_7B;
    const [dk, dv, chunk] = [qk / heads, v / heads, 64];
    const projections = 2 * layers * (h * (2 * qk + v) + h * v + 2 * h * heads + v * h);
    const prefill = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 }).breakdown;
    expect(prefill.attentionProjections).toBe(projections);
    // Per chunk (mlstm_chunkwise_*_fw_H/_C): Q·Kᵀ, (S ⊙ D)·V and its row sum, Q·C and Q·n, Kᵀ·V and Kᵀ·1.
    const chunkMacs = chunk * dk + chunk * (dv + 1) + 2 * dk * (dv + 1);
    expect(prefill.attentionScores).toBe(layers * heads * 2 * chunkMacs);
    const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    // mlstm_recurrent_step_native: C ← f·C + i·k vᵀ, n ← f·n + i·k, h = Cᵀq / max(|nᵀq|, e^−m).
    expect(decode.breakdown.attentionScores).toBe(layers * heads * 2 * 2 * dk * (dv + 1));
    // With the SwiGLU (3 matrices of h × I) and lm_head (h × V) per token: 13,452,443,648.
    const mlpAndHead = 2 * (layers * 3 * h * XLSTM_7B.ffn + h * XLSTM_7B.vocab);
    expect(decode.flopsPerToken).toBe(projections + layers * heads * 4 * dk * (dv + 1) + mlpAndHead);
    expect(decode.flopsPerToken).toBe(13_452_443_648);
  });

  it('written back as an llmecon spec it re-validates and counts the same', () => {
    for (const config of [fixture(), { ...fixture(), weight_mode: 'fused' }]) {
      const spec = read(config);
      const back = specFromInput(asInput(spec));
      expect(back.linearAttention).toEqual(spec.linearAttention);
      expect(paramCount(back)).toEqual(paramCount(spec));
      expect(recurrentStateBytes(back)).toEqual(recurrentStateBytes(spec));
      const options = { attentionMode: 'causal', contextTokens: 8192 } as const;
      expect(forwardFlopsPerToken(back, options)).toEqual(forwardFlopsPerToken(spec, options));
    }
  });

  it('class defaults are the 7B shape; num_hidden_layers and hidden_size stand for the aliases', () => {
    const byDefault = read({ model_type: 'xlstm' });
    expect(paramCount(byDefault).totalParams).toBe(paramCount(read(fixture())).totalParams);
    const named = read({ hidden_size: 2048, num_hidden_layers: 4, num_heads: 4, tie_word_embeddings: true });
    expect(named).toMatchObject({ hiddenSize: 2048, numLayers: 4, tieWordEmbeddings: true });
    const shape: Shape = {
      vocab: 50_304,
      h: 2048,
      layers: 4,
      heads: 4,
      qk: 1024,
      v: 2048,
      ffn: 5504,
      tied: true,
    };
    expect(paramCount(named).totalParams).toBe(xlstmParams(shape));
  });

  it('weight_mode "fused": the same parameters, the mLSTM projections and gate/up as one matrix each', () => {
    const spec = read({ ...fixture(), weight_mode: 'fused' });
    expect(spec.mlp.fusedGateUp).toBe(true);
    expect(spec.linearAttention?.fusedProjections).toBe(true);
    expect(paramCount(spec).totalParams).toBe(paramCount(read(fixture())).totalParams);
  });

  it('refuses what it cannot build or count, naming the field', () => {
    expect(() => read({ ...fixture(), num_heads: 3 })).toThrow(
      /qk_dim_factor' × hidden_size \(4096\) gives 2048, which num_heads \(3\) must divide/,
    );
    expect(() => read({ ...fixture(), hidden_size: 2048 })).toThrow(
      /embedding_dim' \(4096\) must equal hidden_size \(2048\)/,
    );
    expect(() => read({ ...fixture(), num_hidden_layers: 24 })).toThrow(
      /num_hidden_layers' \(24\) must equal num_blocks \(32\)/,
    );
    expect(() => read({ ...fixture(), use_bias: true })).toThrow(
      /use_bias' must be false: it puts a bias on the RMSNorms norm_mlstm and norm_ffn/,
    );
    expect(() => read({ ...fixture(), weight_mode: 'split' })).toThrow(
      /weight_mode' must be "single" or "fused"/,
    );
    expect(() => read({ ...fixture(), inference_state_dtype: 'int8' })).toThrow(/inference_state_dtype/);
  });
});
