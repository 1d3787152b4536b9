import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../test/input-error.js';
import { findModel } from '../../catalog/catalog.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { inferenceMemory } from '../memory/inference-memory.js';
import { kvCacheBytes } from '../model/kv-cache.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { eagerDecode, eagerStepTally } from './eager-decode.js';
import { GENERIC_ENGINE, stepOverheads } from './engine.js';
import { replicaOptions } from './replica-layouts.js';
import { servingPoint } from './serving.js';
import { pipelineMicrobatches, type Replica, replicaGpus, servingStepSeconds } from './serving-step.js';
import { simulateReplica } from './simulator/simulate.js';
import { syntheticRequests } from './simulator/workload.js';
import { loneTtftSeconds } from './static-batch.js';

const llama70 = modelSpecFrom(findModel('llama-3.3-70b').config, 'llama-3.3-70b');
const llama405 = modelSpecFrom(findModel('llama-3.1-405b').config, 'llama-3.1-405b');
const deepseek = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const h100 = resolveHardware('h100-sxm', undefined).cluster;
const h200 = resolveHardware('h200', undefined).cluster;

/** Requests of about `input` tokens in and 256 out, drawn (beyond one at a time) so that a closed loop staggers them. */
const closedLoop = (concurrency: number, requests: number, input: number) =>
  syntheticRequests({
    requests,
    inputTokens: concurrency === 1 ? input : { dist: 'uniform', min: input * 0.75, max: input * 1.25 },
    outputTokens: concurrency === 1 ? 256 : { dist: 'uniform', min: 128, max: 384 },
    arrival: { kind: 'burst' },
    seed: 3,
  });

const replica = (tp: number, pp: number): Replica => ({
  tensorParallel: tp,
  expertParallel: 1,
  ...(pp > 1 ? { pipelineParallel: pp } : {}),
  weightFormat: 'bf16',
  kvFormat: 'bf16',
});

const decode = (sequences: number) => ({
  decodeSequences: sequences,
  tokensPerSequence: 1,
  context: 1500,
  prefillTokens: 0,
  prefillContext: 0,
});

