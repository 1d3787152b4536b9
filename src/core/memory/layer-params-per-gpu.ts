/**
 * Parameters one GPU holds of each decoder layer in training (Megatron-Core's sharding): attention,
 * dense MLPs and shared experts split over TP but for the matrices every rank runs whole (the router,
 * MLA's down-projections), routed experts over EP × ETP; per layer kind, and per layer for hybrid
 * models' stages (training-memory.ts sums them).
 */

import { denseMlpParams, moeLayerParams, normParams, routedExpertParams } from '../model/mixer-params.js';
import { layerWeights, replicatedByLayer, tpShard } from '../model/operations.js';
import { attentionParams, mtpLayer, mtpRoutedExpertParams, paramCount } from '../model/param-count.js';
import type { ModelSpec } from '../model/spec.js';
import { perSpecMemo } from '../model/spec-memo.js';
import { expertTensorParallelOf, type ParallelLayout } from '../parallelism/layout.js';

export interface LayerParamsPerGpu {
  /** A dense layer. */
  readonly dense: number;
  /** A MoE layer's replicated and TP-split part (attention, router, shared experts). */
  readonly moeDense: number;
  /** A MoE layer's routed experts on one GPU. */
  readonly moeExperts: number;
  /**
   * One MTP module (param-count.ts mtpParams: its decoder layer, eh_proj and norms) on one GPU, sharded as a
   * decoder layer is: routed experts over EP × ETP, the rest over TP; zeros when the model has none.
   */
  readonly mtpModule: { readonly dense: number; readonly experts: number };
  /** Layer by layer (hybrid models): a set of layers' dense and expert parts and its largest layer. */
  readonly stage: (indices: readonly number[]) => { dense: number; experts: number; largest: number };
}

const wholeMemo = perSpecMemo<'dense' | 'moe', number>();

export function layerParamsPerGpu(
  spec: ModelSpec,
  layout: ParallelLayout,
  perLayer: boolean,
): LayerParamsPerGpu {
  const h = spec.hiddenSize;
  const t = layout.tensorParallel;
  const etp = expertTensorParallelOf(layout);
  const moe = spec.moe;
  // param-count's MoE block: experts at the latent width under LatentMoE, the latent projections and a
  // shared-expert gate with the shared experts, router rows (ERNIE-4.5-VL's vision group's too).
  const block = moe ? moeLayerParams(spec, moe) : null;
  const routed = routedExpertParams(spec);
  const norms = spec.norm.perLayer * normParams(spec, h);
  // Matrices every TP rank holds whole (the operation list's `replicated`: MLA down-projections, the
  // router, Megatron-Core's duplicated linears), by layer kind — of the attention, MLP and router these
  // sums hold (per-layer inputs, residual streams and extras, all replicated, are not in them) — and per layer.
  const whole = (mlp: 'dense' | 'moe') =>
    wholeMemo(spec, mlp, () => {
      const w = layerWeights(spec, { attention: 'full', mlp });
      return Math.max(0, w.replicated - w.perLayerInput - w.residualStreams - w.layerExtras);
    });
  const perLayerParams = perLayer ? paramCount(spec).perLayer : [];
  const replicated = perLayer ? replicatedByLayer(spec) : null;
  const dense = attentionParams(spec) + denseMlpParams(spec, spec.mlp);
  const mtp = spec.numMtpModules > 0 ? mtpLayer(spec) : null;
  const mtpHeld = mtp ? mtpRoutedExpertParams(spec) / spec.numMtpModules : 0;
  const mtpEach = mtp ? paramCount(spec).mtpParams / spec.numMtpModules : 0;
  return {
    dense: tpShard(dense, whole('dense'), t) + norms,
    // Shared experts and latent projections split over TP; the router stays whole.
    moeDense: block
      ? tpShard(attentionParams(spec) + block.router + block.shared, whole('moe'), t) + norms
      : 0,
    moeExperts: routed / (layout.expertParallel * etp),
    mtpModule: {
      dense: mtp ? tpShard(mtpEach - mtpHeld, layerWeights(spec, mtp).replicated, t) : 0,
      experts: mtpHeld / (layout.expertParallel * etp),
    },
    stage: (indices) => {
      let dense = 0;
      let experts = 0;
      let largest = 0;
      for (const i of indices) {
        const held = spec.layers[i]!.mlp === 'moe' ? routed : 0;
        const layerDense = tpShard(perLayerParams[i]!.totalParams - held, replicated![i]!, t);
        const layerExperts = held / (etp * layout.expertParallel);
        dense += layerDense;
        experts += layerExperts;
        largest = Math.max(largest, layerDense + layerExperts);
      }
      return { dense, experts, largest };
    },
  };
}
