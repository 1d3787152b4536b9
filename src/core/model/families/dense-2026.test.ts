/**
 * nanochat and Jais 2 (dense-2026.ts), counted tensor by tensor from transformers' modules and read
 * straight from config.json (not through the reader):
 *
 * - nanochat-d32 (`hand-built/nanochat-d32`): NanoChatModel.embed_tokens [V, h], untied lm_head
 *   [V, h]; per layer q/k/v_proj [H·d, h], [K·d, h], [K·d, h], o_proj [h, H·d], mlp.fc1 [I, h],
 *   mlp.fc2 [h, I]; no norm tensor at all (NanoChatRMSNorm holds no weight), six tensors a layer.
 *   Against nanochat's published sizes: d32 1,879,048,192 ("1.88B"), d20 560,988,160 (the d20
 *   model cards' "Parameters: 560,988,160").
 * - Jais-2-8B-Chat (`hand-built/jais-2-8b-chat`): embed_tokens [V, h], lm_head [V, h], model.norm
 *   weight and bias [h]; per layer input_layernorm and post_attention_layernorm (weight, bias [h]),
 *   q/k/v/o_proj weights and biases, mlp.up_proj [I, h] + [I], mlp.down_proj [h, I] + [h]. Against
 *   the Hub's safetensors total for the 8B (8.09B).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { jais2, nanochat } from './dense-2026.js';
import { Fields } from './fields.js';

const d32 = () => structuredClone(hfFixture('hand-built/nanochat-d32')) as Cfg;
const jais8b = () => structuredClone(hfFixture('hand-built/jais-2-8b-chat')) as Cfg;
const readNanochat = (c: Cfg) => nanochat(new Fields(c, 'nanochat'), 'nanochat');
const readJais2 = (c: Cfg) => jais2(new Fields(c, 'jais2'), 'jais2');

/** NanoChatForCausalLM's state dict: six weights a layer, embed_tokens and lm_head, no norm weights. */
function nanochatTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const d = c.head_dim ?? h / c.num_attention_heads;
  const q = c.num_attention_heads * d;
  const kv = c.num_key_value_heads * d;
  const bias = c.attention_bias === true;
  const t = new Tensors();
  t.add([c.vocab_size, h]);
  if (!c.tie_word_embeddings) t.add([c.vocab_size, h]);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([q, h], [kv, h], [kv, h], [h, q]);
    if (bias) t.add([q], [kv], [kv], [h]);
    t.add([c.intermediate_size, h], [h, c.intermediate_size]);
  }
  return t;
}

/** Jais2ForCausalLM's state dict: LayerNorm weight and bias, biased projections, ungated MLP. */
function jais2Tensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const i = c.intermediate_size;
  const d = c.head_dim ?? h / c.num_attention_heads;
  const q = c.num_attention_heads * d;
  const kv = c.num_key_value_heads * d;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h], [h]);
  if (!c.tie_word_embeddings) t.add([c.vocab_size, h]);
  for (let l = 0; l < c.num_hidden_layers; l += 1) {
    t.add([h], [h], [h], [h]);
    t.add([q, h], [kv, h], [kv, h], [h, q]);
    if (c.attention_bias) t.add([q], [kv], [kv], [h]);
    t.add([i, h], [h, i]);
    if (c.mlp_bias) t.add([i], [h]);
  }
  return t;
}

