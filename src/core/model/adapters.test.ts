/**
 * LoRA on hybrid models: each target exists only on the layers that have it (q/k/v/o on attention
 * layers, Gated DeltaNet and Mamba-2 projections on their layers, the dense MLP, shared and routed
 * experts on MoE layers). Expected counts are written from the configs and the modelling code's
 * module shapes (Hu et al. 2021, Eq. 3: r·(in + out) per adapted matrix), not through the reader.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import {
  adaptedMatrices,
  adapterRankWarning,
  adapterRuntime,
  layerAdapterMatrices,
  parseTargets,
  trainableParams,
} from './adapters.js';
import { specFromHfConfig } from './hf-config.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values, read loosely by this independent count
type Cfg = Record<string, any>;

const lora = (r: number, targets: string) => ({
  method: 'lora' as const,
  rank: r,
  targets: parseTargets(targets),
});

describe('LoRA adapters on hybrid layers', () => {
  it('Nemotron 3 Nano: q/k/v/o on its 6 attention blocks, in/out_proj on its 23 Mamba-2 blocks, experts on its 23 MoE blocks', () => {
    const c = hfFixture('nemotron-3-nano-30b-a3b') as Cfg;
    const spec = specFromHfConfig(c, 'nano');
    const blocks = [...c.hybrid_override_pattern];
    const n = (ch: string) => blocks.filter((b) => b === ch).length;
    expect([n('*'), n('M'), n('E')]).toEqual([6, 23, 23]);
    const h = c.hidden_size;
    const r = 8;
    const m = (i: number, o: number) => r * (i + o);
    const q = c.num_attention_heads * c.head_dim;
    const kv = c.num_key_value_heads * c.head_dim;
    const attention = n('*') * (m(h, q) + 2 * m(h, kv) + m(q, h));
    // NemotronHMamba2Mixer: in_proj h → 2·inner + 2·n_groups·state + heads, out_proj inner → h.
    const inner = c.mamba_num_heads * c.mamba_head_dim;
    const mamba =
      n('M') * (m(h, 2 * inner + 2 * c.n_groups * c.ssm_state_size + c.mamba_num_heads) + m(inner, h));
    // Ungated experts and shared expert: up_proj, down_proj.
    const experts = n('E') * c.n_routed_experts * 2 * m(h, c.moe_intermediate_size);
    const shared = n('E') * 2 * m(h, c.moe_shared_expert_intermediate_size);
    expect(trainableParams(spec, lora(r, 'attn'))).toBe(attention);
    expect(trainableParams(spec, lora(r, 'mixer'))).toBe(mamba);
    expect(trainableParams(spec, lora(r, 'all'))).toBe(attention + mamba + experts + shared);
    // No dense MLP block in Nano: an MLP-only target list adapts the shared experts only.
    expect(trainableParams(spec, lora(r, 'gate,up,down,shared'))).toBe(shared);
  });

  it('Qwen3-Next: gated q_proj on the 12 full-attention layers, in_proj_qkvz/in_proj_ba/out_proj on the 36 GDN layers', () => {
    const c = hfFixture('hand-built/qwen3-next-80b-a3b-instruct') as Cfg;
    const spec = specFromHfConfig(c, 'next');
    const h = c.hidden_size;
    const r = 16;
    const m = (i: number, o: number) => r * (i + o);
    const q = c.num_attention_heads * c.head_dim;
    const kv = c.num_key_value_heads * c.head_dim;
    // Qwen3NextAttention: q_proj h → 2·heads·head_dim (queries and the output gate).
    const attention = 12 * (m(h, 2 * q) + 2 * m(h, kv) + m(q, h));
    const k = c.linear_num_key_heads * c.linear_key_head_dim;
    const v = c.linear_num_value_heads * c.linear_value_head_dim;
    const gdn = 36 * (m(h, 2 * k + 2 * v) + m(h, 2 * c.linear_num_value_heads) + m(v, h));
    expect(trainableParams(spec, lora(r, 'attn'))).toBe(attention);
    expect(trainableParams(spec, lora(r, 'mixer'))).toBe(gdn);
    expect(adaptedMatrices(spec, lora(r, 'mixer')).map((x) => [x.module, x.count])).toEqual([
      ['linear_attn.in_proj_qkvz', 36],
      ['linear_attn.in_proj_ba', 36],
      ['linear_attn.out_proj', 36],
    ]);
  });

  it('Qwen3.5 splits the GDN input projections into in_proj_qkv, in_proj_z, in_proj_b, in_proj_a', () => {
    const spec = specFromHfConfig(hfFixture('qwen3.5-27b'), 'q');
    const modules = adaptedMatrices(spec, lora(8, 'in_proj')).map((x) => x.module);
    expect(modules).toEqual([
      'linear_attn.in_proj_qkv',
      'linear_attn.in_proj_z',
      'linear_attn.in_proj_b',
      'linear_attn.in_proj_a',
    ]);
  });

  it('per layer: each layer gets only the adapted matrices it has, summing to the total', () => {
    const spec = specFromHfConfig(hfFixture('nemotron-3-nano-30b-a3b'), 'nano');
    const adapter = lora(8, 'all');
    const runtime = adapterRuntime(spec, adapter, 2);
    const moe = spec.moe!;
    let sum = 0;
    for (const layer of spec.layers) {
      for (const x of layerAdapterMatrices(spec, runtime, layer)) {
        sum += 8 * (x.inFeatures + x.outFeatures) * (x.routed ? moe.numExperts : 1);
      }
    }
    expect(sum).toBe(runtime.trainableParams);
    const mambaLayer = spec.layers.find((l) => l.attention === 'mamba')!;
    expect(layerAdapterMatrices(spec, runtime, mambaLayer)).toHaveLength(2);
  });
});

describe('adapterRankWarning: a rank at the smaller side of adapted matrices', () => {
  const matrix = (module: string, inFeatures: number, outFeatures: number) => ({
    module,
    part: 'attention' as const,
    inFeatures,
    outFeatures,
    count: 1,
    trainableParams: 0,
  });
  const shapes = [matrix('q_proj', 4096, 4096), matrix('k_proj', 4096, 1024)];
  it('is null below every side, names the capped shapes at or above one', () => {
    expect(adapterRankWarning(lora(1023, 'q,k'), shapes)).toBeNull();
    const at = adapterRankWarning(lora(1024, 'q,k'), shapes);
    expect(at).toMatch(
      /rank 1024 reaches the smaller side of 1 of 2 .*k_proj 4096 → 1024.*at most rank 1,024/,
    );
    // r·(in + out) = 1024 · 5120 = 5.24M adapter parameters against the matrix's 4096 · 1024 = 4.19M.
    expect(at).toMatch(/from 5\.24M adapter parameters for the matrix's 4\.19M$/);
    expect(adapterRankWarning(lora(4096, 'q,k'), shapes)).toMatch(/2 of 2/);
  });
  it('reaches the runtime a fine-tuning plan reads', () => {
    const spec = specFromHfConfig(hfFixture('llama-4-scout-17b-16e-instruct') as Cfg, 'scout');
    expect(adapterRuntime(spec, lora(16, 'q,k,v,o'), 2).rankWarning).toBeNull();
    expect(adapterRuntime(spec, lora(1024, 'q,k,v,o'), 2).rankWarning).toMatch(/2 of 4/);
  });
});
