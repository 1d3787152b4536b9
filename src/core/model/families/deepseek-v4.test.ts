/**
 * DeepSeek-V4 (`deepseek_v4`, deepseek-v4.ts and compressed-attention.ts): V4-Flash and V4-Pro counted
 * tensor by tensor against transformers' DeepseekV4ForCausalLM (modeling_deepseek_v4.py), their KV
 * cache at a million tokens against the release's figures, keys per query, and the config's
 * spellings and errors. Configs: the exact config.json files ai-dynamo/aiconfigurator keeps
 * (test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { single } from '../../../../test/operation-setup.js';
import { InputError } from '../../errors.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { compressedKeysPerQuery } from '../compressed-attention.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { layerOperations } from '../operations.js';
import { mtpLayer, paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { deepseekV4 } from './deepseek-v4.js';
import { Fields, type Json } from './fields.js';

const FLASH: Json = hfFixture('hand-built/deepseek-v4-flash');
const PRO: Json = hfFixture('hand-built/deepseek-v4-pro');
const read = (config: Json, name = 'v4'): ModelSpec => deepseekV4(new Fields(config, 'deepseek_v4'), name);

/** The shapes of DeepseekV4ForCausalLM's tensors, from the config, as the modelling code builds them. */
function tensors(c: {
  h: number;
  heads: number;
  d: number;
  qr: number;
  g: number;
  r: number;
  experts: number;
  top: number;
  inter: number;
  vocab: number;
  ic: number;
  ih: number;
  layers: readonly number[];
  hash: number;
}) {
  const { h, heads, d, qr, g, r, ic, ih } = c;
  // DeepseekV4Attention: q_a_proj, q_a_norm, q_b_proj, kv_proj, kv_norm, o_a_proj (g·r × heads·d/g),
  // o_b_proj, sinks.
  const attention = h * qr + qr + qr * heads * d + h * d + d + g * r * ((heads * d) / g) + g * r * h + heads;
  // DeepseekV4CSACompressor: kv_proj, gate_proj (h → 2d), position_bias (4 × 2d), kv_norm (d); its
  // DeepseekV4Indexer: kv_proj, gate_proj (h → 2c), position_bias (4 × 2c), kv_norm (c), q_b_proj
  // (q_r → heads·c), scorer.weights_proj (h → heads).
  const csaCompressor = 2 * h * 2 * d + 4 * 2 * d + d;
  const indexer = 2 * h * 2 * ic + 4 * 2 * ic + ic + qr * ih * ic + h * ih;
  // DeepseekV4HCACompressor: kv_proj, gate_proj (h → d), position_bias (128 × d), kv_norm (d).
  const hcaCompressor = 2 * h * d + 128 * d + d;
  // DeepseekV4Experts (gate_up_proj E × 2I × h, down_proj E × h × I), one shared DeepseekV4MLP,
  // the router weight and e_score_correction_bias.
  const expert = 3 * c.inter * h;
  const moe = c.experts * expert + expert + c.experts * h + c.experts;
  // attn_hc and ffn_hc: fn (6·4 × 4h), base 24, scale 3; input_layernorm, post_attention_layernorm.
  const hc = 2 * (24 * 4 * h + 24 + 3);
  const common = attention + moe + hc + 2 * h;
  const byRatio = (ratio: number) =>
    ratio === 4 ? csaCompressor + indexer : ratio === 128 ? hcaCompressor : 0;
  const body = c.layers.reduce((sum, ratio) => sum + common + byRatio(ratio), 0);
  // embed_tokens, lm_head (untied), norm, hc_head (hc_fn 4 × 4h, hc_base 4, hc_scale 1).
  const outside = 2 * c.vocab * h + h + 4 * 4 * h + 4 + 1;
  // The hash layers' routers hold tid2eid (ids, not weights) instead of e_score_correction_bias.
  const total = body + outside - c.hash * c.experts;
  const idle = c.layers.length * (c.experts - c.top) * expert;
  return { total, active: total - idle, attention, csaCompressor, indexer, hcaCompressor };
}

const ratios = (config: Json, n: number) => (config.compress_ratios as number[]).slice(0, n);

