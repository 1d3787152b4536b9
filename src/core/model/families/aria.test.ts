/**
 * Rhymes AI Aria (`aria`, `aria_text`): the MoE text model with two shared experts' width on every
 * layer, the Idefics3 vision tower and the cross-attention projector, counted tensor by tensor from
 * transformers `models/aria/modeling_aria.py` on the released shape (rhymes-ai/Aria).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { adaptedMatrices, parseTargets } from '../adapters.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { aria, ariaText } from './aria.js';
import { Fields } from './fields.js';

type Cfg = Record<string, unknown> & { text_config: Record<string, unknown> };
const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/aria.json', import.meta.url),
      'utf8',
    ),
  );
const read = (c: Record<string, unknown>) => aria(new Fields(c, 'aria'), 'aria');
const readText = (c: Record<string, unknown>) => ariaText(new Fields(c, 'aria_text'), 'aria-text');

/**
 * AriaTextModel per layer: q, k, v, o [heads·d, h] (no bias); router [E, h]; experts.fc1 [E, h, 2I]
 * and experts.fc2 [E, I, h]; shared_experts gate/up [S·I, h] and down [h, S·I]; two RMSNorms.
 * Then embed_tokens and lm_head [V, h] and the final norm.
 */
function textParams(s: {
  V: number;
  h: number;
  L: number;
  q: number;
  kv: number;
  I: number;
  E: number;
  S: number;
}) {
  const attention = s.h * s.q + 2 * s.h * s.kv + s.q * s.h;
  const experts = s.E * (s.h * 2 * s.I + s.I * s.h);
  const shared = 3 * s.h * s.S * s.I;
  const layer = attention + s.h * s.E + experts + shared + 2 * s.h;
  return { layer, attention, shared, total: s.L * layer + 2 * s.V * s.h + s.h };
}

/**
 * Idefics3VisionTransformer: patch_embedding [v, 3, p, p] + bias, position_embedding [(image/p)², v];
 * per layer layer_norm1, q/k/v/out_proj [v, v] + bias, layer_norm2, fc1 [F, v] + bias, fc2 [v, F] +
 * bias; post_layernorm. AriaProjector: query [Q, v]; cross_attn q/k/v_proj [v, v], multihead_attn
 * in_proj [3v, v] + 3v and out_proj [v, v] + v, linear [v, v] + v, layer_norm and layer_norm_kv;
 * layer_norm; feed_forward linear_in [t, v] and linear_out [t, t], bias-free.
 */
function visionParams(v: number, F: number, depth: number, p: number, image: number, Q: number, t: number) {
  const ln = 2 * v;
  const block = ln + 4 * (v * v + v) + ln + (F * v + F) + (v * F + v);
  const tower = v * 3 * p * p + v + (image / p) ** 2 * v + depth * block + ln;
  const crossAttention = 3 * v * v + (3 * v * v + 3 * v) + (v * v + v) + (v * v + v) + 2 * ln;
  return { tower, projector: Q * v + crossAttention + ln + v * t + t * t };
}

