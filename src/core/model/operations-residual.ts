/**
 * Operations added to every decoder layer beside its mixer and MLP: the per-layer input embeddings
 * (Gemma 3n, Gemma 4 E-models), Gemma 3n's AltUp streams and LAuReL residual, and DeepSeek-V4's and
 * Hy4's hyper-connections. Conventions: operations.ts.
 */
import type { OpBuilder } from './op-builder.js';
import { ACT_BYTES } from './operation-types.js';
import { hyperConnectionOutputs } from './residual-stream-params.js';
import type { ModelSpec } from './spec.js';

/**
 * Gemma 4 per-layer inputs (Gemma4TextModel.project_per_layer_inputs, Gemma4TextDecoderLayer): this
 * layer's slice of per_layer_model_projection (h → p; the whole h → layers·p runs once per token,
 * the same FLOPs), per_layer_input_gate (h → p), GELU × the per-layer input, per_layer_projection
 * (p → h). Not in the TP plan, so every rank runs them whole. The table lookup is a read.
 */
export function perLayerInputOperations(spec: ModelSpec, b: OpBuilder, tokens: number): void {
  const ple = spec.perLayerInput;
  if (!ple) return;
  const h = spec.hiddenSize;
  const p = ple.hiddenSize;
  const replicated = { replicated: true };
  b.gemm('ple.model_projection', 'perLayerInput', tokens, p, h, replicated);
  b.gemm('ple.gate', 'perLayerInput', tokens, p, h, replicated);
  b.gemm('ple.projection', 'perLayerInput', tokens, h, p, replicated);
  const slice = ACT_BYTES * tokens * p;
  // The table row (read), the projection's norm and the sum with it, and GELU(gate) × input.
  b.memory('ple.inputs', 'embedding', 3 * slice, 2 * slice);
  b.memory('ple.gate-activation', 'activation', 2 * slice, slice);
}

/**
 * Gemma 3n's AltUp and LAuReL in one layer (transformers `Gemma3nTextDecoderLayer`): AltUp predicts
 * the n streams (the router h → n on an RMSNorm of the active stream, tanh, n → n² coefficients, then
 * each stream a mix of all: read n·h, write n·h per token), LAuReL runs its rank-r pair on the normed
 * active stream, and AltUp corrects the streams with the layer's innovation (the router again, n → n
 * coefficients, read n + 1 streams, write n). Not in the TP plan: every rank runs them whole. The
 * n × n mixes (2·n²·h + 2·n·h FLOPs per token) are counted as the memory traffic they are.
 */
export function residualStreamOperations(spec: ModelSpec, b: OpBuilder, tokens: number): void {
  const h = spec.hiddenSize;
  const replicated = { replicated: true };
  const stream = ACT_BYTES * tokens * h;
  if (spec.laurel) {
    b.gemm('laurel.left', 'residualStreams', tokens, spec.laurel.rank, h, replicated);
    b.gemm('laurel.right', 'residualStreams', tokens, h, spec.laurel.rank, replicated);
  }
  if (spec.altUp) {
    const n = spec.altUp.streams;
    b.gemm('altup.router', 'residualStreams', tokens, n, h, { ...replicated, count: 2 });
    b.memory('altup.predict', 'residualStreams', n * stream, n * stream);
    b.memory('altup.correct', 'residualStreams', (n + 1) * stream, n * stream);
  }
  hyperConnectionOps(spec, b, tokens);
}

/**
 * Hyper-connections around a layer's two blocks, per token, replicated on every rank: fn over the n
 * flattened streams (mHC `DeepseekV4HyperConnection.forward`: (2 + n)·n outputs of n·h; iHC
 * `HYV4HyperConnection.forward`: 2n), the n-stream collapse, and the n streams (mHC: mixed through
 * comb; iHC: as they are) plus the block's output expanded by post (read n + 1 streams, write n).
 */
export function hyperConnectionOps(spec: ModelSpec, b: OpBuilder, tokens: number): void {
  const hc = spec.hyperConnections;
  if (!hc) return;
  const n = hc.streams;
  const h = spec.hiddenSize;
  const stream = ACT_BYTES * tokens * h;
  const outputs = hyperConnectionOutputs(hc);
  b.gemm('hc.fn', 'residualStreams', tokens, outputs, n * h, { replicated: true, count: 2 });
  b.memory('hc.collapse', 'residualStreams', n * stream, stream, 2);
  b.memory('hc.mix', 'residualStreams', (n + 1) * stream, n * stream, 2);
}
