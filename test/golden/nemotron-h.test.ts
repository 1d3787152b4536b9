/**
 * Nemotron-H's config spellings against the released Nemotron 3 Nano config (test/fixtures/hf-configs):
 * as transformers ≥ 5 writes it (layers_block_type in legacy and current words), with a checkpoint's
 * MTP layers, and with LatentMoE (moe_latent_size, Nemotron 3 Super); counts derived by hand.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import type { Cfg } from '../hf-tensors.js';

const fixture = (name: string): Cfg => hfFixture(name);

describe('Nemotron-H config spellings', () => {
  it('Nemotron-H written by transformers ≥ 5 (layers_block_type, num_hidden_layers null, mamba_n_groups) counts the same', () => {
    const config = fixture('nemotron-3-nano-30b-a3b');
    const words: Record<string, string> = { M: 'mamba', '*': 'attention', '-': 'mlp', E: 'moe' };
    const { hybrid_override_pattern, n_groups, ...rest } = config;
    const renamed = {
      ...rest,
      num_hidden_layers: null,
      mamba_n_groups: n_groups,
      layers_block_type: [...(hybrid_override_pattern as string)].map((c) => words[c]),
    };
    const a = paramCount(specFromHfConfig(config, 'n'));
    const b = paramCount(specFromHfConfig(renamed, 'n'));
    expect(b.totalParams).toBe(a.totalParams);
    expect(b.activeParams).toBe(a.activeParams);
    // Today's NemotronHConfig writes linear_attention (the Mamba-2 mixer) and full_attention.
    const today: Record<string, string> = { mamba: 'linear_attention', attention: 'full_attention' };
    const current = {
      ...renamed,
      layers_block_type: renamed.layers_block_type.map((t) => (t && today[t]) ?? t),
    };
    expect(current.layers_block_type).toContain('linear_attention');
    const c = paramCount(specFromHfConfig(current, 'n'));
    expect([c.totalParams, c.activeParams]).toEqual([a.totalParams, a.activeParams]);
    expect(() => specFromHfConfig({ ...renamed, layers_block_type: ['mamba', 'ssm'] }, 'n')).toThrowError(
      /layers_block_type.*entry 1 is "ssm"; allowed: linear_attention, full_attention, mamba, attention, mlp, moe/,
    );
  });

  it('Nemotron-H with an MTP layer in the checkpoint (num_nextn_predict_layers): counts unchanged, the layer named as not built', () => {
    const config = fixture('nemotron-3-nano-30b-a3b');
    const withMtp = {
      ...config,
      num_nextn_predict_layers: 1,
      mtp_layers_block_type: ['full_attention', 'moe'],
    };
    const spec = specFromHfConfig(withMtp, 'n');
    expect(paramCount(spec).totalParams).toBe(paramCount(specFromHfConfig(config, 'n')).totalParams);
    expect(spec.warnings?.join(' ')).toMatch(
      /1 MTP layer\(s\).*not counted: transformers' NemotronH builds no MTP/,
    );
    expect(specFromHfConfig(config, 'n').warnings ?? []).toEqual([]);
  });

  it('Nemotron-H with moe_latent_size (LatentMoE, Nemotron 3 Super): experts in the latent, latent projections always active', () => {
    const config: Cfg = { ...fixture('nemotron-3-nano-30b-a3b'), moe_latent_size: 1024 };
    const spec = specFromHfConfig(config, 'latent');
    const p = paramCount(spec);
    const base = paramCount(specFromHfConfig(fixture('nemotron-3-nano-30b-a3b'), 'n'));
    const h = config.hidden_size;
    const moeBlocks = [...(config.hybrid_override_pattern as string)].filter((c) => c === 'E').length;
    const I = config.moe_intermediate_size;
    // NemotronHMoE: fc1_latent_proj (h → latent), fc2_latent_proj (latent → h); experts up/down at latent.
    const perBlockDelta = 2 * h * 1024 + config.n_routed_experts * 2 * I * (1024 - h);
    expect(p.totalParams - base.totalParams).toBe(moeBlocks * perBlockDelta);
    const activeDelta = 2 * h * 1024 + config.num_experts_per_tok * 2 * I * (1024 - h);
    expect(p.activeParams - base.activeParams).toBe(moeBlocks * activeDelta);
    expect(spec.moe?.latentSize).toBe(1024);
  });
});
