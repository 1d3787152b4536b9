/**
 * Gemma 4 parameter counts: llmecon's reader against an independent tensor-by-tensor enumeration
 * of transformers' modelling code (test/hf-tensors-gemma4.ts), exact; and against Google's published
 * sizes. KV bytes per token against hand-derived values.
 *
 * Published figures:
 * - Google, "Gemma 4" (ai.google.dev/gemma/docs/core, 2026-04): a 31B dense model and a 26B MoE
 *   model (the names: text model plus vision encoder, to the nearest billion).
 * - The Gemma 4 model card's table as quoted by vast.ai (vast.ai/model/gemma-4-26b-a4b-it) and
 *   llmradar.eu (models/gemma-4-26b-a4b-it, models/gemma-4-31b-it, reviewed 2026-04-17): 26B A4B
 *   "25.2B total / 3.8B active", "~550M parameter vision encoder"; 31B "30.7B dense + ~550M vision
 *   encoder". Rounded to 0.1B (±0.05B); the vision figure is stated as approximate.
 * - E2B (hand-built config, test/fixtures/hf-configs/README.md): the card's "2.3B effective" (without
 *   the per-layer embedding table) and "5.1B with embeddings" (with the vision and audio towers),
 *   as listed by the Hugging Face space beta3/Gemma_Hub_Explorer (models_data.py: "2.3B active /
 *   5.1B total"); to 0.1B.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { kvCacheBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import type { Cfg } from '../hf-tensors.js';
import { gemma4AudioParams, gemma4TextTensors, gemma4VisionParams } from '../hf-tensors-gemma4.js';

const FIXTURES = [
  'gemma-4-26b-a4b',
  'gemma-4-26b-a4b-nvfp4',
  'gemma-4-31b-it-nvfp4',
  'hand-built/gemma-4-e2b-it',
] as const;

const read = (name: string) => {
  const config = hfFixture(name) as Cfg;
  return { config, spec: specFromHfConfig(config, name) };
};

describe('Gemma 4: llmecon vs the tensors of modeling_gemma4.py', () => {
  for (const name of FIXTURES) {
    it(`${name}: total, active and vision tower equal the enumeration exactly`, () => {
      const { config, spec } = read(name);
      const p = paramCount(spec);
      const t = gemma4TextTensors(config.text_config);
      expect(p.totalParams).toBe(t.total);
      expect(p.activeParams).toBe(t.total - t.inactive);
      expect(p.visionParams).toBe(gemma4VisionParams(config.vision_config, config.text_config.hidden_size));
      expect(p.audioParams).toBe(
        config.audio_config
          ? gemma4AudioParams(config.audio_config, config.text_config.hidden_size)
          : undefined,
      );
    });
  }

  it('the NVFP4 checkpoint of 26B A4B has the same architecture as the BF16 release', () => {
    expect(paramCount(read('gemma-4-26b-a4b-nvfp4').spec)).toEqual(paramCount(read('gemma-4-26b-a4b').spec));
  });
});

describe("Gemma 4: Google's published sizes", () => {
  const billions = (n: number) => n / 1e9;

  it('26B A4B: 25.2B total and 3.8B active (model card, to 0.1B); 26B with the vision encoder (name)', () => {
    const p = paramCount(read('gemma-4-26b-a4b').spec);
    expect(Math.abs(billions(p.totalParams) - 25.2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(billions(p.activeParams) - 3.8)).toBeLessThanOrEqual(0.05);
    expect(Math.round(billions(p.totalParams + p.visionParams))).toBe(26);
  });

  it('31B: 30.7B (model card, to 0.1B); 31B with the vision encoder (name)', () => {
    const p = paramCount(read('gemma-4-31b-it-nvfp4').spec);
    expect(Math.abs(billions(p.totalParams) - 30.7)).toBeLessThanOrEqual(0.05);
    expect(p.activeParams).toBe(p.totalParams);
    expect(Math.round(billions(p.totalParams + p.visionParams))).toBe(31);
  });

  it('E2B: 2.3B effective without the per-layer embedding table, 5.1B with it and the vision and audio towers', () => {
    const p = paramCount(read('hand-built/gemma-4-e2b-it').spec);
    const table = p.breakdown.perLayerEmbedding ?? 0;
    expect(table).toBe(262_144 * 35 * 256);
    expect(Math.abs(billions(p.totalParams - table) - 2.3)).toBeLessThanOrEqual(0.05);
    expect(
      Math.abs(billions(p.totalParams + p.visionParams + (p.audioParams ?? 0)) - 5.1),
    ).toBeLessThanOrEqual(0.05);
  });

  it('vision encoder "~550M": 573M counted (with embed_vision), within 5% of the approximate figure', () => {
    for (const name of ['gemma-4-26b-a4b', 'gemma-4-31b-it-nvfp4']) {
      const vision = paramCount(read(name).spec).visionParams;
      expect(Math.abs(vision / 550e6 - 1)).toBeLessThan(0.05);
    }
  });
});

describe('Gemma 4 KV cache vs hand-derived bytes', () => {
  // BF16, K and V: sliding layers 2 · kv · head_dim · 2 B, global layers (K = V, global KV heads,
  // global_head_dim 512) 2 · global_kv · 512 · 2 B; sliding layers hold at most the 1024-token window.
  const cases = [
    { name: 'gemma-4-26b-a4b', sliding: 25, global: 5, kv: 8, globalKv: 2 },
    { name: 'gemma-4-31b-it-nvfp4', sliding: 50, global: 10, kv: 16, globalKv: 4 },
  ];
  for (const c of cases) {
    it(`${c.name}: per token and per 262,144-token sequence`, () => {
      const { spec } = read(c.name);
      const slidingBytes = 2 * c.kv * 256 * 2;
      const globalBytes = 2 * c.globalKv * 512 * 2;
      const context = 262_144;
      const kv = kvCacheBytes(spec, context, 'bf16');
      expect(kv.bytesPerToken).toBe(c.sliding * slidingBytes + c.global * globalBytes);
      expect(kv.bytesPerSequence).toBe(c.sliding * slidingBytes * 1024 + c.global * globalBytes * context);
      expect(kv.slidingLayers).toBe(c.sliding);
      expect(kv.fullLayers).toBe(c.global);
      // Below the window every layer holds every token.
      expect(kvCacheBytes(spec, 512).bytesPerSequence).toBe(512 * kv.bytesPerToken);
    });
  }

  it('E2B: only the 15 layers before the 20 KV-shared ones cache K and V (12 sliding of 1 × 256, 3 global of 1 × 512)', () => {
    const { spec } = read('hand-built/gemma-4-e2b-it');
    const kv = kvCacheBytes(spec, 131_072, 'bf16');
    expect(kv.bytesPerToken).toBe(12 * 2 * 256 * 2 + 3 * 2 * 512 * 2);
    expect(kv.bytesPerSequence).toBe(12 * 2 * 256 * 2 * 512 + 3 * 2 * 512 * 2 * 131_072);
    expect(kv.kvSharedLayers).toBe(20);
    expect(kv.layersWithoutKv).toBe(20);
  });

  it('26B A4B at TP 4: a rank holds 2 of 8 sliding KV heads and 1 of 2 global ones (replicated)', () => {
    const { spec } = read('gemma-4-26b-a4b');
    const kv = kvCacheBytes(spec, 4096, 'bf16', 4);
    expect(kv.bytesPerToken).toBe(25 * 2 * 2 * 256 * 2 + 5 * 2 * 1 * 512 * 2);
  });
});
