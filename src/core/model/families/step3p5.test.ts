/**
 * StepFun Step-3.5-Flash (step3p5.ts), counted tensor by tensor from the modules StepFun's
 * `modeling_step3p5.py` builds (Step3p5Attention with its head-wise gate g_proj [heads, h] and one
 * q_norm/k_norm of head_dim; Step3p5MoEMLP with packed experts, router and FP32 router_bias; the
 * layer-level share_expert), against NVIDIA's Megatron-Bridge verification card of the release
 * (804 tensors, 398,768,626,944 bytes: all BF16 but the FP32 router_bias, MTP included) and the model
 * card ("196.81B (196B Backbone + 0.81B Head)", "11B active", 256K context). The fixture is rebuilt
 * key by key from public copies of the config (test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { step3p5 } from './step3p5.js';

const FLASH: Json = hfFixture('hand-built/step-3.5-flash');
const read = (config: Json) => step3p5(new Fields(config, 'step3p5'), 'step-3.5-flash');

// Shapes of the release.
const h = 4096;
const vocab = 128_896;
const d = 128;
const kv = 8;
const ffn = 11_264;
const experts = 288;
const expertFfn = 1280;
/** q, k, v, o, the head-wise gate g_proj (heads outputs) and one q_norm and k_norm of head_dim. */
const attention = (heads: number) => 2 * h * heads * d + 2 * h * kv * d + h * heads + 2 * d;
const fullAttention = attention(64);
const slidingAttention = attention(96);
/** Router [E, h], router_bias [E], packed gate/up/down experts, the layer-level share_expert. */
const moe = experts * h + experts + experts * 3 * h * expertFfn + 3 * h * expertFfn;
const dense = 3 * h * ffn;
const norms = 2 * h;
/** One MTP layer: enorm, hnorm, eh_proj, a sliding block with a dense MLP, shared_head norm and output. */
const mtpLayer = 2 * h + 2 * h * h + slidingAttention + dense + norms + h + vocab * h;

