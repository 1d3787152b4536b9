/**
 * Tencent Hy4 (`hy_v4`, hy-v4.ts): Hy4-preview counted tensor by tensor against transformers'
 * HYV4ForCausalLM (modeling_hy_v4.py) — gated MLA with sinks, the DSA indexer on the 21 `full`
 * layers only, iHC over 4 streams, a dense first layer and 256 sigmoid-routed experts with a shared
 * one —, exactly; the KV cache (indexer keys on the full layers only), the operation list, the same
 * model written by hand as an llmecon spec, the class defaults and the refused inputs. Config: the
 * released config.json's 59 keys.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { hyV4 } from './hy-v4.js';

const HY4: Json = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/hy4-preview.json', import.meta.url),
    'utf8',
  ),
);
const read = (json: Json) => hyV4(new Fields(json, 'hy_v4'), 'x');

/** HYV4ForCausalLM's tensors for a config's shape, as modeling_hy_v4.py builds them. */
function tensors(c: {
  h: number;
  vocab: number;
  layers: number;
  heads: number;
  qr: number;
  kvr: number;
  nope: number;
  rope: number;
  v: number;
  ih: number;
  id: number;
  fullIndexers: number;
  inter: number;
  experts: number;
  top: number;
  moeInter: number;
  n: number;
}) {
  const { h, heads, qr, kvr, n } = c;
  // q_a_proj, q_a_layernorm, q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj, gate_proj.
  const mla =
    h * qr +
    qr +
    qr * heads * (c.nope + c.rope) +
    h * (kvr + c.rope) +
    kvr +
    kvr * heads * (c.nope + c.v) +
    heads * c.v * h +
    h * heads * c.v;
  const sinks = heads;
  // HYV4Indexer: wq_b, wk, k_norm (LayerNorm weight and bias), weights_proj.
  const indexer = qr * c.ih * c.id + h * c.id + 2 * c.id + h * c.ih;
  // attn_hc and ffn_hc: fn 2n × n·h, base 2n, scale 2.
  const ihc = 2 * (2 * n * n * h + 2 * n + 2);
  const expert = 3 * h * c.moeInter;
  // Router weight and e_score_correction_bias, the experts, one shared expert of moe_intermediate_size.
  const moe = c.experts * h + c.experts + c.experts * expert + expert;
  const dense = 3 * h * c.inter;
  const perLayer = mla + sinks + ihc + 2 * h;
  // embed_tokens, untied lm_head, norm, hc_head (hc_fn n × n·h, hc_base n, hc_scale 1).
  const outside = 2 * c.vocab * h + h + n * n * h + n + 1;
  const moeLayers = c.layers - 1;
  const total = c.layers * perLayer + c.fullIndexers * indexer + dense + moeLayers * moe + outside;
  const idle = moeLayers * (c.experts - c.top) * expert;
  return { total, active: total - idle, indexer, ihc };
}

const PREVIEW = {
  h: 6144,
  vocab: 120_832,
  layers: 78,
  heads: 64,
  qr: 2048,
  kvr: 512,
  nope: 192,
  rope: 64,
  v: 256,
  ih: 32,
  id: 128,
  fullIndexers: 21,
  inter: 18_432,
  experts: 256,
  top: 8,
  moeInter: 2048,
  n: 4,
};

/** Hy4-preview's attention as the spec holds it: gated MLA with a sink per head. */
const HY4_ATTENTION = {
  kind: 'mla',
  numHeads: 64,
  qLoraRank: 2048,
  kvLoraRank: 512,
  qkNopeHeadDim: 192,
  qkRopeHeadDim: 64,
  vHeadDim: 256,
  outputGate: true,
  sinks: true,
} as const;

