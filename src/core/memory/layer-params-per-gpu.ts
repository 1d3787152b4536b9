/**
 * Parameters one GPU holds of each decoder layer in training (Megatron-Core's sharding): attention,
 * dense MLPs and shared experts split over TP, routed experts over EP × ETP, norms and the router
 * replicated; per layer kind, and per layer for hybrid models' stages (training-memory.ts sums them).
 */

import { mlpParams, moeLayerParams, normParams } from '../model/mixer-params.js';
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
  // param-count's MoE block: experts at the latent width under LatentMoE, the latent projections and a
  // shared-expert gate with the shared experts, router rows (ERNIE-4.5-VL's vision group's too).
  const block = moe ? moeLayerParams(spec, moe) : null;
  const routed = moe && block ? moe.numExperts * block.expert + block.modality : 0;
  const attentionPerGpu = attentionParams(spec) / t + spec.norm.perLayer * normParams(spec, h);
  const perLayerParams = perLayer ? paramCount(spec).perLayer : [];
  return {
    dense: attentionPerGpu + mlpParams(h, spec.mlp.intermediateSize, spec.mlp.gated, spec.mlp.bias) / t,
    // The router is replicated on every TP rank; shared experts and latent projections split over TP.
    moeDense: block ? attentionPerGpu + block.router + block.shared / t : 0,
    moeExperts: routed / (layout.expertParallel * etp),
    stage: (indices) => {
      let dense = 0;
      let experts = 0;
      let largest = 0;
      for (const i of indices) {
        const moeLayer = spec.layers[i]!.mlp === 'moe';
        const held = moeLayer ? routed : 0;
        // The router stays whole on every TP rank, as in moeDense.
        const router = moeLayer && block ? block.router : 0;
        const layerDense = (perLayerParams[i]!.totalParams - held - router) / t + router;
        const layerExperts = held / (etp * layout.expertParallel);
        dense += layerDense;
        experts += layerExperts;
        largest = Math.max(largest, layerDense + layerExperts);
      }
      return { dense, experts, largest };
    },
  };
}
