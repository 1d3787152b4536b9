/**
 * The 2023–24 families (classic.ts): released shapes counted against tensor-by-tensor sums written
 * from each modelling file and against the published totals.
 */
import { describe, expect, it } from 'vitest';
import { modelFlops, request } from '../../../../test/operation-setup.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';

const QWEN15_MOE = {
  model_type: 'qwen2_moe',
  hidden_size: 2048,
  intermediate_size: 5632,
  max_position_embeddings: 8192,
  num_attention_heads: 16,
  num_hidden_layers: 24,
  num_key_value_heads: 16,
  tie_word_embeddings: false,
  vocab_size: 151_936,
  decoder_sparse_step: 1,
  moe_intermediate_size: 1408,
  shared_expert_intermediate_size: 5632,
  num_experts_per_tok: 4,
  num_experts: 60,
  use_sliding_window: false,
};

describe('2023–24 families', () => {
  it('Qwen1.5-MoE-A2.7B and Qwen2-57B-A14B: routed experts, one sigmoid-gated shared expert, q/k/v bias', () => {
    // Per layer: q/k/v/o (bias on q, k, v), 60 experts and the shared expert (3 matrices each), the
    // router (h → 60) and the shared expert's gate (h → 1), two RMSNorms; untied embeddings, final norm.
    const h = 2048;
    const attention = 4 * h * h + 3 * h;
    const routed = 60 * 3 * h * 1408;
    const layer = attention + routed + 3 * h * 5632 + 60 * h + h + 2 * h;
    const total = 24 * layer + 2 * 151_936 * h + h;
    const inactive = 24 * (60 - 4) * 3 * h * 1408;
    const p = paramCount(specFromHfConfig(QWEN15_MOE, 'qwen1.5-moe'));
    expect(p.totalParams).toBe(total);
    expect(p.activeParams).toBe(total - inactive);
    // Model card: 14.3B in total, 2.7B activated.
    expect(p.totalParams / 1e9).toBeCloseTo(14.3, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(2.7, 1);
    const big = paramCount(
      specFromHfConfig(
        {
          ...QWEN15_MOE,
          hidden_size: 3584,
          intermediate_size: 18_944,
          num_attention_heads: 28,
          num_hidden_layers: 28,
          num_key_value_heads: 4,
          moe_intermediate_size: 2560,
          shared_expert_intermediate_size: 20_480,
          num_experts_per_tok: 8,
          num_experts: 64,
        },
        'qwen2-57b-a14b',
      ),
    );
    // Qwen2 technical report, Table 1: 57B total (the card: 57.41B), 14B activated.
    expect(big.totalParams / 1e9).toBeCloseTo(57.41, 2);
    expect(big.activeParams / 1e9).toBeCloseTo(14, 0);
    expect(big.breakdown.sharedExperts).toBe(28 * (3 * 3584 * 20_480 + 3584));
  });
  it('OLMoE-1B-7B: every layer 64 experts of intermediate_size, q/k RMSNorms over all heads', () => {
    const h = 2048;
    const spec = specFromHfConfig(
      {
        model_type: 'olmoe',
        hidden_size: h,
        intermediate_size: 1024,
        max_position_embeddings: 4096,
        num_attention_heads: 16,
        num_experts: 64,
        num_experts_per_tok: 8,
        num_hidden_layers: 16,
        num_key_value_heads: 16,
        tie_word_embeddings: false,
        vocab_size: 50_304,
      },
      'olmoe',
    );
    const layer = 4 * h * h + 2 * h + 64 * 3 * h * 1024 + 64 * h + 2 * h;
    const total = 16 * layer + 2 * 50_304 * h + h;
    const p = paramCount(spec);
    expect(p.totalParams).toBe(total);
    expect(p.activeParams).toBe(total - 16 * 56 * 3 * h * 1024);
    // OLMoE paper (Muennighoff et al. 2024): 6.9B total, 1.3B active.
    expect(p.totalParams / 1e9).toBeCloseTo(6.9, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(1.3, 1);
    expect(spec.layers.every((l) => l.mlp === 'moe')).toBe(true);
  });
  it('Pythia-6.9B (gpt_neox): biased attention and plain GELU MLP, LayerNorms — exactly the published count', () => {
    const p = paramCount(
      specFromHfConfig(
        {
          model_type: 'gpt_neox',
          hidden_size: 4096,
          intermediate_size: 16_384,
          max_position_embeddings: 2048,
          num_attention_heads: 32,
          num_hidden_layers: 32,
          rotary_pct: 0.25,
          tie_word_embeddings: false,
          use_parallel_residual: true,
          vocab_size: 50_432,
        },
        'pythia-6.9b',
      ),
    );
    // EleutherAI/pythia model card: 6,857,302,016 parameters.
    expect(p.totalParams).toBe(6_857_302_016);
  });
  it('Phi-2: one LayerNorm per layer, biases everywhere; the published count less the lm_head bias', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'phi',
        hidden_size: 2560,
        intermediate_size: 10_240,
        max_position_embeddings: 2048,
        num_attention_heads: 32,
        num_hidden_layers: 32,
        partial_rotary_factor: 0.4,
        tie_word_embeddings: false,
        vocab_size: 51_200,
      },
      'phi-2',
    );
    // microsoft/phi-2 state dict: 2,779,683,840 with the lm_head's 51,200-element bias.
    expect(paramCount(spec).totalParams).toBe(2_779_683_840);
    expect(paramCount(spec).breakdown.head).toBe(51_200 * 2560 + 51_200);
    // Written as an llmecon spec, headBias counts the same vocabulary-sized vector.
    const input = {
      name: 'bias-by-hand',
      vocabSize: 51_200,
      hiddenSize: 2560,
      numLayers: 2,
      maxContextTokens: 2048,
      attention: { kind: 'gqa', numHeads: 32, numKvHeads: 32, headDim: 80 },
      mlp: { intermediateSize: 10_240 },
    };
    const withBias = paramCount(specFromInput({ ...input, headBias: true })).totalParams;
    expect(withBias - paramCount(specFromInput(input)).totalParams).toBe(51_200);
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 1 });
    expect(spec.mlp.gated).toBe(false);
  });
  it('StarCoder2-15B: biased GQA and GELU MLP, sliding window on every layer', () => {
    const h = 6144;
    const spec = specFromHfConfig(
      {
        model_type: 'starcoder2',
        hidden_size: h,
        intermediate_size: 24_576,
        max_position_embeddings: 16_384,
        num_attention_heads: 48,
        num_hidden_layers: 40,
        num_key_value_heads: 4,
        sliding_window: 4096,
        use_bias: true,
        tie_word_embeddings: false,
        vocab_size: 49_152,
      },
      'starcoder2-15b',
    );
    const kv = 4 * 128;
    const layer =
      h * h + h + 2 * (h * kv + kv) + h * h + h + (h * 24_576 + 24_576) + (24_576 * h + h) + 2 * 2 * h;
    expect(paramCount(spec).totalParams).toBe(40 * layer + 2 * 49_152 * h + 2 * h);
    // The 15B of the StarCoder2 paper (Lozhkov et al. 2024).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(16, 0);
    expect(spec.slidingWindow).toBe(4096);
  });
  it('Gemma 1 7B and Command R: embeddings tied by their classes when the config omits the key', () => {
    const gemma = paramCount(
      specFromHfConfig(
        {
          model_type: 'gemma',
          head_dim: 256,
          hidden_size: 3072,
          intermediate_size: 24_576,
          max_position_embeddings: 8192,
          num_attention_heads: 16,
          num_hidden_layers: 28,
          num_key_value_heads: 16,
          vocab_size: 256_000,
        },
        'gemma-7b',
      ),
    );
    // q/k/v 3072 → 16·256 and o back, GeGLU 3 × 3072 × 24,576, two RMSNorms; one 256K × 3072 embedding.
    const gemmaLayer = 4 * 3072 * 4096 + 3 * 3072 * 24_576 + 2 * 3072;
    expect(gemma.totalParams).toBe(28 * gemmaLayer + 256_000 * 3072 + 3072);
    // google/gemma-7b model card: 8.54B.
    expect(gemma.totalParams / 1e9).toBeCloseTo(8.54, 2);
    const commandR = {
      model_type: 'cohere',
      hidden_size: 8192,
      intermediate_size: 22_528,
      max_position_embeddings: 8192,
      num_attention_heads: 64,
      num_hidden_layers: 40,
      num_key_value_heads: 64,
      vocab_size: 256_000,
    };
    const r = specFromHfConfig(commandR, 'command-r');
    // One LayerNorm per layer (weight only), parallel attention and SwiGLU MLP.
    const layer = 4 * 8192 * 8192 + 3 * 8192 * 22_528 + 8192;
    expect(paramCount(r).totalParams).toBe(40 * layer + 256_000 * 8192 + 8192);
    // CohereForAI/c4ai-command-r-v01: 35B.
    expect(paramCount(r).totalParams / 1e9).toBeCloseTo(35, 0);
    // Command R+ normalises q and k with a weight per head and element.
    const plus = specFromHfConfig({ ...commandR, use_qk_norm: true }, 'command-r-plus');
    expect(paramCount(plus).totalParams - paramCount(r).totalParams).toBe(40 * (64 + 64) * 128);
    const r7b = specFromHfConfig(
      { ...commandR, model_type: 'cohere2', num_hidden_layers: 8, sliding_window: 4096 },
      'cohere2',
    );
    // Cohere2: three sliding layers to one global (sliding_window_pattern 4).
    expect(r7b.layers.map((l) => l.attention)).toEqual([
      ...['sliding', 'sliding', 'sliding', 'full'],
      ...['sliding', 'sliding', 'sliding', 'full'],
    ]);
    expect(r7b.slidingWindow).toBe(4096);
  });
  it('their operation lists carry the FLOPs per token (TP 2, EP 2 where MoE)', () => {
    const specs = [
      specFromHfConfig(QWEN15_MOE, 'qwen1.5-moe'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'olmoe', intermediate_size: 1408 }, 'olmoe'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'gpt_neox' }, 'neox'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'phi' }, 'phi'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'starcoder2', sliding_window: 1024 }, 'sc2'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'cohere2', sliding_window: 1024 }, 'cohere2'),
      specFromHfConfig({ ...QWEN15_MOE, model_type: 'gemma' }, 'gemma'),
    ];
    for (const spec of specs) {
      const r = request({ tp: 2, ep: spec.moe ? 2 : 1 });
      const perGpu = modelFlops(spec, r);
      const tokens = r.shape.sequences * r.shape.tokensPerSequence;
      const perToken = forwardFlopsPerToken(spec, {
        attentionMode: 'causal',
        contextTokens: r.shape.contextTokens,
      }).flopsPerToken;
      expect((perGpu.sharded * 2 + perGpu.replicated) / (tokens * perToken), spec.modelType).toBeCloseTo(
        1,
        9,
      );
    }
  });
  it('an unknown model_type with a Qwen2-MoE shared expert is read as qwen2_moe-like, not without it', () => {
    const spec = specFromHfConfig({ ...QWEN15_MOE, model_type: 'my_qwen_moe' }, 'x');
    expect(spec.warnings?.join(' ')).toMatch(/read as qwen2_moe-like/);
    expect(paramCount(spec).totalParams).toBe(
      paramCount(specFromHfConfig(QWEN15_MOE, 'qwen1.5-moe')).totalParams,
    );
  });

  it('Nemotron-4-340B: ungated squared-ReLU MLP, LayerNorm1P with bias, untied: 341.0B (a SwiGLU read gave 450B)', () => {
    const nemotron = {
      model_type: 'nemotron',
      hidden_size: 18_432,
      intermediate_size: 73_728,
      num_hidden_layers: 96,
      num_attention_heads: 96,
      num_key_value_heads: 8,
      head_dim: 192,
      vocab_size: 256_000,
      max_position_embeddings: 4096,
      tie_word_embeddings: false,
    };
    const spec = specFromHfConfig(nemotron, 'nemotron-4-340b');
    const h = 18_432;
    const layer = h * 96 * 192 + 2 * h * 8 * 192 + 96 * 192 * h + 2 * h * 73_728 + 2 * 2 * h;
    expect(paramCount(spec).totalParams).toBe(96 * layer + 2 * 256_000 * h + 2 * h);
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(341.0, 1);
    expect(spec.activation).toBe('relu2');
  });

  it('an unknown model_type with shared experts is not read as a lookalike without them', () => {
    // GraniteMoeShared's keys: Mixtral's plus shared_intermediate_size.
    const shared = { ...QWEN15_MOE, model_type: 'granitemoeshared_like', num_local_experts: 8 };
    const {
      num_experts: _e,
      moe_intermediate_size: _m,
      shared_expert_intermediate_size: _s,
      ...mixtralKeys
    } = shared;
    expect(() => specFromHfConfig({ ...mixtralKeys, shared_intermediate_size: 1024 }, 'x')).toThrowError(
      /'shared_intermediate_size' signals shared experts beside the routed ones/,
    );
    // A layer_types list naming non-attention layers (LFM2-MoE's "conv") is not read as qwen3_moe.
    const { shared_expert_intermediate_size: _t, ...qwen3MoeKeys } = QWEN15_MOE;
    expect(() =>
      specFromHfConfig(
        { ...qwen3MoeKeys, model_type: 'lfm2_moe_like', layer_types: Array(24).fill('conv') },
        'x',
      ),
    ).toThrowError(/^layer_types: .*signals state-space or recurrent layers/);
  });
});
