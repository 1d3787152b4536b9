import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { TINY_DECODER_KEYS as base } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, layerMix, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

const gdn = {
  linear_num_key_heads: 2,
  linear_num_value_heads: 4,
  linear_key_head_dim: 8,
  linear_value_head_dim: 8,
  linear_conv_kernel_dim: 4,
  head_dim: 16,
};

describe('bounded field readers', () => {
  it('refuse sizes beyond the domain bounds, naming the field', () => {
    expect(() =>
      specFromHfConfig({ ...base, model_type: 'llama', num_hidden_layers: 10_001 }, 'x'),
    ).toThrowError(
      "num_hidden_layers: 'num_hidden_layers' (10001) exceeds the largest supported value 10,000",
    );
    expect(() =>
      specFromHfConfig({ ...base, model_type: 'llama', hidden_size: 2_000_000 }, 'x'),
    ).toThrowError(/^hidden_size: 'hidden_size' \(2000000\) exceeds/);
  });

  it('refuse sliding_window 0 or negative', () => {
    for (const w of [0, -4]) {
      expect(() => specFromHfConfig({ ...base, model_type: 'mistral', sliding_window: w }, 'x')).toThrowError(
        `sliding_window: 'sliding_window' must be a positive integer or null, got ${w}`,
      );
    }
  });

  it('refuse counts beyond exact arithmetic instead of returning Infinity', () => {
    const huge = {
      ...base,
      model_type: 'llama',
      hidden_size: 1_000_000,
      num_attention_heads: 1000,
      num_key_value_heads: 1000,
      intermediate_size: 10_000_000,
      num_hidden_layers: 10_000,
    };
    expect(() => specFromHfConfig(huge, 'x')).toThrowError(/beyond what llmecon counts exactly/);
  });

  it('name the field of a wrapped text model by its full path', () => {
    expect(() =>
      specFromHfConfig(
        { model_type: 'qwen3_vl', text_config: { ...base, num_attention_heads: undefined } },
        'x',
      ),
    ).toThrowError("text_config.num_attention_heads: missing field 'text_config.num_attention_heads'");
  });
});

describe('layer kinds per family', () => {
  it('qwen3_next: full attention every 4th layer, Gated DeltaNet elsewhere, gated shared expert', () => {
    const spec = specFromHfConfig(
      {
        ...base,
        ...gdn,
        model_type: 'qwen3_next',
        num_experts: 8,
        num_experts_per_tok: 2,
        moe_intermediate_size: 16,
        shared_expert_intermediate_size: 16,
      },
      'x',
    );
    expect(spec.layers.map((l) => l.attention)).toEqual(['linear', 'linear', 'linear', 'full']);
    expect(spec.moe).toMatchObject({ numSharedExperts: 1, sharedExpertGate: true });
    expect(spec.attention).toMatchObject({ outputGate: true, qkNorm: 'per-head', headDim: 16 });
  });

  it('llama4: chunked RoPE layers, global NoPE every 4th, MoE per interleave step', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'llama4',
        text_config: {
          ...base,
          head_dim: 16,
          attention_chunk_size: 32,
          interleave_moe_layer_step: 2,
          num_local_experts: 4,
          num_experts_per_tok: 1,
          intermediate_size_mlp: 256,
        },
      },
      'x',
    );
    expect(spec.layers.map((l) => l.attention)).toEqual(['chunked', 'chunked', 'chunked', 'full']);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', 'moe', 'dense', 'moe']);
    expect(spec.mlp.intermediateSize).toBe(256);
    const kv = kvCacheBytes(spec, 100, 'bf16');
    expect(kv.bytesPerSequence).toBe(2 * 2 * 16 * 2 * (100 + 3 * 32));
  });

  it('nemotron_h: one block kind per pattern character; bad characters are errors', () => {
    const h = {
      ...base,
      model_type: 'nemotron_h',
      head_dim: 16,
      hybrid_override_pattern: 'M*-E',
      mamba_num_heads: 4,
      mamba_head_dim: 8,
      ssm_state_size: 8,
      n_groups: 2,
      n_routed_experts: 4,
      num_experts_per_tok: 2,
      moe_intermediate_size: 16,
      moe_shared_expert_intermediate_size: 32,
    };
    const spec = specFromHfConfig(h, 'x');
    expect(spec.layers).toEqual([
      { attention: 'mamba', mlp: 'none' },
      { attention: 'full', mlp: 'none' },
      { attention: 'none', mlp: 'dense' },
      { attention: 'none', mlp: 'moe' },
    ]);
    expect(spec.norm.perLayer).toBe(1);
    expect(() => specFromHfConfig({ ...h, hybrid_override_pattern: 'M*-X' }, 'x')).toThrowError(
      /hybrid_override_pattern: 'hybrid_override_pattern' character 3 is 'X'/,
    );
    expect(() => specFromHfConfig({ ...h, hybrid_override_pattern: 'M*' }, 'x')).toThrowError(
      /one character per layer \(4\), got 2/,
    );
  });
});

