/**
 * Per-layer extras (LayerSpec.extras: DiffLlama's λ vectors, ZAYA1's convolutions and MLP router),
 * MoeSpec.routerInExtras and MlpSpec.intermediateNorm (Kosmos-2's ffn_layernorm): held, run and kept
 * with their layer — parameters (total and active), FLOPs per token from the operation list, TP
 * replication, the layer kind's identity, training activations and weights per pipeline stage.
 * Expected values are written from the shapes, not read back from the engine.
 */
import { describe, expect, it } from 'vitest';
import { activationBytesPerLayer } from '../memory/activations.js';
import { trainingMemory } from '../memory/training-memory.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../parallelism/layout.js';
import { forwardFlopsPerToken, layerKinds } from './flops.js';
import { layerKey } from './layer-view.js';
import { specFromInput } from './model-spec-schema.js';
import { layerOperations } from './operations.js';
import { paramCount } from './param-count.js';
import type { LayerExtrasSpec, ModelSpec } from './spec.js';

const [h, I, layers] = [512, 2048, 4];
const base = specFromInput({
  name: 'small',
  vocabSize: 1000,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 4096,
  attention: { kind: 'gqa', numHeads: 8, numKvHeads: 2, headDim: 64 },
  mlp: { intermediateSize: I, gated: true },
});
// A 64 × 32 matrix, three 8 × 8 ones (a grouped convolution) and 100 element-wise weights.
const extras: LayerExtrasSpec = {
  modules: 'test',
  params: 64 * 32 + 3 * 64 + 100,
  gemms: [
    { name: 'a', n: 64, k: 32 },
    { name: 'b', n: 8, k: 8, count: 3 },
  ],
};
const withExtras: ModelSpec = { ...base, layers: base.layers.map((l) => ({ ...l, extras })) };
const forward = (tp: number) => ({
  phase: 'forward' as const,
  shape: { sequences: 1, tokensPerSequence: 1024, contextTokens: 1024 },
  layout: { tensorParallel: tp, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
  datatype: 'bf16' as const,
  gemmInputBytes: 2,
});

describe('layer extras', () => {
  it('are parameters of their layer, every one active, in their own breakdown entry', () => {
    const before = paramCount(base);
    const after = paramCount(withExtras);
    expect(after.totalParams - before.totalParams).toBe(layers * extras.params);
    expect(after.activeParams - before.activeParams).toBe(layers * extras.params);
    expect(after.breakdown.layerExtras).toBe(layers * extras.params);
    expect(before.breakdown.layerExtras).toBeUndefined();
    expect(after.perLayer[0]!.totalParams - before.perLayer[0]!.totalParams).toBe(extras.params);
  });

  it('hold idle weights (experts a token is not routed to) in the total, not in the active count', () => {
    const idle: ModelSpec = {
      ...base,
      layers: base.layers.map((l) => ({ ...l, extras: { ...extras, idleParams: 40 } })),
    };
    expect(paramCount(idle).totalParams).toBe(paramCount(withExtras).totalParams);
    expect(paramCount(withExtras).activeParams - paramCount(idle).activeParams).toBe(layers * 40);
    expect(layerKey(idle.layers[0]!)).not.toBe(layerKey(withExtras.layers[0]!));
  });

  it('add 2 FLOPs per matmul weight a token, in their own FLOPs entry; element-wise weights add none', () => {
    const f = forwardFlopsPerToken(withExtras, { attentionMode: 'causal', contextTokens: 1024 });
    const g = forwardFlopsPerToken(base, { attentionMode: 'causal', contextTokens: 1024 });
    expect(f.breakdown.layerExtras).toBe(2 * layers * (64 * 32 + 3 * 64));
    expect(f.flopsPerToken - g.flopsPerToken).toBeCloseTo(2 * layers * (64 * 32 + 3 * 64), 6);
    expect(g.breakdown.layerExtras).toBeUndefined();
  });

  it('run whole on every tensor-parallel rank', () => {
    const ops = layerOperations(withExtras, withExtras.layers[0]!, forward(4)).filter(
      (op) => op.type === 'gemm' && op.component === 'layerExtras',
    );
    expect(
      ops.map((op) => op.type === 'gemm' && [op.name, op.m, op.n, op.k, op.count, op.replicated]),
    ).toEqual([
      ['extras.a', 1024, 64, 32, 1, true],
      ['extras.b', 1024, 8, 8, 3, true],
    ]);
  });

  it('make a layer kind of their own', () => {
    const mixed: ModelSpec = {
      ...base,
      layers: base.layers.map((l, i) => (i === 0 ? l : { ...l, extras })),
    };
    expect(layerKey(mixed.layers[0]!)).not.toBe(layerKey(mixed.layers[1]!));
    expect(layerKinds(mixed).map((k) => k.count)).toEqual([1, 3]);
  });

  it("keep their matmuls' inputs for the backward pass, and are held by the stage that holds the layer", () => {
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, pipelineParallel: 2, microBatchSize: 1 };
    const options = { seqLen: 1024, flashAttention: true, dropout: false };
    const act = (spec: ModelSpec) => activationBytesPerLayer(spec, spec.layers[0]!, layout, options);
    expect(act(withExtras) - act(base)).toBe(2 * 1024 * (32 + 3 * 8));
    const memory = (spec: ModelSpec) =>
      trainingMemory(spec, layout, {
        seqLen: 1024,
        globalBatchSize: 8,
        precision: 'bf16',
        optimizer: 'adamw',
      });
    const stageWeights = (spec: ModelSpec) => memory(spec).stages.map((s) => s.modelStates.weights);
    // Two layers a stage, BF16 weights.
    const more = stageWeights(withExtras).map((w, i) => w - stageWeights(base)[i]!);
    expect(more).toEqual([2 * 2 * extras.params, 2 * 2 * extras.params]);
  });
});

describe('an MLP intermediate norm (MlpSpec.intermediateNorm)', () => {
  const normed: ModelSpec = { ...base, mlp: { ...base.mlp, intermediateNorm: true } };

  it("holds the norm's weight (an RMSNorm: I) in the dense MLP", () => {
    expect(paramCount(normed).breakdown.denseMlp - paramCount(base).breakdown.denseMlp).toBe(layers * I);
  });

  it("reads and writes each rank's I/t slice once, and keeps it for the backward pass", () => {
    const op = layerOperations(normed, normed.layers[0]!, forward(4)).find(
      (o) => o.name === 'mlp.intermediate_norm',
    );
    expect(op).toMatchObject({
      type: 'memory',
      bytesRead: (2 * 1024 * I) / 4,
      bytesWritten: (2 * 1024 * I) / 4,
    });
    const layout: ParallelLayout = { ...DEFAULT_LAYOUT, tensorParallel: 4, microBatchSize: 1 };
    const options = { seqLen: 1024, flashAttention: true, dropout: false };
    const act = (spec: ModelSpec) => activationBytesPerLayer(spec, 'dense', layout, options);
    expect(act(normed) - act(base)).toBe((2 * 1024 * I) / 4);
  });
});
