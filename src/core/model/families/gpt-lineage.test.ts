/**
 * MPT (`mpt`), GPT-J (`gptj`), CodeGen (`codegen`) and GPT-Neo (`gpt_neo`): totals against the
 * checkpoints' counts, what their keys switch (llm-foundry's attention types and GLU, ALiBi or a
 * position table, GPT-Neo's local layers), and the shapes refused rather than guessed.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (name: string): Cfg => structuredClone(hfFixture(`hand-built/${name}`)) as Cfg;
const total = (c: Cfg) => paramCount(specFromHfConfig(c, 'm')).totalParams;

describe('MPT', () => {
  it('MPT-7B counts to its checkpoint: 12h² per block, weight-only LayerNorms, tied wte, no position table', () => {
    const h = 4096;
    const spec = specFromHfConfig(fixture('mpt-7b'), 'mpt-7b');
    expect(paramCount(spec).totalParams).toBe(32 * (12 * h * h + 2 * h) + 50_432 * h + h);
    expect(paramCount(spec).totalParams).toBe(6_649_286_656);
    expect(spec).toMatchObject({
      learnedPositionEmbeddings: 0,
      tieWordEmbeddings: true,
      maxContextTokens: 2048,
    });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2, bias: false });
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('MPT-30B (d_model 7168, 48 blocks, 8K context) counts to 29.96B', () => {
    const c = { ...fixture('mpt-7b'), d_model: 7168, n_heads: 64, n_layers: 48, max_seq_len: 8192 };
    expect(total(c) / 1e9).toBeCloseTo(29.96, 2);
  });

  it("reads llm-foundry's attention types, GLU MLP, biases and learned positions", () => {
    const base = fixture('mpt-7b');
    const kv = (attn: Cfg) =>
      kvCacheBytes(specFromHfConfig({ ...base, attn_config: { ...base.attn_config, ...attn } }, 'm'), 1)
        .bytesPerToken;
    const mha = kv({});
    expect(mha).toBe(32 * 2 * 4096 * 2);
    expect(kv({ attn_type: 'multiquery_attention' })).toBe(mha / 32);
    expect(kv({ attn_type: 'grouped_query_attention', kv_n_heads: 8 })).toBe(mha / 4);
    const h = 4096;
    // mptglu: a third matrix of the same width; ffn_hidden_size overrides expansion_ratio.
    const glu = { ...base, ffn_config: { ffn_type: 'mptglu', ffn_hidden_size: 10_944 } };
    expect(total(glu) - total(base)).toBe(32 * (3 * h * 10_944 - 2 * h * 4 * h));
    // no_bias false: the four linears' biases and the LayerNorms' (3h + h + 4h + h per block, h at the end).
    expect(total({ ...base, no_bias: false }) - total(base)).toBe(32 * (9 * h + 2 * h) + h);
    // Without ALiBi, llm-foundry's learned_pos_emb adds a max_seq_len × d_model table.
    const noAlibi = { ...base, attn_config: { ...base.attn_config, alibi: false } };
    expect(total(noAlibi) - total(base)).toBe(2048 * h);
  });

  it('refuses an attention or MLP type it does not know, naming the key and what is allowed', () => {
    const base = fixture('mpt-7b');
    expect(() => specFromHfConfig({ ...base, attn_config: { attn_type: 'flash' } }, 'm')).toThrow(
      /attn_config\.attn_type' must be one of multihead_attention, multiquery_attention, grouped_query_attention, got 'flash'/,
    );
    expect(() => specFromHfConfig({ ...base, ffn_config: { ffn_type: 'mb_dmoe' } }, 'm')).toThrow(
      /ffn_config\.ffn_type' must be mptmlp or mptglu/,
    );
    expect(() =>
      specFromHfConfig(
        { ...base, attn_config: { attn_type: 'grouped_query_attention', kv_n_heads: 5 } },
        'm',
      ),
    ).toThrow(/kv_n_heads/);
  });
});

describe('GPT-J, CodeGen and GPT-Neo', () => {
  it('GPT-J-6B: bias-free attention, biased MLP, one LayerNorm per block, untied head with its bias: 6,050,882,784', () => {
    const h = 4096;
    const spec = specFromHfConfig(fixture('gpt-j-6b'), 'gpt-j');
    const block = 4 * h * h + (2 * 4 * h * h + 4 * h + h) + 2 * h;
    expect(paramCount(spec).totalParams).toBe(28 * block + 2 * 50_400 * h + 2 * h + 50_400);
    expect(paramCount(spec).totalParams).toBe(6_050_882_784);
    expect(spec).toMatchObject({ learnedPositionEmbeddings: 0, tieWordEmbeddings: false });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 1 });
    // CodeGen: the same block under its own model_type.
    expect(total({ ...fixture('gpt-j-6b'), model_type: 'codegen' })).toBe(paramCount(spec).totalParams);
  });

  it('GPT-Neo 2.7B: 2,651,307,520 with every second layer a 256-token window', () => {
    const spec = specFromHfConfig(fixture('gpt-neo-2.7b'), 'gpt-neo');
    expect(paramCount(spec).totalParams).toBe(2_651_307_520);
    expect(spec.layers.map((l) => l.attention).slice(0, 4)).toEqual(['full', 'sliding', 'full', 'sliding']);
    expect(spec.slidingWindow).toBe(256);
    expect(spec.learnedPositionEmbeddings).toBe(2048);
    // A long context caches 256 tokens on the local layers: half the layers stop growing.
    const at = (n: number) => kvCacheBytes(spec, n).bytesPerSequence;
    const perTokenPerLayer = 2 * 2560 * 2;
    expect(at(4096) - at(2048)).toBe(16 * 2048 * perTokenPerLayer);
    expect(at(2048)).toBe(16 * (2048 + 256) * perTokenPerLayer);
  });

  it('GPT-Neo: attention_types must name every layer with known kinds', () => {
    const base = fixture('gpt-neo-2.7b');
    expect(() => specFromHfConfig({ ...base, attention_types: [[['global', 'local'], 15]] }, 'g')).toThrow(
      /'attention_types' must be .*it names 30 layers, num_layers is 32/,
    );
    expect(() => specFromHfConfig({ ...base, attention_types: [[['global', 'dilated'], 16]] }, 'g')).toThrow(
      /unknown kind "dilated"/,
    );
    expect(() => specFromHfConfig({ ...base, attention_types: 'global' }, 'g')).toThrow(/not a list/);
  });
});
