/**
 * Parameters of the residual-stream extensions: Gemma 3n's AltUp and LAuReL, and DeepSeek-V4's
 * manifold-constrained hyper-connections (mHC); summed per model by param-count.ts.
 */
import type { ModelSpec } from './spec.js';

/**
 * mHC of one layer (`DeepseekV4HyperConnection` attn_hc and ffn_hc: fn (2 + n)·n × n·h, base
 * (2 + n)·n, 3 scales each) and of the model (`DeepseekV4HyperHead` hc_head: hc_fn n × n·h, hc_base
 * n, hc_scale 1); 0 without hyper-connections.
 */
export function hyperConnectionParams(spec: ModelSpec): { readonly perLayer: number; readonly head: number } {
  const n = spec.hyperConnections?.streams;
  if (n === undefined) return { perLayer: 0, head: 0 };
  const width = n * spec.hiddenSize;
  return { perLayer: 2 * ((2 + n) * n * width + (2 + n) * n + 3), head: n * width + n + 1 };
}

/**
 * AltUp, LAuReL and mHC parameters of one layer (transformers `Gemma3nTextAltUp`: modality_router
 * h → n, prediction_coefs n → n², correction_coefs n → n, router_norm (`norm`, the model's norm of h)
 * and correct_output_scale of h, all without bias; `Gemma3nTextLaurelBlock`: linear_left h → r,
 * linear_right r → h, post_laurel_norm h; mHC: {@link hyperConnectionParams}).
 */
export function residualStreamParams(spec: ModelSpec, norm: number): number {
  const h = spec.hiddenSize;
  const n = spec.altUp?.streams;
  const altUp = n === undefined ? 0 : n * h + n ** 3 + n ** 2 + norm + h;
  const r = spec.laurel?.rank;
  const laurel = r === undefined ? 0 : 2 * h * r + norm;
  return altUp + laurel + hyperConnectionParams(spec).perLayer;
}

/** AltUp's n − 1 h × h projections widening the embedding and n − 1 narrowing the output; mHC's hc_head. */
export function residualHeadParams(spec: ModelSpec): number {
  const n = spec.altUp?.streams ?? 1;
  return 2 * (n - 1) * spec.hiddenSize * spec.hiddenSize + hyperConnectionParams(spec).head;
}
