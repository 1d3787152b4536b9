/**
 * Skywork (`skywork`) and BlueLM (`BlueLM`), read by calling the families directly; counts rebuilt tensor
 * by tensor from the remote modeling code (modeling_skywork.py, modeling_bluelm.py; see the family file):
 * embed_tokens [V, h]; BlueLM's embed_layer_norm (nn.LayerNorm: weight and bias [h]) when
 * use_stable_embedding; per layer input_layernorm and post_attention_layernorm (RMSNorm weight [h]),
 * q_proj [H·d, h], k_proj and v_proj [K·d, h], o_proj [h, H·d] without bias, gate_proj and up_proj
 * [I, h] and down_proj [h, I] without bias; model.norm [h]; lm_head [V, h] unless tied.
 *
 * Fixtures (assembled, not verbatim: neither published config.json is quoted in stored code):
 * - `hand-built/skywork-13b-base.json`: the Skywork model card's table (4608 / 12288 / 36 heads of 128 /
 *   52 layers / vocab 65536 / 4096 tokens) in SkyworkConfig's keys. Published size "13B"; 13.85B here.
 * - `hand-built/bluelm-7b-base.json`: BlueLMConfig's defaults ("similar … to BlueLM-7B"), matching a
 *   printed BlueLMForCausalLM module tree (Embedding(100096, 4096, padding_idx=3), embed_layer_norm
 *   LayerNorm((4096,), eps=1e-06), 32 layers, q/k/v/o 4096 → 4096, MLP 11008). Published size "7B".
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { LLAMA_7B_SHAPE, type LlamaShape, llamaTensors } from '../../../../test/llama-tensors.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import type { ModelSpec } from '../spec.js';
import { Fields, type Json } from './fields.js';
import { bluelm, skywork } from './skywork-bluelm.js';
import { skyworkMoe } from './skywork-moe.js';

const SKYWORK_13B = hfFixture('hand-built/skywork-13b-base');
const BLUELM_7B = hfFixture('hand-built/bluelm-7b-base');

const readSkywork = (c: Json): ModelSpec => skywork(new Fields(c, 'skywork'), 'x');
const readBlueLm = (c: Json): ModelSpec => bluelm(new Fields(c, 'BlueLM'), 'x');
const readSkyworkMoe = (c: Json): ModelSpec => skyworkMoe(new Fields(c, 'skywork_moe'), 'x');

const SKYWORK_SHAPE: LlamaShape = {
  vocab: 65_536,
  h: 4608,
  layers: 52,
  heads: 36,
  kvHeads: 36,
  inter: 12_288,
  tied: false,
  embedLayerNorm: false,
};
const BLUELM_SHAPE: LlamaShape = { ...LLAMA_7B_SHAPE, vocab: 100_096, embedLayerNorm: true };

const MHA = { kind: 'gqa', qkvBias: false, outputBias: false, qkNorm: 'none', sinks: false } as const;

describe('skywork (Skywork/Skywork-13B-base)', () => {
  it('reads 52 layers of 36 heads of 128, bias-free, SwiGLU 12288, RMSNorms, 4096 tokens', () => {
    const spec = readSkywork(SKYWORK_13B);
    expect(spec.modelType).toBe('skywork');
    expect(spec.attention).toEqual({ ...MHA, numHeads: 36, numKvHeads: 36, headDim: 128 });
    expect(spec.mlp).toEqual({ intermediateSize: 12_288, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.layers).toHaveLength(52);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense' && !l.extras)).toBe(true);
    expect(spec.hiddenSize).toBe(4608);
    expect(spec.vocabSize).toBe(65_536);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.activation).toBe('silu');
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 13,854,269,952 (card "13B")', () => {
    const p = paramCount(readSkywork(SKYWORK_13B));
    expect(p.totalParams).toBe(llamaTensors(SKYWORK_SHAPE));
    expect(p.totalParams).toBe(13_854_269_952);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(2 * 65_536 * 4608);
    expect(p.breakdown.attention).toBe(52 * 4 * 4608 * 4608);
    expect(p.breakdown.denseMlp).toBe(52 * 3 * 4608 * 12_288);
    expect(p.breakdown.norms).toBe((52 * 2 + 1) * 4608);
  });

  it('holds every non-FFN tensor of Skywork-MoE, which was upcycled from it', () => {
    const moe = readSkyworkMoe(hfFixture('hand-built/skywork-moe-base'));
    const dense = paramCount(readSkywork(SKYWORK_13B));
    const sparse = paramCount(moe);
    const experts = sparse.breakdown.routedExperts + sparse.breakdown.router;
    expect(sparse.totalParams - experts).toBe(dense.totalParams - dense.breakdown.denseMlp);
  });

  it('KV cache and decode FLOPs: 36 K/V heads × 128 on 52 layers, the untied head', () => {
    const spec = readSkywork(SKYWORK_13B);
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(52 * 2 * 36 * 128 * 2);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(52 * 2 * 4 * 4608 * 4608);
    expect(f.breakdown.denseMlp).toBe(52 * 2 * 3 * 4608 * 12_288);
    expect(f.breakdown.head).toBe(2 * 65_536 * 4608);
  });

  it("follows SkyworkConfig's defaults, GQA and tying; never reads attention_bias or head_dim", () => {
    const trimmed: Json = { ...SKYWORK_13B };
    for (const k of ['hidden_act', 'tie_word_embeddings', 'num_key_value_heads']) delete trimmed[k];
    expect(readSkywork(trimmed)).toEqual(readSkywork(SKYWORK_13B));
    const gqa = { ...SKYWORK_13B, num_key_value_heads: 4, tie_word_embeddings: true };
    expect(paramCount(readSkywork(gqa)).totalParams).toBe(
      llamaTensors({ ...SKYWORK_SHAPE, kvHeads: 4, tied: true }),
    );
    const biased = readSkywork({ ...SKYWORK_13B, attention_bias: true, head_dim: 64 });
    expect(biased.attention).toEqual(readSkywork(SKYWORK_13B).attention);
  });

  it('refuses malformed fields and the GPT-2-style SkyWorkConfig, naming them', () => {
    expect(inputErrorOf(() => readSkywork({ ...SKYWORK_13B, hidden_size: 4609 })).message).toMatch(
      /'hidden_size' \(4609\) must be divisible by 'num_attention_heads' \(36\)/,
    );
    const kv = inputErrorOf(() => readSkywork({ ...SKYWORK_13B, num_key_value_heads: 5 }));
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    expect(inputErrorOf(() => readSkywork({ ...SKYWORK_13B, intermediate_size: 0 })).issues[0]?.path).toEqual(
      ['intermediate_size'],
    );
    const { intermediate_size: _, ...gpt } = SKYWORK_13B as Record<string, Json>;
    const e = inputErrorOf(() => readSkywork({ ...gpt, n_inner: 32_768, activation_function: 'gelu' }));
    expect(e.issues[0]?.path).toEqual(['n_inner']);
    expect(e.message).toMatch(/GPT-2-style SkyWorkConfig/);
  });
});

describe('BlueLM (vivo-ai/BlueLM-7B-Base)', () => {
  it('reads 32 MHA layers of 128, SwiGLU 11008, RMSNorms and the stable-embedding LayerNorm', () => {
    const spec = readBlueLm(BLUELM_7B);
    expect(spec.modelType).toBe('BlueLM');
    expect(spec.attention).toEqual({ ...MHA, numHeads: 32, numKvHeads: 32, headDim: 128 });
    expect(spec.mlp).toEqual({ intermediateSize: 11_008, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2, embedding: true });
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers[0]?.extras).toEqual({
      modules: 'model.embed_layer_norm.bias (nn.LayerNorm after embed_tokens, before layer 0)',
      params: 4096,
      gemms: [],
    });
    expect(spec.layers.slice(1).every((l) => l.extras === undefined)).toBe(true);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.vocabSize).toBe(100_096);
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 7,296,266,240 (card "7B"), embed_layer_norm weight and bias included', () => {
    const p = paramCount(readBlueLm(BLUELM_7B));
    expect(p.totalParams).toBe(llamaTensors(BLUELM_SHAPE));
    expect(p.totalParams).toBe(7_296_266_240);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.breakdown.norms).toBe((32 * 2 + 1 + 1) * 4096); // layers, model.norm, embed_layer_norm.weight
    expect(p.breakdown.layerExtras).toBe(4096); // embed_layer_norm.bias
    expect(p.breakdown.attention).toBe(32 * 4 * 4096 * 4096);
    expect(p.breakdown.denseMlp).toBe(32 * 3 * 4096 * 11_008);
  });

  it('use_stable_embedding false drops the LayerNorm (2 × 4096); omitted keys follow BlueLMConfig', () => {
    const plain = readBlueLm({ ...BLUELM_7B, use_stable_embedding: false });
    expect(plain.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(plain.layers.every((l) => l.extras === undefined)).toBe(true);
    expect(paramCount(plain).totalParams).toBe(llamaTensors({ ...BLUELM_SHAPE, embedLayerNorm: false }));
    const trimmed: Json = { ...BLUELM_7B };
    for (const k of ['use_stable_embedding', 'num_key_value_heads', 'hidden_act', 'tie_word_embeddings'])
      delete trimmed[k];
    expect(readBlueLm(trimmed)).toEqual(readBlueLm(BLUELM_7B));
    const gqa = readBlueLm({ ...BLUELM_7B, num_key_value_heads: 8 });
    expect(paramCount(gqa).totalParams).toBe(llamaTensors({ ...BLUELM_SHAPE, kvHeads: 8 }));
  });

  it('32K: ntkmixed rope_scaling spans max_position_embeddings × int(factor); other types do not', () => {
    const ntk = (factor: number) => ({
      ...BLUELM_7B,
      rope_scaling: { type: 'ntkmixed', factor, power: 0.3 },
    });
    expect(readBlueLm(ntk(16.0)).maxContextTokens).toBe(32_768);
    expect(readBlueLm(ntk(16.5)).maxContextTokens).toBe(32_768);
    expect(paramCount(readBlueLm(ntk(16.0))).totalParams).toBe(7_296_266_240);
    const linear = { ...BLUELM_7B, rope_scaling: { type: 'linear', factor: 4.0 } };
    expect(readBlueLm(linear).maxContextTokens).toBe(2048);
  });

  it('KV cache: K and V of 32 heads × 128 on 32 layers', () => {
    expect(kvCacheBytes(readBlueLm(BLUELM_7B), 2048, 'bf16').bytesPerToken).toBe(32 * 2 * 32 * 128 * 2);
  });

  it('refuses malformed fields, naming them', () => {
    const factor = { ...BLUELM_7B, rope_scaling: { type: 'ntkmixed', factor: 1.0, power: 0.3 } };
    expect(inputErrorOf(() => readBlueLm(factor)).issues[0]?.path).toEqual(['rope_scaling', 'factor']);
    const absent = { ...BLUELM_7B, rope_scaling: { type: 'ntkmixed', power: 0.3 } };
    expect(inputErrorOf(() => readBlueLm(absent)).issues[0]?.path).toEqual(['rope_scaling', 'factor']);
    const notObject = { ...BLUELM_7B, rope_scaling: 'ntkmixed' };
    expect(inputErrorOf(() => readBlueLm(notObject)).issues[0]?.path).toEqual(['rope_scaling']);
    expect(inputErrorOf(() => readBlueLm({ ...BLUELM_7B, hidden_size: 4097 })).message).toMatch(
      /'hidden_size' \(4097\) must be divisible by 'num_attention_heads' \(32\)/,
    );
    const kv = inputErrorOf(() => readBlueLm({ ...BLUELM_7B, num_key_value_heads: 5 }));
    expect(kv.issues[0]?.path).toEqual(['num_key_value_heads']);
    const flag = inputErrorOf(() => readBlueLm({ ...BLUELM_7B, use_stable_embedding: 'yes' }));
    expect(flag.issues[0]?.path).toEqual(['use_stable_embedding']);
  });
});
