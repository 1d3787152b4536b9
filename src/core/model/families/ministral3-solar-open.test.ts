/**
 * Ministral 3 (`ministral3`, llama.ts) and Solar Open (`solar_open`, glm4-moe.ts), counted tensor by
 * tensor from transformers' modules (Ministral3Model = MistralModel; SolarOpenDecoderLayer =
 * LlamaAttention with a bias-free o_proj + Glm4MoeMoE) from config.json, not through the reader.
 * Configs: Devstral-Small-2-24B-Instruct-2512's `text_config` as public loaders' tests copy it
 * (hidden 5120, 40 layers, intermediate 32,768; card "24B" with its Pixtral tower), and
 * upstage/Solar-Open-100B's config.json as MLX ports' tests copy it (card: 102.6B total, 12B active).
 */
import { describe, expect, it } from 'vitest';
import { type Cfg, headAndEmbedding, swiglu, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

const devstralText = (): Cfg => ({
  model_type: 'ministral3',
  hidden_size: 5120,
  intermediate_size: 32768,
  num_hidden_layers: 40,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  vocab_size: 131072,
  max_position_embeddings: 262144,
  rms_norm_eps: 1e-5,
  rope_parameters: {
    type: 'yarn',
    rope_type: 'yarn',
    rope_theta: 100000000.0,
    factor: 48.0,
    original_max_position_embeddings: 8192,
    llama_4_scaling_beta: 0.1,
  },
});

const solarOpen100b = (): Cfg => ({
  model_type: 'solar_open',
  architectures: ['SolarOpenForCausalLM'],
  partial_rotary_factor: 1.0,
  hidden_size: 4096,
  num_hidden_layers: 48,
  num_attention_heads: 64,
  head_dim: 128,
  num_key_value_heads: 8,
  vocab_size: 196608,
  intermediate_size: 10240,
  moe_intermediate_size: 1280,
  rms_norm_eps: 1e-5,
  rope_theta: 1000000,
  max_position_embeddings: 131072,
  n_routed_experts: 128,
  n_shared_experts: 1,
  norm_topk_prob: true,
  routed_scaling_factor: 1.0,
  num_experts_per_tok: 8,
  tie_word_embeddings: false,
  first_k_dense_replace: 0,
  rope_scaling: { type: 'yarn', factor: 2.0, original_max_position_embeddings: 65536 },
});

/** q/k/v/o without bias and two RMSNorms (h each) per layer. */
function gqaLayer(t: Tensors, c: Cfg): void {
  const h = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  t.add([q, h], [kv, h], [kv, h], [h, q], [h], [h]);
}

describe('ministral3 (Ministral 3, Devstral Small 2)', () => {
  it('reads Mistral’s layer with Ministral3Config’s defaults, no warning, and counts the text model exactly', () => {
    const c = devstralText();
    const t = new Tensors();
    headAndEmbedding(t, c, false);
    for (let i = 0; i < c.num_hidden_layers; i += 1) {
      gqaLayer(t, c);
      swiglu(t, c.hidden_size, c.intermediate_size);
    }
    const spec = specFromHfConfig(c, 'devstral-small-2');
    expect(spec.warnings ?? []).toEqual([]);
    expect(paramCount(spec).totalParams).toBe(t.total);
    expect(t.total).toBe(23_572_403_200);
  });

  it('takes Ministral3Config’s defaults (vocab 131,072, head_dim 128, untied), not MistralConfig’s', () => {
    const { vocab_size: _v, head_dim: _d, ...bare } = devstralText();
    const spec = specFromHfConfig(bare, 'bare');
    expect(spec.vocabSize).toBe(131072);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.attention).toMatchObject({ kind: 'gqa', headDim: 128 });
  });

  it('is read inside a mistral3 wrapper by its own family', () => {
    const spec = specFromHfConfig({ model_type: 'mistral3', text_config: devstralText() }, 'wrapped');
    expect(spec.warnings ?? []).toEqual([]);
    expect(spec.hiddenSize).toBe(5120);
  });
});

describe('solar_open (Solar Open 100B)', () => {
  it('reads every layer as GLM-4.5’s MoE under bias-free attention: 102.65B total, 12.05B active', () => {
    const c = solarOpen100b();
    const h = c.hidden_size;
    const e = c.moe_intermediate_size;
    const t = new Tensors();
    headAndEmbedding(t, c, false);
    for (let i = 0; i < c.num_hidden_layers; i += 1) {
      gqaLayer(t, c);
      // Glm4MoeTopkRouter weight [E, h] and e_score_correction_bias [E]; one shared expert.
      t.add([c.n_routed_experts, h], [c.n_routed_experts]);
      swiglu(t, h, e * c.n_shared_experts);
      t.experts(c.n_routed_experts, c.num_experts_per_tok, [e, h], [e, h], [h, e]);
    }
    const spec = specFromHfConfig(c, 'solar-open-100b');
    expect(spec.warnings ?? []).toEqual([]);
    expect(spec.layers.every((l) => l.mlp === 'moe')).toBe(true);
    const counts = paramCount(spec);
    expect(counts.totalParams).toBe(t.total);
    expect(counts.activeParams).toBe(t.total - t.inactive);
    expect(t.total).toBe(102_651_799_552);
  });

  it('says that first_k_dense_replace is ignored, as SolarOpenConfig removes it', () => {
    const spec = specFromHfConfig({ ...solarOpen100b(), first_k_dense_replace: 2 }, 'dense-first');
    expect(spec.layers.every((l) => l.mlp === 'moe')).toBe(true);
    expect(spec.warnings?.join(' ')).toMatch(/first_k_dense_replace \(2\) is ignored/);
  });

  it('refuses a bad expert count, naming the field', () => {
    const error = inputErrorOf(() => specFromHfConfig({ ...solarOpen100b(), n_routed_experts: 0 }, 'bad'));
    expect(error.issues[0]?.path).toEqual(['n_routed_experts']);
  });
});
