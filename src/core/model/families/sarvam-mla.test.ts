/**
 * Sarvam-105B (`sarvam_mla`, sarvam-mla.ts) counted tensor by tensor from the modules the modelling
 * code builds (vLLM `sarvam.py` SarvamMLAAttention/SarvamMLAMLP/SarvamMLAMoE/SarvamMLABlock, SGLang
 * `sarvam_moe.py`), against the model card (sarvamai/sarvam-105b: "10.3B active parameters"; the
 * Hub's safetensors count 106B; the name 105B). The fixture is the release's config.json rebuilt key
 * by key from a Hub duplicate of the repository (test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { sarvamMla } from './sarvam-mla.js';

const CONFIG: Json = hfFixture('hand-built/sarvam-105b');
const read = (config: Json) => sarvamMla(new Fields(config, 'sarvam_mla'), 'sarvam-105b');

describe('sarvam_mla (Sarvam-105B)', () => {
  // SarvamMLAForCausalLM: embed_tokens, 32 SarvamMLABlocks, norm, lm_head (untied).
  const h = 4096;
  const vocab = 262_144;
  const layers = 32;
  const heads = 64;
  const nope = 128;
  const rope = 64;
  const v = 128;
  const latent = 512;
  const experts = 128;
  const expertFfn = 2048;
  const ffn = 16_384;
  /** SarvamMLAAttention: q_proj (no q_lora_rank), kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj. */
  const qProj = h * heads * (nope + rope);
  const kvA = h * (latent + rope);
  const kvNorm = latent;
  const kvB = latent * heads * (nope + v);
  const oProj = heads * v * h;
  const attention = qProj + kvA + kvNorm + kvB + oProj;
  /** SarvamMLAMLP of intermediate_size on layer 0: gate_proj, up_proj, down_proj. */
  const dense = 3 * h * ffn;
  /** One routed expert, and the shared expert (num_shared_experts 1 × moe_intermediate_size). */
  const expert = 3 * h * expertFfn;
  const shared = 3 * h * expertFfn;
  /** SarvamMLAMoE.gate (h → 128, no bias) and gate.e_score_correction_bias. */
  const router = h * experts + experts;
  const norms = 2 * h;
  const moeLayers = 31;
  const total =
    vocab * h +
    layers * (attention + norms) +
    dense +
    moeLayers * (experts * expert + shared + router) +
    h +
    vocab * h;
  const active = total - moeLayers * (experts - 8) * expert;

  it('reads MLA without a q latent, layer 0 dense and MoE after, 16 routing groups of 2, no MTP', () => {
    const spec = read(CONFIG);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(31).fill('moe')]);
    expect(new Set(spec.layers.map((l) => l.attention))).toEqual(new Set(['full']));
    expect(spec.attention).toEqual({
      kind: 'mla',
      numHeads: 64,
      qLoraRank: null,
      kvLoraRank: 512,
      qkNopeHeadDim: 128,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 16_384, gated: true, bias: false });
    expect(spec.moe).toEqual({
      numExperts: 128,
      topK: 8,
      expertIntermediateSize: 2048,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: { groups: 16, groupsPerToken: 2 },
    });
    expect(spec.numMtpModules).toBe(0);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.modelType).toBe('sarvam_mla');
    expect(spec.warnings).toEqual([
      "sarvam_mla: n_group is absent: read as the remote MoEGate's default, num_experts/8 = 16 groups with 2 per token (transformers SarvamMLAConfig defaults n_group 16, topk_group 2); vLLM's port routes without a group limit when the key is absent, which changes no count",
    ]);
  });

  it('counts 106,031,767,424 parameters (the Hub 106B) and 10.27B active besides embedding and head (the card 10.3B)', () => {
    const p = paramCount(read(CONFIG));
    expect(attention).toBe(94_634_496);
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(106_031_767_424);
    expect(p.activeParams).toBe(active);
    expect(p.activeParams).toBe(12_414_902_144);
    expect(p.activeParams - 2 * vocab * h).toBe(10_267_418_496);
    expect(Math.round(p.totalParams / 1e9)).toBe(106);
    expect(Math.round((p.activeParams - 2 * vocab * h) / 1e8) / 10).toBe(10.3);
    expect(p.mtpParams).toBe(0);
    expect(p.breakdown).toMatchObject({
      embedding: vocab * h,
      head: vocab * h,
      attention: layers * attention,
      denseMlp: dense,
      routedExperts: moeLayers * experts * expert,
      sharedExperts: moeLayers * shared,
      router: moeLayers * router,
    });
  });

  it('caches the 576-wide latent per token and layer: 36 KiB a token in BF16', () => {
    const spec = read(CONFIG);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(layers * (latent + rope) * 2);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(36 * 1024);
    expect(kvCacheBytes(spec, 131_072, 'bf16').bytesPerSequence).toBe(36 * 1024 * 131_072);
  });

  it('forward FLOPs: 2 per active expert weight, the dense layer, router and head', () => {
    const f = forwardFlopsPerToken(read(CONFIG), { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.denseMlp).toBe(2 * dense);
    expect(f.breakdown.routedExperts).toBe(2 * moeLayers * 8 * expert);
    expect(f.breakdown.sharedExperts).toBe(2 * moeLayers * shared);
    expect(f.breakdown.router).toBe(2 * moeLayers * h * experts);
    expect(f.breakdown.head).toBe(2 * vocab * h);
  });

  it("reads transformers' spelling, an explicit n_group, and all-dense without experts", () => {
    const { num_experts, num_shared_experts, ...rest } = CONFIG;
    const renamed = read({ ...rest, n_routed_experts: num_experts, n_shared_experts: num_shared_experts });
    expect(paramCount(renamed).totalParams).toBe(total);
    const grouped = read({ ...CONFIG, n_group: 8, topk_group: 4 });
    expect(grouped.moe?.routingGroups).toEqual({ groups: 8, groupsPerToken: 4 });
    expect(grouped.warnings).toBeUndefined();
    const denseOnly = read(rest);
    expect(denseOnly.moe).toBeNull();
    expect(denseOnly.layers.every((l) => l.mlp === 'dense')).toBe(true);
  });

  it('warns about MTP layers no port builds (with their size), use_qk_norm and a mismatched head_dim', () => {
    const spec = read({ ...CONFIG, num_nextn_predict_layers: 1, use_qk_norm: true, head_dim: 192 });
    const mtp = 3 * h + 2 * h * h + attention + norms + experts * expert + shared + router;
    expect(spec.numMtpModules).toBe(0);
    expect(paramCount(spec).totalParams).toBe(total);
    expect(spec.warnings).toEqual([
      expect.stringContaining('n_group is absent'),
      `sarvam_mla: num_nextn_predict_layers (1) is not counted: SarvamMLAForCausalLM (remote code, vLLM, SGLang) builds no MTP layers; as DeepSeek-V3 MTP modules they would hold ${mtp.toLocaleString('en-US')} parameters each (${mtp.toLocaleString('en-US')} in all)`,
      expect.stringMatching(/^sarvam_mla: use_qk_norm is true/),
      expect.stringMatching(/^sarvam_mla: head_dim \(192\) is not kv_lora_rank \+ qk_rope_head_dim \(576\)/),
    ]);
  });

  it('rejects bad configs naming the field', () => {
    expect(inputErrorOf(() => read({ ...CONFIG, q_head_dim: 128 })).message).toContain(
      "'q_head_dim' (128) must equal qk_nope_head_dim + qk_rope_head_dim (192)",
    );
    expect(inputErrorOf(() => read({ ...CONFIG, num_experts_per_tok: 129 })).message).toContain(
      "'num_experts_per_tok'",
    );
    expect(inputErrorOf(() => read({ ...CONFIG, kv_lora_rank: 0 })).message).toContain("'kv_lora_rank'");
    expect(inputErrorOf(() => read({ ...CONFIG, num_experts: 100 })).message).toContain("'n_group'");
  });

  it('specFromHfConfig reads sarvam_mla by this family, not as a lookalike', () => {
    expect(specFromHfConfig(CONFIG, 'sarvam-105b')).toEqual(read(CONFIG));
  });
});
