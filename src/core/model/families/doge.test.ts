/**
 * Doge (`doge`), read by calling the family directly: counts tensor by tensor from the modules of
 * transformers `models/doge/modeling_doge.py`: embed_tokens [V, h]; per layer input_layernorm and
 * post_attention_layernorm [h], input_residual and post_attention_residual [h], q_proj [H·d, h],
 * k_proj and v_proj [K·d, h], o_proj [h, H·d] (biases per attention_bias), q_norm and k_norm [d], A [K],
 * dt_proj [K, K·d] (+ [K] bias per attention_bias); DogeMLP gate_proj/up_proj [I, h] and down_proj
 * [h, I] (biases per mlp_bias), plus, in DogeCDMoE, router_gate [2·floor(√E), h] and down_embed,
 * up_embed [E, h]; model.norm [h]; lm_head [V, h] unless tied.
 *
 * Fixtures (hand-built, assembled: the Hub config.json files are not in the stored index):
 * `doge-160m.json` is the model_config of small-doge `recipes/doge/Doge-160M/config_full.yaml` (24
 * layers, hidden 768, 6 heads, 3 KV heads, intermediate 1536, vocab 32768, tied, 2048 positions);
 * `doge-40m-moe.json` the model_init_kwargs of `recipes/doge/Doge-40M-MoE/config_full.yaml`
 * (SmallDoge/Doge-40M-MoE-checkpoint: 8 layers, hidden 256, CDMoE of 1024 experts, top-8).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { type LlamaShape, llamaAttentionTensors } from '../../../../test/llama-tensors.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { doge } from './doge.js';
import { Fields, type Json } from './fields.js';

const DOGE_160M: Json = hfFixture('hand-built/doge-160m');
const DOGE_40M_MOE: Json = hfFixture('hand-built/doge-40m-moe');

const read = (config: Json) => doge(new Fields(config, 'doge'), 'x');

interface Shape extends LlamaShape {
  readonly mlpBias?: boolean;
  readonly experts?: number;
}

/** DogeForCausalLM's state dict, from the config's numbers alone. */
function dogeTensors(c: Shape): number {
  const kv = c.kvHeads * (c.h / c.heads);
  const qkNorms = 2 * (c.h / c.heads);
  // A [K], dt_proj K·d → K (with a bias per attention_bias).
  const dynamicMask = c.kvHeads + c.kvHeads * kv + (c.qkvoBias ? c.kvHeads : 0);
  const mlp = 3 * c.h * c.inter + (c.mlpBias ? 2 * c.inter + c.h : 0);
  const cdmoe = c.experts ? c.h * 2 * Math.floor(Math.sqrt(c.experts)) + 2 * c.experts * c.h : 0;
  const normsAndResiduals = 4 * c.h;
  const layer = normsAndResiduals + llamaAttentionTensors(c) + qkNorms + dynamicMask + mlp + cdmoe;
  return c.vocab * c.h + c.layers * layer + c.h + (c.tied ? 0 : c.vocab * c.h);
}

const SHAPE_160M: Shape = {
  vocab: 32_768,
  h: 768,
  layers: 24,
  heads: 6,
  kvHeads: 3,
  inter: 1536,
  tied: true,
};
const SHAPE_40M_MOE: Shape = {
  vocab: 128_256,
  h: 256,
  layers: 8,
  heads: 2,
  kvHeads: 1,
  inter: 768,
  tied: true,
  experts: 1024,
};

const MASK_WARNING_160M =
  "doge: dynamic mask attention adds exp(A·softplus(dt_proj(v))) to every query's score of each key and, past 2,048 keys, keeps each query's 2,048 highest: transformers still scores every cached key (counted here as full attention with a full KV cache) and reruns dt_proj over all cached values at each step (2 × 3 × 384 FLOPs a cached token a layer, counted here once a token)";

