/**
 * Sarvam MoE (`sarvam_moe`, sarvam-moe.ts): sarvamai/sarvam-30b counted tensor by tensor from the
 * modules of its remote code `modeling_sarvam_moe.py` (SarvamMoEAttention's fused query_key_value,
 * query_layernorm/key_layernorm and dense; SarvamMoESparseMoeBlock's gate weight and expert_bias,
 * experts and shared_experts; SarvamMoEMLP on the first dense layer), written here from config.json
 * and not through the reader, against the model card: "an advanced Mixture-of-Experts (MoE) model
 * with 2.4B non-embedding active parameters", 30B in its name (the tensors are 30.0B without the
 * embedding and head, 32.15B with them: the Hub's "32B").
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { sarvamMoe } from './sarvam-moe.js';

const sarvam30b = () => structuredClone(hfFixture('hand-built/sarvam-30b')) as Cfg;
const read = (c: Cfg) => sarvamMoe(new Fields(c, 'sarvam_moe'), 'sarvam-30b');

/**
 * The checkpoint's tensors: model.word_embeddings [V, h], model.norm [h], lm_head [V, h]; per layer
 * input_layernorm and post_attention_layernorm [h], attention.query_key_value [(H + 2K)·d, h],
 * query_layernorm and key_layernorm [d], dense [h, H·d]; mlp.gate_proj, up_proj [I, h] and down_proj
 * [h, I] on layers < first_k_dense_replace, else mlp.gate.weight [E, h], gate.expert_bias [E], E
 * experts of moe_intermediate_size and shared_experts of moe_intermediate_size × num_shared_experts.
 */
function sarvamTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const d = c.head_dim;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h], [c.vocab_size, h]);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [(c.num_attention_heads + 2 * c.num_key_value_heads) * d, h], [d], [d]);
    t.add([h, c.num_attention_heads * d]);
    if (i < c.first_k_dense_replace) {
      t.add([c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
      continue;
    }
    const ie = c.moe_intermediate_size;
    const is = c.num_shared_experts * ie;
    t.add([c.num_experts, h], [c.num_experts], [is, h], [is, h], [h, is]);
    t.experts(c.num_experts, c.num_experts_per_tok, [ie, h], [ie, h], [h, ie]);
  }
  return t;
}

