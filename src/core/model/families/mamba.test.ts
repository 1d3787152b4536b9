/**
 * Mamba-1 (`mamba`, `falcon_mamba`), Mamba-2 (`mamba2`) and Jamba (`jamba`): totals against the
 * model cards, one Mamba-1 layer by hand, the layer pattern, the recurrent state and the errors.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import {
  kvCacheBytes,
  recurrentStateBytes,
  tensorParallelRequirement,
  tensorParallelSplits,
} from '../kv-cache.js';
import { stateSpaceFlopsPerToken } from '../layer-kinds.js';
import { stateSpaceParams } from '../mixer-params.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (name: string): Cfg => structuredClone(hfFixture(`hand-built/${name}`)) as Cfg;

describe('Mamba-1 and Jamba', () => {
  it('totals match the cards: Mamba-130M 129M, Falcon-Mamba-7B 7.27B, Mamba-Codestral 7.29B', () => {
    // 24 × (in_proj 768·3072 + conv 1536·4 + 1536 + x_proj 1536·80 + dt_proj 48·1536 + 1536 + A_log
    // 1536·16 + D 1536 + out_proj 1536·768 + norm 768) + tied embedding 50280·768 + final norm 768.
    expect(paramCount(specFromHfConfig(fixture('mamba-130m-hf'), 'm')).totalParams).toBe(129_135_360);
    const falcon = paramCount(specFromHfConfig(fixture('falcon-mamba-7b'), 'f')).totalParams;
    expect(falcon / 1e9).toBeCloseTo(7.27, 2);
    const codestral = paramCount(specFromHfConfig(fixture('mamba-codestral-7b'), 'c')).totalParams;
    expect(codestral / 1e9).toBeCloseTo(7.29, 2);
  });

  it('Jamba 1.5 Mini: 4 attention and 28 Mamba-1 layers, MoE on the odd layers; 52B total, 12B active', () => {
    const spec = specFromHfConfig(fixture('jamba-1.5-mini'), 'j');
    expect(spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i] : []))).toEqual([4, 12, 20, 28]);
    expect(spec.layers.filter((l) => l.mlp === 'moe')).toHaveLength(16);
    expect(spec.layers[1]!.mlp).toBe('moe');
    expect(spec.layers[0]!.mlp).toBe('dense');
    expect(spec.moe).toMatchObject({ numExperts: 16, topK: 2, expertIntermediateSize: 14_336 });
    const p = paramCount(spec);
    expect(p.totalParams / 1e9).toBeCloseTo(51.57, 2);
    expect(p.activeParams / 1e9).toBeCloseTo(12.11, 2);
    // Jamba 1.5 Large's shape: 398B total, 94B active (AI21's card).
    const large = paramCount(
      specFromHfConfig(
        {
          ...fixture('jamba-1.5-mini'),
          hidden_size: 8192,
          num_hidden_layers: 72,
          num_attention_heads: 64,
          intermediate_size: 24_576,
        },
        'l',
      ),
    );
    expect(large.totalParams / 1e9).toBeCloseTo(398, 0);
    expect(large.activeParams / 1e9).toBeCloseTo(94, 0);
  });

  it('one Mamba-1 layer by hand (Jamba: dt/B/C RMSNorms, no projection bias, conv bias)', () => {
    const m = specFromHfConfig(fixture('jamba-1.5-mini'), 'j').stateSpace!;
    expect(m.selective).toEqual({ timeStepRank: 256, innerNorms: true });
    const d = 8192;
    const byHand = 4096 * 2 * d + d * 4 + d + d * (256 + 32) + 256 * d + d + d * 16 + d + d * 4096 + 256 + 32;
    expect(stateSpaceParams(4096, m)).toBe(byHand);
  });

  it('the scan is 7·D·N per token in every mode; the conv covers x alone', () => {
    const m = specFromHfConfig(fixture('mamba-130m-hf'), 'm').stateSpace!;
    expect(stateSpaceFlopsPerToken(m, 'causal')).toBe(2 * 4 * 1536 + 7 * 1536 * 16);
    expect(stateSpaceFlopsPerToken(m, 'decode')).toBe(stateSpaceFlopsPerToken(m, 'causal'));
    const spec = specFromHfConfig(fixture('mamba-130m-hf'), 'm');
    const at = (context: number) =>
      forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: context });
    expect(at(100_000).flopsPerToken).toBe(at(1000).flopsPerToken);
  });

  it('state per sequence: (k − 1)·D conv inputs and D·N state per layer; KV only on attention layers', () => {
    const falcon = specFromHfConfig(fixture('falcon-mamba-7b'), 'f');
    const state = recurrentStateBytes(falcon);
    expect(state.convBytesPerSequence).toBe(64 * 3 * 8192 * 2);
    expect(state.stateBytesPerSequence).toBe(64 * 8192 * 16 * falcon.stateSpace!.stateBytesPerElement);
    expect(kvCacheBytes(falcon, 1_000_000, 'bf16').bytesPerSequence).toBe(0);
    const jamba = specFromHfConfig(fixture('jamba-1.5-mini'), 'j');
    expect(kvCacheBytes(jamba, 1000, 'bf16').bytesPerToken).toBe(4 * 2 * 8 * 128 * 2);
  });

  it('LoRA on the mixers: in_proj (h → 2·D) and out_proj (D → h)', () => {
    const spec = specFromHfConfig(fixture('mamba-130m-hf'), 'm');
    const lora = { method: 'lora' as const, rank: 8, targets: ['in_proj', 'out_proj'] as const };
    expect(trainableParams(spec, lora)).toBe(24 * (8 * (768 + 3072) + 8 * (1536 + 768)));
  });

  it('time_step_rank "auto" is ⌈hidden / 16⌉; expand × hidden when intermediate_size is absent', () => {
    const c = fixture('mamba-130m-hf');
    c.time_step_rank = 'auto';
    delete c.intermediate_size;
    c.expand = 3;
    const m = specFromHfConfig(c, 'm').stateSpace!;
    expect(m.selective!.timeStepRank).toBe(48);
    expect(m.numHeads).toBe(3 * 768);
  });

  it('tensor parallelism splits a Mamba model by its groups or channels, and says so when it cannot', () => {
    const codestral = specFromHfConfig(fixture('mamba-codestral-7b'), 'c');
    expect([1, 2, 4, 8].every((tp) => tensorParallelSplits(codestral, tp))).toBe(true);
    expect(tensorParallelSplits(codestral, 16)).toBe(false);
    expect(tensorParallelRequirement(codestral, 16)).toBe(
      'tensor parallelism 16 must divide the 8 state-space groups of c',
    );
    const falcon = specFromHfConfig(fixture('falcon-mamba-7b'), 'f');
    expect(tensorParallelRequirement(falcon, 3)).toBe(
      'tensor parallelism 3 must divide the 8192 Mamba-1 channels of f',
    );
    const jamba = specFromHfConfig(fixture('jamba-1.5-mini'), 'j');
    expect(tensorParallelRequirement(jamba, 3)).toMatch(/32 attention heads and .* 8 KV heads of j$/);
  });

  it('names the field of a bad config', () => {
    const bad = (patch: Cfg, name: string) => ({ ...fixture(name), ...patch });
    expect(() => specFromHfConfig(bad({ attn_layer_offset: 8 }, 'jamba-1.5-mini'), 'j')).toThrow(
      /attn_layer_offset.*must be below attn_layer_period \(8\)/,
    );
    expect(() => specFromHfConfig(bad({ layers_block_type: ['attention'] }, 'jamba-1.5-mini'), 'j')).toThrow(
      /layers_block_type.*one entry per layer \(32\)/,
    );
    expect(() => specFromHfConfig(bad({ num_heads: 64 }, 'mamba-codestral-7b'), 'c')).toThrow(
      /num_heads.*must equal expand × hidden_size/,
    );
    expect(() => specFromHfConfig(bad({ state_size: 0 }, 'falcon-mamba-7b'), 'f')).toThrow(InputError);
  });
});
