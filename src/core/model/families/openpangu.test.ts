/**
 * openPangu (openpangu.ts): openPangu-Ultra-MoE-718B and openPangu-Embedded-7B counted module by
 * module against modeling_openpangu_moe.py / modeling_openpangu_dense.py and vLLM openpangu.py, and
 * against the cards (718B total and 39B active, 7B, all without the embedding table).
 *
 * Fixtures: hand-built/openpangu-ultra-moe-718b.json (FreedomIntelligence/openPangu-Ultra-MoE-718B-V1.1
 * config.json, DeepSeek-V3 key names, as quoted in lidajiededa/vllm-vram-estimator); hand-built/
 * openpangu-embedded-7b.json (FreedomIntelligence/openPangu-Embedded-7B-V1.1 config.json, as in
 * wujing215/OpenPangu7B-on-NVIDIA and a printed `model.config` of the loaded model).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deepseekV3Mla } from '../../../../test/mla.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { openPanguEmbedded, openPanguUltraMoe } from './openpangu.js';

const fixture = (file: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${file}.json`, import.meta.url),
      'utf8',
    ),
  ) as Json;

const ULTRA = fixture('openpangu-ultra-moe-718b');
const EMBEDDED_7B = fixture('openpangu-embedded-7b');

const ultra = (config: Json) => openPanguUltraMoe(new Fields(config, 'pangu_ultra_moe'), 'x');
const embedded = (config: Json) => openPanguEmbedded(new Fields(config, 'PanguEmbedded'), 'x');

describe('openPangu-Ultra-MoE-718B (pangu_ultra_moe)', () => {
  const h = 7680;
  const vocab = 153_600;
  const heads = 128;
  // q_a_proj, q_a_layernorm, q_b_proj (nope 128 + rope 64), kv_a_proj_with_mqa (512 + 64),
  // kv_a_layernorm, kv_b_proj (nope 128 + v 128), o_proj; no biases.
  const attention =
    h * 1536 +
    1536 +
    1536 * heads * (128 + 64) +
    h * (512 + 64) +
    512 +
    512 * heads * (128 + 128) +
    heads * 128 * h;
  const norms = 4 * h; // input, post_attention, pre_mlp, post_mlp (sandwich_norm)
  const expert = 3 * h * 2048; // gate/up/down of moe_intermediate_size
  const router = 256 * h; // gate.weight, no e_score_correction_bias
  const denseLayer = attention + norms + 3 * h * 18_432;
  const moeLayer = attention + norms + 256 * expert + expert + router; // routed + 1 shared
  const moeActive = attention + norms + 8 * expert + expert + router;
  const embedAndHead = 2 * vocab * h;

  it('counts 3 dense + 58 MoE layers with four norms each: 718B / 39B without the embedding', () => {
    const spec = ultra(ULTRA);
    expect(spec.attention).toEqual(deepseekV3Mla(128));
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 4 });
    expect(spec.layers.map((l) => l.mlp)).toEqual([...Array(3).fill('dense'), ...Array(58).fill('moe')]);
    expect(spec.moe).toMatchObject({ routerBias: false, routingGroups: null, numSharedExperts: 1 });
    const p = paramCount(spec);
    const total = 3 * denseLayer + 58 * moeLayer + h + embedAndHead;
    expect(p.totalParams).toBe(total);
    expect(p.activeParams).toBe(3 * denseLayer + 58 * moeActive + h + embedAndHead);
    expect(p.totalParams).toBe(719_093_767_680);
    // The card's 718B and 39B leave the embedding table out.
    expect(Math.round((p.totalParams - vocab * h) / 1e9)).toBe(718);
    expect(Math.round((p.activeParams - vocab * h) / 1e9)).toBe(39);
    // One MTP module apart: enorm, hnorm, shared_head.norm, eh_proj (2h → h) and a sandwich-norm MoE layer.
    expect(p.mtpParams).toBe(3 * h + 2 * h * h + moeLayer);
  });

  it('caches the MLA latent and the rope key per layer', () => {
    const kv = kvCacheBytes(ultra(ULTRA), 131_072, 'bf16');
    expect(kv.bytesPerToken).toBe(61 * (512 + 64) * 2);
  });

  it("reads openPangu's own key spelling (OpenPanguMoEConfig) the same, and its class defaults", () => {
    const renamed: Json = { ...ULTRA };
    const pairs: [string, string][] = [
      ['q_lora_rank', 'attention_q_lora_dim'],
      ['kv_lora_rank', 'attention_kv_lora_dim'],
      ['qk_nope_head_dim', 'attention_qk_dim'],
      ['qk_rope_head_dim', 'attention_qk_rope_dim'],
      ['v_head_dim', 'attention_v_dim'],
      ['n_routed_experts', 'num_routed_experts'],
      ['n_shared_experts', 'num_shared_experts'],
      ['first_k_dense_replace', 'num_dense_layers'],
      ['num_nextn_predict_layers', 'num_mtp_layers'],
    ];
    for (const [deepseekKey, panguKey] of pairs) {
      renamed[panguKey] = renamed[deepseekKey];
      delete renamed[deepseekKey];
    }
    expect(paramCount(ultra(renamed))).toEqual(paramCount(ultra(ULTRA)));
    expect(paramCount(ultra({ model_type: 'pangu_ultra_moe', sandwich_norm: true }))).toEqual(
      paramCount(ultra(ULTRA)),
    );
  });

  it('without sandwich_norm two norms per layer; router_enable_expert_bias adds the bias', () => {
    const plain = paramCount(ultra({ ...ULTRA, sandwich_norm: false })).totalParams;
    expect(plain).toBe(719_093_767_680 - 61 * 2 * h);
    const biased = paramCount(ultra({ ...ULTRA, router_enable_expert_bias: true })).totalParams;
    expect(biased).toBe(719_093_767_680 + 58 * 256);
  });

  it('malformed fields throw an error naming the field', () => {
    const bad = (overrides: Json) => () => ultra({ ...ULTRA, ...overrides });
    expect(bad({ kv_lora_rank: 0 })).toThrowError(/'kv_lora_rank' must be at least 1/);
    expect(bad({ first_k_dense_replace: -1 })).toThrowError(
      /'first_k_dense_replace' must be a non-negative integer/,
    );
    expect(bad({ num_experts_per_tok: 257 })).toThrowError(
      /'num_experts_per_tok' \(257\) exceeds the number of experts \(256\)/,
    );
    expect(bad({ sandwich_norm: 'yes' })).toThrowError(/'sandwich_norm' must be true or false/);
    const { kv_lora_rank: _, ...renamed } = ULTRA;
    expect(() => ultra({ ...renamed, attention_kv_lora_dim: 0 })).toThrowError(
      /'attention_kv_lora_dim' must be at least 1/,
    );
  });
});

describe('openPangu-Embedded-7B (PanguEmbedded)', () => {
  const h = 4096;
  const vocab = 153_376;
  const kv = 8 * 128;
  // q/k/v/o with a bias each (config `bias`), SwiGLU without biases, two RMSNorms.
  const attention = h * h + h + 2 * (h * kv + kv) + h * h + h;
  const layer = attention + 3 * h * 12_800 + 2 * h;

  it('counts q/k/v/o biases: 8.03B, 7B without the embedding table', () => {
    const spec = embedded(EMBEDDED_7B);
    expect(spec.attention).toMatchObject({
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: true,
      outputBias: true,
    });
    const p = paramCount(spec);
    expect(p.totalParams).toBe(34 * layer + h + 2 * vocab * h);
    expect(p.totalParams).toBe(8_030_887_936);
    expect(Math.round((p.totalParams - vocab * h) / 1e9)).toBe(7);
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerToken).toBe(34 * 2 * kv * 2);
  });

  it('PanguEmbeddedConfig defaults fill omitted keys; bias false drops the four biases', () => {
    expect(paramCount(embedded({ model_type: 'PanguEmbedded' }))).toEqual(paramCount(embedded(EMBEDDED_7B)));
    const noBias = paramCount(embedded({ ...EMBEDDED_7B, bias: false })).totalParams;
    expect(noBias).toBe(8_030_887_936 - 34 * (2 * h + 2 * kv));
  });

  it('malformed fields throw an error naming the field', () => {
    expect(() => embedded({ ...EMBEDDED_7B, bias: 1 })).toThrowError(/'bias' must be true or false/);
    expect(() => embedded({ ...EMBEDDED_7B, num_key_value_heads: 5 })).toThrowError(
      /'num_key_value_heads' \(5\) must divide num_attention_heads \(32\)/,
    );
  });
});
