/**
 * Test helper for the operation-list tests (src/core/model/operations*.test.ts): every catalog model and
 * the 2025–26 configs as specs, a request builder, and sums of an operation list's FLOPs and bytes.
 */
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { loadCatalog } from '../src/catalog/catalog.js';
import { forwardFlopsPerToken, layerKinds, trainingFlopsPerToken } from '../src/core/model/flops.js';
import {
  headOperations,
  layerOperations,
  type Operation,
  type OperationRequest,
  operationFlops,
} from '../src/core/model/operations.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
import type { LayerSpec, ModelSpec } from '../src/core/model/spec.js';
import { HAND_BUILT_FIXTURES, HF_FIXTURES, hfFixture } from './hf-fixtures.js';

// Every catalog model, and the 2025–26 configs of test/fixtures/hf-configs (hybrid linear attention,
// Mamba-2, DSA sparse and chunked attention) until the catalog carries them.
export const catalog = new Map([
  ...[...loadCatalog().models].map(([id, m]) => [id, modelSpecFrom(m.config, m.name)] as const),
  ...[...HF_FIXTURES, ...HAND_BUILT_FIXTURES].map((id) => [id, modelSpecFrom(hfFixture(id), id)] as const),
  // LatentMoE (Nemotron 3 Super's moe_latent_size) on the Nano shape.
  [
    'nemotron-latent-moe',
    modelSpecFrom({ ...hfFixture('nemotron-3-nano-30b-a3b'), moe_latent_size: 1024 }, 'latent'),
  ] as const,
]);
export const models = [...catalog.values()];
export const ids = [...catalog.keys()];
export const byName = (id: string) => catalog.get(id)!;

export function request(
  overrides: Partial<OperationRequest> & { tp?: number; cp?: number; ep?: number; etp?: number } = {},
): OperationRequest {
  const { tp = 1, cp = 1, ep = 1, etp, ...rest } = overrides;
  return {
    phase: 'forward',
    shape: { sequences: 2, tokensPerSequence: 4096, contextTokens: 4096 },
    layout: {
      tensorParallel: tp,
      contextParallel: cp,
      expertParallel: ep,
      ...(etp !== undefined && { expertTensorParallel: etp }),
      sequenceParallel: tp > 1,
    },
    datatype: 'bf16',
    gemmInputBytes: 2,
    ...rest,
  };
}

/** GEMM + attention FLOPs of all layers and the head, split into TP-sharded and TP-replicated work. */
export function modelFlops(
  spec: ModelSpec,
  r: OperationRequest,
  filter: (op: Operation) => boolean = () => true,
) {
  let sharded = 0;
  let replicated = 0;
  const add = (ops: Operation[], times: number) => {
    for (const op of ops) {
      if (!filter(op)) continue;
      if ((op.type === 'gemm' || op.type === 'mixer') && op.replicated)
        replicated += times * operationFlops(op);
      else sharded += times * operationFlops(op);
    }
  };
  for (const { layer, count } of layerKinds(spec)) add(layerOperations(spec, layer, r), count);
  add(headOperations(spec, r), 1);
  return { sharded, replicated, total: sharded + replicated };
}

export const divisorsOf = (n: number) => [1, 2, 4, 8].filter((d) => n % d === 0);

/**
 * The operation list's FLOPs over the tp·cp GPUs of a layout divided by tokens × FLOPs per token (1 when
 * they agree): sharded work splits over tp·cp GPUs, replicated work runs on every TP rank of a CP shard.
 */
export function layoutFlopsRatio(spec: ModelSpec, r: OperationRequest): number {
  const { tensorParallel: tp, contextParallel: cp } = r.layout;
  const perGpu = modelFlops(spec, r);
  const tokens = r.shape.sequences * r.shape.tokensPerSequence;
  const perToken = forwardFlopsPerToken(spec, {
    attentionMode: r.attentionMask === 'full' ? 'non-causal' : 'causal',
    contextTokens: r.shape.contextTokens,
  }).flopsPerToken;
  return (perGpu.sharded * tp * cp + perGpu.replicated * cp) / (tokens * perToken);
}

