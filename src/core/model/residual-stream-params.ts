/**
 * Parameters of the residual-stream extensions: Gemma 3n's AltUp and LAuReL, DeepSeek-V4's
 * manifold-constrained hyper-connections (mHC) and Hy4's independent ones (iHC); summed per model by
 * param-count.ts.
 */
import type { HyperConnectionsSpec, ModelSpec } from './spec.js';

/**
 * Hyper-connections of one layer, attn_hc and ffn_hc — mHC (`DeepseekV4HyperConnection`): fn
 * (2 + n)·n × n·h, base (2 + n)·n, 3 scales each; iHC (`HYV4HyperConnection`, modeling_hy_v4.py): fn
 * 2n × n·h, base 2n, 2 scales each — and of the model (`DeepseekV4HyperHead` / `HYV4HyperHead`
 * hc_head: hc_fn n × n·h, hc_base n, hc_scale 1); 0 without hyper-connections.
 */
export function hyperConnectionParams(spec: ModelSpec): { readonly perLayer: number; readonly head: number } {
  const hc = spec.hyperConnections;
  if (!hc) return { perLayer: 0, head: 0 };
  const n = hc.streams;
  const width = n * spec.hiddenSize;
  const outputs = hyperConnectionOutputs(hc);
  const scales = hc.kind === 'ihc' ? 2 : 3;
  return { perLayer: 2 * (outputs * width + outputs + scales), head: n * width + n + 1 };
}

/** Mixing weights fn computes per block: mHC's pre, post and comb ((2 + n)·n), iHC's pre and post (2n). */
export const hyperConnectionOutputs = (hc: HyperConnectionsSpec): number =>
  hc.kind === 'ihc' ? 2 * hc.streams : (2 + hc.streams) * hc.streams;

/**
 * AltUp, LAuReL and hyper-connection parameters of one layer (transformers `Gemma3nTextAltUp`: modality_router
 * h → n, prediction_coefs n → n², correction_coefs n → n, router_norm (`norm`, the model's norm of h)
 * and correct_output_scale of h, all without bias; `Gemma3nTextLaurelBlock`: linear_left h → r,
 * linear_right r → h, post_laurel_norm h; mHC or iHC: {@link hyperConnectionParams}).
 */
export function residualStreamParams(spec: ModelSpec, norm: number): number {
  const h = spec.hiddenSize;
  const n = spec.altUp?.streams;
  const altUp = n === undefined ? 0 : n * h + n ** 3 + n ** 2 + norm + h;
  const r = spec.laurel?.rank;
  const laurel = r === undefined ? 0 : 2 * h * r + norm;
  return altUp + laurel + hyperConnectionParams(spec).perLayer;
}

/** AltUp's n − 1 h × h projections widening the embedding and n − 1 narrowing the output; mHC's or iHC's hc_head. */
export function residualHeadParams(spec: ModelSpec): number {
  const n = spec.altUp?.streams ?? 1;
  return 2 * (n - 1) * spec.hiddenSize * spec.hiddenSize + hyperConnectionParams(spec).head;
}
