/**
 * Communication a training step overlaps with its compute: what stays exposed and what the overlap
 * costs the kernels it runs beside.
 */
import { overlapsTensorParallel, type ParallelLayout } from '../parallelism/layout.js';

/** SMs held by overlapped all-to-all kernels: DeepSeek-V3 Sec. 3.2.2, 20 of the H800's 132. */
export const OVERLAPPED_COMM_SM_FRACTION = 20 / 132;

/**
 * A layer's exposed tensor-parallel seconds. Overlapped, each all-gather or reduce-scatter is split in
 * t chunks that ring-exchange while the GEMM beside it (column-parallel after an all-gather, row-parallel
 * before a reduce-scatter: the layer's dense GEMMs, not its routed experts) runs on the chunks already
 * there; one chunk's transfer (1/t of it) is not hidden, nor what outlasts the GEMMs (Wang et al.,
 * ASPLOS 2023, decomposed collective matmul; Transformer Engine userbuffers). Megatron overlaps only
 * sequence-parallel collectives (arguments.py asserts --sequence-parallel with --tp-comm-overlap).
 */
export function exposedTensorParallel(commSeconds: number, denseGemmSeconds: number, chunks: number): number {
  if (chunks <= 1) return commSeconds;
  return Math.max(commSeconds / chunks, commSeconds - denseGemmSeconds);
}

/** The chunks each TP collective is split into where it overlaps the GEMMs (the TP degree), else 0. */
export const overlappedChunks = (on: boolean | undefined, layout: ParallelLayout): number =>
  overlapsTensorParallel(on, layout) ? layout.tensorParallel : 0;
