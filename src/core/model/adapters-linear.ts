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
  rwkv6: 'attention.output',
  rwkv7: 'attn.o_proj',
  gla: 'attn.o_proj',
  hgrn: 'attn.o_proj',
} as const;

/** Adds the adapted matrices of one linear-attention mixer of width `h` that `wants` selects. */
export function linearMixerMatrices(
  gdn: GatedDeltaNetSpec,
  h: number,
  wants: (t: TargetModule) => boolean,
  add: (part: AdapterPart, module: string, inFeatures: number, outFeatures: number) => void,
): void {
  const k = gdn.numKeyHeads * gdn.keyHeadDim;
  const v = gdn.numValueHeads * gdn.valueHeadDim;
  const heads = gdn.numValueHeads;
  if (wants('in_proj')) {
    if (gdn.projections === 'kda') {
      // KimiDeltaAttention: q_proj, k_proj, v_proj (the gates' low-rank pairs are not LoRA targets).
      add('linear', 'self_attn.q_proj', h, k);
      add('linear', 'self_attn.k_proj', h, k);
      add('linear', 'self_attn.v_proj', h, v);
    } else if (gdn.projections === 'mlstm') {
      // xLSTMLayer: query, key, value and the sigmoid gate ogate_preact (weight_mode "single"), or
      // them as one qkv_opreact ("fused"); igate/fgate_preact (h → heads) are not LoRA targets.
      if (gdn.fusedProjections) add('linear', 'mlstm_layer.qkv_opreact', h, 2 * k + 2 * v);
      else {
        add('linear', 'mlstm_layer.query', h, k);
        add('linear', 'mlstm_layer.key', h, k);
        add('linear', 'mlstm_layer.value', h, v);
        add('linear', 'mlstm_layer.ogate_preact', h, v);
      }
    } else if (gdn.projections === 'rwkv4') {
      // RwkvSelfAttention: key, value and the sigmoid gate receptance (h → A).
      add('linear', 'attention.key', h, k);
      add('linear', 'attention.value', h, v);
      add('linear', 'attention.receptance', h, k);
    } else if (gdn.projections === 'rwkv6') {
      // Rwkv6SelfAttention: receptance, key (h → k), value and the SiLU gate gate (h → v); the
      // token-shift and decay LoRAs are bare nn.Parameters, not PEFT targets.
      add('linear', 'attention.receptance', h, k);
      add('linear', 'attention.key', h, k);
      add('linear', 'attention.value', h, v);
      add('linear', 'attention.gate', h, v);
    } else if (gdn.projections === 'rwkv7') {
      // RWKV7Attention: r_proj, k_proj, v_proj (the LoRAs' Sequential members are not PEFT targets by name).
      add('linear', 'attn.r_proj', h, k);
      add('linear', 'attn.k_proj', h, k);
      add('linear', 'attn.v_proj', h, v);
    } else if (gdn.projections === 'gla') {
      // HGRN2Attention: q_proj, f_proj (h → k) and i_proj (h → v), as the checkpoint names them.
      add('linear', 'attn.q_proj', h, k);
      add('linear', 'attn.f_proj', h, k);
      add('linear', 'attn.i_proj', h, v);
    } else if (gdn.projections === 'hgrn') {
      // HGRNAttention / HGRNBitAttention (BitLinear, an nn.Linear PEFT adapts): i_proj, f_proj, g_proj.
      add('linear', 'attn.i_proj', h, v);
      add('linear', 'attn.f_proj', h, k);
      add('linear', 'attn.g_proj', h, v);
    } else if (gdn.projections === 'lightning') {
      // MiniMaxLightningAttention: qkv_proj (h → 2k + v) and the sigmoid gate output_gate (h → v),
      // full-rank like Qwen3.5's in_proj_z.
      add('linear', 'self_attn.qkv_proj', h, 2 * k + v);
      add('linear', 'self_attn.output_gate', h, v);
    } else if (gdn.projections === 'split') {
      // Qwen3_5GatedDeltaNet: in_proj_qkv, in_proj_z, in_proj_b, in_proj_a.
      add('linear', 'linear_attn.in_proj_qkv', h, 2 * k + v);
      add('linear', 'linear_attn.in_proj_z', h, v);
      add('linear', 'linear_attn.in_proj_b', h, heads);
      add('linear', 'linear_attn.in_proj_a', h, heads);
    } else {
      // Qwen3NextGatedDeltaNet: in_proj_qkvz (h → 2k + 2v), in_proj_ba (h → 2 · value heads).
      add('linear', 'linear_attn.in_proj_qkvz', h, 2 * k + 2 * v);
      add('linear', 'linear_attn.in_proj_ba', h, 2 * heads);
    }
  }
  if (wants('out_proj')) add('linear', OUT_PROJ[gdn.projections ?? 'fused'], v, h);
}
