import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { findModel } from '../../catalog/catalog.js';
import { adapterRuntime } from '../model/adapters.js';
import { specFromHfConfig } from '../model/hf-config.js';
import { specFromInput } from '../model/model-spec-schema.js';
import { encoderParamCount, paramCount } from '../model/param-count.js';
import { modelSpecFrom } from '../model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { inferenceMemory } from './inference-memory.js';
import { rankLayers } from './pipeline-placement.js';
import { pipelineChunks, stageMicrobatchesInFlight, trainingMemory } from './training-memory.js';

describe('pipeline placement', () => {
  it('chunks cover every layer once, sizes differ by at most one, the first chunk is never the larger', () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 1, max: 8 }),
        (L, p, v) => {
          fc.pre(p * v <= L);
          const chunks = pipelineChunks(L, p, v);
          expect(chunks).toHaveLength(p * v);
          expect(chunks[0]!.first).toBe(0);
          expect(chunks.at(-1)!.last).toBe(L);
          const sizes = chunks.map((c) => c.last - c.first);
          for (let k = 1; k < chunks.length; k += 1) expect(chunks[k]!.first).toBe(chunks[k - 1]!.last);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          expect(sizes[0]).toBe(Math.min(...sizes));
        },
      ),
    ));
  it('126 layers on 16 stages: 7 on the first, 8 in the middle, 7 on the last (as Llama 3 placed them)', () => {
    const sizes = pipelineChunks(126, 16, 1).map((c) => c.last - c.first);
    expect(sizes[0]).toBe(7);
    expect(sizes[1]).toBe(8);
    expect(sizes[15]).toBe(7);
  });
  it('chunks beyond the layers hold the embedding alone, then the head alone (Qwen3-235B: 94 layers as PP 32 × VPP 3)', () => {
    const chunks = pipelineChunks(94, 32, 3);
    const sizes = chunks.map((c) => c.last - c.first);
    expect(chunks).toHaveLength(96);
    expect(sizes[0]).toBe(0);
    expect(sizes[95]).toBe(0);
    expect(sizes.slice(1, 95).every((n) => n === 1)).toBe(true);
    expect(chunks.at(-1)!.last).toBe(94);
    // One chunk over: the embedding alone, the head with the last layer.
    const one = pipelineChunks(12, 13, 1).map((c) => c.last - c.first);
    expect(one).toEqual([0, ...Array(12).fill(1)]);
    // Rank 0 (chunks 0, 32, 64) and rank 31 (31, 63, 95) hold two layers, the others three.
    const qwen235 = modelSpecFrom(findModel('qwen3-235b-a22b').config, 'qwen3-235b-a22b');
    const ranks = rankLayers(qwen235, 32, 3).layersOf;
    expect([ranks[0], ranks[1], ranks[31]]).toEqual([2, 3, 2]);
    expect(ranks.reduce((a, b) => a + b, 0)).toBe(94);
  });
  const layout = (p: number, v: number): ParallelLayout => ({
    ...DEFAULT_LAYOUT,
    pipelineParallel: p,
    virtualStages: v,
    schedule: v > 1 ? 'interleaved' : '1f1b',
  });
  it('1F1B: rank i holds p − i microbatches (Narayanan et al. 2021, Sec. 2.2.1)', () => {
    expect(stageMicrobatchesInFlight(layout(8, 1), 64, 0)).toBe(8);
    expect(stageMicrobatchesInFlight(layout(8, 1), 64, 7)).toBe(1);
    expect(stageMicrobatchesInFlight(layout(8, 1), 4, 0)).toBe(4);
  });
  it('interleaved: the first rank holds p(1 + (p − 1)/(pv)) (Korthikanti et al. 2022, Sec. 4.2.3)', () => {
    expect(stageMicrobatchesInFlight(layout(8, 4), 64, 0)).toBeCloseTo(8 * (1 + 7 / 32), 10);
    expect(stageMicrobatchesInFlight(layout(8, 4), 64, 7)).toBeLessThan(
      stageMicrobatchesInFlight(layout(8, 4), 64, 0),
    );
  });
});

