/**
 * Families read through another's layer (index.ts): Qwen v1 (`qwen`), Granite (`granite`, as
 * Llama), GraniteMoE (`granitemoe`, as Mixtral), dense ERNIE 4.5 (`ernie4_5`), dense Hunyuan
 * (`hunyuan_v1_dense`), StableLM (`stablelm`), GPTBigCode (`gpt_bigcode`, as GPT-2), GLM (`glm`),
 * PhiMoE (`phimoe`), MiniCPM (`minicpm`) and OLMo 1 (`olmo`). Released shapes counted tensor by tensor and against the model cards.
 */
import { describe, expect, it } from 'vitest';
import { qwen7bV1 } from '../../../../test/fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

/** Qwen/Qwen-7B config.json (2023): the keys QWenLMHeadModel reads. */
const QWEN_7B = {
  model_type: 'qwen',
  hidden_size: 4096,
  intermediate_size: 22_016,
  kv_channels: 128,
  max_position_embeddings: 32_768,
  seq_length: 8192,
  no_bias: true,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  tie_word_embeddings: false,
  vocab_size: 151_936,
};

describe("families read as another family's layer", () => {
  it('Qwen v1: fused c_attn with bias, w1 and w2 each half of intermediate_size, untied head', () => {
    const spec = specFromHfConfig(QWEN_7B, 'qwen-7b');
    const h = 4096;
    const layer = h * 3 * h + 3 * h + h * h + 3 * h * 11_008 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(32 * layer + 2 * 151_936 * h + h);
    // Qwen-7B: 7.72B (the model card's 7.7B); the same count as the fine-tuning profile's llmecon spec.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(7.72, 2);
    expect(paramCount(spec).totalParams).toBe(paramCount(qwen7bV1).totalParams);
    expect(() => specFromHfConfig({ ...QWEN_7B, intermediate_size: 22_015 }, 'odd')).toThrowError(
      /intermediate_size.*must be even/,
    );
  });
  it('Granite 3.1 8B reads as Llama (its multipliers are scalars, no parameters)', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'granite',
        hidden_size: 4096,
        intermediate_size: 12_800,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        num_hidden_layers: 40,
        vocab_size: 49_155,
        max_position_embeddings: 131_072,
        tie_word_embeddings: true,
        attention_multiplier: 0.0078125,
        embedding_multiplier: 12,
        residual_multiplier: 0.22,
        logits_scaling: 16,
      },
      'granite',
    );
    const h = 4096;
    const layer = 2 * h * h + 2 * h * 1024 + 3 * h * 12_800 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(40 * layer + 49_155 * h + h);
    // ibm-granite/granite-3.1-8b-instruct: 8.17B.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(8.17, 2);
  });
  it('GraniteMoE 3.0 1B-A400M reads as Mixtral: 32 experts of 512, top 8', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'granitemoe',
        hidden_size: 1024,
        intermediate_size: 512,
        num_attention_heads: 16,
        num_key_value_heads: 8,
        num_hidden_layers: 24,
        num_local_experts: 32,
        num_experts_per_tok: 8,
        vocab_size: 49_155,
        max_position_embeddings: 4096,
        tie_word_embeddings: true,
      },
      'granitemoe',
    );
    const c = paramCount(spec);
    // ibm-granite/granite-3.0-1b-a400m-instruct: 1.33B total, 400M active (its name).
    expect(c.totalParams / 1e9).toBeCloseTo(1.335, 3);
    expect(c.activeParams / 1e6).toBeGreaterThan(400);
    expect(c.activeParams / 1e6).toBeLessThan(440);
  });
  it('ERNIE 4.5 0.3B: the dense layer, embeddings tied by default', () => {
    const config = {
      model_type: 'ernie4_5',
      hidden_size: 1024,
      intermediate_size: 3072,
      head_dim: 128,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      num_hidden_layers: 18,
      vocab_size: 103_424,
      max_position_embeddings: 131_072,
      use_bias: false,
    };
    const spec = specFromHfConfig(config, 'ernie');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.moe).toBeNull();
    const h = 1024;
    const layer = h * 2048 + 2 * h * 256 + 2048 * h + 3 * h * 3072 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(18 * layer + 103_424 * h + h);
    // baidu/ERNIE-4.5-0.3B-PT: 0.36B.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(0.36, 2);
    expect(specFromHfConfig({ ...config, tie_word_embeddings: false }, 'e').tieWordEmbeddings).toBe(false);
  });
  it('Hunyuan 7B dense: per-head q/k RMSNorms and a Llama MLP on every layer', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'hunyuan_v1_dense',
        hidden_size: 4096,
        intermediate_size: 14_336,
        head_dim: 128,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        num_hidden_layers: 32,
        vocab_size: 128_167,
        max_position_embeddings: 262_144,
        tie_word_embeddings: true,
        attention_bias: false,
        mlp_bias: false,
      },
      'hunyuan',
    );
    expect(spec.moe).toBeNull();
    const h = 4096;
    const layer = 2 * h * h + 2 * h * 1024 + 3 * h * 14_336 + 2 * h + 2 * 128;
    expect(paramCount(spec).totalParams).toBe(32 * layer + 128_167 * h + h);
    // tencent/Hunyuan-7B-Instruct: 7.5B.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(7.5, 1);
  });
  it('StableLM 2 1.6B: LayerNorms with bias, q/k/v bias, a SwiGLU MLP', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'stablelm',
        hidden_size: 2048,
        intermediate_size: 5632,
        num_attention_heads: 32,
        num_key_value_heads: 32,
        num_hidden_layers: 24,
        vocab_size: 100_352,
        max_position_embeddings: 4096,
        use_qkv_bias: true,
        qk_layernorm: false,
        partial_rotary_factor: 0.25,
        tie_word_embeddings: false,
      },
      'stablelm',
    );
    const h = 2048;
    const layer = 4 * h * h + 3 * h + 3 * h * 5632 + 2 * 2 * h;
    expect(paramCount(spec).totalParams).toBe(24 * layer + 2 * 100_352 * h + 2 * h);
    // stabilityai/stablelm-2-1_6b: 1.64B.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(1.64, 2);
  });
  it('StarCoderBase (gpt_bigcode): GPT-2 blocks with one K/V head, learned positions, tied head', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'gpt_bigcode',
        n_embd: 6144,
        n_head: 48,
        n_layer: 40,
        n_positions: 8192,
        n_inner: 24_576,
        vocab_size: 49_152,
        multi_query: true,
      },
      'starcoder',
    );
    expect(spec.attention).toMatchObject({ numHeads: 48, numKvHeads: 1 });
    // bigcode/starcoderbase: 15,517,456,384 (the card's 15.5B), tensor by tensor.
    expect(paramCount(spec).totalParams).toBe(15_517_456_384);
    const mha = specFromHfConfig(
      {
        model_type: 'gpt_bigcode',
        n_embd: 6144,
        n_head: 48,
        n_layer: 40,
        n_positions: 8192,
        vocab_size: 49_152,
        multi_query: false,
      },
      'mha',
    );
    expect(mha.attention).toMatchObject({ numKvHeads: 48 });
  });
  it('GLM-4-9B in transformers format (glm): q/k/v bias, fused gate_up, two RMSNorms', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'glm',
        hidden_size: 4096,
        intermediate_size: 13_696,
        num_attention_heads: 32,
        num_key_value_heads: 2,
        num_hidden_layers: 40,
        head_dim: 128,
        vocab_size: 151_552,
        max_position_embeddings: 131_072,
        partial_rotary_factor: 0.5,
        tie_word_embeddings: false,
      },
      'glm',
    );
    const h = 4096;
    const layer = h * h + 2 * h * 256 + (h + 512) + h * h + 3 * h * 13_696 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(40 * layer + 2 * 151_552 * h + h);
    // THUDM/glm-4-9b-hf: 9.40B, as the chatglm-format GLM-4-9B.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(9.4, 2);
  });
  it("Phi-3.5-MoE (phimoe): Mixtral's block with attention bias and LayerNorms, 16 experts top-2", () => {
    const phimoe = {
      model_type: 'phimoe',
      hidden_size: 4096,
      intermediate_size: 6400,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_hidden_layers: 32,
      num_local_experts: 16,
      num_experts_per_tok: 2,
      vocab_size: 32_064,
      max_position_embeddings: 131_072,
      sliding_window: 131_072,
      attention_bias: true,
      tie_word_embeddings: false,
    };
    const spec = specFromHfConfig(phimoe, 'phimoe');
    const c = paramCount(spec);
    // microsoft/Phi-3.5-MoE-instruct: 41.9B total, 6.6B active (the card).
    expect(c.totalParams / 1e9).toBeCloseTo(41.87, 2);
    expect(c.activeParams / 1e9).toBeCloseTo(6.64, 2);
    // The release sets lm_head_bias: PhimoeForCausalLM's lm_head then holds a vocabulary-sized bias.
    const biased = paramCount(specFromHfConfig({ ...phimoe, lm_head_bias: true }, 'phimoe'));
    expect(biased.totalParams - c.totalParams).toBe(32_064);
  });
  const minicpm2b = {
    model_type: 'minicpm',
    hidden_size: 2304,
    intermediate_size: 5760,
    num_attention_heads: 36,
    num_key_value_heads: 36,
    num_hidden_layers: 40,
    vocab_size: 122_753,
    max_position_embeddings: 4096,
    scale_emb: 12,
    dim_model_base: 256,
    scale_depth: 1.4,
  };
  it("MiniCPM-2B: Llama's layer, embeddings tied by default", () => {
    const spec = specFromHfConfig(minicpm2b, 'minicpm');
    expect(spec.tieWordEmbeddings).toBe(true);
    const h = 2304;
    expect(paramCount(spec).totalParams).toBe(40 * (4 * h * h + 3 * h * 5760 + 2 * h) + 122_753 * h + h);
    // openbmb/MiniCPM-2B: 2.4B without embeddings, 2.7B with them.
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(2.72, 2);
  });
  it('MiniCPM-MoE-8x2B (num_experts 8, top 2): 13.87B total, 4.32B active (the card: 13.6B / 4B)', () => {
    // openbmb/MiniCPM-MoE-8x2B, as mlc-llm's model_preset.py carries it: MiniCPM-2B's decoder with every
    // layer MiniCPMMoE (vLLM minicpm.py): a bias-free 2304 → 8 router and 8 gated experts of 5,760, top-2.
    const config = { ...minicpm2b, num_experts: 8, num_experts_per_tok: 2 };
    const h = 2304;
    const expert = 3 * h * 5760;
    const common = 4 * h * h + 8 * h + 2 * h; // q, k, v, o; router; two RMSNorms
    const p = paramCount(specFromHfConfig(config, 'm'));
    expect(p.totalParams).toBe(122_753 * h + h + 40 * (common + 8 * expert));
    expect(p.activeParams).toBe(122_753 * h + h + 40 * (common + 2 * expert));
    // Without num_experts (or with 0 or 1) MiniCPM is the dense 2B decoder.
    const { num_experts: _, ...dense } = config;
    expect(specFromHfConfig(dense, 'm').moe).toBeNull();
    expect(specFromHfConfig({ ...config, num_experts: 1 }, 'm').moe).toBeNull();
  });
  it("OLMo 1 7B: Llama's layer with parameter-free LayerNorms", () => {
    const spec = specFromHfConfig(
      {
        model_type: 'olmo',
        hidden_size: 4096,
        intermediate_size: 11_008,
        num_attention_heads: 32,
        num_key_value_heads: 32,
        num_hidden_layers: 32,
        vocab_size: 50_304,
        max_position_embeddings: 2048,
        clip_qkv: null,
        tie_word_embeddings: false,
      },
      'olmo',
    );
    const h = 4096;
    expect(paramCount(spec).totalParams).toBe(32 * (4 * h * h + 3 * h * 11_008) + 2 * 50_304 * h);
    // allenai/OLMo-7B-hf: 6.89B (no norm weights).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(6.89, 2);
  });
});
