/**
 * What the data-parallel synchronisation, the optimizer step and FSDP's gathers move per GPU
 * (data-parallel.ts paramsPerGpu): the first stage's matmul weights with its embedding and, for a
 * multimodal model, the encoders training memory holds there; experts over EP × ETP.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { encoderParamCount } from '../model/param-count.js';
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
});
