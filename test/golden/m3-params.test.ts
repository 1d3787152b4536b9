/**
 * MiniMax-M3 (`minimax_m3`, and the `minimax_m3_vl` wrapper of the NVFP4 checkpoint) and Kimi K3
 * (`kimi_k3`, a Kimi Linear text model with full-rank KDA gates): parameter
 * counts against an independent tensor-by-tensor enumeration of the modelling code
 * (test/hf-tensors-m3.ts, read straight from config.json), against the publisher's figures, and KV
 * bytes per token against a hand derivation.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import type { Cfg } from '../hf-tensors.js';
import {
  kimiK3Tensors,
  kimiK3VisionTensors,
  minimaxM3MtpTensors,
  minimaxM3Tensors,
  minimaxM3VisionTensors,
} from '../hf-tensors-m3.js';

const M3 = ['minimax-m3', 'minimax-m3-nvfp4-trimmed'] as const;

describe('MiniMax-M3: counts against an independent tensor enumeration', () => {
  for (const name of M3) {
    it(`${name}: total, active and MTP parameters exact`, () => {
      const config = hfFixture(name);
      const p = paramCount(specFromHfConfig(config, name));
      const t = minimaxM3Tensors(config);
      expect(p.totalParams).toBe(t.total);
      expect(p.activeParams).toBe(t.total - t.inactive);
      expect(p.mtpParams).toBe(minimaxM3MtpTensors(config));
    });

    it(`${name}: KV per token = 60 layers × K,V × 4 × 128 × 2 B + 57 sparse layers × index key 128 × 2 B`, () => {
      const spec = specFromHfConfig(hfFixture(name), name);
      const kv = kvCacheBytes(spec, 1, 'bf16');
      expect(kv.bytesPerToken).toBe(60 * 2 * 4 * 128 * 2 + 57 * 128 * 2);
      expect(kv.sparseLayers).toBe(57);
      // The index keys, one per token and sparse layer, at 1,000 tokens.
      expect(kvCacheBytes(spec, 1000, 'bf16').indexerBytesPerSequence).toBe(1000 * 57 * 128 * 2);
    });
  }

  it('the two checkpoints have the same language model; the NVFP4 one carries 1 MTP module, the BF16 one 7', () => {
    const [bf16, nvfp4] = M3.map((n) => paramCount(specFromHfConfig(hfFixture(n), n)));
    expect(nvfp4!.totalParams).toBe(bf16!.totalParams);
    expect(bf16!.mtpParams).toBe(7 * nvfp4!.mtpParams);
  });

  it('minimax_m3_vl: the vision tower and projector equal their tensor enumeration', () => {
    const config = hfFixture('minimax-m3-nvfp4-trimmed');
    const p = paramCount(specFromHfConfig(config, 'm3-vl'));
    expect(p.visionParams).toBe(minimaxM3VisionTensors(config));
  });

  it('published: ~428B total with the vision tower, ~23B activated without embeddings (MiniMax-M3 model card)', () => {
    // MiniMaxAI/MiniMax-M3 model card ("It has ~428B parameters and ~23B activated parameters";
    // Baseten's model library: "a 427B parameter MoE model with 23B active parameters").
    const p = paramCount(specFromHfConfig(hfFixture('minimax-m3-nvfp4-trimmed'), 'm3-vl'));
    const total = (p.totalParams + p.visionParams) / 1e9;
    // "~428B": within 0.5% (427.04B computed; Baseten's 427B within rounding).
    expect(Math.abs(total - 428) / 428).toBeLessThan(0.005);
    expect(Math.abs(total - 427)).toBeLessThanOrEqual(0.5);
    const active = (p.activeParams - p.embeddingParams) / 1e9;
    expect(active).toBeGreaterThanOrEqual(22.5);
    expect(active).toBeLessThan(24);
  });
});

describe('Kimi K3: counts against an independent tensor enumeration', () => {
  const config = () => hfFixture('kimi-k3');

  it('total, active and vision exact: full-rank KDA output gates, gated MLA, LatentMoE with its norm, Attention Residuals', () => {
    const spec = specFromHfConfig(config(), 'kimi-k3');
    const p = paramCount(spec);
    const t = kimiK3Tensors(config());
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.total - t.inactive);
    // The vision tower (MoonViT3d + PatchMergerMLPV2) is counted apart.
    expect(p.visionParams).toBe(kimiK3VisionTensors(config()));
    expect(spec.warnings ?? []).toEqual([]);
  });

  it('the full-rank gate: 69 KDA layers × (h·P − (h·d + d·P)) more than low-rank gates would have', () => {
    const c = config() as Cfg;
    const lowRank = {
      ...c,
      text_config: {
        ...c.text_config,
        linear_attn_config: { ...c.text_config.linear_attn_config, use_full_rank_gate: false },
      },
    };
    const full = paramCount(specFromHfConfig(c, 'k3')).totalParams;
    const low = paramCount(specFromHfConfig(lowRank, 'k3')).totalParams;
    const [h, d, p] = [7168, 128, 96 * 128];
    expect(full - low).toBe(69 * (h * p - (h * d + d * p)));
  });

  it('a third-party port states 2.78T total: within rounding (mlx-lm kimi_k3.py header, not the publisher)', () => {
    const p = paramCount(specFromHfConfig(config(), 'kimi-k3'));
    expect(Math.abs(p.totalParams / 1e12 - 2.78)).toBeLessThanOrEqual(0.005);
  });

  it('KV per token = 24 MLA layers × (latent 512 + RoPE key 64) × 2 B; 69 KDA layers hold a constant state', () => {
    const spec = specFromHfConfig(config(), 'kimi-k3');
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(24 * (512 + 64) * 2);
    // Per KDA layer: conv 3 × (3 × 96·128) × 2 B + state 96 × 128 × 128 × 2 B (no mamba_ssm_dtype: BF16).
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(69 * (3 * 3 * 12_288 * 2 + 96 * 128 * 128 * 2));
  });
});