describe('step3p5 (Step-3.5-Flash)', () => {
  it('reads 12 full-attention layers of 64 heads and 33 sliding ones of 96 (window 512), 3 dense layers then 42 MoE', () => {
    const spec = read(FLASH);
    expect(spec.numLayers).toBe(45);
    expect(spec.layers.filter((l) => l.attention === 'full').map((_, i) => i * 4)).toEqual(
      spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : [])),
    );
    expect(spec.layers.filter((l) => l.attention === 'sliding')).toHaveLength(33);
    expect(spec.slidingWindow).toBe(512);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 96,
      numKvHeads: 8,
      headDim: 128,
      headGate: true,
      qkNorm: 'per-head',
    });
    expect(spec.fullAttention).toMatchObject({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 8,
      headDim: 128,
      headGate: true,
    });
    expect(spec.layers.map((l) => l.mlp)).toEqual([...Array(3).fill('dense'), ...Array(42).fill('moe')]);
    expect(spec.moe).toMatchObject({
      numExperts: 288,
      topK: 8,
      expertIntermediateSize: 1280,
      numSharedExperts: 1,
      sharedIntermediateSize: 1280,
      routerBias: true,
    });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.numMtpModules).toBe(3);
  });

  it('counts 196,956,130,368 parameters tensor by tensor (the card 196B backbone), 11.99B active with the embedding (the card 11B)', () => {
    const p = paramCount(read(FLASH));
    const layers = 12 * fullAttention + 33 * slidingAttention + 3 * dense + 42 * moe + 45 * norms;
    const total = vocab * h + layers + h + vocab * h;
    expect(p.totalParams).toBe(total);
    expect(total).toBe(196_956_130_368);
    // NVIDIA's card: BF16 everywhere but the FP32 router_bias, the three MTP layers included.
    expect(2 * (total + 3 * mtpLayer) + 2 * 42 * experts).toBe(398_768_626_944);
    const activeMoe = experts * h + experts + 8 * 3 * h * expertFfn + 3 * h * expertFfn;
    expect(p.activeParams).toBe(total - 42 * moe + 42 * activeMoe);
    expect(p.activeParams).toBe(11_987_323_968);
  });

  it("counts the checkpoint's three MTP layers as modules with heads of their own (809,390,336 each, the card's 0.81B head)", () => {
    expect(mtpLayer).toBe(809_390_336);
    const spec = read(FLASH);
    expect(spec.warnings).toBeUndefined();
    expect(spec.numMtpModules).toBe(3);
    expect(spec.mtpModule).toEqual({ layer: { attention: 'sliding', mlp: 'dense' }, ownHead: true });
    expect(paramCount(spec).mtpParams).toBe(3 * mtpLayer);
  });

  it("reads the MTP layers' kind from layer_types past the decoder; kinds that differ are not counted, said", () => {
    const types = FLASH.layer_types as string[];
    const full = read({ ...FLASH, layer_types: [...types.slice(0, 45), ...Array(3).fill('full_attention')] });
    expect(paramCount(full).mtpParams).toBe(3 * (mtpLayer - slidingAttention + fullAttention));
    const mixed = read({
      ...FLASH,
      layer_types: [...types.slice(0, 45), 'full_attention', 'sliding_attention', 'sliding_attention'],
    });
    expect(mixed.numMtpModules).toBe(0);
    expect(mixed.warnings![0]).toMatch(/3 MTP layers' layer_types entries differ/);
    // Without the tail, the release's sliding block.
    expect(read({ ...FLASH, layer_types: types.slice(0, 45) }).mtpModule?.layer.attention).toBe('sliding');
  });

  it('caches full-length KV on the 12 full layers only (12 GiB at 256K), 512 tokens on the sliding ones; the gate is a GEMM to one scalar a head', () => {
    const spec = read(FLASH);
    const perLayerToken = 2 * kv * d * 2;
    const at = 262_144;
    expect(kvCacheBytes(spec, at, 'bf16').bytesPerSequence).toBe(
      12 * perLayerToken * at + 33 * perLayerToken * 512,
    );
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    const projections = (heads: number) => 2 * (2 * h * heads * d + 2 * h * kv * d + h * heads);
    expect(f.breakdown.attentionProjections).toBe(12 * projections(64) + 33 * projections(96));
  });

  it('specFromHfConfig reads step3p5 by this family; step3p7 wraps it in text_config and says its vision tower is not read', () => {
    expect(specFromHfConfig(FLASH, 'step-3.5-flash')).toEqual(read(FLASH));
    const wrapper = {
      model_type: 'step3p7',
      architectures: ['Step3p7ForConditionalGeneration'],
      text_config: FLASH,
      vision_config: {
        model_type: 'perception_encoder',
        width: 1536,
        layers: 47,
        heads: 16,
        patch_size: 14,
        image_size: 728,
      },
    };
    const spec = specFromHfConfig(wrapper, 'step-3.7-flash');
    expect(paramCount(spec).totalParams).toBe(196_956_130_368);
    expect(spec.modelType).toBe('step3p7');
    expect(spec.warnings!.at(-1)).toMatch(/vision tower .*perception_encoder.* not read/);
  });

  it('without moe_layers_enum every layer but the first is MoE (HF and vLLM); without layer_types every layer is full attention, said', () => {
    const { moe_layers_enum: _m, layer_types: _l, ...rest } = FLASH;
    const spec = read(rest);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(44).fill('moe')]);
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
    expect(spec.attention).toMatchObject({ numHeads: 64 });
    expect(spec.warnings![0]).toMatch(/no layer_types/);
    expect(read({ ...FLASH, moe_layers_enum: [3, 4, 5] }).layers.filter((l) => l.mlp === 'moe')).toHaveLength(
      3,
    );
  });

  it('names the field of a bad config', () => {
    expect(inputErrorOf(() => read({ ...FLASH, moe_layers_enum: '3,4,x' })).message).toMatch(
      /moe_layers_enum' must list MoE layer indices from 0 to 44/,
    );
    expect(inputErrorOf(() => read({ ...FLASH, moe_layers_enum: '3,45' })).message).toMatch(
      /moe_layers_enum/,
    );
    expect(inputErrorOf(() => read({ ...FLASH, moe_layers_enum: '' })).message).toMatch(/moe_layers_enum/);
    expect(
      inputErrorOf(() => read({ ...FLASH, layer_types: (FLASH.layer_types as string[]).slice(0, 40) }))
        .message,
    ).toMatch(/layer_types' must list one entry per layer \(45\), got 40/);
    expect(inputErrorOf(() => read({ ...FLASH, sliding_window: null })).message).toMatch(
      /sliding_window' is required/,
    );
    expect(
      inputErrorOf(() =>
        read({ ...FLASH, attention_other_setting: { num_attention_heads: 96, num_attention_groups: 7 } }),
      ).message,
    ).toMatch(/attention_other_setting\.num_attention_groups/);
  });

  it('a hand-written spec offers the head-wise gate: h · heads parameters and 2 · h · heads FLOPs per token a layer', () => {
    const input = {
      name: 'gated',
      vocabSize: 1000,
      hiddenSize: 512,
      numLayers: 4,
      maxContextTokens: 4096,
      attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2 },
      mlp: { intermediateSize: 1024 },
    };
    const plain = specFromInput(input);
    const gated = specFromInput({ ...input, attention: { ...input.attention, headGate: true } });
    expect(paramCount(gated).totalParams - paramCount(plain).totalParams).toBe(4 * 512 * 8);
    const flops = (spec: typeof plain) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 100 }).breakdown
        .attentionProjections;
    expect(flops(gated) - flops(plain)).toBe(4 * 2 * 512 * 8);
  });

  it("reads ai-dynamo/aiconfigurator's flat step3p7 config (DeepSeek-style keys, no attention_other_setting) as it is written, said", () => {
    const config = hfFixture('hand-built/step-3.7-flash-aiconfigurator');
    const spec = specFromHfConfig(config, 'step-3.7-flash');
    expect(spec.layers.map((l) => l.mlp)).toEqual([...Array(3).fill('dense'), ...Array(42).fill('moe')]);
    expect(spec.moe).toMatchObject({ numExperts: 288, topK: 8, numSharedExperts: 1, routerBias: true });
    expect(spec.attention).toMatchObject({ numHeads: 64, numKvHeads: 8 });
    expect(spec.warnings!.join('\n')).toMatch(
      /no attention_other_setting: the sliding layers are read with the full layers' 64 query heads/,
    );
    // The release's shapes but 64-head sliding layers and no head gate (its config does not set one).
    const p = paramCount(spec);
    expect(p.totalParams).toBe(196_956_130_368 - 33 * (slidingAttention - fullAttention) - 45 * (64 * h));
  });
});