describe('unknown model types', () => {
  it('read as a known family when the keys match, with the assumption as a warning', () => {
    const spec = specFromHfConfig({ ...base, model_type: 'shiny_new_llm' }, 'x');
    expect(spec.modelType).toBe('shiny_new_llm');
    expect(spec.warnings?.[0]).toMatch(/^model_type 'shiny_new_llm' is not supported; read as llama-like: /);
    expect(paramCount(spec).totalParams).toBe(
      paramCount(specFromHfConfig({ ...base, model_type: 'llama' }, 'y')).totalParams,
    );
    const hybrid = specFromHfConfig(
      {
        ...base,
        ...gdn,
        model_type: 'future_hybrid',
        layer_types: ['linear_attention', 'linear_attention', 'linear_attention', 'full_attention'],
      },
      'x',
    );
    expect(hybrid.warnings?.[0]).toMatch(/read as qwen3_5-like/);
  });

  it('refuse a lookalike read that would leave out experts, state-space layers, an encoder or cross-attention', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      // Jamba under a new name: attention-like keys, but Mamba layers and experts.
      [{ num_experts: 16, mamba_d_state: 16 }, /^num_experts: .*'num_experts' signals mixture-of-experts/],
      [
        { mamba_d_state: 16, attn_layer_period: 8 },
        /'mamba_d_state' signals state-space or recurrent layers/,
      ],
      [{ is_encoder_decoder: true }, /'is_encoder_decoder' signals an encoder-decoder/],
      [{ cross_attention_layers: [3, 8] }, /'cross_attention_layers' signals cross-attention layers/],
      [{ type_vocab_size: 2 }, /'type_vocab_size' signals a bidirectional encoder/],
      // ModernBERT's global layers every n; EuroBERT's keys are Llama's but for its masked-LM head.
      [{ global_attn_every_n_layers: 3 }, /'global_attn_every_n_layers' signals a bidirectional encoder/],
      [{ architectures: ['EuroBertForMaskedLM'] }, /^architectures: .*signals a bidirectional encoder/],
      [
        { use_bidirectional_attention: true },
        /'use_bidirectional_attention' signals a bidirectional encoder/,
      ],
      [
        { hidden_size_per_layer_input: 256 },
        /'hidden_size_per_layer_input' signals per-layer input embeddings, AltUp/,
      ],
      // An unknown type with Mixtral-like keys whose heads are kv_channels wide (JetMoE's, read under `jetmoe`).
      [
        { num_local_experts: 8, num_experts_per_tok: 2, kv_channels: 128 },
        /'kv_channels' signals a head width of its own/,
      ],
      [{ lru_width: 2560 }, /'lru_width' signals state-space or recurrent layers/],
    ];
    for (const [extra, message] of refused) {
      expect(() => specFromHfConfig({ ...base, ...extra, model_type: 'lookalike' }, 'x')).toThrowError(
        message,
      );
    }
    // Trivial or off values signal nothing: one expert, is_encoder_decoder false.
    const plain = specFromHfConfig(
      {
        ...base,
        num_experts: 1,
        is_encoder_decoder: false,
        architectures: ['L2ForCausalLM'],
        use_bidirectional_attention: 'vision',
        model_type: 'l2',
      },
      'x',
    );
    expect(plain.warnings?.[0]).toMatch(/read as llama-like/);
    // A MoE lookalike explains its experts.
    const moe = specFromHfConfig(
      { ...base, num_local_experts: 8, num_experts_per_tok: 2, model_type: 'new_moe' },
      'x',
    );
    expect(moe.moe?.numExperts).toBe(8);
  });

  it('read a wrapper of an unknown language model one level down (Qwen3-Omni: thinker_config → text_config)', () => {
    const text = {
      ...base,
      num_experts: 8,
      num_experts_per_tok: 2,
      moe_intermediate_size: 32,
      model_type: 'omni_text',
    };
    const omni = { model_type: 'omni', thinker_config: { model_type: 'omni_thinker', text_config: text } };
    const spec = specFromHfConfig(omni, 'o');
    expect(spec.modelType).toBe('omni');
    expect(paramCount(spec).totalParams).toBe(
      paramCount(specFromHfConfig({ ...text, model_type: 'qwen3_moe' }, 'q')).totalParams,
    );
    expect(spec.warnings).toEqual([
      expect.stringMatching(/'omni_text' is not supported; read as qwen3_moe-like/),
      expect.stringMatching(/'omni_thinker' is not supported; read its text_config \('omni_text'\)/),
      expect.stringMatching(/'omni' is not supported; read its thinker_config \('omni_thinker'\)/),
    ]);
    // Errors name the field by its path through the wrappers.
    const { num_attention_heads: _h, ...headless } = text;
    expect(() =>
      specFromHfConfig(
        { ...omni, thinker_config: { model_type: 'omni_thinker', text_config: headless } },
        'o',
      ),
    ).toThrowError(/^thinker_config\.text_config\.num_attention_heads: missing field 'num_attention_heads'/);
  });

  it('otherwise name the missing fields and the supported families', () => {
    expect(() =>
      specFromHfConfig({ model_type: 'reformer', hidden_size: 8, vocab_size: 10 }, 'x'),
    ).toThrowError(
      /unsupported model_type 'reformer', and its fields match no supported family \(read as llama-like it lacks 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'\); \d+ model types are supported.* \(all: llmecon models --types\)$/,
    );
    expect(() => specFromHfConfig({ model_type: 'reformer' }, 'x')).toThrowError(InputError);
  });
});

