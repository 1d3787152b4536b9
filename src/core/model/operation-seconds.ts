/**
 * Operation → seconds on one GPU of a cluster: the only place the operation list meets the kernel
 * time models (hardware/roofline.ts for GEMMs, attention and memory-bound kernels;
 * hardware/collectives.ts for communication). Training and serving step times sum these.
 */
import type { ClusterSpec } from '../hardware/cluster-spec.js';
import { collectiveSeconds, placement } from '../hardware/collectives.js';
import { attentionSeconds, gemmSeconds, memorySeconds } from '../hardware/roofline.js';
import type { Operation } from './operations.js';

export function operationSeconds(op: Operation, cluster: ClusterSpec): number {
  const hw = cluster.gpu;
  switch (op.type) {
    case 'gemm': {
      // 2:4 sparse weights on sparse tensor cores: half the multiply-adds and half the values plus
      // their 2-bit indices read (SparseGPT, Frantar & Alistarh 2023, Sec. 5).
      const speedup = hw.structuredSparsitySpeedup ?? 1;
      if (op.sparse24 && speedup > 1) {
        return gemmSeconds(
          hw,
          op.datatype,
          op.m,
          op.n / speedup,
          op.k,
          op.inputBytesPerElement + 2 / 8,
          op.count,
        );
      }
      return gemmSeconds(hw, op.datatype, op.m, op.n, op.k, op.inputBytesPerElement, op.count, op.serving);
    }
    case 'attention':
      // Roofline: FLOPs at the attention efficiency vs the K/V bytes it reads (decode is memory-bound).
      return Math.max(
        attentionSeconds(
          hw,
          op.flops,
          op.pass,
          op.implementation === 'flash'
            ? undefined
            : { implementation: op.implementation, seqLen: op.kvLength },
          (op.qkHeadDim + op.vHeadDim) / 2,
        ),
        memorySeconds(hw, op.kvBytes),
      );
    case 'mixer':
      // Roofline: FLOPs at the attention efficiency vs the bytes it streams (the conv and decode
      // recurrences are memory-bound; the chunked scans compute-bound).
      return Math.max(
        attentionSeconds(hw, op.flops, op.pass),
        memorySeconds(hw, op.bytesRead + op.bytesWritten),
      );
    case 'memory':
      return op.count * memorySeconds(hw, op.bytesRead + op.bytesWritten);
    case 'collective':
      return collectiveSeconds(
        op.collective,
        op.bytes,
        placement(op.groupSize, op.ranksApart, cluster.gpusPerNode),
        cluster.scaleUp,
        cluster.scaleOut,
      );
    default:
      return unhandled(op);
  }
}

function unhandled(op: never): never {
  throw new Error(`unhandled operation ${JSON.stringify(op)}`);
}

/** Seconds of a list of operations, summed. */
export function operationsSeconds(ops: readonly Operation[], cluster: ClusterSpec): number {
  let seconds = 0;
  for (const op of ops) seconds += operationSeconds(op, cluster);
  return seconds;
}
