/**
 * What the data-parallel synchronisation, the optimizer step and FSDP's gathers move per GPU
 * (data-parallel.ts paramsPerGpu): the first stage's matmul weights with its embedding and, for a
 * multimodal model, the encoders training memory holds there; experts over EP × ETP.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { findModel } from '../../catalog/catalog.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { encoderParamCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { paramsPerGpu } from './data-parallel.js';

describe('parameters a training step synchronises per GPU', () => {
  it("a multimodal model's vision tower is synchronised with the first stage, TP-split; a text-only spec has none", () => {
    const vl = specFromHfConfig(hfFixture('qwen3-vl-8b-instruct'), 'qwen3-vl-8b');
    const textOnly = { ...vl, vision: null };
    for (const t of [1, 2, 4]) {
      const layout = { ...DEFAULT_LAYOUT, tensorParallel: t, pipelineParallel: 2 };
      expect(paramsPerGpu(vl, layout).dense - paramsPerGpu(textOnly, layout).dense).toBeCloseTo(
        encoderParamCount(vl) / t,
        3,
      );
    }
    expect(encoderParamCount(textOnly)).toBe(0);
  });

  it('the only stage (PP 1) synchronises an untied output head too; a tied one and PP > 1 add nothing', () => {
    const llama = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
    const head = llama.vocabSize * llama.hiddenSize;
    const tied = { ...llama, tieWordEmbeddings: true };
    for (const t of [1, 2, 4]) {
      const one = { ...DEFAULT_LAYOUT, tensorParallel: t };
      expect(paramsPerGpu(llama, one).dense - paramsPerGpu(tied, one).dense).toBeCloseTo(head / t, 3);
      const two = { ...one, pipelineParallel: 2 };
      expect(paramsPerGpu(llama, two).dense).toBe(paramsPerGpu(tied, two).dense);
    }
  });

  it('matrices every TP rank runs whole (MLA down-projections, the router) are synchronised whole', () => {
    const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
    const layout = (t: number) => ({ ...DEFAULT_LAYOUT, tensorParallel: t, pipelineParallel: 61 });
    // One layer per stage: the first stage holds a dense layer (q_a 7168 × 1536, kv_a 7168 × 576).
    const replicated = 7168 * (1536 + 576);
    const whole = paramsPerGpu(v3, layout(1)).dense;
    for (const t of [2, 4, 8])
      expect(paramsPerGpu(v3, layout(t)).dense).toBeCloseTo((whole - replicated) / t + replicated, 3);
  });
});
