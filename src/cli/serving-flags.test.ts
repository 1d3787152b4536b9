import { describe, expect, it } from 'vitest';
import { engineForGpu, findEngine } from '../catalog/engines.js';
import { maxConcurrency } from '../core/inference/serving.js';
import { whyNot } from './commands/serve.js';
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

describe('serve: EPLB redundant experts and the engine memory share', () => {
  // SGLang's 96-H100 DeepSeek decode (lmsys.org 2025-05-05 large-scale EP): EP72 over 256 + 32 slots,
  // --mem-fraction-static 0.835.
  const sglangEp72 = {
    model: 'deepseek-v3',
    gpu: 'h100',
    inputTokens: '2000',
    outputTokens: '100',
    engine: 'sglang',
    tp: '1',
    ep: '72',
    weights: 'fp8',
    kv: 'fp8',
  };
  it('EP72 with 32 redundant slots lays out, each candidate holding them and the stated memory share', () => {
    const setup = servingSetup({ ...sglangEp72, redundantExperts: '32', memFraction: '0.835' });
    expect(setup.candidates).toHaveLength(1);
    const c = setup.candidates[0]!;
    expect(c.replica).toMatchObject({ expertParallel: 72, redundantExperts: 32 });
    expect(c.replica.profile?.memoryFraction).toBe(0.835);
    expect(c.replica.profile?.memoryReserve).toBeUndefined();
  });
  it('EP72 over 256 experts alone is refused, naming the way out', () => {
    expect(() => servingSetup(sglangEp72)).toThrow(
      /expert parallelism 72 must divide the 256 experts of DeepSeek-V3 \(or add redundant expert slots/,
    );
  });
  it('EP search keeps only EP sizes that divide the expert slots, all above 1 with redundant slots', () => {
    const { tp, ep, ...searched } = sglangEp72;
    const setup = servingSetup({ ...searched, redundantExperts: '32' });
    const eps = new Set(setup.candidates.map((c) => c.replica.expertParallel));
    expect([...eps].every((e) => e > 1 && 288 % e === 0)).toBe(true);
  });
  it("SGLang's derived share leaves EP32 on H100s no KV: the refusal names --mem-fraction, which the deployment states", () => {
    const ep32 = { ...sglangEp72, ep: '32' };
    const derived = servingSetup(ep32);
    expect(whyNot(derived, 50, undefined)).toMatch(/SGLang derives its memory share .*--mem-fraction/);
    const stated = servingSetup({ ...ep32, memFraction: '0.835' });
    const c = stated.candidates[0]!;
    expect(maxConcurrency(stated.spec, c.cluster, c.replica, stated.workload)).toBeGreaterThan(100);
  });
});

describe('serve: weights that fit no layout', () => {
  const fp8On40gb = {
    model: 'llama-3.1-405b',
    gpu: 'a100-40gb',
    inputTokens: '1000',
    outputTokens: '100',
    weights: 'fp8',
    pricePerGpuHour: '2',
  };
  it('the advice names only smaller weight formats, and a replica over nodes for a dense model', () => {
    expect(whyNot(servingSetup(fp8On40gb), null, undefined)).toBe(
      "the weights and one sequence's KV cache do not fit on any layout tried (a100-40gb, up to TP8); try --weights int4, a larger GPU, --tp 16 (a replica over nodes: TP over the NICs), or fewer tokens per request",
    );
  });
});
