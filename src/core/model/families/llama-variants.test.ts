/**
 * Arcee AFM, EXAONE 3.x, Ling (Bailing MoE) and the Qwen2-VL wrappers with their ViTs (llama-variants.ts, index.ts, vision.ts):
 * released shapes counted tensor by tensor and against the model cards.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

const LLAMA_LIKE = {
  hidden_size: 2560,
  intermediate_size: 18_432,
  max_position_embeddings: 65_536,
  num_attention_heads: 20,
  num_hidden_layers: 36,
  num_key_value_heads: 4,
  vocab_size: 128_004,
  tie_word_embeddings: false,
};

describe('Llama variants', () => {
  it('Arcee AFM-4.5B: an ungated ReLU² MLP (up and down only)', () => {
    const spec = specFromHfConfig({ ...LLAMA_LIKE, model_type: 'arcee', hidden_act: 'relu2' }, 'afm');
    const h = 2560;
    const layer = 2 * h * h + 2 * h * 512 + 2 * h * 18_432 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(36 * layer + 2 * 128_004 * h + h);
    // arcee-ai/AFM-4.5B: 4.62B parameters (read as llama-like, a gated MLP made it 6.32B).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(4.62, 2);
    expect(spec.mlp.gated).toBe(false);
  });
  it('EXAONE 3.5 7.8B: Llama under num_layers', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'exaone',
        hidden_size: 4096,
        intermediate_size: 14_336,
        max_position_embeddings: 32_768,
        num_attention_heads: 32,
        num_layers: 32,
        num_key_value_heads: 8,
        vocab_size: 102_400,
        tie_word_embeddings: false,
      },
      'exaone',
    );
    // LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct: 7.82B (it was refused: no num_hidden_layers).
    expect(paramCount(spec).totalParams / 1e9).toBeCloseTo(7.82, 2);
    expect(spec.numLayers).toBe(32);
  });
  it('Ling-lite (bailing_moe): two shared experts beside 64 routed ones', () => {
    const ling = {
      model_type: 'bailing_moe',
      hidden_size: 2048,
      intermediate_size: 5632,
      moe_intermediate_size: 1408,
      num_experts: 64,
      num_shared_experts: 2,
      num_experts_per_tok: 6,
      max_position_embeddings: 16_384,
      num_attention_heads: 16,
      num_hidden_layers: 28,
      num_key_value_heads: 4,
      vocab_size: 126_464,
      first_k_dense_replace: 0,
      tie_word_embeddings: false,
    };
    const spec = specFromHfConfig(ling, 'ling-lite');
    const p = paramCount(spec);
    expect(p.breakdown.sharedExperts).toBe(28 * 2 * 3 * 2048 * 1408);
    // inclusionAI/Ling-lite: 16.8B total, 2.75B activated (read as qwen3_moe-like: 16.3B / 2.27B).
    expect(p.totalParams / 1e9).toBeCloseTo(16.8, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(2.75, 2);
    // An unknown type with the same keys keeps its shared experts (bailing_moe_v2 has its own reader).
    const v2 = specFromHfConfig({ ...ling, model_type: 'bailing_moe_lookalike' }, 'ling-2');
    expect(v2.warnings?.join(' ')).toMatch(/read as bailing_moe-like/);
    expect(paramCount(v2).breakdown.sharedExperts).toBe(p.breakdown.sharedExperts);
  });
  it('GLM-4-9B and ChatGLM3-6B (chatglm): Megatron key names, two KV groups, q/k/v bias', () => {
    const glm4 = {
      model_type: 'chatglm',
      add_bias_linear: false,
      add_qkv_bias: true,
      ffn_hidden_size: 13_696,
      hidden_size: 4096,
      kv_channels: 128,
      multi_query_attention: true,
      multi_query_group_num: 2,
      num_attention_heads: 32,
      num_layers: 40,
      padded_vocab_size: 151_552,
      rmsnorm: true,
      seq_length: 131_072,
    };
    // Per layer: query_key_value 4096 → 4096 + 2·2·128 with bias, dense, SwiGLU of 13,696, two RMSNorms.
    const layer = 4096 * 4608 + 4608 + 4096 * 4096 + 3 * 4096 * 13_696 + 2 * 4096;
    const p = paramCount(specFromHfConfig(glm4, 'glm-4-9b'));
    expect(p.totalParams).toBe(40 * layer + 2 * 151_552 * 4096 + 4096);
    // THUDM/glm-4-9b: 9.4B; THUDM/chatglm3-6b: 6.24B (it was refused: no num_hidden_layers).
    expect(p.totalParams / 1e9).toBeCloseTo(9.4, 1);
    const glm3 = paramCount(specFromHfConfig({ ...glm4, num_layers: 28, padded_vocab_size: 65_024 }, 'c3'));
    expect(glm3.totalParams / 1e9).toBeCloseTo(6.24, 2);
  });
  it('InternLM2.5-7B, also as the llm_config of an InternVL wrapper', () => {
    const internlm = {
      model_type: 'internlm2',
      bias: false,
      hidden_size: 4096,
      intermediate_size: 14_336,
      max_position_embeddings: 32_768,
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      vocab_size: 92_544,
      tie_word_embeddings: false,
    };
    const p = paramCount(specFromHfConfig(internlm, 'internlm2.5-7b'));
    // internlm/internlm2_5-7b: 7.74B.
    expect(p.totalParams / 1e9).toBeCloseTo(7.74, 2);
    const wrapped = specFromHfConfig(
      { model_type: 'internvl_chat', llm_config: internlm, vision_config: { hidden_size: 1024 } },
      'internvl',
    );
    expect(paramCount(wrapped).totalParams).toBe(p.totalParams);
    // internvl_chat is read as InternVL (internvl.ts): its ViT, at InternVisionConfig's defaults for
    // the keys the vision_config leaves out, counted apart.
    expect(wrapped.vision?.description).toMatch(/^InternViT 48 × 1024/);
  });
  it('Qwen2.5-VL and Qwen2-VL: the Qwen2 text model (q/k/v bias) from the top level or text_config, the ViT counted apart', () => {
    const text = {
      hidden_size: 3584,
      intermediate_size: 18_944,
      max_position_embeddings: 128_000,
      num_attention_heads: 28,
      num_hidden_layers: 28,
      num_key_value_heads: 4,
      vocab_size: 152_064,
      tie_word_embeddings: false,
    };
    // Qwen/Qwen2.5-VL-7B-Instruct's vision_config (window attention has no parameters of its own).
    const vision25 = {
      depth: 32,
      hidden_size: 1280,
      intermediate_size: 3420,
      num_heads: 16,
      in_chans: 3,
      out_hidden_size: 3584,
      patch_size: 14,
      spatial_merge_size: 2,
      temporal_patch_size: 2,
      window_size: 112,
      fullatt_block_indexes: [7, 15, 23, 31],
    };
    const top = specFromHfConfig(
      { ...text, model_type: 'qwen2_5_vl', vision_config: vision25 },
      'qwen2.5-vl',
    );
    const nested = specFromHfConfig(
      {
        model_type: 'qwen2_5_vl',
        text_config: { ...text, model_type: 'qwen2_5_vl_text' },
        vision_config: vision25,
      },
      'qwen2.5-vl',
    );
    const qwen2 = paramCount(specFromHfConfig({ ...text, model_type: 'qwen2' }, 'qwen2')).totalParams;
    expect(paramCount(top).totalParams).toBe(qwen2);
    expect(paramCount(nested).totalParams).toBe(qwen2);
    expect(top.attention).toMatchObject({ qkvBias: true, outputBias: false });
    expect(top.warnings ?? []).toHaveLength(0);
    // Conv3d 3·2·14²·1280, 32 blocks of RMSNorms, qkv/proj and a SwiGLU MLP with biases, the merger:
    // 676.55M; with the 7.62B text model the checkpoint's 8,292,166,656 (the card's 8.29B).
    expect(paramCount(top).visionParams).toBe(676_550_144);
    expect(qwen2 + 676_550_144).toBe(8_292_166_656);
    // Qwen2-VL-7B: LayerNorms and an fc1/fc2 MLP of 4 × 1280: the paper's 675M ViT (Wang et al. 2024, Table 1).
    const v2 = specFromHfConfig(
      {
        ...text,
        model_type: 'qwen2_vl',
        vision_config: {
          depth: 32,
          embed_dim: 1280,
          mlp_ratio: 4,
          num_heads: 16,
          in_chans: 3,
          hidden_size: 3584,
        },
      },
      'qwen2-vl',
    );
    expect(paramCount(v2).visionParams).toBe(675_759_104);
    expect(v2.vision?.description).toMatch(/^Qwen2-VL ViT 32 × 1280/);
  });

  it('Baichuan 2 13B: fused W_pack, untied head, context from model_max_length (ALiBi): 13,896,668,160', () => {
    const spec = specFromHfConfig(hfFixture('hand-built/baichuan2-13b'), 'baichuan2-13b');
    const h = 5120;
    expect(paramCount(spec).totalParams).toBe(
      40 * (4 * h * h + 3 * h * 13_696 + 2 * h) + 2 * 125_696 * h + h,
    );
    expect(paramCount(spec).totalParams).toBe(13_896_668_160);
    expect(spec.maxContextTokens).toBe(4096);
    expect(spec.attention).toMatchObject({ fusedQkv: true, qkvBias: false });
  });
});
