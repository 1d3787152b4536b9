/**
 * Small modules of a decoder layer that ModelSpec has no kind for ({@link LayerSpec.extras}): DiffLlama's
 * λ vectors, ZAYA1's CCA convolutions, key temperatures and router MLP. Held and run with their layer:
 * in its parameters (total and active), its pipeline stage's memory and, for the matmuls each token
 * runs, its operation list (FLOPs, kernel time, activations). Re-exported by spec.ts.
 */
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES } from './operation-types.js';
import type { LayerSpec } from './spec.js';

/** A matmul (or convolution tap) each token runs: m = tokens, an n × k weight, `count` of them. */
export interface LayerExtraGemm {
  /** The model's module name, e.g. "router_mlp.fc1". */
  readonly name: string;
  readonly n: number;
  readonly k: number;
  /** Matrices of this shape (a grouped convolution's groups); absent = 1. */
  readonly count?: number;
}

export interface LayerExtrasSpec {
  /** The model's module names, for warnings and the docs (e.g. "lambda_q1, lambda_k1, lambda_q2, lambda_k2"). */
  readonly modules: string;
  /** Every weight of them in one layer: matmul weights, biases and vectors. */
  readonly params: number;
  /**
   * Of `params`, the weights held that a token does not run (experts it is not routed to): in the
   * total and in memory, not in the active count. Absent = 0.
   */
  readonly idleParams?: number;
  /**
   * The matmuls each token runs through them, not in any TP plan: every rank runs them whole. Weights
   * beyond these are element-wise or run once per sequence, and add no FLOPs per token.
   */
  readonly gemms: readonly LayerExtraGemm[];
}

/** The part of a layer's key (layer-view.ts layerKey) its extras make: layers differing in them differ in kind. */
export const layerExtrasKey = (extras: LayerExtrasSpec | undefined): string =>
  extras === undefined
    ? ''
    : `/x${extras.params}-${extras.idleParams ?? 0}:${extras.gemms.map((g) => `${g.n}x${g.k}x${g.count ?? 1}`).join(',')}`;

/** The extras' matmuls on `tokens` tokens, replicated on every TP rank (Conventions: operations.ts). */
export function layerExtraOperations(layer: LayerSpec, b: OpBuilder, tokens: number): void {
  for (const g of layer.extras?.gemms ?? [])
    b.gemm(`extras.${g.name}`, 'layerExtras', tokens, g.n, g.k, { replicated: true, count: g.count ?? 1 });
}

/** Bytes the extras keep for the backward pass: each matmul's input (for its weight gradient), BF16. */
export const layerExtrasActivationBytes = (layer: LayerSpec, tokens: number): number =>
  (layer.extras?.gemms ?? []).reduce((sum, g) => sum + ACT_BYTES * tokens * g.k * (g.count ?? 1), 0);
