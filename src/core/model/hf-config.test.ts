import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../test/input-error.js';
import { InputError } from '../errors.js';
import { SUPPORTED_MODEL_TYPES, specFromHfConfig } from './hf-config.js';
import { kvCacheBytes } from './kv-cache.js';
import { paramCount } from './param-count.js';

const base = {
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  vocab_size: 100,
  max_position_embeddings: 256,
};

describe('specFromHfConfig: per-type layouts', () => {
  it('supports the 16 original model types', () => {
    for (const t of [
      'llama',
      'mistral',
      'mixtral',
      'qwen2',
      'qwen3',
      'qwen3_moe',
      'gemma2',
      'phi3',
      'olmo2',
      'gpt2',
      'falcon',
      'deepseek_v2',
      'deepseek_v3',
      'kimi_k2',
      'glm4_moe',
      'gpt_oss',
    ]) {
      expect(SUPPORTED_MODEL_TYPES).toContain(t);
    }
  });

  it('qwen3: per-head q/k norms and head_dim default 128', () => {
    const spec = specFromHfConfig({ ...base, model_type: 'qwen3', num_key_value_heads: 2 }, 'q3');
    expect(spec.attention).toMatchObject({ kind: 'gqa', headDim: 128, qkNorm: 'per-head' });
    // q 64×512, k/v 64×256 each, o 512×64, q/k norms 2×128, 2 layer norms 2×64
    const attention = 64 * 512 + 2 * 64 * 256 + 512 * 64 + 2 * 128;
    const layer = attention + 3 * 64 * 128 + 2 * 64;
    expect(paramCount(spec).totalParams).toBe(2 * layer + 2 * 100 * 64 + 64);
  });

  it('gemma2 ties embeddings by default and alternates sliding layers', () => {
    const spec = specFromHfConfig({ ...base, model_type: 'gemma2', head_dim: 16 }, 'g2');
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.layers.map((l) => l.attention)).toEqual(['sliding', 'full']);
    expect(spec.norm.perLayer).toBe(4);
  });

  it('falcon: old architecture is multi-query with one norm when attention is parallel', () => {
    const spec = specFromHfConfig({ ...base, model_type: 'falcon' }, 'f7');
    expect(spec.attention).toMatchObject({ numKvHeads: 1 });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 1 });
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe(2 * 1 * 16 * 2 * 2);
  });

  it('qwen2 ignores sliding_window unless use_sliding_window', () => {
    expect(
      specFromHfConfig({ ...base, model_type: 'qwen2', sliding_window: 32 }, 'q').slidingWindow,
    ).toBeNull();
    const sliding = specFromHfConfig(
      { ...base, model_type: 'qwen2', sliding_window: 32, use_sliding_window: true, max_window_layers: 1 },
      'q',
    );
    expect(sliding.layers.map((l) => l.attention)).toEqual(['full', 'sliding']);
  });

  it('deepseek_v3: dense first layers, MoE after, MTP modules', () => {
    const spec = specFromHfConfig(
      {
        ...base,
        model_type: 'deepseek_v3',
        num_hidden_layers: 3,
        first_k_dense_replace: 1,
        n_routed_experts: 8,
        n_shared_experts: 1,
        num_experts_per_tok: 2,
        moe_intermediate_size: 32,
        q_lora_rank: 16,
        kv_lora_rank: 8,
        qk_nope_head_dim: 8,
        qk_rope_head_dim: 4,
        v_head_dim: 8,
        topk_method: 'noaux_tc',
        num_nextn_predict_layers: 1,
      },
      'tiny-v3',
    );
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', 'moe', 'moe']);
    expect(spec.numMtpModules).toBe(1);
    expect(kvCacheBytes(spec, 1).bytesPerToken).toBe((8 + 4) * 3 * 2);
    expect(paramCount(spec).mtpParams).toBeGreaterThan(0);
  });

  it('errors name the field', () => {
    expect(() => specFromHfConfig({ ...base, model_type: 'llama', hidden_size: 65 }, 'x')).toThrowError(
      "hidden_size: 'hidden_size' (65) must be divisible by 'num_attention_heads' (4)",
    );
    expect(() =>
      specFromHfConfig({ ...base, model_type: 'mixtral', num_local_experts: 4, num_experts_per_tok: 5 }, 'x'),
    ).toThrowError("num_experts_per_tok: 'num_experts_per_tok' (5) exceeds the number of experts (4)");
    expect(() => specFromHfConfig([], 'x')).toThrowError(InputError);
    expect(() => specFromHfConfig({ hidden_size: 4 }, 'x')).toThrowError(
      /^model_type: missing field 'model_type'/,
    );
    expect(() =>
      specFromHfConfig(
        {
          ...base,
          model_type: 'gpt_oss',
          num_local_experts: 4,
          num_experts_per_tok: 1,
          layer_types: ['full_attention'],
        },
        'x',
      ),
    ).toThrowError("layer_types: 'layer_types' must list one entry per layer (2), got 1");
  });

  it('wrappers: text_config read by its own model_type, omitted keys from its class defaults', () => {
    const gemma = hfFixture('hand-built/gemma-3-27b-it');
    // Gemma3TextConfig's vocab_size (262208) fills the key the released file omits.
    expect(specFromHfConfig(gemma, 'g').vocabSize).toBe(262_208);
    // EmbeddingGemma's bidirectional Gemma 3 text model is an encoder: refused by name, not read as a decoder.
    const { text_config: gemmaText } = gemma as { text_config: Record<string, unknown> };
    expect(() =>
      specFromHfConfig({ ...gemmaText, model_type: 'gemma3_text', use_bidirectional_attention: true }, 'e'),
    ).toThrowError(/use_bidirectional_attention: .*an embedding encoder, EmbeddingGemma/);
    // An unknown wrapper around a known text model gets the same defaults, with a warning.
    const unknown = specFromHfConfig({ ...gemma, model_type: 'gemma3_next_vl' }, 'u');
    expect(unknown.vocabSize).toBe(262_208);
    expect(unknown.warnings?.[0]).toMatch(/read its text_config as 'gemma3_text'/);
    // DeepSeek-VL2 and Janus name it language_config, InternVL llm_config.
    const { text_config: textConfig, ...rest } = gemma as { text_config: unknown };
    for (const key of ['language_config', 'llm_config']) {
      const other = specFromHfConfig({ ...rest, model_type: 'some_vl', [key]: textConfig }, 'o');
      expect(other.vocabSize).toBe(262_208);
      expect(other.warnings?.[0]).toContain(`read its ${key} as 'gemma3_text'`);
    }
    // mistral3 wrapping a DeepSeek-V3 text model (Mistral Large 3's layout) reads it as DeepSeek-V3.
    const v3 = hfFixture('deepseek-v3.2');
    const { index_n_heads: _a, index_head_dim: _b, index_topk: _c, ...text } = v3;
    const large = specFromHfConfig(
      { model_type: 'mistral3', text_config: { ...text, model_type: 'deepseek_v3' } },
      'l',
    );
    expect(large.attention.kind).toBe('mla');
    expect(large.modelType).toBe('mistral3');
  });

  it('nested MoE text models: the keys a diff-dict text_config omits take Qwen3MoeConfig, GptOssConfig and DeepseekV3Config defaults', () => {
    const towers: Record<string, string> = { internvl: 'internvl_vision', mistral3: 'pixtral' };
    const count = (text: Record<string, unknown>, wrapper = 'internvl') =>
      paramCount(
        specFromHfConfig(
          { model_type: wrapper, text_config: text, vision_config: { model_type: towers[wrapper] } },
          'n',
        ),
      );
    // InternVL3.5-30B-A3B's text model as to_diff_dict writes it: the 128 experts, top-8, width 768
    // and vocabulary equal Qwen3MoeConfig's defaults and are left out; Qwen3-30B-A3B has 30,532,122,624.
    const qwen = { model_type: 'qwen3_moe', hidden_size: 2048, num_hidden_layers: 48, head_dim: 128 };
    expect(count(qwen).totalParams).toBe(30_532_122_624);
    expect(count(qwen).activeParams).toBeLessThan(3.4e9);
    // gpt-oss-120b's every shape key is GptOssConfig's default: 116.83B.
    expect(count({ model_type: 'gpt_oss' }).totalParams).toBeCloseTo(116.83e9, -7);
    // DeepseekV3Config's defaults are DeepSeek-V3 without its MTP module: 671.03B.
    expect(count({ model_type: 'deepseek_v3' }, 'mistral3').totalParams).toBeCloseTo(671.03e9, -7);
  });

  it('a text family over a multimodal checkpoint reads the text model and names the encoder it leaves out', () => {
    const config = {
      ...base,
      model_type: 'llama',
      vision_config: { hidden_size: 1024, num_hidden_layers: 24 },
    };
    const spec = specFromHfConfig(config, 'llama-with-a-tower');
    expect(spec.vision).toBeNull();
    expect(spec.warnings).toEqual([
      "model_type 'llama' is read as its text model: its vision_config (encoders or speech decoders) is not read — not in the parameters, nor in serving or training memory",
    ]);
    expect(specFromHfConfig({ ...base, model_type: 'llama' }, 'llama').warnings).toBeUndefined();
  });
  it("a text family's model_type over a config whose sizes are in text_config reads text_config, not class defaults", () => {
    // Ministral 3's checkpoint (Mistral3ForConditionalGeneration) as some tools write it: model_type
    // 'ministral3' at the top, the sizes in text_config; the class defaults would read a 34-layer 8B.
    const text = { ...base, model_type: 'ministral3', num_key_value_heads: 2, head_dim: 16 };
    const config = {
      model_type: 'ministral3',
      architectures: ['Mistral3ForConditionalGeneration'],
      text_config: text,
      vision_config: { hidden_size: 32, num_hidden_layers: 2 },
    };
    const spec = specFromHfConfig(config, 'ministral-3');
    expect(spec.hiddenSize).toBe(64);
    expect(spec.numLayers).toBe(2);
    expect(paramCount(spec)).toEqual(paramCount(specFromHfConfig(text, 'ministral-3')));
    expect(spec.warnings?.[0]).toMatch(/sizes are in its text_config .*read from text_config/);
    expect(spec.warnings?.[1]).toMatch(/its vision_config .* is not read/);
    // A wrapper family whose text_config carries the wrapper's own type (qwen2_5_vl) is read by the wrapper:
    // its tower counted, no warning of a text model.
    const vl = specFromHfConfig(
      {
        model_type: 'qwen2_5_vl',
        text_config: { ...base, model_type: 'qwen2_5_vl', num_key_value_heads: 2 },
        vision_config: {
          depth: 2,
          hidden_size: 32,
          intermediate_size: 64,
          num_heads: 2,
          out_hidden_size: 64,
        },
      },
      'vl',
    );
    expect(paramCount(vl).visionParams).toBeGreaterThan(0);
    expect(vl.warnings ?? []).not.toContainEqual(expect.stringMatching(/names a text model/));
    // A malformed text_config names its path.
    expect(() =>
      specFromHfConfig({ ...config, text_config: { ...text, num_hidden_layers: -1 } }, 'x'),
    ).toThrow(/num_hidden_layers/);
    expect(
      inputErrorOf(() =>
        specFromHfConfig({ ...config, text_config: { ...text, num_hidden_layers: -1 } }, 'x'),
      ).issues[0]?.path,
    ).toEqual(['text_config', 'num_hidden_layers']);
  });
  it("an mlx-lm config's quantization block is said not loaded by the GPU engines, the weights costed as asked", () => {
    const mlx = { ...base, model_type: 'llama', quantization: { bits: 4, group_size: 64 } };
    const spec = specFromHfConfig(mlx, 'mlx');
    expect(spec.warnings).toEqual([
      "the config's 'quantization' (4 bits, group 64) is mlx-lm's format (Apple MLX), which vLLM, SGLang and TensorRT-LLM do not load: weights are costed in the format asked (BF16 unless --weights), not at 4 bits",
    ]);
    expect(paramCount(spec)).toEqual(paramCount(specFromHfConfig({ ...base, model_type: 'llama' }, 'mlx')));
    // mlx-lm's save_config also copies it to quantization_config (no quant_method): still said.
    const saved = { ...mlx, quantization_config: { bits: 4, group_size: 64 } };
    expect(specFromHfConfig(saved, 'mlx').warnings).toEqual(spec.warnings);
  });
  it('a config written by transformers 5 is read with its 5.x key names (Qwen3MoeConfig stores num_experts as num_local_experts)', () => {
    // Qwen/Qwen3-30B-A3B's shape; transformers 5's attribute_map {num_experts: num_local_experts} makes
    // save_pretrained write the expert count as num_local_experts.
    const v4 = {
      ...base,
      model_type: 'qwen3_moe',
      moe_intermediate_size: 32,
      num_experts: 8,
      num_experts_per_tok: 2,
      transformers_version: '4.51.0',
    };
    const { num_experts, ...rest } = v4;
    const v5 = { ...rest, num_local_experts: num_experts, transformers_version: '5.7.0' };
    expect(paramCount(specFromHfConfig(v5, 'q'))).toEqual(paramCount(specFromHfConfig(v4, 'q')));
    // A same-type text_config holds the sizes; transformers writes its version at the top only.
    const wrapped = {
      model_type: 'qwen3_moe',
      transformers_version: '5.7.0',
      text_config: { ...rest, num_local_experts: 8, transformers_version: undefined },
    };
    expect(paramCount(specFromHfConfig(wrapped, 'q')).totalParams).toBe(
      paramCount(specFromHfConfig(v4, 'q')).totalParams,
    );
    // Under 4.x the name is another family's: Qwen3MoeConfig 4.x would not read it, so the refusal stands.
    expect(() => specFromHfConfig({ ...v5, transformers_version: '4.57.1' }, 'q')).toThrow(
      "missing field 'num_experts' (required for model_type 'qwen3_moe'); the config has 'num_local_experts'",
    );
  });
  it("a missing key whose value sits under another family's name says so (a vendor copy of a Bailing MoE config)", () => {
    // inclusionAI/Ling's MindIE copy of Ling-plus spells the experts DeepSeek's way; BailingMoeConfig and
    // vLLM's bailing_moe.py read num_experts only, so the refusal stands and names what it found.
    const config = { ...base, model_type: 'bailing_moe', n_routed_experts: 64, num_experts_per_tok: 4 };
    expect(() => specFromHfConfig(config, 'ling')).toThrow(
      "missing field 'num_experts' (required for model_type 'bailing_moe'); the config has 'n_routed_experts', another family's name for it, which model_type 'bailing_moe' does not read",
    );
  });
});

describe('an unsupported model_type', () => {
  it('is pointed to its nearest spellings and to the full list, not given a list of 300', () => {
    const error = inputErrorOf(() => specFromHfConfig({ model_type: 'qwen3moe' }, 'x'));
    expect(error.message).toMatch(/; closest: qwen3_moe, [\w, ]* \(all: llmecon models --types\)$/);
    expect(error.message).toContain(`${SUPPORTED_MODEL_TYPES.length} model types are supported`);
    expect(error.message).not.toContain('gpt_bigcode');
  });
});