describe('Aria (aria, aria_text)', () => {
  const released = { V: 100_352, h: 2560, L: 28, q: 20 * 128, kv: 20 * 128, I: 1664, E: 64, S: 2 };

  it('rhymes-ai/Aria: 24,869,091,840 in the text model, 438,219,376 in the tower and projector — the card\'s "25.3B"', () => {
    const spec = read(fixture());
    const p = paramCount(spec);
    expect(p.totalParams).toBe(textParams(released).total);
    expect(p.totalParams).toBe(24_869_091_840);
    const { tower, projector } = visionParams(1152, 4304, 27, 14, 980, 256, 2560);
    expect(tower).toBe(417_792_240);
    expect(projector).toBe(20_427_136);
    expect(p.visionParams).toBe(tower + projector);
    expect(p.totalParams + p.visionParams).toBe(25_307_311_216);
    expect(Math.round((p.totalParams + p.visionParams) / 1e8) / 10).toBe(25.3);
    expect(spec.vision?.description).toBe('SigLIP 27 × 1152, 980px, patch 14 (4900 patches → 256 queries)');
    expect(spec.modelType).toBe('aria');
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(65_536);
  });

  it('active: attention, 6 of 64 experts, the shared experts and the router per layer, plus the embeddings', () => {
    const p = paramCount(read(fixture()));
    const { attention, shared } = textParams(released);
    const perLayer = attention + 6 * 3 * 2560 * 1664 + shared + 2560 * 64 + 2 * 2560;
    expect(p.activeParams).toBe(28 * perLayer + 2 * 100_352 * 2560 + 2560);
    expect(p.activeParams).toBe(4_115_151_360);
    expect(p.embeddingParams).toBe(2 * 100_352 * 2560);
  });

  it('the MoE block: 64 experts of 1664, top 6, two shared experts of 1664 (one SwiGLU of 3328), fused fc1', () => {
    const moe = read(fixture()).moe;
    expect(moe).toMatchObject({
      numExperts: 64,
      topK: 6,
      expertIntermediateSize: 1664,
      numSharedExperts: 2,
      sharedIntermediateSize: 1664,
      routerBias: false,
      sharedExpertGate: false,
      fusedGateUp: true,
    });
    expect(read(fixture()).layers.every((l) => l.mlp === 'moe' && l.attention === 'full')).toBe(true);
    // LoRA on the experts adapts fc1 (h → 2I) and fc2 (I → h) per expert; on `shared`, the 3328-wide SwiGLU.
    const lora = (t: string) => ({ method: 'lora' as const, rank: 8, targets: parseTargets(t) });
    const experts = adaptedMatrices(read(fixture()), lora('experts'));
    expect(experts.map((m) => [m.inFeatures, m.outFeatures])).toEqual([
      [2560, 2 * 1664],
      [1664, 2560],
    ]);
    const shared = adaptedMatrices(read(fixture()), lora('shared'));
    expect(shared.map((m) => m.outFeatures)).toEqual([3328, 3328, 2560]);
  });

  it('KV cache: 28 full-attention layers of 20 KV heads × 128', () => {
    const spec = read(fixture());
    expect(kvCacheBytes(spec, 65_536, 'bf16').bytesPerSequence).toBe(28 * 2 * 20 * 128 * 2 * 65_536);
    expect(kvCacheBytes(spec, 65_536, 'bf16').bytesPerSequence).toBe(18_790_481_920);
  });

  it('the text model alone reads the same as inside the wrapper', () => {
    const c = fixture();
    const text = readText(c.text_config);
    expect(paramCount(text).totalParams).toBe(paramCount(read(c)).totalParams);
    expect(text.vision).toBeNull();
    expect(text.modelType).toBe('aria_text');
  });

  it("AriaTextConfig's defaults fill a bare aria_text config (8 experts, top 2, two shared, 4096 wide)", () => {
    const spec = readText({ model_type: 'aria_text' });
    const s = { V: 32_000, h: 4096, L: 32, q: 4096, kv: 4096, I: 4096, E: 8, S: 2 };
    expect(paramCount(spec).totalParams).toBe(textParams(s).total);
    expect(paramCount(spec).totalParams).toBe(18_517_069_824);
    expect(spec.maxContextTokens).toBe(2048);
    expect(spec.moe?.topK).toBe(2);
  });

  it("AriaConfig's defaults: AriaTextConfig, Idefics3VisionConfig (12 × 1152, 224 px, patch 32), 256 queries", () => {
    const spec = read({ model_type: 'aria' });
    expect(paramCount(spec).totalParams).toBe(18_517_069_824);
    const { tower, projector } = visionParams(1152, 3072, 12, 32, 224, 256, 4096);
    expect(spec.vision?.params).toBe(tower + projector);
    expect(spec.vision?.params).toBe(184_816_000);
    // 49 patches are no key of the default map: the description says what the projector may use.
    expect(spec.vision?.description).toBe('SigLIP 12 × 1152, 224px, patch 32 (49 patches up to 256 queries)');
  });

  it('the learned queries follow the largest projector_patch_to_query_dict value', () => {
    const c = fixture();
    const base = paramCount(read(c)).visionParams;
    const more = read({ ...c, projector_patch_to_query_dict: { '1225': 128, '4900': 256, '19600': 1024 } });
    expect(paramCount(more).visionParams - base).toBe((1024 - 256) * 1152);
  });

  it('names the field of a config it cannot read', () => {
    const c = fixture();
    const text = (patch: Record<string, unknown>) => ({ ...c, text_config: { ...c.text_config, ...patch } });
    const vision = (patch: Record<string, unknown>) => ({
      ...c,
      vision_config: { ...(c.vision_config as Record<string, unknown>), ...patch },
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [text({ moe_topk: 65 }), /text_config\.moe_topk.*\(65\) exceeds the number of experts \(64\)/],
      [text({ moe_num_experts: 0 }), /text_config\.moe_num_experts.*must be at least 1/],
      [text({ mlp_bias: true }), /text_config\.mlp_bias.*shared experts would carry biases/],
      [{ ...c, projector_patch_to_query_dict: { x: 128 } }, /projector_patch_to_query_dict\.x.*patch count/],
      [
        { ...c, projector_patch_to_query_dict: { '4900': 0 } },
        /projector_patch_to_query_dict\.4900.*at least 1/,
      ],
      [
        { ...c, projector_patch_to_query_dict: {} },
        /projector_patch_to_query_dict.*at least one patch count/,
      ],
      [
        vision({ num_attention_heads: 10 }),
        /vision_config\.num_attention_heads.*must divide hidden_size \(1152\)/,
      ],
      [vision({ image_size: 10 }), /image_size.*must be at least patch_size/],
    ];
    for (const [config, message] of cases) expect(inputErrorOf(() => read(config)).message).toMatch(message);
  });
});