describe('deepseek_v4', () => {
  it('V4-Flash: every tensor of DeepseekV4ForCausalLM; 284B total, 13B active (the release: 284B, 13B)', () => {
    const spec = read(FLASH, 'deepseek-v4-flash');
    const t = tensors({
      h: 4096,
      heads: 64,
      d: 512,
      qr: 1024,
      g: 8,
      r: 1024,
      experts: 256,
      top: 6,
      inter: 2048,
      vocab: 129_280,
      ic: 128,
      ih: 64,
      layers: ratios(FLASH, 43),
      hash: 3,
    });
    const p = paramCount(spec);
    // 3 hash layers × 256 experts: the router bias the spec counts and the checkpoint does not hold.
    expect(p.totalParams - 768).toBe(t.total);
    expect(p.activeParams - 768).toBe(t.active);
    expect(p.totalParams).toBe(284_332_241_239);
    expect(Math.round(p.totalParams / 1e9)).toBe(284);
    // The release's 13B active: the layers and the head (the embedding is a lookup).
    expect(Math.round((p.activeParams - p.breakdown.embedding) / 1e9)).toBe(13);
    expect(spec.layers.map((l) => `${l.attention}${l.compressRatio ?? ''}`).slice(0, 4)).toEqual([
      'sliding',
      'sliding',
      'sparse4',
      'full128',
    ]);
    expect(spec.warnings).toEqual([
      expect.stringMatching(
        /^3 hash_moe layers route by a frozen token → expert table .* 768 router parameters too many$/,
      ),
      expect.stringMatching(/MTP layer .* not counted/),
    ]);
  });

  it('V4-Pro: 1.57T total, 49B active (the release: 1.6T, 49B)', () => {
    const spec = read(PRO, 'deepseek-v4-pro');
    const t = tensors({
      h: 7168,
      heads: 128,
      d: 512,
      qr: 1536,
      g: 16,
      r: 1024,
      experts: 384,
      top: 6,
      inter: 3072,
      vocab: 129_280,
      ic: 128,
      ih: 64,
      layers: ratios(PRO, 61),
      hash: 3,
    });
    const p = paramCount(spec);
    expect(p.totalParams - 3 * 384).toBe(t.total);
    expect(p.activeParams - 3 * 384).toBe(t.active);
    expect((p.totalParams / 1e12).toFixed(1)).toBe('1.6');
    expect(Math.round((p.activeParams - p.breakdown.embedding) / 1e9)).toBe(49);
  });

  it('KV cache at 2^20 tokens: 9.62 GiB for V4-Pro, 8.7× below DeepSeek-V3.2 (the release’s figures)', () => {
    const context = 2 ** 20;
    const pro = kvCacheBytes(read(PRO), context, 'bf16').bytesPerSequence;
    expect((pro / 2 ** 30).toFixed(2)).toBe('9.62');
    // By hand: 30 CSA layers keep one 512-wide entry and one 128-wide indexer key per 4 tokens, 31 HCA
    // layers one entry per 128, every layer its 128-token window of the shared head.
    const csa = ratios(PRO, 61).filter((r) => r === 4).length;
    const hca = ratios(PRO, 61).filter((r) => r === 128).length;
    expect(pro).toBe(2 * (csa * (context / 4) * (512 + 128) + hca * (context / 128) * 512 + 61 * 128 * 512));
    const v32 = specFromHfConfig(hfFixture('deepseek-v3.2'), 'v3.2');
    const ratio = kvCacheBytes(v32, context, 'bf16').bytesPerSequence / pro;
    expect(ratio.toFixed(1)).toBe('8.7');
  });

  it('keys per query: the window plus every HCA entry, or the indexer’s top-k CSA entries', () => {
    const spec = read(FLASH);
    const csa = spec.layers.find((l) => l.compressRatio === 4)!;
    const hca = spec.layers.find((l) => l.compressRatio === 128)!;
    const swa = spec.layers.find((l) => l.compressRatio === undefined)!;
    const s = 1_000_000;
    expect(compressedKeysPerQuery(spec, swa, s, 'decode')).toBe(128);
    expect(compressedKeysPerQuery(spec, hca, s, 'decode')).toBe(128 + s / 128);
    expect(compressedKeysPerQuery(spec, csa, s, 'decode')).toBe(128 + 512);
    // Causal: the mean over a sequence (½ convention), below the top-k CSA reads every entry.
    expect(compressedKeysPerQuery(spec, csa, 1024, 'causal')).toBe(128 - 128 ** 2 / 2048 + 1024 / 4 / 2);
  });

  it('one token at a million tokens of context costs V4-Pro 27% of DeepSeek-V3.2’s FLOPs (the release: 27%)', () => {
    const decode = (spec: ModelSpec) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 1_000_000 }).flopsPerToken;
    const v32 = specFromHfConfig(hfFixture('deepseek-v3.2'), 'v3.2');
    expect((decode(read(PRO)) / decode(v32)).toFixed(2)).toBe('0.27');
  });

  it('LoRA on q, k, v and o adapts q_a/q_b, kv_proj and o_b (not the grouped o_a, which PEFT cannot wrap)', () => {
    const spec = read(FLASH);
    const r = 8;
    const perLayer = r * (4096 + 1024) + r * (1024 + 32_768) + r * (4096 + 512) + r * (8192 + 4096);
    expect(trainableParams(spec, { method: 'lora', rank: r, targets: parseTargets('q,k,v,o') })).toBe(
      43 * perLayer,
    );
  });

  it('reads layer_types, compress_rates and mlp_layer_types (transformers’ spellings) as the legacy keys', () => {
    const { compress_ratios, num_hash_layers: _h, ...rest } = FLASH as Record<string, unknown>;
    const names = {
      0: 'sliding_attention',
      4: 'compressed_sparse_attention',
      128: 'heavily_compressed_attention',
    };
    const modern = {
      ...rest,
      layer_types: (compress_ratios as (0 | 4 | 128)[]).slice(0, 43).map((r) => names[r]),
      compress_rates: { compressed_sparse_attention: 4, heavily_compressed_attention: 128 },
      mlp_layer_types: [...Array(3).fill('hash_moe'), ...Array(40).fill('moe')],
    };
    expect(paramCount(read(modern)).totalParams).toBe(paramCount(read(FLASH)).totalParams);
  });

  it('a hand-written spec (model-spec-schema.ts) reproduces V4-Flash: parameters, KV, FLOPs', () => {
    const mixer = { 0: 'sliding', 4: 'sparse', 128: 'full' } as const;
    const input = {
      name: 'v4-flash-by-hand',
      vocabSize: 129_280,
      hiddenSize: 4096,
      numLayers: 43,
      maxContextTokens: 1_048_576,
      attention: {
        kind: 'compressed',
        numHeads: 64,
        headDim: 512,
        ropeHeadDim: 64,
        qLoraRank: 1024,
        outputGroups: 8,
        outputLoraRank: 1024,
      },
      slidingWindow: { tokens: 128 },
      layerPattern: ratios(FLASH, 43).map((r) => mixer[r as 0 | 4 | 128]),
      sparseAttention: { numHeads: 64, headDim: 128, topKTokens: 512 },
      mlp: { intermediateSize: 2048 },
      mlpPattern: ['moe'],
      moe: { numExperts: 256, topK: 6, expertIntermediateSize: 2048, numSharedExperts: 1, routerBias: true },
      hyperConnections: { streams: 4 },
    };
    const byHand = specFromInput(input);
    const config = read(FLASH);
    expect(paramCount(byHand).totalParams).toBe(paramCount(config).totalParams);
    expect(paramCount(byHand).activeParams).toBe(paramCount(config).activeParams);
    for (const context of [4096, 1_000_000])
      expect(kvCacheBytes(byHand, context).bytesPerSequence).toBe(
        kvCacheBytes(config, context).bytesPerSequence,
      );
    const decode = (spec: ModelSpec) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 100_000 }).flopsPerToken;
    expect(decode(byHand)).toBe(decode(config));
    // Its own rules, with the spec's field names.
    const issues = (overrides: object) => {
      try {
        specFromInput({ ...input, ...overrides });
      } catch (e) {
        return (e as InputError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      return [];
    };
    expect(issues({ slidingWindow: null })).toContain(
      "slidingWindow: compressed attention attends over a window on every layer: give 'slidingWindow'",
    );
    expect(issues({ layerPattern: ['sliding', 'chunked'] })).toContain(
      'layerPattern: compressed attention has no chunked layers: use sliding, sparse (CSA) or full (HCA)',
    );
    expect(issues({ attention: { ...input.attention, outputGroups: 7 } })).toEqual([
      'attention.outputGroups: outputGroups (7) must divide numHeads × headDim (32768)',
    ]);
  });

  it('eager attention (transformers’ only V4 backend) scores every token and entry; the MTP layer slides', () => {
    const spec = read(FLASH);
    const csa = spec.layers.find((l) => l.compressRatio === 4)!;
    const s = 8192;
    const eager = layerOperations(spec, csa, {
      ...single('forward', s),
      attentionImplementation: 'eager',
    }).find((op) => op.name === 'scores');
    expect(eager).toMatchObject({ type: 'gemm', n: s * (1 + 1 / 4) });
    expect(mtpLayer(spec)).toEqual({ attention: 'sliding', mlp: 'moe' });
  });

  it('reads the legacy compress_rate_* over compress_rates (folded in last), and every compress_ratios entry', () => {
    const rates = read({
      ...FLASH,
      compress_rates: { compressed_sparse_attention: 8 },
      compress_rate_csa: 16,
    });
    expect(rates.layers.find((l) => l.attention === 'sparse')!.compressRatio).toBe(16);
    expect(() => read({ ...FLASH, compress_ratios: [...ratios(FLASH, 43), 7] })).toThrow(/entry 43 is 7/);
  });

  it('names the field of a config V4 cannot be', () => {
    const refused = (overrides: Json, field: string, message: RegExp) => {
      let error: unknown;
      try {
        read({ ...FLASH, ...overrides });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues[0]).toMatchObject({
        path: [field],
        message: expect.stringMatching(message),
      });
    };
    refused({ num_key_value_heads: 8 }, 'num_key_value_heads', /one shared key\/value head/);
    refused({ compress_ratios: [0, 4, 64] }, 'compress_ratios', /3 entries for num_hidden_layers 43/);
    refused({ compress_ratios: Array(43).fill(16) }, 'compress_ratios', /entry 0 is 16; allowed: 0, 4, 128/);
    refused({ o_groups: 7 }, 'o_groups', /must divide num_attention_heads × head_dim/);
    refused({ qk_rope_head_dim: 1024 }, 'qk_rope_head_dim', /exceeds head_dim/);
  });
});