/** Decode GEMM FLOPs over 2 × the matmul parameters a token touches (1 when they agree). */
export function decodeGemmRatio(spec: ModelSpec): number {
  const decode = modelFlops(spec, single('decode', 4096), (op) => op.type === 'gemm').total;
  return decode / (2 * (trainingFlopsPerToken(spec, 4096).sixN / 6));
}

/** The forward FLOPs breakdown's parts over its total, at causal prefill and at decode (1 when they sum). */
export function breakdownSumRatios(spec: ModelSpec, contextTokens = 4096): number[] {
  return (['causal', 'decode'] as const).map((attentionMode) => {
    const f = forwardFlopsPerToken(spec, { attentionMode, contextTokens });
    return Object.values(f.breakdown).reduce((a, b) => a + b, 0) / f.flopsPerToken;
  });
}

/** One sequence of `tokens` on one GPU, or one decode token after `context` cached ones. */
export function single(phase: 'forward' | 'decode', context: number, tp = 1): OperationRequest {
  return request({
    phase,
    tp,
    shape: { sequences: 1, tokensPerSequence: phase === 'decode' ? 1 : context, contextTokens: context },
    kvBytesPerElement: 2,
  });
}

export const sumOps = (
  ops: Operation[],
  pick: (op: Operation) => boolean,
  value: (op: Operation) => number,
) => ops.filter(pick).reduce((sum, op) => sum + value(op), 0);
export const flopsOf = (ops: Operation[], pick: (op: Operation) => boolean) =>
  sumOps(ops, pick, operationFlops);
/** Bytes an op moves (reads + writes; attention's K/V reads), 0 for collectives. */
export function bytesOf(op: Operation): number {
  if (op.type === 'mixer') return op.bytesRead + op.bytesWritten;
  if (op.type === 'memory') return op.count * (op.bytesRead + op.bytesWritten);
  if (op.type === 'attention') return op.kvBytes;
  return 0;
}

export const withKind = (kind: LayerSpec['attention']) =>
  ids.filter((id) => byName(id).layers.some((l) => l.attention === kind));
export const layerOf = (spec: ModelSpec, kind: LayerSpec['attention']) =>
  spec.layers.find((l) => l.attention === kind)!;
export const isMixing = (op: Operation) => op.type === 'mixer' || op.type === 'attention';

/**
 * The operation-list invariants of linear-attention variants (the mLSTM, RWKV), as tests inside the
 * caller's describe: GEMM + mixer FLOPs over any TP × CP layout equal tokens × FLOPs per token; decode
 * GEMM FLOPs are 2 × the matmul parameters within `decodeTolerance`; the FLOPs breakdown sums.
 */
export function linearMixerInvariantTests(specs: Record<string, ModelSpec>, decodeTolerance: number): void {
  const names = Object.keys(specs);
  test.prop([
    fc.constantFrom(...names),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 2 }),
    fc.constantFrom<'causal' | 'full'>('causal', 'full'),
  ])('GEMM + mixer FLOPs over any layout equal tokens × FLOPs per token', (name, tpIndex, cpExp, mask) => {
    const spec = specs[name]!;
    const tps = divisorsOf(spec.linearAttention!.numValueHeads);
    const tp = tps[tpIndex % tps.length]!;
    expect(layoutFlopsRatio(spec, request({ tp, cp: 2 ** cpExp, attentionMask: mask }))).toBeCloseTo(1, 9);
  });
  it.each(names)(
    `%s: decode GEMM FLOPs are 2 × the matmul parameters (within ${100 * decodeTolerance}%), the breakdown sums`,
    (name) => {
      const spec = specs[name]!;
      expect(Math.abs(decodeGemmRatio(spec) - 1)).toBeLessThan(decodeTolerance);
      for (const ratio of breakdownSumRatios(spec)) expect(ratio).toBeCloseTo(1, 12);
    },
  );
}