describe('Tencent Hy4 (hy_v4)', () => {
  it('Hy4-preview: 769,907,408,797 parameters by tensor, counted exactly', () => {
    const spec = read(HY4);
    const t = tensors(PREVIEW);
    expect(t.total).toBe(769_907_408_797);
    const count = paramCount(spec);
    expect(count.totalParams).toBe(t.total);
    expect(count.activeParams).toBe(t.active);
    expect(count.mtpParams).toBe(0);
    // The parts the spec gained: 78 × 64 sinks, iHC's 2n outputs, 21 indexers (57 layers without one).
    expect(count.breakdown.sparseIndexer).toBe(21 * t.indexer);
    expect(count.breakdown.residualStreams).toBe(78 * t.ihc + 4 * 4 * 6144 + 4 + 1);
    expect(spec.warnings).toEqual([
      "the checkpoint's 1 MTP layer (num_nextn_predict_layers, model.mtp_layers) is not counted: transformers drops it on load",
    ]);
  });

  it('reads gated MLA with sinks, the DSA indexer, shared-indexer layers, iHC and a dense first layer', () => {
    const spec = read(HY4);
    expect(spec.attention).toEqual(HY4_ATTENTION);
    expect(spec.sparseAttention).toEqual({ numHeads: 32, headDim: 128, topKTokens: 2048 });
    expect(spec.hyperConnections).toEqual({ streams: 4, kind: 'ihc' });
    expect(spec.layers.every((l) => l.attention === 'sparse')).toBe(true);
    // indexer_types: full on layer 0 and every 4th from layer 1.
    const own = spec.layers.flatMap((l, i) => (l.indexerShared ? [] : [i]));
    expect(own).toEqual([0, ...Array.from({ length: 20 }, (_, k) => 1 + 4 * k)]);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(77).fill('moe')]);
    expect(spec.moe).toMatchObject({
      numExperts: 256,
      topK: 8,
      expertIntermediateSize: 2048,
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
      routerBias: true,
      routingGroups: null,
      fusedGateUp: true,
    });
    expect(spec.maxContextTokens).toBe(1_048_576);
    expect(spec.tieWordEmbeddings).toBe(false);
  });

  it('KV cache: the 512 + 64 latent on every layer, an indexer key on the 21 full layers only', () => {
    const spec = read(HY4);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe((78 * (512 + 64) + 21 * 128) * 2);
    expect(kvCacheBytes(spec, 4096, 'bf16').indexerBytesPerSequence).toBe(21 * 128 * 2 * 4096);
  });

  it('operations: shared layers run no indexer but the same top-k attention; iHC computes 2n mixing weights', () => {
    const spec = read(HY4);
    const request = {
      phase: 'decode' as const,
      shape: { sequences: 1, tokensPerSequence: 1, contextTokens: 100_000 },
      layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
      datatype: 'bf16' as const,
      gemmInputBytes: 2,
    };
    const ops = (i: number) => layerOperations(spec, spec.layers[i]!, request);
    expect(ops(1).some((op) => op.name.startsWith('indexer'))).toBe(true);
    expect(ops(2).some((op) => op.name.startsWith('indexer'))).toBe(false);
    const attention = (i: number) => ops(i).filter((op) => op.type === 'attention');
    expect(attention(2)).toEqual(attention(1));
    expect(ops(2).find((op) => op.name === 'hc.fn')).toMatchObject({
      type: 'gemm',
      m: 1,
      n: 2 * 4,
      k: 4 * 6144,
    });
  });

  it('the same model written by hand as an llmecon spec validates and counts the same', () => {
    const config = read(HY4);
    const byHand = specFromInput({
      name: 'Hy4-preview by hand',
      vocabSize: 120_832,
      hiddenSize: 6144,
      numLayers: 78,
      maxContextTokens: 1_048_576,
      attention: HY4_ATTENTION,
      layerPattern: ['sparse'],
      sparseAttention: { numHeads: 32, headDim: 128, topKTokens: 2048 },
      indexerPattern: ['full', 'full', 'shared', 'shared', 'shared', ...Array(73).fill(null)].map(
        (t, i) => t ?? (i % 4 === 1 ? 'full' : 'shared'),
      ),
      mlp: { intermediateSize: 18_432 },
      mlpPattern: ['dense', ...Array(77).fill('moe')],
      moe: { numExperts: 256, topK: 8, expertIntermediateSize: 2048, numSharedExperts: 1, routerBias: true },
      hyperConnections: { streams: 4, kind: 'ihc' },
    });
    expect(paramCount(byHand).totalParams).toBe(tensors(PREVIEW).total);
    expect(paramCount(byHand).activeParams).toBe(paramCount(config).activeParams);
    const same = (f: (spec: ModelSpec) => number) => expect(f(byHand)).toBe(f(config));
    same((s) => kvCacheBytes(s, 100_000).bytesPerSequence);
    for (const attentionMode of ['decode', 'causal'] as const)
      same((s) => forwardFlopsPerToken(s, { attentionMode, contextTokens: 65_536 }).flopsPerToken);
  });

  it('class defaults (an empty config): 34 layers of 2816, 16 indexer heads, 10 full indexers', () => {
    const spec = read({});
    const t = tensors({
      ...PREVIEW,
      h: 2816,
      layers: 34,
      heads: 32,
      qr: 1536,
      ih: 16,
      fullIndexers: 10,
      inter: 6912,
      moeInter: 768,
    });
    expect(paramCount(spec).totalParams).toBe(t.total);
    expect(spec.layers.filter((l) => !l.indexerShared)).toHaveLength(10);
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.warnings).toBeUndefined();
  });

  it('an indexer on every layer: 57 more indexers and their keys', () => {
    const all = read({ ...HY4, indexer_types: Array(78).fill('full') });
    const t = tensors({ ...PREVIEW, fullIndexers: 78 });
    expect(paramCount(all).totalParams).toBe(t.total);
    expect(paramCount(all).totalParams - paramCount(read(HY4)).totalParams).toBe(57 * t.indexer);
    expect(kvCacheBytes(all, 4096, 'bf16').bytesPerToken).toBe(78 * (512 + 64 + 128) * 2);
  });

  it('refuses what HYV4ForCausalLM does not build, naming the field', () => {
    expect(() => read({ ...HY4, gated_mla: false })).toThrow(/gated_mla/);
    expect(() => read({ ...HY4, learnable_sink: false })).toThrow(/learnable_sink/);
    expect(() => read({ ...HY4, enable_ihc: false })).toThrow(/enable_ihc/);
    expect(() => read({ ...HY4, gating_type: 'headwise' })).toThrow(/gating_type/);
    expect(() => read({ ...HY4, attention_bias: true })).toThrow(/attention_bias/);
    expect(() => read({ ...HY4, q_lora_rank: null })).toThrow(/q_lora_rank/);
    expect(() => read({ ...HY4, indexer_types: ['shared', ...Array(77).fill('full')] })).toThrow(
      /indexer_types.*first sparse layer \(0\) 'shared'/,
    );
    expect(() => read({ ...HY4, indexer_types: ['full'] })).toThrow(/indexer_types/);
  });
});
