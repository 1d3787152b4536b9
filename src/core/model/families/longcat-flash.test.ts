/**
 * LongCat-Flash (`longcat_flash`): LongCat-Flash-Chat counted tensor by tensor against transformers'
 * LongcatFlashDecoderLayer (two MLA, two SwiGLU MLPs, four RMSNorms, one MoE with zero-computation
 * experts) and against the model card (560B total; 18.6B-31.3B activated, 27B on average).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { deepseekV3Mla } from '../../../../test/mla.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { longcatFlash } from './longcat-flash.js';

/**
 * meituan-longcat/LongCat-Flash-Chat config.json: the keys the modelling code reads (the same values
 * are LongcatFlashConfig's defaults, documented against that checkpoint).
 */
const CHAT: Json = hfFixture('hand-built/longcat-flash-chat');

const read = (config: Record<string, unknown>) =>
  longcatFlash(new Fields(config, 'longcat_flash'), 'longcat-flash-chat');

// Shapes of LongCat-Flash-Chat's modules.
const h = 6144;
const vocab = 131_072;
const heads = 64;
const layers = 28;
/** LongcatFlashMLA: q_a_proj, q_a_layernorm, q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj. */
const mla =
  h * 1536 +
  1536 +
  1536 * heads * (128 + 64) +
  h * (512 + 64) +
  512 +
  512 * heads * (128 + 128) +
  heads * 128 * h;
/** LongcatFlashMLP (mlps[0], mlps[1]): gate_proj, up_proj, down_proj of ffn_hidden_size. */
const mlp = 3 * h * 12_288;
/** One routed expert: its rows of gate_up_proj (2 · 2048 × h) and down_proj (h × 2048). */
const expert = 2 * 2048 * h + h * 2048;
/** LongcatFlashTopkRouter as the spec counts it: classifier and e_score_correction_bias per routed expert. */
const router = h * 512 + 512;
/** The zero-expert columns of classifier (h × 256) and e_score_correction_bias (256), not in the spec. */
const zeroColumns = h * 256 + 256;
/** LongcatFlashDecoderLayer: 2 MLA, 2 MLPs, 512 experts, the router, 4 RMSNorms of h. */
const layer = 2 * mla + 2 * mlp + 512 * expert + router + 4 * h;
/** embed_tokens, lm_head (untied), model.norm. */
const total = layers * layer + vocab * h + vocab * h + h;

