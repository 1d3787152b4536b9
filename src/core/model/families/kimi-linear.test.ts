/**
 * Kimi Linear (`kimi_linear`): layer lists, KDA shapes, errors and LoRA targets. The parameter totals
 * are checked tensor by tensor in test/golden/new-families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { InputError } from '../../errors.js';
import { parseTargets, trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { attentionResidualCandidates, layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg => structuredClone(hfFixture('hand-built/kimi-linear-48b-a3b-instruct')) as Cfg;

describe('kimi_linear', () => {
  it('reads kda_layers / full_attn_layers (1-based) as linear / MLA layers, layer 0 dense', () => {
    const spec = specFromHfConfig(base(), 'kimi');
    const full = spec.layers.flatMap((l, i) => (l.attention === 'full' ? [i + 1] : []));
    expect(full).toEqual([4, 8, 12, 16, 20, 24, 27]);
    expect(spec.attention.kind).toBe('mla');
    expect(spec.linearAttention).toMatchObject({
      numKeyHeads: 32,
      numValueHeads: 32,
      keyHeadDim: 128,
      valueHeadDim: 128,
      convKernel: 4,
      projections: 'kda',
      gateRank: 128,
    });
    expect(spec.moe).toMatchObject({ numExperts: 256, topK: 8, numSharedExperts: 1, routerBias: true });
    expect(spec.maxContextTokens).toBe(1_048_576);
  });

  it('KV grows only with the 7 MLA layers; the KDA state does not grow with context', () => {
    const spec = specFromHfConfig(base(), 'kimi');
    const short = kvCacheBytes(spec, 1024, 'bf16').bytesPerToken;
    const long = kvCacheBytes(spec, 65_536, 'bf16').bytesPerToken;
    expect(short).toBe(long);
    expect(short).toBe(7 * 576 * 2);
    expect(recurrentStateBytes(spec).bytesPerSequence).toBeGreaterThan(0);
  });

  it('without linear_attn_config lists: layer_types, else full attention every 4th layer', () => {
    const c = base();
    delete c.linear_attn_config.kda_layers;
    delete c.linear_attn_config.full_attn_layers;
    const spec = specFromHfConfig(c, 'kimi');
    expect(spec.layers.filter((l) => l.attention === 'full')).toHaveLength(6);
  });

  it('refuses layer lists that do not partition the layers, naming the field', () => {
    const gap = base();
    gap.linear_attn_config.kda_layers = gap.linear_attn_config.kda_layers.slice(1);
    expect(() => specFromHfConfig(gap, 'k')).toThrow(/linear_attn_config\.kda_layers.*layer 1 unassigned/);
    const twice = base();
    twice.linear_attn_config.full_attn_layers.push(1);
    expect(() => specFromHfConfig(twice, 'k')).toThrow(InputError);
    const outOfRange = base();
    outOfRange.linear_attn_config.full_attn_layers.push(28);
    expect(() => specFromHfConfig(outOfRange, 'k')).toThrow(/layers are 1 to 27/);
  });

  it('LoRA: q/k/v/o_proj on the 20 KDA layers (mixer), MLA projections on the 7 full layers', () => {
    const c = base();
    const spec = specFromHfConfig(c, 'kimi');
    const r = 8;
    const h = c.hidden_size;
    const p = 32 * 128;
    const m = (i: number, o: number) => r * (i + o);
    const lora = (targets: string) => ({ method: 'lora' as const, rank: r, targets: parseTargets(targets) });
    expect(trainableParams(spec, lora('mixer'))).toBe(20 * (3 * m(h, p) + m(p, h)));
  });

  it('forward FLOPs: attention projections are 2 FLOPs per weight of q/k/v, gates, β, o (KDA) and MLA', () => {
    const c = base();
    const spec = specFromHfConfig(c, 'kimi');
    const h = c.hidden_size;
    const p = 32 * 128;
    const r = 128;
    const kda = h * 3 * p + 2 * (h * r + r * p) + h * 32 + p * h;
    const mla = h * 32 * 192 + h * 576 + 512 * 32 * 256 + 32 * 128 * h;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(2 * (20 * kda + 7 * mla));
  });

  it('Kimi K3: a full-rank KDA output gate, a gated MLA output, LatentMoE with a norm, Attention Residuals', () => {
    const c = base();
    c.linear_attn_config.use_full_rank_gate = true;
    Object.assign(c, {
      mla_use_output_gate: true,
      routed_expert_hidden_size: 1024,
      latent_moe_use_norm: true,
      attn_res_block_size: 6,
    });
    const spec = specFromHfConfig(c, 'k3-like');
    expect(spec.linearAttention?.fullRankOutputGate).toBe(true);
    expect(spec.attention).toMatchObject({ kind: 'mla', outputGate: true });
    expect(spec.moe).toMatchObject({ latentSize: 1024, latentNorm: true });
    expect(spec.attentionResiduals).toEqual({ blockLayers: 6 });
    // Projections: KDA's g_proj (h → p) instead of g_a → g_b; MLA's g_proj (h → 32·128).
    const h = c.hidden_size;
    const p = 32 * 128;
    const r = 128;
    const kda = h * 3 * p + (h * r + r * p) + h * p + h * 32 + p * h;
    const mla = h * 32 * 192 + h * 576 + 512 * 32 * 256 + 32 * 128 * h + h * 32 * 128;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(2 * (20 * kda + 7 * mla));
  });

  it('Attention Residuals: the mean blocks + running sum each mixture reads, as KimiDecoderLayer keeps them', () => {
    // 4 layers, a block every 2: layer 0 mixes only before its MLP (block 0 + sum), layer 1 2 + 2,
    // layer 2 2 + 3 (block 2 pushed), layer 3 3 + 3: 17 candidates over 8 mixtures.
    const c: Cfg = { ...base(), num_hidden_layers: 4, attn_res_block_size: 2 };
    c.linear_attn_config = { ...c.linear_attn_config, kda_layers: [1, 2, 3], full_attn_layers: [4] };
    const spec = specFromHfConfig(c, 'ar');
    expect(attentionResidualCandidates(spec)).toBe(17 / 8);
    const ops = layerOperations(spec, spec.layers[3]!, {
      phase: 'forward',
      shape: { sequences: 1, tokensPerSequence: 1000, contextTokens: 1000 },
      layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
      datatype: 'bf16',
      gemmInputBytes: 2,
    });
    const hidden = 2 * 1000 * c.hidden_size;
    expect(ops.find((op) => op.name === 'attn-res')).toMatchObject({
      type: 'memory',
      bytesRead: (17 / 8) * hidden,
      bytesWritten: hidden,
      count: 2,
    });
  });

  it('Kimi K3 written as an llmecon spec counts as its config does (the vision tower aside)', () => {
    const k3 = hfFixture('kimi-k3') as Cfg;
    const read = specFromHfConfig(k3, 'k3');
    const input = {
      name: 'k3-by-hand',
      vocabSize: 163_840,
      hiddenSize: 7168,
      numLayers: 93,
      maxContextTokens: 1_048_576,
      attention: {
        kind: 'mla',
        numHeads: 96,
        qLoraRank: 1536,
        kvLoraRank: 512,
        qkNopeHeadDim: 128,
        qkRopeHeadDim: 64,
        vHeadDim: 128,
        outputGate: true,
      },
      layerPattern: read.layers.map((l) => l.attention),
      linearAttention: {
        numKeyHeads: 96,
        numValueHeads: 96,
        keyHeadDim: 128,
        valueHeadDim: 128,
        stateBytesPerElement: 2,
        projections: 'kda',
        gateRank: 128,
        fullRankOutputGate: true,
      },
      mlp: { intermediateSize: 33_792 },
      moe: {
        numExperts: 896,
        topK: 16,
        expertIntermediateSize: 3072,
        numSharedExperts: 2,
        routerBias: true,
        latentSize: 3584,
        latentNorm: true,
        firstDenseLayers: 1,
      },
      attentionResiduals: { blockLayers: 12 },
    };
    const { visionParams: _, ...byHand } = paramCount(specFromInput(input));
    const { visionParams: __, ...fromConfig } = paramCount(read);
    expect(byHand).toEqual(fromConfig);
  });

  it('kimi_k3: its MoonViT3d is counted apart; a vision layout it does not build is refused by name', () => {
    const k3 = hfFixture('kimi-k3') as Cfg;
    expect(specFromHfConfig(k3, 'k3').vision?.description).toBe('MoonViT3d 27 × 1024, patch 14, merge 2×2');
    const other = { ...k3, vision_config: { ...k3.vision_config, merge_type: 'sd2' } };
    expect(() => specFromHfConfig(other, 'k3')).toThrow(/vision_config\.merge_type' 'sd2' is not supported/);
  });

  it('an unknown model_type with linear_attn_config and MLA keys is read as kimi_linear, with a warning', () => {
    const spec = specFromHfConfig({ ...base(), model_type: 'kimi_linear_next' }, 'u');
    expect(spec.warnings?.[0]).toMatch(/kimi_linear/);
    expect(spec.linearAttention?.projections).toBe('kda');
  });
});
