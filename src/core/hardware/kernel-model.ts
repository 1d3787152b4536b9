/**
 * Shape-aware kernel times: a few physical parameters per GPU and datatype, fitted on measured
 * kernels (src/core/hardware/kernel-fit.ts), never a table of shapes.
 *
 * GEMM: the output C[m,n] is cut into tiles of a kernel library's menu (CUTLASS/cuBLAS thread-block
 * tiles); the tiles run in waves over the GPU's compute units (SMs), each tile looping over K
 * (NVIDIA CUTLASS "Efficient GEMM"; wave quantisation: NVIDIA "Matrix Multiplication Background"
 * user guide). A tile's time is 2·tm·tn·(k + kOverhead) FLOPs at the unit's share of the peak times
 * a per-datatype ceiling; kOverhead is the prologue/epilogue in K-steps. Where tiles are too few to
 * fill the GPU and the library splits K (split-K), partial sums are written and reduced in memory.
 * The kernel is the slower of that and streaming its operands from HBM, plus a fixed launch latency.
 *
 * Memory-bound kernels: launch latency + bytes / sustained bandwidth (the α-β form of Hockney 1994),
 * so small kernels (a tensor-parallel shard's weights) reach a fraction of the datasheet bandwidth.
 */
import type { Datatype } from './hardware-spec.js';

export interface GemmTile {
  readonly m: number;
  readonly n: number;
}

export interface GemmKernelParameters {
  /** The thread-block tiles the library chooses from (it picks the fastest, as its heuristic aims to). */
  readonly tiles: readonly GemmTile[];
  /** Whether the library splits K to fill idle compute units. */
  readonly splitK: boolean;
  /** Fraction of the per-unit peak a tile's main loop sustains (clocks under the power limit, issue). */
  readonly ceiling: number;
  /** Per-tile prologue and epilogue, in equivalent K elements. */
  readonly kOverhead: number;
  /**
   * The tile a serving engine's own kernel takes for a small M (decode and small prefill chunks), by
   * its M dispatch: the first rung with m ≤ `maxM`; above the last rung, `tiles`. Absent: `tiles` at
   * every M (the engines call the measured library).
   */
  readonly servingTiles?: readonly ServingTile[];
}

/** One rung of a serving engine's dispatch by rows: the output tile it runs at m ≤ maxM (absent: any m above the rungs before). */
export interface ServingTile extends GemmTile {
  readonly maxM?: number;
}

/**
 * Kernel classes whose residuals are kept apart: compute-bound GEMMs per datatype, memory-bound
 * kernels (decode-shaped GEMMs, copies), FlashAttention per pass, and the published-curve estimate's
 * GEMMs and memory-bound kernels (what a GPU without measurements is timed by).
 */
export type KernelClass =
  | `gemm-${Datatype}`
  | 'memory-bound'
  | 'attention-forward'
  | 'attention-backward'
  | 'curve-gemm'
  | 'curve-memory-bound';

export interface KernelResiduals {
  /** How each residual was taken: refitting without the kernel, or the one fit on all of them. */
  readonly method: 'leave-one-out' | 'in-sample';
  /** The measurement file(s) they come from. */
  readonly fittedOn: string;
  readonly byClass: Readonly<Partial<Record<KernelClass, readonly number[]>>>;
}

export interface KernelModel {
  /** Fixed time per kernel (launch, ramp), seconds. */
  readonly launchSeconds: number;
  /** Sustained HBM bandwidth of a large streaming kernel over the datasheet bandwidth. */
  readonly bandwidthFraction: number;
  /** Per datatype; a missing datatype uses bf16's tiles and ceiling (an estimate, stated by `kind`). */
  readonly gemm: Readonly<Partial<Record<Datatype, GemmKernelParameters>>> & {
    readonly bf16: GemmKernelParameters;
  };
  /** The fit's residuals on its own measurements by kernel class: the `kernel` command's band (uncertainty/kernel-band.ts). */
  readonly residuals?: KernelResiduals;
}

/** What a GEMM prediction rests on, for `llmecon kernel gemm` and for tests. */
export interface GemmPrediction {
  readonly seconds: number;
  readonly flops: number;
  readonly bytes: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly bound: 'compute' | 'memory';
  readonly tile: GemmTile;
  readonly tiles: number;
  readonly splitK: number;
  readonly waves: number;
  /** Busy share of the compute units over the waves (tiles·splits / (waves·units)). */
  readonly waveEfficiency: number;
}

const SPLITS = [1, 2, 3, 4, 6, 8, 16] as const;
/** K elements per main-loop step of a tile (CUTLASS's tile K for 16-bit Hopper GEMMs, 64). */
const K_TILE = 64;

/** Bytes a GEMM moves at least once: A and B at `inputBytes`, C in BF16 (the common output). */
export function gemmBytes(m: number, n: number, k: number, inputBytes: number): number {
  return (m * k + k * n) * inputBytes + m * n * 2;
}

/** Seconds for a memory-bound kernel moving `bytes` with this kernel model (α + bytes/β). */
export function streamSeconds(model: KernelModel, memoryBytesPerSecond: number, bytes: number): number {
  if (bytes <= 0) return 0;
  return model.launchSeconds + bytes / (memoryBytesPerSecond * model.bandwidthFraction);
}

/** The fastest tile × split-K choice found by {@link gemmComputeSeconds} (reused scratch: no allocation). */
const choice = { tile: { m: 0, n: 0 } as GemmTile, tiles: 0, split: 1, waves: 0 };

/**
 * Compute seconds of `count` GEMMs launched together (their tiles share the waves): the fastest tile
 * and split-K of the menu, as the library's heuristic aims for. Hot path of the layout search: plain
 * loops, no allocation.
 */
