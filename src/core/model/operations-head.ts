/**
 * The operations outside the decoder layers: the input embedding lookup and the output head with the
 * loss (training) or the sampled tokens' logits (serving). Conventions: operations.ts.
 */
import { OpBuilder } from './op-builder.js';
import {
  ACT_BYTES,
  type LossKernel,
  type Operation,
  type OperationRequest,
  tokensOnGpu,
} from './operation-types.js';
import { embeddingWidth, type ModelSpec } from './spec.js';

/** The embedding and head train beside the adapters (modules_to_save, AdapterSpec.trainEmbeddings). */
const trainsTables = (request: OperationRequest) => (request.adapter?.trainableEmbeddingParams ?? 0) > 0;

/** Input embedding lookup: read one row per token, write the hidden state. */
export function embeddingOperations(spec: ModelSpec, request: OperationRequest): Operation[] {
  const tokens = tokensOnGpu(request);
  const bytes = ACT_BYTES * tokens * embeddingWidth(spec);
  const b = new OpBuilder(request, request.adapter === undefined);
  b.memory('embedding', 'embedding', bytes, bytes);
  // A trainable table under adapters (modules_to_save): embedding_dense_backward zero-fills a dense
  // gradient of the GPU's vocabulary shard × width per micro-batch before adding the tokens' rows into it.
  if (b.backward && trainsTables(request))
    b.ops.push({
      type: 'memory',
      name: 'embedding.grad',
      component: 'embedding',
      bytesRead: bytes,
      bytesWritten: (ACT_BYTES * spec.vocabSize * embeddingWidth(spec)) / request.layout.tensorParallel,
      count: 1,
    });
  return b.ops;
}

/**
 * Bytes read and written per logit element per pass by the loss (the builder doubles for backward).
 * Fused: the BF16 logits read once, the gradient written in place. `fp32` (aten cross_entropy =
 * log_softmax + nll_loss on logits.float()): forward cast 2 → 4, log_softmax's max and sum passes
 * 4 + 4 → 4; backward nll's dense gradient → 4, log_softmax_backward 4 + 4 + 4 → 4, cast back 4 → 2:
 * 26 read and 18 written, 13 / 9 per pass. `bf16`: the shifted copy 2 → 2, log_softmax 2 + 2 → 2;
 * backward nll's gradient → 2, log_softmax_backward 2 + 2 + 2 → 2, the slice's gradient 2 → 2:
 * 14 and 10, 7 / 5 per pass.
 */
const LOSS_BYTES_PER_LOGIT: Readonly<Record<LossKernel, readonly [number, number]>> = {
  fused: [ACT_BYTES, 0],
  fp32: [13, 9],
  bf16: [7, 5],
};

/**
 * The output head (vocabulary-parallel over TP) and, in training, the fused cross-entropy loss
 * (read the logits, write their gradient). Serving computes logits only for tokens that sample:
 * every decode token and the last token of each prefill chunk.
 */
export function headOperations(spec: ModelSpec, request: OperationRequest): Operation[] {
  const b = new OpBuilder(request, request.adapter === undefined);
  const t = request.layout.tensorParallel;
  const serving = request.phase === 'decode' || request.phase === 'prefill';
  const { shape } = request;
  const tokens = serving
    ? shape.sequences * shape.tokensPerSequence + ((shape.prefill?.tokens ?? 0) > 0 ? 1 : 0)
    : tokensOnGpu(request);
  // The output head stays dense (sparse checkpoints ship it dense); frozen in adapter training unless
  // it trains beside the adapters (modules_to_save), then with its weight gradient.
  b.gemm(
    'lm_head',
    'head',
    tokens,
    spec.vocabSize / t,
    embeddingWidth(spec),
    trainsTables(request) ? { trains: true } : {},
  );
  // Projections every token runs (not only those the head scores), counted here with the head though
  // the input side runs on the first pipeline stage; replicated over TP.
  const every = tokensOnGpu(request);
  if (embeddingWidth(spec) !== spec.hiddenSize) {
    // OPT-350M (OPTDecoder): project_in after the lookup and project_out before the head.
    b.gemm('project_in_out', 'head', every, spec.hiddenSize, embeddingWidth(spec), {
      count: 2,
      replicated: true,
    });
  }
  if (spec.altUp && spec.altUp.streams > 1) {
    // AltUp (Gemma3nTextModel.forward): n − 1 h × h projections widen the embedding into streams and
    // n − 1 narrow them before the mean.
    const h = spec.hiddenSize;
    const count = 2 * (spec.altUp.streams - 1);
    b.gemm('altup.projections', 'residualStreams', every, h, h, { count, replicated: true });
  }
  const n = spec.hyperConnections?.streams;
  // mHC's or iHC's hc_head (DeepseekV4HyperHead, HYV4HyperHead): the n streams' collapse weights (n·h → n).
  if (n !== undefined)
    b.gemm('hc_head', 'residualStreams', every, n, n * spec.hiddenSize, { replicated: true });
  if (!serving) {
    const logits = (tokens * spec.vocabSize) / t;
    const [read, written] = LOSS_BYTES_PER_LOGIT[request.crossEntropy ?? 'fused'];
    b.memory('cross-entropy', 'loss', read * logits, written * logits + 4 * tokens);
  }
  return b.ops;
}
