/**
 * Parameters a TP rank holds of a layer in training (layer-params-per-gpu.ts): the split matrices over
 * TP, the ones every rank runs whole (MLA's down-projections, the router) whole, by layer kind and
 * per layer alike.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../catalog/catalog.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { layerParamsPerGpu } from './layer-params-per-gpu.js';

const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const at = (t: number, perLayer = false) =>
  layerParamsPerGpu(v3, { ...DEFAULT_LAYOUT, tensorParallel: t }, perLayer);

describe('training parameters per GPU under tensor parallelism', () => {
  it("DeepSeek-V3: q_a and kv_a (7168 → 1536 + 576) stay whole; the MoE layer's router (7168 → 256) too", () => {
    const mla = 7168 * (1536 + 576);
    const router = 7168 * 256;
    const norms = 2 * 7168; // the layer's two RMSNorms, on every rank (the latents' split with attention)
    for (const t of [2, 4, 8]) {
      expect(at(t).dense - norms).toBeCloseTo((at(1).dense - norms - mla) / t + mla, 3);
      expect(at(t).moeDense - norms).toBeCloseTo(
        (at(1).moeDense - norms - mla - router) / t + mla + router,
        3,
      );
      // Layer by layer (hybrid stages), norms split too: a dense and a MoE layer.
      const stage = at(t, true).stage([0, 3]);
      const whole = at(1).dense + at(1).moeDense - 2 * mla - router;
      expect(stage.dense).toBeCloseTo(whole / t + 2 * mla + router, 3);
      expect(stage.experts).toBeCloseTo(at(t).moeExperts, 3);
    }
  });
});
