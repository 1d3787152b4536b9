/**
 * The LoRA-adapted matrices of a `linear` layer's mixer (adapters.ts), by projection variant, with
 * the module names PEFT sees: the `in_proj` target adapts the input projections (and the full-rank
 * output gates beside them), `out_proj` the output projection.
 */
import type { AdapterPart, TargetModule } from './adapters.js';
import type { GatedDeltaNetSpec } from './spec.js';

/** The module name of each variant's output projection. */
const OUT_PROJ = {
  fused: 'linear_attn.out_proj',
  split: 'linear_attn.out_proj',
  kda: 'self_attn.o_proj',
  lightning: 'self_attn.out_proj',
  mlstm: 'mlstm_layer.out_proj',
  rwkv4: 'attention.output',
  rwkv5: 'attention.output',
  rwkv6: 'attention.output',
  rwkv7: 'attn.o_proj',
  gla: 'attn.o_proj',
  hgrn: 'attn.o_proj',
} as const;

type Variant = NonNullable<GatedDeltaNetSpec['projections']>;

/** A mixer's key width k, value width v and value heads, which its projections' widths are made of. */
interface Widths {
  readonly k: number;
  readonly v: number;
  readonly heads: number;
}

/** Each variant's input projections (all read h): the module name PEFT sees and its output width. */
const IN_PROJ: Record<
  Variant,
  (w: Widths, g: GatedDeltaNetSpec) => ReadonlyArray<readonly [module: string, outFeatures: number]>
> = {
  // Qwen3NextGatedDeltaNet: in_proj_qkvz (h → 2k + 2v), in_proj_ba (h → 2 · value heads).
  fused: ({ k, v, heads }) => [
    ['linear_attn.in_proj_qkvz', 2 * k + 2 * v],
    ['linear_attn.in_proj_ba', 2 * heads],
  ],
  // Qwen3_5GatedDeltaNet: in_proj_qkv, in_proj_z, in_proj_b, in_proj_a.
  split: ({ k, v, heads }) => [
    ['linear_attn.in_proj_qkv', 2 * k + v],
    ['linear_attn.in_proj_z', v],
    ['linear_attn.in_proj_b', heads],
    ['linear_attn.in_proj_a', heads],
  ],
  // KimiDeltaAttention: q_proj, k_proj, v_proj (the gates' low-rank pairs are not LoRA targets).
  kda: ({ k, v }) => [
    ['self_attn.q_proj', k],
    ['self_attn.k_proj', k],
    ['self_attn.v_proj', v],
  ],
  // MiniMaxLightningAttention: qkv_proj (h → 2k + v) and the sigmoid gate output_gate (h → v),
  // full-rank like Qwen3.5's in_proj_z.
  lightning: ({ k, v }) => [
    ['self_attn.qkv_proj', 2 * k + v],
    ['self_attn.output_gate', v],
  ],
  // xLSTMLayer: query, key, value and the sigmoid gate ogate_preact (weight_mode "single"), or
  // them as one qkv_opreact ("fused"); igate/fgate_preact (h → heads) are not LoRA targets.
  mlstm: ({ k, v }, g) =>
    g.fusedProjections
      ? [['mlstm_layer.qkv_opreact', 2 * k + 2 * v]]
      : [
          ['mlstm_layer.query', k],
          ['mlstm_layer.key', k],
          ['mlstm_layer.value', v],
          ['mlstm_layer.ogate_preact', v],
        ],
  // RwkvSelfAttention: key, value and the sigmoid gate receptance (h → A).
  rwkv4: ({ k, v }) => [
    ['attention.key', k],
    ['attention.value', v],
    ['attention.receptance', k],
  ],
  // RwkvSelfAttention (Hub modeling_rwkv5.py): receptance, key, value and the SiLU gate gate (h → h).
  rwkv5: ({ k, v }) => [
    ['attention.receptance', k],
    ['attention.key', k],
    ['attention.value', v],
    ['attention.gate', v],
  ],
  // Rwkv6SelfAttention: receptance, key (h → k), value and the SiLU gate gate (h → v); the
  // token-shift and decay LoRAs are bare nn.Parameters, not PEFT targets.
  rwkv6: ({ k, v }) => [
    ['attention.receptance', k],
    ['attention.key', k],
    ['attention.value', v],
    ['attention.gate', v],
  ],
  // RWKV7Attention: r_proj, k_proj, v_proj (the LoRAs' Sequential members are not PEFT targets by name).
  rwkv7: ({ k, v }) => [
    ['attn.r_proj', k],
    ['attn.k_proj', k],
    ['attn.v_proj', v],
  ],
  // HGRN2Attention: q_proj, f_proj (h → k) and i_proj (h → v), as the checkpoint names them.
  gla: ({ k, v }) => [
    ['attn.q_proj', k],
    ['attn.f_proj', k],
    ['attn.i_proj', v],
  ],
  // HGRNAttention / HGRNBitAttention (BitLinear, an nn.Linear PEFT adapts): i_proj, f_proj, g_proj.
  hgrn: ({ k, v }) => [
    ['attn.i_proj', v],
    ['attn.f_proj', k],
    ['attn.g_proj', v],
  ],
};

/**
 * A linear-attention mixer's input projections, each reading h: the module name PEFT sees and its
 * output width (whole, before any tensor-parallel split). The operation list runs the same GEMMs.
 */
export function linearInputProjections(g: GatedDeltaNetSpec): ReadonlyArray<readonly [string, number]> {
  const widths = {
    k: g.numKeyHeads * g.keyHeadDim,
    v: g.numValueHeads * g.valueHeadDim,
    heads: g.numValueHeads,
  };
  return IN_PROJ[g.projections ?? 'fused'](widths, g);
}

/** Adds the adapted matrices of one linear-attention mixer of width `h` that `wants` selects. */
export function linearMixerMatrices(
  gdn: GatedDeltaNetSpec,
  h: number,
  wants: (t: TargetModule) => boolean,
  add: (part: AdapterPart, module: string, inFeatures: number, outFeatures: number) => void,
): void {
  if (wants('in_proj'))
    for (const [module, out] of linearInputProjections(gdn)) add('linear', module, h, out);
  if (wants('out_proj'))
    add('linear', OUT_PROJ[gdn.projections ?? 'fused'], gdn.numValueHeads * gdn.valueHeadDim, h);
}