describe('properties of hybrid models', () => {
  const hybridConfig = fc.record({
    pattern: fc.array(fc.constantFrom('M', '*', '-', 'E'), { minLength: 1, maxLength: 12 }),
    context: fc.integer({ min: 1, max: 1_000_000 }),
    extra: fc.integer({ min: 1, max: 1_000_000 }),
  });

  test.prop([hybridConfig])(
    'KV grows only with attention layers; the recurrent state does not grow with context',
    ({ pattern, context, extra }) => {
      const spec = specFromHfConfig(
        {
          ...base,
          model_type: 'nemotron_h',
          num_hidden_layers: pattern.length,
          head_dim: 16,
          hybrid_override_pattern: pattern.join(''),
          mamba_num_heads: 4,
          mamba_head_dim: 8,
          ssm_state_size: 8,
          n_routed_experts: 4,
          num_experts_per_tok: 2,
          moe_intermediate_size: 16,
          moe_shared_expert_intermediate_size: 32,
        },
        'p',
      );
      const attention = pattern.filter((c) => c === '*').length;
      const grow =
        kvCacheBytes(spec, context + extra).bytesPerSequence - kvCacheBytes(spec, context).bytesPerSequence;
      expect(grow).toBe(attention * 2 * 2 * 16 * 2 * extra);
      expect(recurrentStateBytes(spec).bytesPerSequence).toBe(
        layerMix(spec).mamba * (3 * (32 + 2 * 8) * 2 + 4 * 8 * 8 * 2),
      );
    },
  );

  test.prop([
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 1, max: 100_000 }),
  ])('a Qwen3.5 hybrid holds KV for its full-attention layers only', (layers, interval, context) => {
    const spec = specFromHfConfig(
      {
        ...base,
        ...gdn,
        model_type: 'qwen3_5_text',
        num_hidden_layers: layers,
        full_attention_interval: interval,
      },
      'p',
    );
    const full = Array.from({ length: layers }, (_, i) => (i + 1) % interval === 0).filter(Boolean).length;
    expect(kvCacheBytes(spec, context).bytesPerSequence).toBe(full * 2 * 2 * 16 * 2 * context);
    expect(recurrentStateBytes(spec).linearLayers).toBe(layers - full);
  });
});