function gemmComputeSeconds(
  params: GemmKernelParameters,
  computeUnits: number,
  unitFlopsPerSecond: number,
  memoryBytesPerSecond: number,
  m: number,
  n: number,
  k: number,
  count: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  // The main loop steps through K a tile at a time (the last one padded): ⌈k/64⌉ K-tiles. The split
  // menu does not depend on k, so more K never takes less time.
  const kTiles = Math.ceil(k / K_TILE);
  for (const tile of params.tiles) {
    const tiles = Math.ceil(count * Math.ceil(m / tile.m) * Math.ceil(n / tile.n));
    for (const split of SPLITS) {
      if (split > 1 && (!params.splitK || tiles * split > computeUnits)) break;
      const waves = Math.ceil((tiles * split) / computeUnits);
      // CUTLASS: each tile runs ⌈kTiles/split⌉ K-tiles plus its prologue/epilogue at the unit's rate.
      const tileSeconds =
        (2 * tile.m * tile.n * (Math.ceil(kTiles / split) * K_TILE + params.kOverhead)) / unitFlopsPerSecond;
      // Split-K writes `split` FP32 partial outputs and reads them back to reduce.
      const reduceSeconds = split > 1 ? (count * split * m * n * 4 * 2) / memoryBytesPerSecond : 0;
      const seconds = waves * tileSeconds + reduceSeconds;
      if (seconds < best) {
        best = seconds;
        choice.tile = tile;
        choice.tiles = tiles;
        choice.split = split;
        choice.waves = waves;
      }
    }
  }
  return best;
}

/** Compute time of the best tiling and the time to stream the operands once, for `count` GEMMs. */
function gemmTimes(
  model: KernelModel,
  params: GemmKernelParameters,
  computeUnits: number,
  peakFlopsPerSecond: number,
  memoryBytesPerSecond: number,
  m: number,
  n: number,
  k: number,
  inputBytes: number,
  count: number,
): { readonly computeSeconds: number; readonly memorySeconds: number; readonly bytes: number } {
  const computeSeconds = gemmComputeSeconds(
    params,
    computeUnits,
    (peakFlopsPerSecond / computeUnits) * params.ceiling,
    memoryBytesPerSecond,
    m,
    n,
    k,
    count,
  );
  const bytes = count * gemmBytes(m, n, k, inputBytes);
  return { computeSeconds, memorySeconds: bytes / (memoryBytesPerSecond * model.bandwidthFraction), bytes };
}

/** Seconds only (the step-time hot path): launch + max(compute, streaming the operands). */
export function gemmKernelSeconds(
  model: KernelModel,
  params: GemmKernelParameters,
  computeUnits: number,
  peakFlopsPerSecond: number,
  memoryBytesPerSecond: number,
  m: number,
  n: number,
  k: number,
  inputBytes: number,
  count = 1,
): number {
  const t = gemmTimes(
    model,
    params,
    computeUnits,
    peakFlopsPerSecond,
    memoryBytesPerSecond,
    m,
    n,
    k,
    inputBytes,
    count,
  );
  return model.launchSeconds + Math.max(t.computeSeconds, t.memorySeconds);
}

/**
 * `count` GEMMs C[m,n] = A[m,k]·B[k,n] launched together (a batched or grouped GEMM: their tiles
 * share the waves) on a GPU with `computeUnits` units and dense `peakFlopsPerSecond` in this
 * datatype, with what the time rests on (tile, tiles, waves, split-K, bound).
 */
export function predictGemm(
  model: KernelModel,
  params: GemmKernelParameters,
  computeUnits: number,
  peakFlopsPerSecond: number,
  memoryBytesPerSecond: number,
  m: number,
  n: number,
  k: number,
  inputBytes: number,
  count = 1,
): GemmPrediction {
  const {
    computeSeconds: best,
    memorySeconds,
    bytes,
  } = gemmTimes(
    model,
    params,
    computeUnits,
    peakFlopsPerSecond,
    memoryBytesPerSecond,
    m,
    n,
    k,
    inputBytes,
    count,
  );
  return {
    seconds: model.launchSeconds + Math.max(best, memorySeconds),
    flops: 2 * m * n * k * count,
    bytes,
    computeSeconds: best,
    memorySeconds,
    bound: best >= memorySeconds ? 'compute' : 'memory',
    tile: choice.tile,
    tiles: choice.tiles,
    splitK: choice.split,
    waves: choice.waves,
    waveEfficiency: (choice.tiles * choice.split) / (choice.waves * computeUnits),
  };
}

const servingRungs = new WeakMap<ServingTile, GemmKernelParameters>();

/**
 * The GEMM parameters for a datatype (its own, or bf16's where the profile has none); for a serving
 * engine's GEMM of `servingRows` rows, the tile of its small-M dispatch rung, without split-K (the
 * engines' kernels run a persistent tile scheduler).
 */
export function gemmParameters(
  model: KernelModel,
  datatype: Datatype,
  servingRows?: number,
): GemmKernelParameters {
  // INT8 tensor-core GEMMs move and multiply 1-byte operands at FP8's rate: FP8's fit stands in.
  const params =
    model.gemm[datatype] ?? (datatype === 'int8' ? model.gemm.fp8 : undefined) ?? model.gemm.bf16;
  if (servingRows === undefined || !params.servingTiles) return params;
  const rung = params.servingTiles.find((r) => r.maxM === undefined || servingRows <= r.maxM);
  if (!rung) return params;
  let rungParams = servingRungs.get(rung);
  if (!rungParams) {
    rungParams = { ...params, tiles: [{ m: rung.m, n: rung.n }], splitK: false };
    servingRungs.set(rung, rungParams);
  }
  return rungParams;
}
