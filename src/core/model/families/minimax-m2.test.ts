/**
 * MiniMax-M3 (`minimax_m3`): the layer plan from the checkpoint's per-layer lists or transformers'
 * names, the block-sparse indexer's FLOPs and what its top-k block selection saves, the indexer
 * keys in the KV cache, and precise refusals of what the modelling code does not build.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inferenceMemory } from '../../memory/inference-memory.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';

const m3 = () => hfFixture('minimax-m3');
const spec = (config: Record<string, unknown>) => specFromHfConfig(config, 'm3');
const sac = (extra: Record<string, unknown>) => ({
  ...m3(),
  sparse_attention_config: { ...(m3().sparse_attention_config as object), ...extra },
});

describe('MiniMax-M3', () => {
  it('layers 0-2 dense MLP and full attention, 3-59 MoE and block-sparse; per-head q/k norms', () => {
    const s = spec(m3());
    expect(s.layers.slice(0, 4).map((l) => `${l.attention}/${l.mlp}`)).toEqual([
      'full/dense',
      'full/dense',
      'full/dense',
      'sparse/moe',
    ]);
    expect(s.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 4,
      headDim: 128,
      qkNorm: 'per-head',
    });
    expect(s.sparseAttention).toEqual({ numHeads: 4, headDim: 128, topKTokens: 16 * 128, blockTokens: 128 });
    expect(s.mlp.intermediateSize).toBe(12_288);
    expect(s.moe).toMatchObject({
      numExperts: 128,
      topK: 4,
      expertIntermediateSize: 3072,
      numSharedExperts: 1,
      routerBias: true,
    });
    expect(s.numMtpModules).toBe(7);
  });

  it("transformers' names (layer_types, mlp_layer_types, index_*) read as the checkpoint's lists", () => {
    const legacy = m3();
    const { sparse_attention_config: _, moe_layer_freq: __, ...rest } = legacy;
    const flat = {
      ...rest,
      layer_types: Array.from({ length: 60 }, (_, i) => (i < 3 ? 'full_attention' : 'minimax_m3_sparse')),
      mlp_layer_types: Array.from({ length: 60 }, (_, i) => (i < 3 ? 'dense' : 'sparse')),
      index_n_heads: 4,
      index_head_dim: 128,
      index_block_size: 128,
      index_topk_blocks: 16,
    };
    expect(paramCount(spec(flat))).toEqual(paramCount(spec(legacy)));
  });

  it('indexer: 2·4·128 FLOPs per earlier key; attention over 16 blocks of 128 keys instead of the whole context', () => {
    const s = spec(m3());
    const full = spec({
      ...m3(),
      sparse_attention_config: {
        ...sac({}).sparse_attention_config,
        sparse_attention_freq: Array(60).fill(0),
      },
    });
    const context = 131_072;
    const sparse = forwardFlopsPerToken(s, { attentionMode: 'causal', contextTokens: context });
    const dense = forwardFlopsPerToken(full, { attentionMode: 'causal', contextTokens: context });
    const perKey = 2 * 64 * (128 + 128);
    // 57 sparse layers: indexer over s/2 keys, attention over k·B − (B − 1)/2 keys (own block half full),
    // less the causal ramp of the first k·B tokens (limitedMeanKeys).
    const limit = 2048 - 127 / 2;
    const sparseKeys = limit - (limit * limit) / (2 * context);
    const expected = 3 * perKey * (context / 2) + 57 * (perKey * sparseKeys + 2 * 4 * 128 * (context / 2));
    expect(sparse.breakdown.attentionScores / expected).toBeCloseTo(1, 9);
    expect(dense.breakdown.attentionScores).toBeCloseTo(60 * perKey * (context / 2), 0);
    // At 128K the selection cuts attention FLOPs 9.2× (the indexer's own scoring is half of what is left).
    expect(dense.breakdown.attentionScores / sparse.breakdown.attentionScores).toBeCloseTo(9.24, 2);
    // Below one selection (k·B keys) every block is read: only the indexer is extra.
    const short = forwardFlopsPerToken(s, { attentionMode: 'causal', contextTokens: 1024 });
    const shortDense = forwardFlopsPerToken(full, { attentionMode: 'causal', contextTokens: 1024 });
    expect(short.breakdown.attentionScores).toBeGreaterThan(shortDense.breakdown.attentionScores);
  });

  it('the index keys are whole on every tensor-parallel rank; K/V split by KV head', () => {
    const s = spec(m3());
    const kv = kvCacheBytes(s, 100_000, 'bf16');
    const memory = (tp: number) =>
      inferenceMemory(s, {
        weightFormat: 'bf16',
        kvFormat: 'bf16',
        batchSize: 1,
        contextTokens: 100_000,
        tensorParallel: tp,
      }).kvCacheBytes;
    expect(memory(1)).toBe(kv.bytesPerSequence);
    expect(memory(4)).toBe(
      (kv.bytesPerSequence - kv.indexerBytesPerSequence) / 4 + kv.indexerBytesPerSequence,
    );
  });

  it('a hand-written llmecon spec with blockTokens counts as the config does; blockTokens needs GQA', () => {
    const layers = (first: string, rest: string) =>
      Array.from({ length: 60 }, (_, i) => (i < 3 ? first : rest));
    const input = {
      name: 'm3-by-hand',
      vocabSize: 200_064,
      hiddenSize: 6144,
      numLayers: 60,
      maxContextTokens: 1_048_576,
      attention: { kind: 'gqa', numHeads: 64, numKvHeads: 4, headDim: 128, qkNorm: 'per-head' },
      layerPattern: layers('full', 'sparse'),
      mlpPattern: layers('dense', 'moe'),
      sparseAttention: { numHeads: 4, headDim: 128, topKTokens: 2048, blockTokens: 128 },
      mlp: { intermediateSize: 12_288 },
      moe: { numExperts: 128, topK: 4, expertIntermediateSize: 3072, numSharedExperts: 1, routerBias: true },
      numMtpModules: 7,
    };
    expect(paramCount(specFromInput(input))).toEqual(paramCount(spec(m3())));
    expect(() =>
      specFromInput({
        ...input,
        attention: {
          kind: 'mla',
          numHeads: 64,
          kvLoraRank: 512,
          qkNopeHeadDim: 128,
          qkRopeHeadDim: 64,
          vHeadDim: 128,
        },
      }),
    ).toThrow(/blockTokens\) needs attention.kind gqa/);
    expect(() =>
      specFromInput({ ...input, sparseAttention: { ...input.sparseAttention, topKTokens: 2000 } }),
    ).toThrow(/whole number of blocks/);
  });

  it('an unknown model_type with MiniMax-M3 keys is read as minimax_m3 (no longer as mixtral), with a warning', () => {
    const s = spec({ ...m3(), model_type: 'minimax_m3_preview' });
    expect(s.warnings?.[0]).toMatch(/read as minimax_m3-like/);
    expect(paramCount(s).totalParams).toBe(paramCount(spec(m3())).totalParams);
  });

  it('refuses what the modelling code does not build, naming the field', () => {
    expect(() => spec(sac({ sparse_disable_index_value: Array(60).fill(0) }))).toThrow(
      /sparse_attention_config\.sparse_disable_index_value' is 0 on sparse layer 3/,
    );
    expect(() => spec({ ...m3(), attention_output_gate: true })).toThrow(/attention_output_gate/);
    expect(() => spec({ ...m3(), n_shared_experts: 2 })).toThrow(
      /n_shared_experts.*shared_intermediate_size/,
    );
    expect(() => spec({ ...m3(), moe_intermediate_size: 2048 })).toThrow(/moe_intermediate_size/);
    expect(() => spec({ ...m3(), moe_layer_freq: [0, 1] })).toThrow(
      /moe_layer_freq' must list one entry per layer \(60\)/,
    );
    expect(() => spec({ ...m3(), qk_norm_type: 'per_token' })).toThrow(/qk_norm_type/);
  });
});