describe('hand-written specs with layer kinds', () => {
  it('repeat layerPattern and mlpPattern, and count like the equivalent config', async () => {
    const { specFromInput } = await import('../model-spec-schema.js');
    const spec = specFromInput({
      name: 'hybrid',
      vocabSize: 100,
      hiddenSize: 64,
      numLayers: 4,
      maxContextTokens: 256,
      attention: {
        kind: 'gqa',
        numHeads: 4,
        numKvHeads: 2,
        headDim: 16,
        qkNorm: 'per-head',
        outputGate: true,
      },
      layerPattern: ['linear', 'linear', 'linear', 'full'],
      linearAttention: {
        numKeyHeads: 2,
        numValueHeads: 4,
        keyHeadDim: 8,
        valueHeadDim: 8,
        stateBytesPerElement: 2,
      },
      mlp: { intermediateSize: 128 },
    });
    const fromConfig = specFromHfConfig(
      { ...base, ...gdn, model_type: 'qwen3_5_text', mamba_ssm_dtype: 'bfloat16' },
      'x',
    );
    expect(spec.layers).toEqual(fromConfig.layers);
    expect(paramCount(spec).totalParams).toBe(paramCount(fromConfig).totalParams);
    expect(recurrentStateBytes(spec)).toEqual(recurrentStateBytes(fromConfig));
  });

  it('name the missing block of a layer kind', async () => {
    const { specFromInput } = await import('../model-spec-schema.js');
    expect(() =>
      specFromInput({
        name: 'x',
        vocabSize: 100,
        hiddenSize: 64,
        numLayers: 2,
        maxContextTokens: 256,
        attention: { kind: 'gqa', numHeads: 4 },
        layerPattern: ['mamba', 'full'],
        mlp: { intermediateSize: 128 },
      }),
    ).toThrowError("stateSpace: layerPattern uses 'mamba' layers, which need 'stateSpace'");
  });
});

describe('vision-language wrappers', () => {
  it('gemma3: text_config as Gemma 3 (5 local : 1 global, per-head q/k norms), SigLIP tower apart with FLOPs per image', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'gemma3',
        mm_tokens_per_image: 256,
        text_config: { ...base, num_hidden_layers: 6, head_dim: 16, sliding_window: 32 },
        vision_config: {
          hidden_size: 32,
          intermediate_size: 64,
          num_hidden_layers: 2,
          patch_size: 4,
          image_size: 16,
        },
      },
      'g3',
    );
    expect(spec.layers.map((l) => l.attention)).toEqual([
      'sliding',
      'sliding',
      'sliding',
      'sliding',
      'sliding',
      'full',
    ]);
    expect(spec.attention).toMatchObject({ qkNorm: 'per-head' });
    expect(spec.tieWordEmbeddings).toBe(true);
    // SigLIP: patch conv 3·4·4·32 + 32, positions 16·32, 2 × (2 LayerNorms, q/k/v/o with bias, fc1/fc2
    // with bias), post LayerNorm, projector RMSNorm(32) + 32 × 64.
    const layer = 4 * 32 + 4 * 32 * 32 + 4 * 32 + 32 * 64 + 64 + 64 * 32 + 32;
    expect(spec.vision?.params).toBe(3 * 16 * 32 + 32 + 16 * 32 + 2 * layer + 64 + 32 + 32 * 64);
    expect(spec.vision?.flopsPerImage).toBeGreaterThan(0);
    expect(paramCount(spec).visionParams).toBe(spec.vision?.params);
  });

  it('mistral3: Mistral text model and a Pixtral tower with its projector', () => {
    const spec = specFromHfConfig(
      {
        model_type: 'mistral3',
        spatial_merge_size: 2,
        multimodal_projector_bias: false,
        text_config: { ...base, model_type: 'mistral', head_dim: 16, sliding_window: null },
        vision_config: {
          hidden_size: 32,
          intermediate_size: 64,
          num_hidden_layers: 2,
          patch_size: 4,
          image_size: 16,
        },
      },
      'm3',
    );
    expect(spec.slidingWindow).toBeNull();
    // Pixtral: patch conv without bias, ln_pre, 2 × (2 RMSNorms, q/k/v/o, SwiGLU), projector norm,
    // merger 32·4 → 32, linear_1 32 → 64, linear_2 64 → 64.
    const layer = 2 * 32 + 4 * 32 * 32 + 3 * 32 * 64;
    expect(spec.vision?.params).toBe(3 * 16 * 32 + 32 + 2 * layer + 32 + 32 * 4 * 32 + 32 * 64 + 64 * 64);
  });
});