describe('doge (SmallDoge/Doge-160M)', () => {
  it('reads 24 layers of 6 heads (3 KV) of 128 with q/k norms, SwiGLU 1536, tied embeddings', () => {
    const spec = read(DOGE_160M);
    expect(spec.modelType).toBe('doge');
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 6,
      numKvHeads: 3,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 1536, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.vocabSize).toBe(32_768);
    expect(spec.moe).toBeNull();
    expect(spec.slidingWindow).toBeNull();
    expect(spec.layers).toHaveLength(24);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.layers[0]?.extras).toEqual({
      modules: 'input_residual, post_attention_residual, self_attn.A, self_attn.dt_proj',
      params: 2 * 768 + 3 + 3 * 384,
      gemms: [{ name: 'self_attn.dt_proj', n: 3, k: 384 }],
    });
    expect(spec.warnings).toEqual([MASK_WARNING_160M]);
  });

  it('counts the tensors: 152,676,168 for the "160M" (embedding tied, residual scales and mask included)', () => {
    const p = paramCount(read(DOGE_160M));
    expect(p.totalParams).toBe(dogeTensors(SHAPE_160M));
    expect(p.totalParams).toBe(152_676_168);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.breakdown.layerExtras).toBe(24 * (2 * 768 + 3 + 3 * 384));
    // q/k/v/o and the per-head q_norm and k_norm.
    expect(p.breakdown.attention).toBe(24 * (2 * 768 * 768 + 2 * 768 * 384 + 2 * 128));
    expect(p.breakdown.denseMlp).toBe(24 * 3 * 768 * 1536);
    expect(p.breakdown.norms).toBe(49 * 768);
  });

  it('KV cache: keys and values of 3 heads × 128 on all 24 layers', () => {
    expect(kvCacheBytes(read(DOGE_160M), 2048, 'bf16').bytesPerToken).toBe(24 * 2 * 3 * 128 * 2);
  });

  it('decode FLOPs: dt_proj once a token beside the projections, MLP and tied head', () => {
    const f = forwardFlopsPerToken(read(DOGE_160M), { attentionMode: 'decode', contextTokens: 2048 });
    expect(f.breakdown.layerExtras).toBe(24 * 2 * 3 * 384);
    expect(f.breakdown.attentionProjections).toBe(24 * 2 * (2 * 768 * 768 + 2 * 768 * 384));
    expect(f.breakdown.denseMlp).toBe(24 * 2 * 3 * 768 * 1536);
    expect(f.breakdown.head).toBe(2 * 32_768 * 768);
  });

  it("follows DogeConfig's defaults, the bias flags, GQA and sliding_window", () => {
    const trimmed: Json = { ...DOGE_160M };
    for (const k of ['hidden_act', 'max_position_embeddings']) delete trimmed[k];
    expect(read(trimmed)).toEqual(read(DOGE_160M));
    const untied = { ...DOGE_160M, tie_word_embeddings: false };
    expect(paramCount(read(untied)).totalParams).toBe(dogeTensors({ ...SHAPE_160M, tied: false }));
    const biased = read({ ...DOGE_160M, attention_bias: true, mlp_bias: true });
    expect(biased.attention).toMatchObject({ qkvBias: true, outputBias: true });
    expect(biased.mlp.bias).toBe(true);
    expect(paramCount(biased).totalParams).toBe(
      dogeTensors({ ...SHAPE_160M, qkvoBias: true, mlpBias: true }),
    );
    const mha = read({ ...DOGE_160M, num_key_value_heads: 6 });
    expect(paramCount(mha).totalParams).toBe(dogeTensors({ ...SHAPE_160M, kvHeads: 6 }));
    expect(mha.layers[0]?.extras?.gemms).toEqual([{ name: 'self_attn.dt_proj', n: 6, k: 768 }]);
    const sliding = read({ ...DOGE_160M, sliding_window: 512 });
    expect(sliding.slidingWindow).toBe(512);
    expect(sliding.layers.every((l) => l.attention === 'sliding')).toBe(true);
    expect(read({ ...DOGE_160M, keep_window_size: 1024 }).warnings?.[0]).toMatch(/past 1,024 keys/);
  });

  it("warns, with both counts, on a config of SmallDoge's remote code (A and dt_proj over all heads)", () => {
    const remote = read({ ...DOGE_160M, hidden_bias: false, dynamic_mask_ratio: 0.0 });
    expect(remote.warnings).toEqual([
      MASK_WARNING_160M,
      "doge: 'hidden_bias' is a key of SmallDoge's remote DogeConfig: a checkpoint saved by its modeling_doge.py holds A [6] and dt_proj 384 → 6 and no q_norm/k_norm, 2,310 parameters a layer where transformers' DogeAttention (counted here) holds 1,411",
    ]);
    expect(paramCount(remote).totalParams).toBe(152_676_168);
  });

  it('refuses malformed fields, naming them', () => {
    const e = inputErrorOf(() => read({ ...DOGE_160M, num_key_value_heads: 4 }));
    expect(e.message).toMatch(/'num_key_value_heads' \(4\) must divide num_attention_heads \(6\)/);
    expect(e.issues[0]?.path).toEqual(['num_key_value_heads']);
    expect(inputErrorOf(() => read({ ...DOGE_160M, hidden_size: 770 })).issues[0]?.path).toEqual([
      'hidden_size',
    ]);
    expect(inputErrorOf(() => read({ ...DOGE_160M, is_moe: 'yes' })).issues[0]?.path).toEqual(['is_moe']);
    expect(inputErrorOf(() => read({ ...DOGE_160M, keep_window_size: 0 })).issues[0]?.path).toEqual([
      'keep_window_size',
    ]);
  });
});