describe('configs of an unknown model_type read by their keys', () => {
  it("DeepSeek-V4-Flash as sgl-project's FP8 config names it (deepseek_ref) reads as deepseek_v4, not a glm4_moe lookalike", () => {
    const ref = specFromHfConfig(hfFixture('hand-built/deepseek-v4-flash-fp8-sglang'), 'v4-fp8');
    const v4 = specFromHfConfig(hfFixture('hand-built/deepseek-v4-flash'), 'v4');
    expect(ref.attention.kind).toBe('compressed');
    expect(paramCount(ref).totalParams).toBe(paramCount(v4).totalParams);
    expect(ref.warnings!.join('\n')).toMatch(/'deepseek_ref' is not supported; read as deepseek_v4-like/);
  });

  it('a Step-3.5 derivative under a new model_type reads as step3p5; compressed-attention keys refuse any other lookalike', () => {
    const spec = specFromHfConfig({ ...FLASH, model_type: 'step3p5_custom' }, 'custom');
    expect(paramCount(spec).totalParams).toBe(196_956_130_368);
    expect(spec.warnings!.join('\n')).toMatch(/read as step3p5-like/);
    const glmish = {
      model_type: 'mystery_moe',
      hidden_size: 1024,
      num_hidden_layers: 4,
      num_attention_heads: 8,
      vocab_size: 1000,
      max_position_embeddings: 4096,
      n_routed_experts: 8,
      num_experts_per_tok: 2,
      moe_intermediate_size: 256,
      compress_ratios: [0, 4, 128, 4],
    };
    expect(inputErrorOf(() => specFromHfConfig(glmish, 'mystery')).message).toMatch(
      /compressed KV attention/,
    );
    // Step3's low-rank shared query (share_q_dim) is not Step-3.5's attention: a Step3 derivative reads
    // as step3_text (MFA), and the key refuses a lookalike that does not model it.
    const step3 = {
      model_type: 'step3_derivative',
      hidden_size: 7168,
      intermediate_size: 18_432,
      num_attention_heads: 64,
      num_attention_groups: 1,
      head_dim: 256,
      share_q_dim: 2048,
      num_hidden_layers: 61,
      vocab_size: 128_815,
      max_position_embedding: 65_536,
      moe_num_experts: 48,
      moe_top_k: 3,
      moe_intermediate_size: 5120,
      share_expert_dim: 5120,
      moe_layers_enum:
        '4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59',
    };
    const derived = specFromHfConfig(step3, 'step-3');
    expect(derived.attention).toMatchObject({ numKvHeads: 1, queryRank: 2048 });
    expect(paramCount(derived).totalParams).toBe(316_294_538_240);
    expect(derived.warnings!.join('\n')).toMatch(/read as step3-like: Step3 MFA/);
    const {
      num_attention_groups: _g,
      moe_num_experts: _e,
      moe_top_k: _k,
      share_expert_dim: _s,
      ...plain
    } = step3;
    expect(
      inputErrorOf(() => specFromHfConfig({ ...plain, n_routed_experts: 48, num_experts_per_tok: 3 }, 'x'))
        .message,
    ).toMatch(/share_q_dim.*low-rank query/);
  });
});