describe('nanochat (karpathy/nanochat-d32)', () => {
  it('reads 32 layers of 16 heads of 128, an ungated ReLU² MLP of 8192 and weightless RMSNorms', () => {
    const spec = readNanochat(d32());
    expect(spec.modelType).toBe('nanochat');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 16,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8192, gated: false, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2, affine: false, embedding: true });
    expect(spec.activation).toBe('relu2');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.layers).toHaveLength(32);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.vocabSize).toBe(65_536);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 1,879,048,192 (nanochat d32, "1.88B"), no norm parameter anywhere', () => {
    const c = d32();
    const p = paramCount(readNanochat(c));
    expect(p.totalParams).toBe(nanochatTensors(c).total);
    expect(p.totalParams).toBe(1_879_048_192);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(2 * 65_536 * 2048);
    expect(p.breakdown.norms).toBe(0);
    // q/k/v/o 2048 × 2048 each, the per-head q/k norms weightless.
    expect(p.breakdown.attention).toBe(32 * 4 * 2048 * 2048);
    // fc1 2048 → 8192 and fc2 back, no gate_proj (a SwiGLU read would add a third 2048 × 8192).
    expect(p.breakdown.denseMlp).toBe(32 * 2 * 2048 * 8192);
  });

  it('counts d20 at the 560,988,160 its model cards publish (20 layers, 1280 wide, 10 heads, MLP 5120)', () => {
    const c = {
      ...d32(),
      hidden_size: 1280,
      num_hidden_layers: 20,
      num_attention_heads: 10,
      num_key_value_heads: 10,
      intermediate_size: 5120,
    };
    expect(paramCount(readNanochat(c)).totalParams).toBe(nanochatTensors(c).total);
    expect(paramCount(readNanochat(c)).totalParams).toBe(560_988_160);
  });

  it('KV cache: K and V of 16 heads × 128 on all 32 layers', () => {
    const spec = readNanochat(d32());
    expect(kvCacheBytes(spec, 2048, 'bf16').bytesPerToken).toBe(32 * 2 * 16 * 128 * 2);
  });

  it('decode FLOPs: two MLP matrices, not three', () => {
    const f = forwardFlopsPerToken(readNanochat(d32()), { attentionMode: 'decode', contextTokens: 2048 });
    expect(f.breakdown.attentionProjections).toBe(32 * 2 * 4 * 2048 * 2048);
    expect(f.breakdown.denseMlp).toBe(32 * 2 * 2 * 2048 * 8192);
    expect(f.breakdown.head).toBe(2 * 65_536 * 2048);
  });

  it('follows NanoChatConfig on omitted keys and attention_bias, GQA and head_dim when given', () => {
    const c = d32();
    for (const k of ['hidden_act', 'attention_bias', 'tie_word_embeddings', 'max_position_embeddings'])
      delete c[k];
    expect(readNanochat(c)).toEqual(readNanochat(d32()));
    const biased = { ...d32(), attention_bias: true, num_key_value_heads: 4 };
    const spec = readNanochat(biased);
    expect(spec.attention).toMatchObject({ numKvHeads: 4, qkvBias: true, outputBias: true });
    expect(paramCount(spec).totalParams).toBe(nanochatTensors(biased).total);
    expect(readNanochat({ ...d32(), head_dim: 64 }).attention).toMatchObject({ headDim: 64 });
    const tied = { ...d32(), tie_word_embeddings: true };
    expect(paramCount(readNanochat(tied)).totalParams).toBe(nanochatTensors(tied).total);
  });

  it('names in warnings what NanoChatForCausalLM does not read', () => {
    const legacy: Cfg = { ...d32(), qkv_bias: true };
    delete legacy.attention_bias;
    const spec = readNanochat(legacy);
    expect(spec.attention).toMatchObject({ qkvBias: false, outputBias: false });
    expect(spec.warnings).toEqual([
      'nanochat: qkv_bias true is ignored: NanoChatAttention reads attention_bias (absent, so false) for q/k/v/o',
    ]);
    expect(readNanochat({ ...d32(), window_pattern: 'SSSL' }).warnings?.[0]).toMatch(
      /^nanochat: window_pattern is not read: NanoChatForCausalLM attends fully on every layer/,
    );
  });

  it('refuses malformed fields, naming them', () => {
    const { intermediate_size: _, ...noMlp } = d32();
    const e = inputErrorOf(() => readNanochat(noMlp));
    expect(e.message).toMatch(/'intermediate_size' is required: NanoChatConfig defaults it to 8192/);
    expect(e.issues[0]?.path).toEqual(['intermediate_size']);
    expect(inputErrorOf(() => readNanochat({ ...d32(), num_key_value_heads: 3 })).message).toMatch(
      /'num_key_value_heads' \(3\) must divide num_attention_heads \(16\)/,
    );
    expect(inputErrorOf(() => readNanochat({ ...d32(), hidden_size: 2050 })).message).toMatch(
      /'hidden_size' \(2050\) must be divisible by 'num_attention_heads' \(16\)/,
    );
    expect(inputErrorOf(() => readNanochat({ ...d32(), attention_bias: 'no' })).message).toMatch(
      /'attention_bias' must be true or false/,
    );
  });
});