describe('doge CDMoE (SmallDoge/Doge-40M-MoE-checkpoint)', () => {
  it('reads the shared SwiGLU as the dense MLP and router_gate and 1024 expert embeddings as extras', () => {
    const spec = read(DOGE_40M_MOE);
    expect(spec.moe).toBeNull();
    expect(spec.mlp).toEqual({ intermediateSize: 768, gated: true, bias: false });
    expect(spec.attention).toMatchObject({ numHeads: 2, numKvHeads: 1, headDim: 128, qkNorm: 'per-head' });
    expect(spec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(spec.layers[0]?.extras).toEqual({
      modules:
        'input_residual, post_attention_residual, self_attn.A, self_attn.dt_proj, mlp.router_gate, mlp.down_embed, mlp.up_embed',
      params: 2 * 256 + 1 + 128 + 256 * 64 + 2 * 1024 * 256,
      idleParams: (1024 - 8) * 2 * 256,
      gemms: [
        { name: 'self_attn.dt_proj', n: 1, k: 128 },
        { name: 'mlp.router_gate', n: 64, k: 256 },
        { name: 'mlp.down_embed', n: 8, k: 256 },
        { name: 'mlp.up_embed', n: 256, k: 8 },
      ],
    });
    expect(spec.warnings?.[1]).toBe(
      "doge: CDMoE is not llmecon's MoE block (its shared gate/up/down MLP is gated, its 1,024 experts single-neuron and ungated, its router product keys): router_gate and the experts (down_embed, up_embed: 524,288 weights a layer) are layer extras, exact in total and active parameters and FLOPs, but held whole on every tensor-parallel rank, with no expert parallelism or all-to-all",
    );
  });

  it('counts 43,461,896 parameters, 39,300,360 active (8 of 1024 experts a token)', () => {
    const p = paramCount(read(DOGE_40M_MOE));
    expect(p.totalParams).toBe(dogeTensors(SHAPE_40M_MOE));
    expect(p.totalParams).toBe(43_461_896);
    expect(p.activeParams).toBe(p.totalParams - 8 * (1024 - 8) * 2 * 256);
    expect(p.activeParams).toBe(39_300_360);
  });

  it('FLOPs a token: dt_proj, the router over 2 × 32 keys and 8 experts of 2 × 256', () => {
    const f = forwardFlopsPerToken(read(DOGE_40M_MOE), { attentionMode: 'decode', contextTokens: 2048 });
    expect(f.breakdown.layerExtras).toBe(8 * 2 * (128 + 64 * 256 + 8 * 256 + 256 * 8));
    expect(f.breakdown.denseMlp).toBe(8 * 2 * 3 * 256 * 768);
  });

  it('follows the default 16,384 experts top-64, and refuses a top-k beyond the product-key candidates', () => {
    const defaults: Json = { ...DOGE_40M_MOE };
    delete defaults.num_experts;
    delete defaults.num_experts_per_tok;
    expect(paramCount(read(defaults)).totalParams).toBe(dogeTensors({ ...SHAPE_40M_MOE, experts: 16_384 }));
    // 1000 experts: floor(√1000) = 31 keys a half, 961 candidates.
    const odd = { ...DOGE_40M_MOE, num_experts: 1000 };
    expect(paramCount(read(odd)).totalParams).toBe(dogeTensors({ ...SHAPE_40M_MOE, experts: 1000 }));
    const e = inputErrorOf(() => read({ ...odd, num_experts_per_tok: 962 }));
    expect(e.message).toMatch(/'num_experts_per_tok' \(962\) exceeds the 961 product-key candidates/);
    expect(inputErrorOf(() => read({ ...DOGE_40M_MOE, num_experts_per_tok: 1025 })).issues[0]?.path).toEqual([
      'num_experts_per_tok',
    ]);
    expect(inputErrorOf(() => read({ ...DOGE_40M_MOE, num_experts: 0 })).issues[0]?.path).toEqual([
      'num_experts',
    ]);
  });
});
