/**
 * Expert parallelism inside the TP group (Replica.epInTp: vLLM --enable-expert-parallel at DP 1, SGLang
 * --ep-size = --tp): attention tensor-parallel, whole experts spread over the TP GPUs, every GPU holding
 * every token — so no all-to-all, the same expert FLOPs and weight bytes as slicing each expert over TP,
 * EPLB copies allowed, and a pipeline of such stages.
 */
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../test/input-error.js';
import { findModel } from '../../catalog/catalog.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { layerKinds } from '../model/flops.js';
import { layerOperations } from '../model/operations.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { candidateLabel } from './deployment.js';
import { checkReplicaLayout, tpTimesEpNote } from './expert-placement.js';
import { replicaOptions } from './replica-layouts.js';
import { type Replica, replicaGpus, servingRequest, servingStepSeconds } from './serving-step.js';

const v3 = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const dense = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
const h200 = resolveHardware('h200', undefined).cluster;
const base = { tensorParallel: 8, expertParallel: 1, weightFormat: 'fp8', kvFormat: 'fp8' } as const;
const sliced: Replica = base;
const inTp: Replica = { ...base, epInTp: true };
const decode = (sequences: number) => ({
  decodeSequences: sequences,
  tokensPerSequence: 1,
  context: 2000,
  prefillTokens: 0,
  prefillContext: 0,
});
const moeLayer = layerKinds(v3).find((k) => k.layer.mlp === 'moe')!.layer;
const ops = (r: Replica, sequences: number) =>
  layerOperations(v3, moeLayer, servingRequest(h200, r, decode(sequences)));
const expertFlops = (r: Replica, sequences: number) =>
  ops(r, sequences).reduce(
    (sum, op) =>
      sum + (op.type === 'gemm' && op.component === 'routedExperts' ? 2 * op.m * op.n * op.k * op.count : 0),
    0,
  );
const PATHS = {
  tensorParallel: ['tp'],
  expertParallel: ['ep'],
  pipelineParallel: ['pp'],
  epInTp: ['epInTp'],
  expertImbalance: ['expertImbalance'],
  redundantExperts: ['redundantExperts'],
};

