/**
 * What a read of an unknown model type leaves out, said in its warning: the encoder sub-configs a
 * lookalike or a wrapper's language model does not read (hf-config.ts, lookalikes.ts ENCODER_KEYS), and
 * a lookalike that finds no experts where the config counts some is refused.
 */
import { describe, expect, it } from 'vitest';
import { TINY_DECODER_KEYS as base, hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

describe('unknown model types: what the read leaves out', () => {
  it('read an unknown wrapper through a known text_config, naming the encoders it leaves out', () => {
    const spec = specFromHfConfig(
      { model_type: 'new_vl', text_config: { ...base, model_type: 'qwen3' }, vision_config: { depth: 27 } },
      'x',
    );
    expect(spec.warnings?.[0]).toBe(
      "model_type 'new_vl' is not supported; read its text_config as 'qwen3'. Its vision_config (encoders or speech decoders) is not read: not in the parameters, nor in serving or training memory",
    );
    // A flat lookalike with encoder sub-configs says so too; a text-only one says nothing of them.
    const flat = specFromHfConfig(
      { ...base, model_type: 'new_mm', vision_config: {}, audio_config: {}, max_position_embeddings: 4096 },
      'y',
    );
    expect(flat.warnings?.at(-1)).toMatch(
      /Its vision_config, audio_config \(encoders or speech decoders\) are not read/,
    );
    const text = specFromHfConfig({ ...base, model_type: 'new_text', max_position_embeddings: 4096 }, 'z');
    expect(text.warnings?.at(-1)).not.toMatch(/encoders/);
    // A wrapper with a tower under a name not listed still says that any tower is left out.
    const ovis = specFromHfConfig(
      { model_type: 'ovis_like', llm_config: { ...base, model_type: 'qwen3' }, visual_encoder_cfg: {} },
      'w',
    );
    expect(ovis.warnings?.[0]).toMatch(
      /read its llm_config as 'qwen3'. Any vision or audio tower it holds is not read/,
    );
  });

  it("an unknown wrapper's CLIP or SigLIP vision_config counts as its tower alone, said; others stay out", () => {
    // Aya Vision 8B's shape: a cohere2 text model and a SigLIP so400m tower at 364 px (no family for aya_vision).
    const tower = {
      model_type: 'siglip_vision_model',
      hidden_size: 1152,
      intermediate_size: 4304,
      num_hidden_layers: 27,
      num_attention_heads: 16,
      image_size: 364,
      patch_size: 14,
    };
    const aya = {
      model_type: 'aya_like',
      text_config: { ...base, model_type: 'qwen3' },
      vision_config: tower,
    };
    const spec = specFromHfConfig(aya, 'aya');
    // SigLIP: patch conv with bias, 26 × 26 positions, 27 blocks (two biased LayerNorms, q/k/v/o and
    // fc1/fc2 with bias), the post-LayerNorm.
    const h = 1152;
    const block = 4 * h + 4 * h * h + 4 * h + 2 * h * 4304 + 4304 + h;
    expect(spec.vision?.params).toBe(3 * 14 * 14 * h + h + 26 * 26 * h + 27 * block + 2 * h);
    expect(spec.vision?.description).toMatch(/^SigLIP 27 × 1152, 364px, patch 14 \(projector not counted\)$/);
    expect(spec.warnings?.[0]).toMatch(
      /Its vision_config is counted as a bare SigLIP 27 × 1152, 364px, patch 14 tower \(412\.9M parameters, counted apart and in serving and training memory\); its projector is not$/,
    );
    // A flat config read as a lookalike (MiniCPM-V keeps its text keys at the top) counts it the same way.
    const flat = specFromHfConfig(
      { ...base, model_type: 'minicpmv_like', max_position_embeddings: 4096, vision_config: tower },
      'flat',
    );
    expect(flat.vision?.params).toBe(spec.vision?.params);
    expect(flat.warnings?.at(-1)).toMatch(
      /read as llama-like: .*Its vision_config is counted as a bare SigLIP/,
    );
    // Another tower type, or one whose fields do not read, is left out as before.
    for (const vision_config of [
      { ...tower, model_type: 'intern_vit' },
      { model_type: 'siglip_vision_model', hidden_size: -1 },
    ]) {
      const other = specFromHfConfig({ ...aya, vision_config }, 'o');
      expect(other.vision).toBeNull();
      expect(other.warnings?.[0]).toMatch(/Its vision_config \(encoders or speech decoders\) is not read/);
    }
  });

  it("a lookalike must find the experts the config counts: Sarvam-105B's keys read as Sarvam, a config whose experts the lookalike names otherwise is refused", () => {
    const sarvam = { ...hfFixture('hand-built/sarvam-105b'), model_type: 'sarvam_derivative' };
    const spec = specFromHfConfig(sarvam, 'derived');
    expect(paramCount(spec).totalParams).toBe(106_031_767_424);
    expect(spec.warnings?.at(-1)).toMatch(/read as sarvam_mla-like/);
    // DeepSeek-V3's keys with the experts under Qwen's name: read as deepseek_v3 it would be dense.
    const mixed = {
      ...base,
      model_type: 'mla_mystery',
      kv_lora_rank: 32,
      q_lora_rank: null,
      qk_rope_head_dim: 8,
      qk_nope_head_dim: 16,
      v_head_dim: 16,
      num_experts: 8,
      num_experts_per_tok: 2,
      moe_intermediate_size: 32,
    };
    const error = inputErrorOf(() => specFromHfConfig(mixed, 'm'));
    expect(error.issues[0]?.path).toEqual(['num_experts']);
    expect(error.message).toMatch(
      /'num_experts' \(8\) signals mixture-of-experts, but read as deepseek_v3 it has none/,
    );
  });

  it("a key the lookalike's family reads may place no experts: a dense Nemotron-H derivative carrying NemotronHConfig's n_routed_experts default still reads", () => {
    const dense = {
      ...hfFixture('nemotron-h-56b-base-8k'),
      model_type: 'my_nemotron_h_ft',
      n_routed_experts: 8,
      n_shared_experts: 1,
      moe_intermediate_size: 7688,
      num_experts_per_tok: 2,
    };
    const spec = specFromHfConfig(dense, 'ft');
    expect(spec.moe).toBeNull();
    expect(paramCount(spec).totalParams).toBe(56_324_350_464);
  });
});