describe('every stage is checked', () => {
  // A MoE model whose first three layers are dense: the middle stages hold only MoE layers.
  const moeInput = {
    name: 'moe',
    vocabSize: 32000,
    hiddenSize: 2048,
    numLayers: 16,
    maxContextTokens: 4096,
    attention: { kind: 'gqa', numHeads: 16, numKvHeads: 4 },
    mlp: { intermediateSize: 8192, gated: true },
    moe: { numExperts: 64, topK: 4, expertIntermediateSize: 1024, firstDenseLayers: 3 },
  } as const;
  const moe = specFromInput(moeInput);
  const options = { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' } as const;
  it('a second expert group (ERNIE-4.5-VL vision experts) is held like the experts: its BF16 weights split by EP, on training and inference GPUs', () => {
    const group = { numExperts: 64, expertIntermediateSize: 512 };
    const both = specFromInput({ ...moeInput, moe: { ...moeInput.moe, modalityExperts: group } });
    // One gate sizes both groups (Ernie4_5_VLGate): a group of another count is refused, naming the field.
    expect(() =>
      specFromInput({ ...moeInput, moe: { ...moeInput.moe, modalityExperts: { ...group, numExperts: 48 } } }),
    ).toThrowError(/moe\.modalityExperts\.numExperts.*must equal numExperts \(64\)/);
    // 13 MoE layers × 64 SwiGLU experts of 512 at h 2048, with their 64 router rows.
    const experts = 13 * 64 * 3 * 2048 * 512;
    const router = 13 * 64 * 2048;
    expect(paramCount(both).totalParams - paramCount(moe).totalParams).toBe(experts + router);
    expect(paramCount(both).activeParams).toBe(paramCount(moe).activeParams);
    for (const ep of [1, 4]) {
      const infer = (spec: typeof moe) =>
        inferenceMemory(spec, {
          weightFormat: 'bf16',
          kvFormat: 'bf16',
          batchSize: 1,
          contextTokens: 1024,
          tensorParallel: 1,
          expertParallel: ep,
        }).weightsBytes;
      expect(infer(both) - infer(moe)).toBeCloseTo((2 * experts) / ep + 2 * router, 0);
      const layout = { ...DEFAULT_LAYOUT, dataParallel: 4, expertParallel: ep };
      const train = (spec: typeof moe) => trainingMemory(spec, layout, options).peak.breakdown.weights;
      expect(train(both)).toBeGreaterThan(train(moe));
    }
  });

  it("lm_head's bias (headBias) is held on the last stage, split with the head over TP; the first stage is unchanged", () => {
    const phi2 = specFromHfConfig(
      {
        model_type: 'phi',
        hidden_size: 2560,
        intermediate_size: 10_240,
        num_attention_heads: 32,
        num_hidden_layers: 32,
        vocab_size: 51_200,
        max_position_embeddings: 2048,
      },
      'phi-2',
    );
    const bare = { ...phi2, headBias: false };
    const layout = { ...DEFAULT_LAYOUT, tensorParallel: 2, pipelineParallel: 2, dataParallel: 2 };
    const [first, last] = trainingMemory(phi2, layout, options).stages;
    const [bareFirst, bareLast] = trainingMemory(bare, layout, options).stages;
    expect(first!.breakdown.weights).toBe(bareFirst!.breakdown.weights);
    expect(last!.breakdown.weights - bareLast!.breakdown.weights).toBeCloseTo((2 * 51_200) / 2, 0);
  });

  it("a multimodal model's vision tower is held on the first stage (TP-split), trained with the rest; the last stage is unchanged", () => {
    const vl = specFromHfConfig(hfFixture('qwen3-vl-8b-instruct'), 'qwen3-vl-8b');
    const textOnly = { ...vl, vision: null };
    const layout = { ...DEFAULT_LAYOUT, tensorParallel: 2, pipelineParallel: 2, dataParallel: 2 };
    const [first, last] = trainingMemory(vl, layout, options).stages;
    const [bareFirst, bareLast] = trainingMemory(textOnly, layout, options).stages;
    expect(first!.breakdown.weights - bareFirst!.breakdown.weights).toBeCloseTo(
      (2 * paramCount(vl).visionParams) / 2,
      0,
    );
    expect(first!.totalBytes).toBeGreaterThan(bareFirst!.totalBytes);
    expect(last!.totalBytes).toBe(bareLast!.totalBytes);
  });

  it('a LatentMoE model (Kimi K3) holds its experts at the latent width: one GPU at TP 1 holds the total, every stage a positive share', () => {
    const k3 = specFromHfConfig(hfFixture('kimi-k3'), 'kimi-k3');
    expect(k3.moe?.latentSize).toBeDefined();
    const one = trainingMemory(k3, { ...DEFAULT_LAYOUT, dataParallel: 1 }, options).peak;
    // Within 50K of 2.78T (residual-stream norms the stage sum reads apart).
    expect(one.paramsPerGpu).toBeCloseTo(paramCount(k3).totalParams + encoderParamCount(k3), -5);
    const wide = {
      ...DEFAULT_LAYOUT,
      tensorParallel: 8,
      pipelineParallel: 8,
      dataParallel: 8,
      expertParallel: 64,
    };
    for (const stage of trainingMemory(k3, wide, options).stages) {
      expect(stage.paramsPerGpu).toBeGreaterThan(0);
      expect(stage.breakdown.weights).toBeGreaterThan(0);
    }
  });

  it('one entry per stage; the peak is the largest', () => {
    const m = trainingMemory(moe, { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2 }, options);
    expect(m.stages.map((s) => s.stage)).toEqual(['first', 'middle', 'middle', 'last']);
    expect(m.peak.totalBytes).toBe(Math.max(...m.stages.map((s) => s.totalBytes)));
    expect(m.stages.reduce((n, s) => n + s.layers, 0)).toBe(16);
  });
  it('interleaving places chunk k on rank k mod p', () => {
    const m = trainingMemory(
      moe,
      { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2, virtualStages: 2, schedule: 'interleaved' },
      options,
    );
    // 8 chunks of 2 layers: rank 0 holds layers 0-1 (dense) and 8-9 (MoE); rank 1 holds 2-3 and 10-11.
    expect(m.stages[0]!.layers).toBe(4);
    expect(m.stages[0]!.moeLayers).toBe(2);
    expect(m.stages[1]!.moeLayers).toBe(3);
  });
  it('FP8 caching of GEMM inputs lowers activation memory', () => {
    const l = { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2 };
    const cached = trainingMemory(moe, l, { ...options, precision: 'fp8' }).peak.activations;
    const uncached = trainingMemory(moe, l, { ...options, precision: 'fp8', fp8ActivationCache: false }).peak
      .activations;
    expect(cached).toBeLessThan(uncached);
  });
  it("main-grad buffers follow the run's grad_reduce_in_fp32: BF16 halves FP8's FP32 gradients, nothing else moves", () => {
    const l = { ...DEFAULT_LAYOUT, pipelineParallel: 4, dataParallel: 2 };
    const fp8 = { ...options, precision: 'fp8' as const };
    const fp32Grads = trainingMemory(moe, l, fp8).peak.breakdown;
    const bf16Grads = trainingMemory(moe, l, { ...fp8, mainGradsInFp32: false }).peak.breakdown;
    expect(bf16Grads.gradients).toBeCloseTo(fp32Grads.gradients / 2, 0);
    expect(bf16Grads.weights).toBe(fp32Grads.weights);
    expect(bf16Grads.optimizerStates).toBe(fp32Grads.optimizerStates);
    expect(bf16Grads.activations).toBe(fp32Grads.activations);
    // Stated FP32 buffers under BF16 double its 2-byte gradients.
    const bf16 = trainingMemory(moe, l, options).peak.breakdown.gradients;
    expect(
      trainingMemory(moe, l, { ...options, mainGradsInFp32: true }).peak.breakdown.gradients,
    ).toBeCloseTo(2 * bf16, 0);
  });
});

describe('the breakdown', () => {
  const dense = specFromInput({
    name: 'dense',
    vocabSize: 32000,
    hiddenSize: 2048,
    numLayers: 16,
    maxContextTokens: 8192,
    attention: { kind: 'gqa', numHeads: 16, numKvHeads: 4 },
    mlp: { intermediateSize: 8192, gated: true },
  });
  const hf = {
    memory: {
      logitsBytesPerElement: 16,
      unfusedElementwise: true,
      fp8ActivationCache: false,
      allocatorReserveFraction: 0.1,
      frameworkOverheadBytes: 2 ** 30,
    },
  };
  // torchtitan's allocation (catalog/stacks/torchtitan.json): per-op selective checkpointing, FSDP2
  // mixed precision with unsharded stages under PP, a vocab-parallel loss and cached loss blocks.
  const titan = {
    memory: {
      logitsBytesPerElement: 12,
      vocabParallelLogitsBytesPerElement: 16,
      logitsCachedBytesPerElement: 2,
      unfusedElementwise: false,
      fp8ActivationCache: false,
      allocatorReserveFraction: 0.05,
      frameworkOverheadBytes: 2 ** 31,
      selectiveCheckpoint: 'ops' as const,
      fsdp: { keepsUnshardedWithPipeline: true, float8AllGather: true },
    },
  };
  it('sums to the total on every stage, for full training, LoRA and paged QLoRA (NF4 or GPTQ), any ZeRO stage and stack', () =>
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4),
        fc.constantFrom(1, 2, 4),
        fc.constantFrom(1, 2, 8),
        fc.constantFrom(0, 1, 2, 3),
        fc.constantFrom('none', 'selective', 'full') as fc.Arbitrary<'none' | 'selective' | 'full'>,
        fc.constantFrom(null, 'lora', 'qlora', 'gptq', 'lora-emb') as fc.Arbitrary<
          null | 'lora' | 'qlora' | 'gptq' | 'lora-emb'
        >,
        fc.constantFrom(undefined, hf, titan),
        (p, t, mb, zero, recompute, method, stack) => {
          const adapter = method
            ? method === 'gptq'
              ? adapterRuntime(dense, { method: 'qlora', rank: 16, targets: ['q', 'v'] }, 0.5195, 'gptq')
              : method === 'lora-emb'
                ? adapterRuntime(
                    dense,
                    { method: 'lora', rank: 16, targets: ['q', 'v'], trainEmbeddings: true },
                    2,
                  )
                : adapterRuntime(
                    dense,
                    { method, rank: 16, targets: ['q', 'v'] },
                    method === 'qlora' ? 0.516 : 2,
                  )
            : undefined;
          const m = trainingMemory(
            dense,
            {
              ...DEFAULT_LAYOUT,
              tensorParallel: t,
              pipelineParallel: p,
              dataParallel: 4,
              microBatchSize: mb,
              zeroStage: zero as 0 | 1 | 2 | 3,
              recompute,
            },
            {
              seqLen: 4096,
              globalBatchSize: 64,
              precision: 'bf16',
              optimizer: 'adamw',
              adapter,
              stack,
            },
          );
          for (const s of m.stages) {
            const sum = Object.values(s.breakdown).reduce((a, b) => a + b, 0);
            expect(sum).toBeCloseTo(s.totalBytes, -1);
            for (const v of Object.values(s.breakdown)) expect(v).toBeGreaterThanOrEqual(0);
            expect(s.breakdown.adapters > 0).toBe(method !== null);
            expect(s.pagedOutBytes > 0 || method !== 'qlora' || s.breakdown.activations === 0).toBe(true);
          }
        },
      ),
    ));
});

