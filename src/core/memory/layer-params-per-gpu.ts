/**
 * Parameters one GPU holds of each decoder layer in training (Megatron-Core's sharding): attention,
 * dense MLPs and shared experts split over TP, routed experts over EP × ETP, norms and the router
 * replicated; per layer kind, and per layer for hybrid models' stages (training-memory.ts sums them).
 */

import { mlpParams, modalityExpertParams, normParams } from '../model/mixer-params.js';
import { attentionParams, paramCount } from '../model/param-count.js';
import type { ModelSpec } from '../model/spec.js';
import { expertTensorParallelOf, type ParallelLayout } from '../parallelism/layout.js';

export interface LayerParamsPerGpu {
  /** A dense layer. */
  readonly dense: number;
  /** A MoE layer's replicated and TP-split part (attention, router, shared experts). */
  readonly moeDense: number;
  /** A MoE layer's routed experts on one GPU. */
  readonly moeExperts: number;
  /** Layer by layer (hybrid models): a set of layers' dense and expert parts and its largest layer. */
  readonly stage: (indices: readonly number[]) => { dense: number; experts: number; largest: number };
}

export function layerParamsPerGpu(
  spec: ModelSpec,
  layout: ParallelLayout,
  perLayer: boolean,
): LayerParamsPerGpu {
  const h = spec.hiddenSize;
  const t = layout.tensorParallel;
  const etp = expertTensorParallelOf(layout);
  const moe = spec.moe;
  // ERNIE-4.5-VL's vision experts: a second group held beside the text experts, with its router rows.
  const modality = moe ? modalityExpertParams(spec, moe) : { experts: 0, router: 0 };
  const expertMatrix = moe ? mlpParams(h, moe.expertIntermediateSize, moe.gated, moe.expertBias) : 0;
  const attentionPerGpu = attentionParams(spec) / t + spec.norm.perLayer * normParams(spec, h);
  const perLayerParams = perLayer ? paramCount(spec).perLayer : [];
  return {
    dense: attentionPerGpu + mlpParams(h, spec.mlp.intermediateSize, spec.mlp.gated, spec.mlp.bias) / t,
    moeDense: moe
      ? attentionPerGpu +
        h * moe.numExperts +
        (moe.routerBias ? moe.numExperts : 0) +
        modality.router +
        (moe.numSharedExperts > 0
          ? mlpParams(h, moe.numSharedExperts * moe.sharedIntermediateSize, moe.gated, false) / t
          : 0)
      : 0,
    moeExperts: moe ? (moe.numExperts * expertMatrix + modality.experts) / (layout.expertParallel * etp) : 0,
    stage: (indices) => {
      let dense = 0;
      let experts = 0;
      let largest = 0;
      for (const i of indices) {
        const routed =
          spec.layers[i]!.mlp === 'moe' && moe ? moe.numExperts * expertMatrix + modality.experts : 0;
        const layerDense = (perLayerParams[i]!.totalParams - routed) / t;
        const layerExperts = routed / (etp * layout.expertParallel);
        dense += layerDense;
        experts += layerExperts;
        largest = Math.max(largest, layerDense + layerExperts);
      }
      return { dense, experts, largest };
    },
  };
}