describe('jais2 (inceptionai/Jais-2-8B-Chat)', () => {
  it('reads 32 layers of 26 heads of 128 with biases, LayerNorms and an ungated ReLU² MLP of 26624', () => {
    const spec = readJais2(jais8b());
    expect(spec.modelType).toBe('jais2');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 26,
      numKvHeads: 26,
      headDim: 128,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 26_624, gated: false, bias: true });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2 });
    expect(spec.activation).toBe('relu2');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.layers).toHaveLength(32);
    expect(spec.maxContextTokens).toBe(8192);
    expect(spec.vocabSize).toBe(150_272);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 8,090,401,280 (the Hub’s 8.09B for Jais-2-8B-Chat)', () => {
    const c = jais8b();
    const p = paramCount(readJais2(c));
    expect(p.totalParams).toBe(jais2Tensors(c).total);
    expect(p.totalParams).toBe(8_090_401_280);
    expect((p.totalParams / 1e9).toFixed(2)).toBe('8.09');
    expect(p.embeddingParams).toBe(2 * 150_272 * 3328);
    // Two LayerNorms a layer and model.norm, each a weight and a bias.
    expect(p.breakdown.norms).toBe((32 * 2 + 1) * 2 * 3328);
    // q/k/v/o 3328 × 3328 with their biases.
    expect(p.breakdown.attention).toBe(32 * (4 * 3328 * 3328 + 4 * 3328));
    // up_proj and down_proj with biases, no gate.
    expect(p.breakdown.denseMlp).toBe(32 * (2 * 3328 * 26_624 + 26_624 + 3328));
  });

  it('KV cache: K and V of 26 heads × 128 on all 32 layers', () => {
    const spec = readJais2(jais8b());
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(32 * 2 * 26 * 128 * 2);
  });

  it('decode FLOPs: two MLP matrices of 3328 × 26624 a layer', () => {
    const f = forwardFlopsPerToken(readJais2(jais8b()), { attentionMode: 'decode', contextTokens: 8192 });
    expect(f.breakdown.denseMlp).toBe(32 * 2 * 2 * 3328 * 26_624);
    expect(f.breakdown.head).toBe(2 * 150_272 * 3328);
  });

  it('follows Jais2Config on omitted keys, and the bias flags and GQA when given', () => {
    const c = jais8b();
    for (const k of [
      'attention_bias',
      'mlp_bias',
      'hidden_act',
      'head_dim',
      'tie_word_embeddings',
      'max_position_embeddings',
    ])
      delete c[k];
    expect(readJais2(c)).toEqual(readJais2(jais8b()));
    const plain = { ...jais8b(), attention_bias: false, mlp_bias: false, num_key_value_heads: 2 };
    const spec = readJais2(plain);
    expect(spec.attention).toMatchObject({ numKvHeads: 2, qkvBias: false, outputBias: false });
    expect(spec.mlp.bias).toBe(false);
    expect(paramCount(spec).totalParams).toBe(jais2Tensors(plain).total);
  });

  it('refuses malformed fields, naming them', () => {
    const { intermediate_size: _, ...noMlp } = jais8b();
    const e = inputErrorOf(() => readJais2(noMlp));
    expect(e.message).toMatch(/'intermediate_size' is required: Jais2Config defaults it to 26624/);
    expect(e.issues[0]?.path).toEqual(['intermediate_size']);
    // Jais2Config.validate_architecture.
    expect(inputErrorOf(() => readJais2({ ...jais8b(), hidden_size: 3330 })).message).toMatch(
      /'hidden_size' \(3330\) must be divisible by 'num_attention_heads' \(26\)/,
    );
    expect(inputErrorOf(() => readJais2({ ...jais8b(), mlp_bias: 1 })).message).toMatch(
      /'mlp_bias' must be true or false, got 1/,
    );
    expect(inputErrorOf(() => readJais2({ ...jais8b(), num_key_value_heads: 4 })).message).toMatch(
      /'num_key_value_heads' \(4\) must divide num_attention_heads \(26\)/,
    );
  });
});