describe('expert tensor parallelism', () => {
  const moe = modelSpecFrom(findModel('qwen3-30b-a3b').config, 'qwen3-30b-a3b');
  const options = { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw' } as const;
  const base: ParallelLayout = {
    ...DEFAULT_LAYOUT,
    tensorParallel: 4,
    dataParallel: 4,
    expertParallel: 4,
    sequenceParallel: true,
  };

  it('at the same EP, ETP 1 holds TP× the expert weights of ETP = TP, and shards their optimizer TP× wider', () => {
    const tpExperts = trainingMemory(moe, base, options).peak;
    const folded = trainingMemory(moe, { ...base, expertTensorParallel: 1 }, options).peak;
    expect(folded.breakdown.weights).toBeGreaterThan(tpExperts.breakdown.weights);
  });

  it('folding TP into EP (EP × TP, ETP 1) holds the same expert weights as ETP = TP at EP', () => {
    const tpExperts = trainingMemory(moe, base, options).peak;
    const folded = trainingMemory(
      moe,
      { ...base, expertParallel: 16, expertTensorParallel: 1 },
      options,
    ).peak;
    expect(folded.breakdown.weights).toBeCloseTo(tpExperts.breakdown.weights, -3);
    // Each rank dispatches only its sequence shard: fewer activation bytes for the routed inputs.
    expect(folded.breakdown.activations).toBeLessThan(tpExperts.breakdown.activations);
  });
});

describe('a GPTQ base under AutoGPTQ keeps the FP16 weights autograd saved for the backward GEMMs', () => {
  const spec = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
  const peak = (recompute: 'none' | 'full', base: 'nf4' | 'gptq') =>
    trainingMemory(
      spec,
      { ...DEFAULT_LAYOUT, recompute },
      {
        seqLen: 1024,
        globalBatchSize: 8,
        precision: 'bf16',
        optimizer: 'adamw',
        adapter: adapterRuntime(
          spec,
          { method: 'qlora', rank: 16, targets: ['q', 'v'] },
          base === 'nf4' ? 0.516 : 0.5195,
          base,
        ),
      },
    ).peak;
  it('under full recomputation, one layer of them beside NF4’s one matrix; without, every layer’s (about 2 B per decoder weight)', () => {
    const full = peak('full', 'gptq').breakdown.buffers - peak('full', 'nf4').breakdown.buffers;
    const none = peak('none', 'gptq').breakdown.buffers - peak('none', 'nf4').breakdown.buffers;
    expect(full).toBeGreaterThan(0);
    // 32 layers: the saved weights of all of them against one, at 2 B per weight (~14 GB for 8B).
    expect(none - full).toBeGreaterThan(12e9);
    expect(none - full).toBeLessThan(15e9);
  });
});

describe('a frozen base shards under ZeRO-3 as trained weights do', () => {
  const spec = modelSpecFrom(findModel('qwen3-30b-a3b').config, 'qwen3-30b-a3b');
  const lora = adapterRuntime(spec, { method: 'lora', rank: 16, targets: ['q', 'v'] }, 2);
  const peak = (zeroStage: 1 | 3, adapter?: typeof lora, expertParallel = 8) =>
    trainingMemory(
      spec,
      { ...DEFAULT_LAYOUT, dataParallel: 8, expertParallel, zeroStage, recompute: 'full' },
      { seqLen: 4096, globalBatchSize: 64, precision: 'bf16', optimizer: 'adamw', adapter },
    ).peak.breakdown;
  it('routed experts over the expert data-parallel ranks (DP·CP / EP = 1 here: no further split), the rest over DP·CP', () => {
    // The full model's BF16 weights under ZeRO-3 and the frozen LoRA base's are the same bytes.
    const frozen = peak(3, lora).weights;
    expect(frozen).toBeCloseTo(peak(3).weights, -3);
    // At EP 2 each expert's weights shard over 4 expert data-parallel ranks, as trained ones do.
    expect(peak(3, lora, 2).weights).toBeCloseTo(peak(3, undefined, 2).weights, -3);
    expect(peak(3, lora, 2).weights).toBeLessThan(0.5 * peak(1, lora, 2).weights);
    // Each GPU holds its 16 of 128 experts whole (7.2 GB at BF16): ZeRO-3 shards only the dense 3 GB of
    // ZeRO-1's base, where sharding the experts over DP 8 too took all of it to an eighth.
    expect(frozen).toBeGreaterThan(0.7 * peak(1, lora).weights);
    // ZeRO-3 gathers the frozen layers it runs, as it does trained ones.
    expect(peak(3, lora).buffers).toBeGreaterThan(peak(1, lora).buffers);
  });
});

describe('FP32 training', () => {
  it('saves its activations in FP32: about twice the BF16 bytes (the FP32 log-sum-exp stays 4 bytes), as its GEMMs read 4-byte inputs (layer-cost.ts)', () => {
    const spec = modelSpecFrom(findModel('llama-3-8b').config, 'llama-3-8b');
    const act = (precision: 'bf16' | 'fp32') =>
      trainingMemory(
        spec,
        { ...DEFAULT_LAYOUT, dataParallel: 64, microBatchSize: 2, zeroStage: 2 },
        { seqLen: 4096, globalBatchSize: 128, precision, optimizer: 'adamw' },
      ).peak.breakdown.activations;
    expect(act('fp32')).toBeLessThan(2 * act('bf16'));
    expect(act('fp32')).toBeGreaterThan(1.98 * act('bf16'));
  });
});
