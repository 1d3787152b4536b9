import { describe, expect, it } from 'vitest';
import { engineForGpu, findEngine } from '../catalog/engines.js';
import { acrossNodesStatement } from '../core/inference/across-nodes.js';
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
  it('EP search keeps only EP sizes that divide the expert slots, with redundant slots whole experts only (EP above 1, or inside TP)', () => {
    const { tp, ep, ...searched } = sglangEp72;
    const setup = servingSetup({ ...searched, redundantExperts: '32' });
    const whole = setup.candidates.map((c) =>
      c.replica.epInTp ? c.replica.tensorParallel : c.replica.expertParallel,
    );
    expect(whole.every((e) => e > 1 && 288 % e === 0)).toBe(true);
    expect(setup.candidates.some((c) => c.replica.epInTp)).toBe(true);
    expect(setup.candidates.every((c) => !c.replica.epInTp || c.replica.expertParallel === 1)).toBe(true);
  });
  it("SGLang's derived share leaves EP32 on H100s no KV: the refusal names --mem-fraction, which the deployment states", () => {
    const ep32 = { ...sglangEp72, ep: '32' };
    const derived = servingSetup(ep32);
    expect(whyNot(derived, 50, undefined)).toMatch(
      /^SGLang's own reserve on h100-sxm \(for its prefill chunk of \d+ tokens, its CUDA-graph batch, attention-DP padding and metadata\) leaves at most \d+% .*--mem-fraction/,
    );
    const stated = servingSetup({ ...ep32, memFraction: '0.835' });
    const c = stated.candidates[0]!;
    expect(maxConcurrency(stated.spec, c.cluster, c.replica, stated.workload)).toBeGreaterThan(100);
  });
});

describe('serve: weights no node holds', () => {
  const on = (gpu: string, weights: string, extra: Record<string, string> = {}) =>
    servingSetup({
      model: 'llama-3.1-405b',
      gpu,
      inputTokens: '1000',
      outputTokens: '100',
      weights,
      pricePerGpuHour: '2',
      ...extra,
    });
  it('a dense model that fills a node is served over 2 and 4 nodes (pipelined, or TP over the NICs), as serve --tp 16 prices it', () => {
    const layouts = (gpu: string, weights: string) => [
      ...new Set(
        on(gpu, weights).candidates.map(
          (c) => `${c.replica.tensorParallel}·${c.replica.pipelineParallel ?? 1}`,
        ),
      ),
    ];
    // 810 GB of BF16 weights: beyond 8 × 80 GB; FP8 (51 GB per GPU at TP8) fills more than half of each
    // H100, so replicas over nodes are tried too; on H200 (141 GB) it leaves room: none over nodes.
    const overNodes = ['16·1', '32·1', '8·2', '8·4'];
    expect(layouts('h100', 'bf16')).toEqual(['1·1', '2·1', '4·1', '8·1', ...overNodes]);
    expect(layouts('h100', 'fp8')).toEqual(['1·1', '2·1', '4·1', '8·1', ...overNodes]);
    expect(layouts('h200', 'fp8')).toEqual(['1·1', '2·1', '4·1', '8·1']);
    const searched = on('h100', 'bf16').candidates.find((c) => c.replica.tensorParallel === 16)!;
    const fixed = on('h100', 'bf16', { tp: '16' }).candidates[0]!;
    expect(searched.replica).toEqual(fixed.replica);
    expect(acrossNodesStatement(searched)).toBe(
      'a replica spans 2 nodes of 8 GPUs: TP16, its all-reduces over the NICs, is what is costed (engines often pipeline across nodes instead, PP in the layouts)',
    );
    expect(acrossNodesStatement(on('h200', 'fp8').candidates.at(-1)!)).toBeNull();
  });
  it('a fleet of one node: the advice is more GPUs, for the replica over nodes the search would try', () => {
    expect(whyNot(on('h100', 'bf16', { gpus: '8' }), null, undefined)).toMatch(
      /\(h100-sxm, up to TP8, 8 GPUs\); try --weights fp8 or int4, a larger GPU, --gpus 16 or more \(its weights alone take 755.96 GiB\)/,
    );
  });
  it('one GPU: the advice is a replica the search tries that holds the weights alone, not two GPUs', () => {
    // 405.85B parameters × 2 B over an H100's 79.65 GiB: 10 GPUs, more than a node of 8: two nodes.
    expect(whyNot(on('h100', 'bf16', { gpus: '1' }), null, undefined)).toContain(
      '--gpus 16 or more (its weights alone take 755.96 GiB)',
    );
  });
  it('beyond four nodes the advice names only smaller formats and a deeper pipeline', () => {
    expect(whyNot(on('a10', 'fp8'), null, undefined)).toBe(
      "the weights and one sequence's KV cache do not fit on any layout tried (a10, up to TP16, 16 GPUs); try --weights int4, a larger GPU, --pp 8 (a pipeline of TP stages over nodes), or fewer tokens per request",
    );
  });
});
