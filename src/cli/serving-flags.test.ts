import { describe, expect, it } from 'vitest';
import { engineForGpu, findEngine } from '../catalog/engines.js';
import { servingSetup } from './serving-flags.js';

describe('serve --engine', () => {
  it('every candidate (and its prefill pool) runs the host overheads calibrated for its GPU family, as its band reports', () => {
    const setup = servingSetup({
      model: 'llama-3.1-70b',
      gpu: 'h100,b200',
      inputTokens: '1024',
      outputTokens: '256',
      engine: 'trt-llm',
      pricePerGpuHour: '3',
      disaggregated: true,
      prefillTp: '4',
    });
    const trt = findEngine('trt-llm');
    expect(setup.candidates.length).toBeGreaterThan(1);
    for (const c of setup.candidates) {
      const calibrated = engineForGpu(trt, c.gpuId);
      expect(calibrated.stepOverheadSeconds).toBeGreaterThan(0);
      expect(c.replica.profile?.stepOverheadSeconds).toBe(calibrated.stepOverheadSeconds);
      expect(c.replica.profile?.sequenceOverheadSeconds).toBe(calibrated.sequenceOverheadSeconds);
      expect(c.prefillReplica?.profile?.stepOverheadSeconds).toBe(calibrated.stepOverheadSeconds);
    }
  });
});