describe('longcat_flash', () => {
  it('reads each layer as [MLA; MoE with mlps[0] as shared expert] and [MLA; mlps[1]]', () => {
    const spec = read(CHAT);
    expect(spec.numLayers).toBe(56);
    expect(spec.layers).toHaveLength(56);
    expect(spec.layers.slice(0, 4).map((l) => `${l.attention}/${l.mlp}`)).toEqual([
      'full/moe',
      'full/dense',
      'full/moe',
      'full/dense',
    ]);
    expect(spec.attention).toEqual(deepseekV3Mla(64));
    expect(spec.mlp).toEqual({ intermediateSize: 12_288, gated: true, bias: false });
    expect(spec.moe).toMatchObject({
      numExperts: 512,
      topK: 8,
      expertIntermediateSize: 2048,
      numSharedExperts: 1,
      sharedIntermediateSize: 12_288,
      routerBias: true,
      routingGroups: null,
      fusedGateUp: true,
      sharedIsDenseMlp: true,
    });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.numMtpModules).toBe(0);
    expect(spec.modelType).toBe('longcat_flash');
    const warnings = spec.warnings?.join('\n') ?? '';
    expect(warnings).toMatch(/each of the 28 layers .* read as 2 blocks/);
    expect(warnings).toMatch(/counted as 8 real experts per token \(12 × 512 \/ 768.*reaches 0 to 12\)/);
    expect(warnings).toMatch(/1,573,120 parameters a layer, 44,047,360 in all\) are not counted/);
    expect(warnings).not.toMatch(/rounded/);
  });

  it('counts LongCat-Flash-Chat tensor by tensor: 560.6B, the model card 560B', () => {
    const p = paramCount(read(CHAT));
    expect(mla).toBe(90_572_800);
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(560_620_933_120);
    expect(p.breakdown).toMatchObject({
      embedding: vocab * h,
      head: vocab * h,
      attention: 2 * layers * mla,
      denseMlp: layers * mlp,
      sharedExperts: layers * mlp,
      routedExperts: layers * 512 * expert,
      router: layers * router,
      norms: 4 * layers * h + h,
    });
    expect(p.perLayer).toHaveLength(56);
    expect(p.perLayer[0]!.totalParams + p.perLayer[1]!.totalParams).toBe(layer);
    // The checkpoint also holds the router's zero-expert columns (not expressible in the spec).
    const checkpoint = total + layers * zeroColumns;
    expect(checkpoint).toBe(560_664_980_480);
    expect(checkpoint - p.totalParams).toBe(44_047_360);
    expect(p.totalParams / 1e9).toBeCloseTo(560.6, 1);
  });

  it('activates 8 of 512 experts on average: 27.1B without the embedding table, the card 27B', () => {
    const p = paramCount(read(CHAT));
    expect(p.activeParams).toBe(total - layers * (512 - 8) * expert);
    // The model card's activated counts leave out the embedding lookup (the head is a matmul).
    const activated = p.activeParams - vocab * h;
    expect(activated).toBe(27_105_464_320);
    expect(activated / 1e9).toBeCloseTo(27.1, 1);
    // The card's range: a token reaching none of the real experts (all 12 zero) or all 12 real.
    expect((activated - layers * 8 * expert) / 1e9).toBeCloseTo(18.65, 2);
    const allReal = paramCount(read({ ...CHAT, zero_expert_num: 0 }));
    expect(read({ ...CHAT, zero_expert_num: 0 }).moe?.topK).toBe(12);
    expect((allReal.activeParams - vocab * h) / 1e9).toBeCloseTo(31.33, 2);
  });

  it('forward FLOPs: 2 per weight of the 8 experts, both MLPs, MLA and router; MLA latents cached per block', () => {
    const spec = read(CHAT);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 1 }).breakdown;
    expect(f.routedExperts).toBe(2 * layers * 8 * expert);
    expect(f.sharedExperts).toBe(2 * layers * mlp);
    expect(f.denseMlp).toBe(2 * layers * mlp);
    expect(f.router).toBe(2 * layers * h * 512);
    expect(f.head).toBe(2 * vocab * h);
    // transformers' cache holds 2 · num_layers latents: kv_lora_rank + qk_rope_head_dim per token.
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(56 * (512 + 64) * 2);
  });

  it('LoRA on gate/up/down adapts both dense MLPs (mlps.0 as the shared expert, mlps.1)', () => {
    const spec = read(CHAT);
    const r = 16;
    const pair = (i: number, o: number) => r * (i + o);
    const lora = { method: 'lora' as const, rank: r, targets: parseTargets('gate,up,down') };
    const oneMlp = 2 * pair(h, 12_288) + pair(12_288, h);
    expect(trainableParams(spec, lora)).toBe(2 * layers * oneMlp);
  });

  it('rounds a fractional expected expert count and says so; null zero_expert_num is none', () => {
    const tiny = {
      ...CHAT,
      hidden_size: 64,
      ffn_hidden_size: 128,
      expert_ffn_hidden_size: 32,
      n_routed_experts: 8,
      zero_expert_num: 4,
      moe_topk: 2,
      num_layers: 2,
      vocab_size: 128,
      num_attention_heads: 4,
      kv_lora_rank: 16,
      q_lora_rank: 32,
      qk_rope_head_dim: 8,
      qk_nope_head_dim: 8,
      v_head_dim: 16,
    };
    const spec = read(tiny);
    expect(spec.moe?.topK).toBe(1);
    expect(spec.warnings?.join('\n')).toMatch(/= 1\.333 is not whole: rounded to 1/);
    const none = read({ ...tiny, zero_expert_num: null });
    expect(none.moe?.topK).toBe(2);
    expect(none.warnings).toHaveLength(1);
    // transformers writes num_hidden_layers = 2 · num_layers; num_layers alone decides.
    expect(read({ ...tiny, num_hidden_layers: 4 }).numLayers).toBe(4);
    expect(read({ ...tiny, num_hidden_layers: 99 }).numLayers).toBe(4);
  });

  it('refuses malformed or unsupported fields, naming them', () => {
    const { num_layers: _, ...noLayers } = CHAT;
    expect(() => read(noLayers)).toThrowError(/missing field 'num_layers'/);
    const { zero_expert_num: __, ...noZero } = CHAT;
    expect(() => read(noZero)).toThrowError(/missing field 'zero_expert_num'/);
    expect(() => read({ ...CHAT, zero_expert_num: -1 })).toThrowError(
      /'zero_expert_num' must be a non-negative integer/,
    );
    expect(() => read({ ...CHAT, q_lora_rank: null })).toThrowError(/'q_lora_rank' is required/);
    expect(() => read({ ...CHAT, moe_topk: 769 })).toThrowError(
      /'moe_topk' \(769\) exceeds n_routed_experts \+ zero_expert_num \(768\)/,
    );
    expect(() => read({ ...CHAT, moe_topk: 0 })).toThrowError(/'moe_topk' must be at least 1/);
    expect(() => read({ ...CHAT, qk_head_dim: 128 })).toThrowError(/'qk_head_dim' must equal .* \(192\)/);
    expect(read({ ...CHAT, qk_head_dim: 192 }).numLayers).toBe(56);
    expect(() => read({ ...CHAT, attention_bias: true })).toThrowError(
      /'attention_bias' true is not supported/,
    );
    expect(() => read({ ...CHAT, router_bias: true })).toThrowError(/'router_bias' true is not supported/);
    expect(() => read({ ...CHAT, zero_expert_type: 'mean' })).toThrowError(/'zero_expert_type' must be/);
    expect(read({ ...CHAT, zero_expert_type: 'drop' }).moe?.topK).toBe(8);
    expect(() => read({ ...CHAT, attention_method: 'GQA' })).toThrowError(/'attention_method' must be 'MLA'/);
    expect(() => read({ ...CHAT, expert_ffn_hidden_size: 0 })).toThrowError(
      /'expert_ffn_hidden_size' must be at least 1/,
    );
    expect(() => read({ ...CHAT, n_routed_experts: '512' })).toThrowError(
      /'n_routed_experts' must be a non-negative integer/,
    );
    expect(() => read({ ...CHAT, ffn_hidden_size: 12_288.5 })).toThrowError(/'ffn_hidden_size'/);
    expect(() => read({ ...CHAT, num_layers: 6000 })).toThrowError(/'num_layers' \(6000\) exceeds/);
  });
});
