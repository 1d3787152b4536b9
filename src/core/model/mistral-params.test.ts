import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { findModel } from '../../catalog/catalog.js';
import { InputError } from '../errors.js';
import { paramCount } from './param-count.js';
import { modelSpecFrom } from './resolve-model.js';

/** Native params.json from a Hugging Face text config: the reverse of the mapping under test. */
function nativeFrom(text: Record<string, unknown>): Record<string, unknown> {
  return {
    dim: text.hidden_size,
    n_layers: text.num_hidden_layers,
    head_dim: text.head_dim,
    hidden_dim: text.intermediate_size,
    n_heads: text.num_attention_heads,
    n_kv_heads: text.num_key_value_heads,
    rope_theta: text.rope_theta,
    norm_eps: text.rms_norm_eps,
    vocab_size: text.vocab_size,
    max_position_embeddings: text.max_position_embeddings,
  };
}

function issueOf(value: unknown): { path: string; message: string } {
  try {
    modelSpecFrom(value, 'params');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { path: error.issues[0]!.path.join('.'), message: error.issues[0]!.message };
  }
  throw new Error('expected an input error');
}

describe("Mistral's native params.json", () => {
  it('Devstral-Small-2507 (verbatim): the checkpoint index total, 23,572,403,200', () => {
    const spec = modelSpecFrom(hfFixture('verbatim/devstral-small-2507-params'), 'devstral');
    expect(spec.modelType).toBe('mistral');
    expect(paramCount(spec).totalParams).toBe(23_572_403_200);
    // No sliding window, untied, vLLM's 128,000 positions when params.json names none.
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(128_000);
    expect(spec.warnings?.[0]).toContain("params.json as model_type 'mistral'");
  });

  it('with a vision encoder and patch merger: the same model as its config.json (mistral3, Pixtral tower)', () => {
    const hf = hfFixture('hand-built/mistral-small-3.1-24b-instruct-2503');
    const vision = hf.vision_config as Record<string, unknown>;
    const native = {
      ...nativeFrom(hf.text_config as Record<string, unknown>),
      vision_encoder: {
        hidden_size: vision.hidden_size,
        num_hidden_layers: vision.num_hidden_layers,
        num_attention_heads: vision.num_attention_heads,
        patch_size: vision.patch_size,
        image_size: vision.image_size,
        intermediate_size: vision.intermediate_size,
        num_channels: 3,
        max_image_size: vision.image_size,
        rope_theta: 10000.0,
        mm_projector_id: 'patch_merge',
        add_pre_mm_projector_layer_norm: true,
        adapter_bias: false,
        spatial_merge_size: 2,
        image_token_id: 10,
      },
    };
    const fromNative = modelSpecFrom(native, 'native');
    const fromHf = modelSpecFrom(hf, 'hf');
    expect(fromNative.modelType).toBe('mistral3');
    expect(paramCount(fromNative)).toEqual(paramCount(fromHf));
    expect(fromNative.vision).toEqual(fromHf.vision);
  });

  it("Pixtral-12B's adapter (no patch merger) is LLaVA's biased projector on every patch", () => {
    const native = {
      ...nativeFrom(
        hfFixture('hand-built/mistral-small-3.1-24b-instruct-2503').text_config as Record<string, unknown>,
      ),
      vision_encoder: {
        hidden_size: 1024,
        num_channels: 3,
        image_size: 1024,
        patch_size: 16,
        rope_theta: 10000.0,
        intermediate_size: 4096,
        num_hidden_layers: 24,
        num_attention_heads: 16,
        image_token_id: 10,
      },
    };
    const spec = modelSpecFrom(native, 'pixtral');
    expect(spec.modelType).toBe('llava');
    // Adapter w_in (1024 → 5120) and w_out (5120 → 5120), both biased (vLLM's adapter_bias default).
    const adapter = 1024 * 5120 + 5120 * 5120 + 2 * 5120;
    const tower = 3 * 16 * 16 * 1024 + 1024 + 24 * (4 * 1024 * 1024 + 3 * 1024 * 4096 + 2 * 1024);
    expect(spec.vision?.params).toBe(tower + adapter);
  });

  it('a moe with expert_hidden_dim (MLA keys at the top) is Mistral 4: the same model as its config.json', () => {
    const hf = hfFixture('hand-built/mistral-small-4-119b-2603-text');
    const native = {
      ...nativeFrom({ ...hf, head_dim: 128 }),
      q_lora_rank: hf.q_lora_rank,
      kv_lora_rank: hf.kv_lora_rank,
      qk_nope_head_dim: hf.qk_nope_head_dim,
      qk_rope_head_dim: hf.qk_rope_head_dim,
      v_head_dim: hf.v_head_dim,
      moe: {
        num_experts: hf.n_routed_experts,
        num_experts_per_tok: hf.num_experts_per_tok,
        expert_hidden_dim: hf.moe_intermediate_size,
        first_k_dense_replace: 0,
        num_shared_experts: 1,
        routed_scale: 1.0,
        num_expert_groups: 1,
        num_expert_groups_per_tok: 1,
      },
      yarn: { factor: 128.0, original_max_position_embeddings: 8192, beta: 32.0, alpha: 1.0 },
    };
    const spec = modelSpecFrom(native, 'native');
    expect(spec.modelType).toBe('mistral4');
    expect(paramCount(spec)).toEqual(paramCount(modelSpecFrom(hf, 'hf')));
  });

  it("a moe without expert_hidden_dim is Mixtral: mistral-inference's Mixtral-8x7B file counts as the catalog's", () => {
    const native = {
      dim: 4096,
      n_layers: 32,
      head_dim: 128,
      hidden_dim: 14336,
      n_heads: 32,
      n_kv_heads: 8,
      norm_eps: 1e-5,
      vocab_size: 32000,
      moe: { num_experts_per_tok: 2, num_experts: 8 },
    };
    const entry = findModel('mixtral-8x7b', 'model');
    const spec = modelSpecFrom(native, 'mixtral');
    expect(spec.modelType).toBe('mixtral');
    expect(paramCount(spec)).toEqual(paramCount(modelSpecFrom(entry.config, entry.name)));
  });

  it('yarn or quantization is Ministral 3; a sliding_window list is per-layer windows (None: full)', () => {
    const base = nativeFrom({
      hidden_size: 256,
      num_hidden_layers: 4,
      head_dim: 32,
      intermediate_size: 512,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      vocab_size: 1000,
    });
    const yarn = modelSpecFrom(
      {
        ...base,
        yarn: { factor: 16, original_max_position_embeddings: 16384, beta: 32, alpha: 1 },
        quantization: { qformat_weight: 'fp8_e4m3', qscheme_act: 'TENSOR' },
      },
      'm3',
    );
    expect(yarn.modelType).toBe('ministral3');
    expect(yarn.warnings?.some((w) => w.includes('--weights fp8'))).toBe(true);
    const windows = modelSpecFrom({ ...base, sliding_window: [null, 4096] }, 'windows');
    expect(windows.modelType).toBe('ministral');
    expect(windows.slidingWindow).toBe(4096);
    expect(windows.layers.map((l) => l.attention)).toEqual(['full', 'sliding', 'full', 'sliding']);
  });

  it('errors name the params.json key, not the Hugging Face one', () => {
    const devstral = hfFixture('verbatim/devstral-small-2507-params');
    expect(issueOf({ ...devstral, dim: -5 })).toMatchObject({ path: 'dim' });
    expect(issueOf({ ...devstral, dim: -5 }).message).toContain("'dim'");
    expect(issueOf({ ...devstral, n_heads: 'x' }).path).toBe('n_heads');
    expect(issueOf({ ...devstral, moe: { num_experts: 8, num_experts_per_tok: 0 } }).path).toBe(
      'moe.num_experts_per_tok',
    );
    expect(
      issueOf({ ...devstral, moe: { num_experts: 8, num_experts_per_tok: 2, expert_hidden_dim: 64 } }),
    ).toMatchObject({ path: 'kv_lora_rank' });
    expect(
      issueOf({
        ...devstral,
        vision_encoder: {
          hidden_size: 0,
          patch_size: 16,
          image_size: 64,
          num_hidden_layers: 1,
          num_attention_heads: 1,
          intermediate_size: 8,
        },
      }).path,
    ).toMatch(/^vision_encoder\./);
    expect(issueOf({ ...devstral, sliding_window: [1024, 4096] }).path).toBe('sliding_window');
    expect(issueOf({ ...devstral, moe: 3 }).path).toBe('moe');
  });

  it('refuses what it does not read, by name: Codestral Mamba and Voxtral files', () => {
    expect(issueOf({ dim: 4096, n_layers: 64, vocab_size: 32768, model_type: 'mamba' }).message).toContain(
      'mamba2',
    );
    expect(
      issueOf({ dim: 64, n_layers: 2, multimodal: { whisper_model_args: { encoder_args: {} } } }).path,
    ).toBe('multimodal.whisper_model_args');
  });
});
