/**
 * Layer state and reader rules of the second-pass 2025–26 families (Kimi Linear, Falcon-H1, LFM2,
 * GLM-4.5V, Hunyuan-A13B), derived by hand from their modelling code; the parameter and KV counts of
 * the same fixtures are in new-families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { recurrentStateBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import type { Cfg } from '../hf-tensors.js';

const fixture = (name: string): Cfg => hfFixture(name);

describe('second-pass families: recurrent state, conv windows and reader rules', () => {
  it('recurrent state per sequence: Kimi Linear KDA, derived by hand', () => {
    const kimi = specFromHfConfig(fixture('hand-built/kimi-linear-48b-a3b-instruct'), 'k');
    // 20 KDA layers × (conv 3 × (3 × 32·128) × 2 B + state 32 × 128 × 128 × 2 B (BF16, no mamba_ssm_dtype)).
    expect(recurrentStateBytes(kimi).bytesPerSequence).toBe(20 * (3 * 3 * 4096 * 2 + 32 * 128 * 128 * 2));
    expect(kimi.layers.filter((l) => l.attention === 'linear')).toHaveLength(20);
    expect(kimi.layers.map((l) => l.mlp).filter((m) => m === 'dense')).toEqual(['dense']);
  });

  it('recurrent state per sequence: Falcon-H1-0.5B, derived by hand', () => {
    const falcon = specFromHfConfig(fixture('hand-built/falcon-h1-0.5b-instruct'), 'f');
    // 36 Mamba-2 mixers × (conv 3 × (1536 + 2·1·128) × 2 B + SSM 24 × 64 × 128 × 2 B (BF16)).
    expect(recurrentStateBytes(falcon).bytesPerSequence).toBe(36 * (3 * 1792 * 2 + 24 * 64 * 128 * 2));
    expect(falcon.warnings?.[0]).toMatch(
      /36 layers runs attention and Mamba-2 in parallel; read as 72 blocks/,
    );
  });

  it('conv window per sequence: LFM2-350M, derived by hand', () => {
    const lfm2 = specFromHfConfig(fixture('hand-built/lfm2-350m'), 'l');
    // 10 short-conv blocks × (L_cache 3 − 1) × 1024 channels × 2 B; no recurrent state.
    expect(recurrentStateBytes(lfm2)).toMatchObject({
      bytesPerSequence: 10 * 2 * 1024 * 2,
      stateBytesPerSequence: 0,
      convLayers: 10,
    });
  });

  it('GLM-4.5V: text_config keys left out take Glm4vMoeTextConfig defaults; the ViT counted apart to the checkpoint', () => {
    const full = fixture('hand-built/glm-4.5v');
    const sparse = {
      ...full,
      text_config: { model_type: 'glm4v_moe_text', head_dim: 128, vocab_size: 151_552 },
    };
    const a = specFromHfConfig(full, 'a');
    const b = specFromHfConfig(sparse, 'b');
    expect(paramCount(b).totalParams).toBe(paramCount(a).totalParams);
    expect(a.warnings ?? []).toHaveLength(0);
    // zai-org/GLM-4.5V: 107,710,933,120 parameters (a dump of the released checkpoint's tensors; vLLM's
    // recipe: ~107B), the vision tower 858,681,856 of them.
    const p = paramCount(a);
    expect(p.visionParams).toBe(858_681_856);
    expect(p.totalParams + p.visionParams).toBe(107_710_933_120);
  });

  it('Hunyuan: a per-layer moe_topk list that is not uniform is refused, naming the field', () => {
    const c = { ...fixture('hand-built/hunyuan-a13b'), moe_topk: [8, 4, ...Array(30).fill(8)] };
    expect(() => specFromHfConfig(c, 'h')).toThrow(/moe_topk.*list of equal numbers/);
  });
});
