/**
 * Mistral 4 (`mistral4`, mistral4.ts) counted tensor by tensor from the modules transformers builds
 * (`models/mistral4/modeling_mistral4.py`: Mistral4Attention, Mistral4MLP, Mistral4TopkRouter,
 * Mistral4Experts, Mistral4MoE, Mistral4DecoderLayer), on the text model of Mistral-Small-4-119B-2603
 * (Mistral4Config's defaults; test/fixtures/hf-configs/README.md).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { mistral4 } from './mistral4.js';

const CONFIG: Json = hfFixture('hand-built/mistral-small-4-119b-2603-text');
const read = (config: Json) => mistral4(new Fields(config, 'mistral4'), 'mistral-small-4');

describe('mistral4 (Mistral-Small-4-119B-2603 text model)', () => {
  // Mistral4ForCausalLM: embed_tokens, 36 Mistral4DecoderLayers, norm, lm_head (untied).
  const h = 4096;
  const vocab = 131_072;
  const layers = 36;
  const heads = 32;
  const nope = 64;
  const rope = 64;
  const v = 128;
  const qLatent = 1024;
  const kvLatent = 256;
  const experts = 128;
  const topK = 4;
  const expertFfn = 2048;
  const ffn = 12_288;
  /** Mistral4Attention: q_a_proj, q_a_layernorm, q_b_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj. */
  const qA = h * qLatent;
  const qNorm = qLatent;
  const qB = qLatent * heads * (nope + rope);
  const kvA = h * (kvLatent + rope);
  const kvNorm = kvLatent;
  const kvB = kvLatent * heads * (nope + v);
  const oProj = heads * v * h;
  const attention = qA + qNorm + qB + kvA + kvNorm + kvB + oProj;
  /** One routed expert (gate_up_proj 2·f×h, down_proj h×f); shared_experts = Mistral4MLP(f × 1). */
  const expert = 2 * expertFfn * h + h * expertFfn;
  const shared = 3 * h * expertFfn;
  /** Mistral4TopkRouter.weight (n_routed_experts × h), no bias of any kind. */
  const router = experts * h;
  const norms = 2 * h;
  const moeLayer = attention + norms + experts * expert + shared + router;
  const total = vocab * h + layers * moeLayer + h + vocab * h;
  const active = total - layers * (experts - topK) * expert;

  it('reads MLA with a q latent, every layer MoE with one shared expert, an unbiased router', () => {
    const spec = read(CONFIG);
    expect(spec.layers).toEqual(Array(layers).fill({ attention: 'full', mlp: 'moe' }));
    expect(spec.attention).toEqual({
      kind: 'mla',
      numHeads: 32,
      qLoraRank: 1024,
      kvLoraRank: 256,
      qkNopeHeadDim: 64,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
    });
    expect(spec.mlp).toEqual({ intermediateSize: ffn, gated: true, bias: false });
    expect(spec.moe).toEqual({
      numExperts: 128,
      topK: 4,
      expertIntermediateSize: 2048,
      gated: true,
      expertBias: false,
      numSharedExperts: 1,
      sharedIntermediateSize: 2048,
      routerBias: false,
      sharedExpertGate: false,
      routingGroups: null,
    });
    expect(spec.numMtpModules).toBe(0);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(1_048_576);
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.vision).toBeNull();
    expect(spec.modelType).toBe('mistral4');
    expect(spec.warnings).toBeUndefined();
  });

  it('counts 118,972,826,624 parameters, 6,632,588,288 active per token', () => {
    const p = paramCount(read(CONFIG));
    expect(attention).toBe(28_050_688);
    expect(p.totalParams).toBe(total);
    expect(p.totalParams).toBe(118_972_826_624);
    expect(p.activeParams).toBe(active);
    expect(p.activeParams).toBe(6_632_588_288);
    expect(p.mtpParams).toBe(0);
    expect(p.breakdown).toMatchObject({
      embedding: vocab * h,
      head: vocab * h,
      attention: layers * attention,
      routedExperts: layers * experts * expert,
      sharedExperts: layers * shared,
      router: layers * router,
    });
  });

  it('caches the 320-wide latent per token and layer: 23,040 bytes a token in BF16', () => {
    const spec = read(CONFIG);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(layers * (kvLatent + rope) * 2);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(23_040);
  });

  it('forward FLOPs: 2 per active expert weight, the shared expert, router and head', () => {
    const f = forwardFlopsPerToken(read(CONFIG), { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.routedExperts).toBe(2 * layers * topK * expert);
    expect(f.breakdown.sharedExperts).toBe(2 * layers * shared);
    expect(f.breakdown.router).toBe(2 * layers * router);
    expect(f.breakdown.head).toBe(2 * vocab * h);
  });

  it("fills Mistral4Config's defaults into a text_config that omits them", () => {
    const bare = read({ model_type: 'mistral4' });
    expect(paramCount(bare).totalParams).toBe(total);
    expect(bare.maxContextTokens).toBe(1_048_576);
    // The release wraps it in mistral3 (a Pixtral tower): its text_config reads through this family.
    const wrapped = specFromHfConfig(
      {
        model_type: 'mistral3',
        text_config: { model_type: 'mistral4' },
        vision_config: { model_type: 'pixtral' },
      },
      'small-4',
    );
    expect(paramCount(wrapped).totalParams).toBe(total);
  });

  it('reads q_proj without a q latent, dense first layers and groups as the config sets them', () => {
    const direct = read({ ...CONFIG, q_lora_rank: null });
    const qProj = h * heads * (nope + rope);
    expect(paramCount(direct).totalParams).toBe(total - layers * (qA + qNorm + qB) + layers * qProj);
    const twoDense = read({ ...CONFIG, first_k_dense_replace: 2 });
    expect(twoDense.layers.map((l) => l.mlp).slice(0, 3)).toEqual(['dense', 'dense', 'moe']);
    expect(paramCount(twoDense).totalParams).toBe(
      total - 2 * (experts * expert + shared + router) + 2 * 3 * h * ffn,
    );
    const grouped = read({ ...CONFIG, n_group: 8, topk_group: 4 });
    expect(grouped.moe?.routingGroups).toEqual({ groups: 8, groupsPerToken: 4 });
  });

  it('warns with their size about the attention biases attention_bias adds', () => {
    const spec = read({ ...CONFIG, attention_bias: true });
    const each = qLatent + kvLatent + rope + h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(spec.warnings).toEqual([
      `mistral4: attention_bias is true: the biases of q_a_proj, kv_a_proj_with_mqa and o_proj (${each.toLocaleString('en-US')} a layer, ${(layers * each).toLocaleString('en-US')} in all) are not counted`,
    ]);
  });

  it('rejects bad configs naming the field', () => {
    expect(inputErrorOf(() => read({ ...CONFIG, n_group: 3 })).message).toContain("'n_group'");
    expect(inputErrorOf(() => read({ ...CONFIG, num_experts_per_tok: 129 })).message).toContain(
      "'num_experts_per_tok'",
    );
    expect(inputErrorOf(() => read({ ...CONFIG, kv_lora_rank: 0 })).message).toContain("'kv_lora_rank'");
    expect(inputErrorOf(() => read({ ...CONFIG, first_k_dense_replace: -1 })).message).toContain(
      "'first_k_dense_replace'",
    );
  });
});