describe('pipeline-parallel serving', () => {
  test.prop([
    fc.constantFrom(2, 4, 8),
    fc.integer({ min: 1, max: 512 }),
    fc.integer({ min: 1, max: 100_000 }),
  ])(
    'the stages together hold every layer’s KV once; each stage holds at most the whole model’s',
    (pp, batch, context) => {
      const options = {
        weightFormat: 'fp8',
        kvFormat: 'fp8',
        batchSize: batch,
        contextTokens: context,
      } as const;
      const whole = inferenceMemory(llama70, { ...options, tensorParallel: 1 });
      let kv = 0;
      for (let stage = 0; stage < pp; stage += 1) {
        const m = inferenceMemory(llama70, {
          ...options,
          tensorParallel: 1,
          pipelineParallel: pp,
          pipelineStage: stage,
        });
        kv += m.kvCacheBytes;
        expect(m.weightsBytes).toBeLessThan(whole.weightsBytes);
        expect(m.totalBytes).toBeLessThanOrEqual(whole.totalBytes);
      }
      expect(kv).toBeCloseTo(batch * kvCacheBytes(llama70, context, 'fp8').bytesPerSequence, -3);
      // Without a stage named, the most loaded one is reported.
      const worst = inferenceMemory(llama70, { ...options, tensorParallel: 1, pipelineParallel: pp });
      for (let stage = 0; stage < pp; stage += 1)
        expect(worst.totalBytes).toBeGreaterThanOrEqual(
          inferenceMemory(llama70, {
            ...options,
            tensorParallel: 1,
            pipelineParallel: pp,
            pipelineStage: stage,
          }).totalBytes,
        );
    },
  );

  it('the stages’ weights sum to the model’s, the head counted on the last stage (a copy of the embedding when tied)', () => {
    const options = { weightFormat: 'bf16', kvFormat: 'bf16', batchSize: 1, contextTokens: 1 } as const;
    const whole = inferenceMemory(llama405, { ...options, tensorParallel: 8 }).weightsBytes;
    let sum = 0;
    for (let stage = 0; stage < 2; stage += 1)
      sum += inferenceMemory(llama405, {
        ...options,
        tensorParallel: 8,
        pipelineParallel: 2,
        pipelineStage: stage,
      }).weightsBytes;
    expect(sum / whole).toBeCloseTo(1, 6);
    // 405B in BF16: about 50.7 GB per GPU of a TP8·PP2 replica (810 GB over 16), more than 80 GB at TP8.
    expect(
      inferenceMemory(llama405, { ...options, tensorParallel: 8, pipelineParallel: 2 }).weightsBytes / 1e9,
    ).toBeCloseTo(51, 0);
  });

  it('a full pipeline steps as one microbatch passes every layer; a lone prompt passes the stages in turn', () => {
    const one = replica(8, 1);
    const two = replica(8, 2);
    // 256 sequences over two stages: each stage runs 128 at a time; one step is 128 sequences through all
    // layers on TP8, plus the sends between stages.
    const piped = servingStepSeconds(llama405, h100, two, decode(256));
    const half = servingStepSeconds(llama405, h100, one, decode(128));
    expect(piped).toBeGreaterThan(half);
    expect(piped).toBeLessThan(half * 1.02);
    expect(pipelineMicrobatches(two, decode(256))).toBe(2);
    expect(pipelineMicrobatches(two, decode(1))).toBe(1);
    const prompt = { ...decode(0), prefillTokens: 4096, prefillContext: 2048 };
    expect(pipelineMicrobatches(two, prompt)).toBe(1);
    const alone = servingStepSeconds(llama405, h100, two, prompt);
    expect(alone).toBeGreaterThan(servingStepSeconds(llama405, h100, one, prompt));
    // A batch of prompts splits over the stages like decoding sequences.
    expect(pipelineMicrobatches(two, { ...prompt, prefillTokens: 8192, prefillSequences: 2 })).toBe(2);
    expect(replicaGpus(two)).toBe(16);
  });

  it('host time per step is paid once per microbatch; CUDA-graph batches are per microbatch', () => {
    const e = { ...GENERIC_ENGINE, stepOverheadSeconds: 0.005, sequenceOverheadSeconds: 1e-6 };
    expect(stepOverheads(e, 256, 1, 0, 4).hostSeconds).toBeCloseTo(4 * 0.005 + 256e-6, 9);
    expect(stepOverheads(e, 2, 1, 0, 4).hostSeconds).toBeCloseTo(2 * 0.005 + 2e-6, 9);
    expect(stepOverheads(e, 256, 1, 0).hostSeconds).toBeCloseTo(0.005 + 256e-6, 9);
    const graphs = { cudaGraphBatch: { small: 160, large: 160, tpThreshold: 1 } };
    expect(
      eagerDecode(graphs, { tensorParallel: 8, expertParallel: 1, pipelineParallel: 2 }, 300),
    ).toBeNull();
    expect(eagerDecode(graphs, { tensorParallel: 8, expertParallel: 1 }, 300)?.withinConcurrency).toBe(160);
  });

  it('the simulated time beyond the capture: its share of the run, its steps and the widest batch', () => {
    const graphs = { cudaGraphBatch: { small: 160, large: 160, tpThreshold: 1 } };
    const replica = { tensorParallel: 8, expertParallel: 1 };
    const tally = eagerStepTally(graphs, replica);
    for (const [seconds, sequences] of [
      [1, 100],
      [2, 161],
      [1, 200],
    ] as const)
      tally.onStep(seconds, sequences);
    expect(tally.statement('SGLang')).toMatch(
      /^75% of the simulated time \(2 steps, up to 200 sequences\) ran beyond the SGLang CUDA-graph capture of 160: .*; 160 sequences at a time stay within it$/,
    );
    const within = eagerStepTally(graphs, replica);
    within.onStep(1, 160);
    expect(within.statement('SGLang')).toBeNull();
    // No capture stated (vLLM, TensorRT-LLM, the hardware bound): nothing is said.
    const none = eagerStepTally(GENERIC_ENGINE, replica);
    none.onStep(1, 10_000);
    expect(none.statement('engine')).toBeNull();
  });

  it('layouts: a pipeline over 2 and 4 nodes where the weights fill a node, none where they leave room', () => {
    const labels = (cluster: typeof h100) =>
      replicaOptions(llama405, cluster, ['bf16'], 'bf16', {}).map(
        (r) => `TP${r.tensorParallel}·PP${r.pipelineParallel ?? 1}`,
      );
    expect(labels(h100)).toEqual(expect.arrayContaining(['TP8·PP2', 'TP8·PP4', 'TP16·PP1']));
    expect(
      replicaOptions(llama70, h100, ['bf16'], 'bf16', {}).some((r) => (r.pipelineParallel ?? 1) > 1),
    ).toBe(false);
    expect(labels(h200)).toContain('TP8·PP2');
    // An MoE model no node holds in FP8 (DeepSeek-V3 on H100): whole-node TP stages, experts sliced over
    // TP or whole over each stage's TP group (vLLM -tp 8 -pp 2 --enable-expert-parallel), never DEP.
    const moe = replicaOptions(deepseek, h100, ['fp8'], 'bf16', {}).filter(
      (r) => (r.pipelineParallel ?? 1) > 1,
    );
    expect(
      moe.map((r) => [r.tensorParallel, r.expertParallel, r.pipelineParallel, r.epInTp ?? false]),
    ).toEqual([
      [8, 1, 2, false],
      [8, 1, 2, true],
      [8, 1, 4, false],
      [8, 1, 4, true],
    ]);
    // A fixed pipeline is honoured, within --gpus.
    const fixed = replicaOptions(llama70, h100, ['bf16'], 'bf16', { pipelineParallel: 2, tensorParallel: 4 });
    expect(fixed.map((r) => replicaGpus(r))).toEqual([8]);
    expect(replicaOptions(llama70, h100, ['bf16'], 'bf16', { pipelineParallel: 2, maxGpus: 4 }).length).toBe(
      2,
    );
  });

  it('refuses a pipeline deeper than the layers, and one with expert parallelism, by the field', () => {
    const deep = inputErrorOf(() =>
      replicaOptions(llama70, h100, ['bf16'], 'bf16', { pipelineParallel: 81 }),
    );
    expect(deep.issues[0]!.path).toEqual(['layout', 'pipelineParallel']);
    expect(deep.message).toMatch(/exceeds the 80 layers/);
    const ep = inputErrorOf(() =>
      replicaOptions(deepseek, h100, ['fp8'], 'bf16', { pipelineParallel: 2, expertParallel: 8 }),
    );
    expect(ep.issues[0]!.path).toEqual(['layout', 'pipelineParallel']);
    expect(ep.message).toMatch(/expert parallelism 1\), or whole over the TP group/);
    // Whole experts over each stage's TP group pipe: fixed, it is the only expert layout tried.
    const inTp = replicaOptions(deepseek, h100, ['fp8'], 'bf16', { pipelineParallel: 2, epInTp: true });
    expect(inTp.map((r) => [r.tensorParallel, r.pipelineParallel, r.epInTp])).toEqual([
      [2, 2, true],
      [4, 2, true],
      [8, 2, true],
    ]);
  });

  it('the simulator agrees with the steady state on a pipeline: a lone request, and a closed loop of 64 decoding', () => {
    const piped = { ...replica(8, 2), weightFormat: 'fp8' as const, kvFormat: 'fp8' as const };
    const lone = simulateReplica(llama405, h100, piped, closedLoop(1, 20, 1024), {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'closed', concurrency: 1 },
    });
    expect(lone.ttftSeconds.p50 / loneTtftSeconds(llama405, h100, piped, 1024)).toBeCloseTo(1, 1);
    const one = servingPoint(llama405, h100, piped, { inputTokens: 1024, outputTokens: 256 }, 1);
    expect(lone.tpotSeconds.p50 / one.tpotSeconds).toBeCloseTo(1, 2);
    // Short prompts: the steady state spreads prefill evenly over the steps where the simulator runs each
    // prompt in one step (lumps the bottleneck stage makes costlier), so decode is where both must agree.
    const loop = simulateReplica(llama405, h100, piped, closedLoop(64, 600, 16), {
      engine: GENERIC_ENGINE,
      arrival: { kind: 'closed', concurrency: 64 },
    });
    const analytic = servingPoint(llama405, h100, piped, { inputTokens: 16, outputTokens: 256 }, 64);
    expect(Math.abs(loop.tpotSeconds.mean / analytic.tpotSeconds - 1)).toBeLessThan(0.03);
    expect(
      Math.abs(loop.outputTokensPerSecondPerGpu / analytic.outputTokensPerSecondPerGpu - 1),
    ).toBeLessThan(0.1);
  });

  test.prop(
    [
      fc.constantFrom(
        'llama-3-8b',
        'gemma-2-9b',
        'qwen3.5-397b-a17b',
        'nemotron-3-nano-30b-a3b',
        'deepseek-v3',
        'gpt-oss-120b',
      ),
      fc.constantFrom(1, 2),
      fc.integer({ min: 1, max: 256 }),
      fc.integer({ min: 1, max: 200_000 }),
    ],
    { numRuns: 30 },
  )('property: a deeper pipeline never raises per-GPU memory at a fixed TP', (id, tp, batch, context) => {
    const spec = modelSpecFrom(findModel(id).config, id);
    const at = (pp: number) =>
      inferenceMemory(spec, {
        weightFormat: 'bf16',
        kvFormat: 'bf16',
        batchSize: batch,
        contextTokens: context,
        tensorParallel: tp,
        pipelineParallel: pp,
      }).totalBytes;
    expect(at(2)).toBeLessThanOrEqual(at(1));
    expect(at(4)).toBeLessThanOrEqual(at(2));
  });
});