describe('sarvam_moe (Sarvam-30B)', () => {
  it('reads one dense layer then 18 MoE layers, 64/4 heads of 64 with q/k norms, 128 experts top-6 and a shared one', () => {
    const spec = read(sarvam30b());
    expect(spec.modelType).toBe('sarvam_moe');
    expect(spec.layers.map((l) => `${l.attention}/${l.mlp}`)).toEqual([
      'full/dense',
      ...Array(18).fill('full/moe'),
    ]);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 4,
      headDim: 64,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8192, gated: true, bias: false });
    expect(spec.moe).toEqual({
      numExperts: 128,
      topK: 6,
      expertIntermediateSize: 1024,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 1024,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.vocabSize).toBe(262_144);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.numMtpModules).toBe(0);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts the tensors: 32,152,650,368 total, 4,520,575,616 active; 30.0B and 2.37B without embedding and head (the card: 30B, 2.4B)', () => {
    const c = sarvam30b();
    const t = sarvamTensors(c);
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(t.total);
    expect(p.totalParams).toBe(32_152_650_368);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(p.activeParams).toBe(4_520_575_616);
    expect(p.embeddingParams).toBe(2 * 262_144 * 4096);
    expect(p.totalParams - p.embeddingParams).toBe(30_005_166_720);
    expect(p.activeParams - p.embeddingParams).toBe(2_373_091_968);
    expect((p.activeParams - p.embeddingParams) / 1e9).toBeCloseTo(2.4, 1);
    expect((p.totalParams - p.embeddingParams) / 1e9).toBeCloseTo(30, 0);
    // query_key_value h → (64 + 2·4)·64, dense 4096 → 4096 and the two per-head norms.
    expect(p.breakdown.attention).toBe(19 * (4096 * 4608 + 4096 * 4096 + 2 * 64));
    // Each MoE layer's gate: 128 weight rows and the 128-entry expert_bias.
    expect(p.breakdown.router).toBe(18 * (128 * 4096 + 128));
    expect(p.breakdown.norms).toBe(19 * 2 * 4096 + 4096);
    expect(p.mtpParams).toBe(0);
  });

  it('KV cache: K and V of 4 heads × 64 on all 19 layers', () => {
    const spec = read(sarvam30b());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(19 * 2 * 4 * 64 * 2);
    expect(kvCacheBytes(spec, 131_072, 'bf16').bytesPerToken).toBe(19_456);
  });

  it('decode FLOPs: fused QKV and dense on 19 layers, 6 routed experts and the shared one on 18, the head', () => {
    const f = forwardFlopsPerToken(read(sarvam30b()), { attentionMode: 'decode', contextTokens: 4096 });
    const expert = 3 * 4096 * 1024;
    expect(f.breakdown.attentionProjections).toBe(19 * 2 * (4096 * 4608 + 4096 * 4096));
    expect(f.breakdown.attentionScores).toBe(19 * 2 * 64 * (64 + 64) * 4096);
    expect(f.breakdown.denseMlp).toBe(2 * 3 * 4096 * 8192);
    expect(f.breakdown.routedExperts).toBe(18 * 2 * 6 * expert);
    expect(f.breakdown.sharedExperts).toBe(18 * 2 * expert);
    expect(f.breakdown.router).toBe(18 * 2 * 128 * 4096);
    expect(f.breakdown.head).toBe(2 * 262_144 * 4096);
  });

  it('follows the remote code on null keys and the class defaults on omitted ones', () => {
    const c = sarvam30b();
    for (const k of ['num_key_value_heads', 'use_qk_norm', 'n_group', 'topk_group', 'first_k_dense_replace'])
      delete c[k];
    expect(read(c)).toEqual(read(sarvam30b()));
    // head_dim null: hidden / heads (`config.head_dim or hidden_size // num_attention_heads`).
    expect(read({ ...sarvam30b(), head_dim: null, hidden_size: 2048 }).attention).toMatchObject({
      headDim: 32,
    });
    // num_experts null: every layer a dense SarvamMoEMLP.
    const dense = read({ ...sarvam30b(), num_experts: null });
    expect(dense.moe).toBeNull();
    expect(dense.layers.every((l) => l.mlp === 'dense')).toBe(true);
    // num_shared_experts null: no shared_experts; 2: one SwiGLU twice as wide.
    expect(read({ ...sarvam30b(), num_shared_experts: null }).moe).toMatchObject({
      numSharedExperts: 0,
      sharedIntermediateSize: 0,
    });
    expect(read({ ...sarvam30b(), num_shared_experts: 2 }).moe).toMatchObject({
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
    });
    expect(read({ ...sarvam30b(), n_group: 8, topk_group: 4 }).moe?.routingGroups).toEqual({
      groups: 8,
      groupsPerToken: 4,
    });
    expect(read({ ...sarvam30b(), use_qkv_bias: true }).attention).toMatchObject({
      qkvBias: true,
      outputBias: false,
    });
    expect(read({ ...sarvam30b(), attention_bias: true }).attention).toMatchObject({
      qkvBias: true,
      outputBias: true,
    });
  });

  it('names what the code does not build or read in warnings', () => {
    const c = { ...sarvam30b(), num_nextn_predict_layers: 1 };
    const spec = read(c);
    expect(spec.numMtpModules).toBe(0);
    // enorm, hnorm, final_layernorm, eh_proj 2h → h and one MoE decoder layer.
    const moeLayer = 2 * 4096 + 4096 * 4608 + 4096 * 4096 + 128 + 128 * 4096 + 128 + 129 * 3 * 4096 * 1024;
    const each = 3 * 4096 + 2 * 4096 * 4096 + moeLayer;
    expect(each).toBe(1_692_946_688);
    expect(spec.warnings).toEqual([
      "sarvam_moe: num_nextn_predict_layers (1) is not counted: SarvamMoEForCausalLM builds no MTP layer and loads no MTP weights; laid out as Ling 2.0's BailingMoeV2MTPLayer (enorm, hnorm, eh_proj 2h → h, a MoE decoder layer, final_layernorm) each would hold 1,692,946,688 parameters, 1,692,946,688 in all",
    ]);
    expect(paramCount(spec).totalParams).toBe(32_152_650_368);
    expect(read({ ...sarvam30b(), moe_shared_expert_intermediate_size: 2048 }).warnings).toEqual([
      'sarvam_moe: moe_shared_expert_intermediate_size (2,048) is ignored: SarvamMoESparseMoeBlock sizes shared_experts as moe_intermediate_size × num_shared_experts (1,024)',
    ]);
    expect(read({ ...sarvam30b(), moe_router_enable_expert_bias: false }).warnings).toEqual([
      'sarvam_moe: moe_router_enable_expert_bias false is ignored: SarvamMoEGate always holds expert_bias (one per expert, counted)',
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    const { head_dim: _, ...noHeadDim } = sarvam30b();
    const e = inputErrorOf(() => read(noHeadDim));
    expect(e.message).toMatch(/'head_dim' is required: SarvamMoEConfig \(remote code\) defaults it to 256/);
    const { moe_intermediate_size: __, ...noExpertSize } = sarvam30b();
    expect(inputErrorOf(() => read(noExpertSize)).message).toMatch(/missing field 'moe_intermediate_size'/);
    expect(inputErrorOf(() => read({ ...sarvam30b(), num_experts_per_tok: 129 })).message).toMatch(
      /'num_experts_per_tok' \(129\) exceeds the number of experts \(128\)/,
    );
    expect(inputErrorOf(() => read({ ...sarvam30b(), n_group: 3 })).message).toMatch(
      /'n_group' \(3\) must divide num_experts \(128\)/,
    );
    expect(inputErrorOf(() => read({ ...sarvam30b(), n_group: 32, topk_group: 1 })).message).toMatch(
      /'num_experts_per_tok' \(6\) exceeds the 4 experts of the topk_group \(1\) groups/,
    );
    expect(inputErrorOf(() => read({ ...sarvam30b(), first_k_dense_replace: 20 })).message).toMatch(
      /'first_k_dense_replace' \(20\) exceeds num_hidden_layers \(19\)/,
    );
    expect(inputErrorOf(() => read({ ...sarvam30b(), num_key_value_heads: 5 })).message).toMatch(
      /'num_key_value_heads' \(5\) must divide/,
    );
    expect(inputErrorOf(() => read({ ...sarvam30b(), use_qk_norm: 'yes' })).message).toMatch(
      /'use_qk_norm' must be true or false/,
    );
  });

  it('specFromHfConfig reads sarvam_moe by this family, not as a lookalike', () => {
    expect(specFromHfConfig(sarvam30b(), 'sarvam-30b')).toEqual(read(sarvam30b()));
  });
});