describe('expert parallelism inside the TP group', () => {
  it('sends no all-to-all (every GPU holds every token) and keeps the TP all-reduce that combines the experts', () => {
    const names = ops(inTp, 256).map((op) => op.name);
    expect(names).not.toContain('dispatch');
    expect(names).not.toContain('combine');
    expect(names).toContain('mlp.all-reduce');
    // The DeepSeek layout over the same 8 GPUs does dispatch.
    expect(ops({ ...base, tensorParallel: 1, expertParallel: 8 }, 256).map((op) => op.name)).toContain(
      'dispatch',
    );
  });

  it('does the same expert FLOPs per GPU as slicing every expert over TP once the batch reaches every expert', () => {
    // 1,024 sequences × top-8 over 256 experts: all reached in both layouts.
    expect(expertFlops(inTp, 1024) / expertFlops(sliced, 1024)).toBeCloseTo(1, 3);
    // Whole experts over the TP GPUs: each GPU runs a 1/8 share of them at full width.
    const gemm = ops(inTp, 1024).find((op) => op.type === 'gemm' && op.name === 'experts.gate_up');
    expect(gemm?.type === 'gemm' && gemm.n).toBe(2 * v3.moe!.expertIntermediateSize);
  });

  it('holds the same weights per GPU as sliced experts; EPLB copies add their share', () => {
    const memory = (r: Replica) =>
      inferenceMemory(v3, {
        weightFormat: 'fp8',
        kvFormat: 'fp8',
        batchSize: 1,
        contextTokens: 1,
        tensorParallel: r.tensorParallel,
        expertParallel: r.expertParallel,
        redundantExperts: r.redundantExperts,
      }).weightsBytes;
    expect(memory(inTp)).toBe(memory(sliced));
    const copies = memory({ ...inTp, redundantExperts: 32 }) - memory(inTp);
    // 32 of 256 experts' routed weights (58 MoE layers of 256 experts, 3 × 7168 × 2048 FP8 bytes each) over 8 GPUs.
    expect(copies).toBeCloseTo((32 * 58 * 3 * 7168 * 2048) / 8, -6);
  });

  it('waits for the busiest GPU at a small decode batch, runs full-width expert GEMMs at a large one, and prints as TP8·EP8', () => {
    const step = (r: Replica, sequences: number) => servingStepSeconds(v3, h200, r, decode(sequences));
    // 16 sequences reach about 100 of the 256 experts: the busiest of 8 GPUs holds more of them than the mean.
    expect(step(inTp, 16)).toBeGreaterThan(step(sliced, 16));
    // 256 sequences reach them all: whole experts are full-width GEMMs where sliced ones are 1/8 wide.
    expect(step(inTp, 256)).toBeLessThan(step(sliced, 256) * 0.9);
    expect(candidateLabel({ gpuId: 'h200', replica: inTp })).toBe('h200 TP8·EP8 fp8/fp8');
    expect(
      candidateLabel({ gpuId: 'h200', replica: { ...inTp, redundantExperts: 32, pipelineParallel: 2 } }),
    ).toBe('h200 TP8·PP2·EP8+32 redundant fp8/fp8');
    expect(replicaGpus({ ...inTp, pipelineParallel: 2 })).toBe(16);
  });

  it('is searched beside the other expert layouts unless EP is fixed, and only it when fixed', () => {
    const all = replicaOptions(v3, h200, ['fp8'], 'fp8', {});
    expect(all.some((r) => r.epInTp && r.tensorParallel === 8)).toBe(true);
    expect(all.some((r) => r.epInTp && r.tensorParallel === 1)).toBe(false);
    expect(replicaOptions(v3, h200, ['fp8'], 'fp8', { expertParallel: 1 }).some((r) => r.epInTp)).toBe(false);
    const fixed = replicaOptions(v3, h200, ['fp8'], 'fp8', { tensorParallel: 8, epInTp: true });
    // FP8 DeepSeek-V3 fills more than half of each H200 of a node: the pipelines over 2 and 4 nodes too.
    expect(fixed.map((r) => [r.tensorParallel, r.expertParallel, r.pipelineParallel ?? 1, r.epInTp])).toEqual(
      [
        [8, 1, 1, true],
        [8, 1, 2, true],
        [8, 1, 4, true],
      ],
    );
    expect(replicaOptions(dense, h200, ['bf16'], 'bf16', {}).some((r) => r.epInTp)).toBe(false);
  });

  it('refuses, by the field, a dense model, EP above 1 beside it, TP 1 and a TP that does not divide the slots', () => {
    const refuse = (spec: typeof v3, f: Parameters<typeof checkReplicaLayout>[1]) =>
      inputErrorOf(() => checkReplicaLayout(spec, f, PATHS));
    const cases: [typeof v3, Parameters<typeof checkReplicaLayout>[1], RegExp][] = [
      [dense, { epInTp: true }, /is dense/],
      [
        v3,
        { epInTp: true, expertParallel: 8 },
        /EP 8 runs attention data-parallel over 8 ranks .*: choose one/,
      ],
      [v3, { epInTp: true, tensorParallel: 1 }, /needs TP above 1/],
      [v3, { epInTp: true, tensorParallel: 8, redundantExperts: 3 }, /inside TP 8: .*\(259\)/],
    ];
    for (const [spec, f, message] of cases) {
      const error = refuse(spec, f);
      expect(error.issues[0]!.path).toEqual(['epInTp']);
      expect(error.message).toMatch(message);
    }
    // EPLB copies need whole experts: refused when sliced, taken inside TP, and a pipeline takes it.
    expect(refuse(v3, { expertParallel: 1, redundantExperts: 8 }).message).toMatch(/or inside the TP group/);
    expect(() =>
      checkReplicaLayout(
        v3,
        { epInTp: true, tensorParallel: 8, pipelineParallel: 2, redundantExperts: 8 },
        PATHS,
      ),
    ).not.toThrow();
  });

  it("says that a fixed TP above 1 with EP above 1 multiplies GPUs, unlike the engines' EP inside TP", () => {
    expect(tpTimesEpNote(8, 8)).toMatch(
      /^TP 8 with EP 8 is a replica of 64 GPUs: .*SGLang --tp 8 --ep-size 8.* is 8 GPUs: .*--ep-in-tp/,
    );
    expect(tpTimesEpNote(1, 8)).toBeNull();
    expect(tpTimesEpNote(8, 1)).toBeNull();
    // EP above TP is not the engines' EP (which divides TP): TP2·ADP4 as intended, nothing said.
    expect(tpTimesEpNote(2, 4)).toBeNull();
    expect(tpTimesEpNote(8, 2)).toMatch(/^TP 8 with EP 2 is a replica of 16 GPUs/);
    expect(tpTimesEpNote(undefined, 8)).toBeNull();
  });
});
