/**
 * Fits the kernel model's few parameters (kernel-model.ts) on measured kernels of one GPU:
 * launch latency and sustained bandwidth by least squares on the memory-bound kernels
 * (t = α + bytes/β, Hockney 1994), then per datatype the tile ceiling and the per-tile K overhead by
 * minimising the squared log error over that datatype's GEMMs. Judged by leave-one-out error.
 */
import type { Datatype } from './hardware-spec.js';
import {
  type GemmKernelParameters,
  type GemmTile,
  gemmBytes,
  type KernelModel,
  predictGemm,
  streamSeconds,
} from './kernel-model.js';

export interface MeasuredGemm {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly datatype: Datatype;
  /** Bytes per input element (2 for bf16, 1 for fp8). */
  readonly inputBytes: number;
  readonly seconds: number;
}

export interface MeasuredStream {
  readonly bytes: number;
  readonly seconds: number;
}

export interface FitHardware {
  readonly computeUnits: number;
  readonly peakFlopsPerSecond: Readonly<Partial<Record<Datatype, number>>>;
  readonly memoryBytesPerSecond: number;
}

/** What the kernel library offers per datatype (an architecture given, not fitted). */
export interface TileMenu {
  readonly tiles: readonly GemmTile[];
  readonly splitK: boolean;
}

export interface KernelFit {
  readonly model: KernelModel;
  /** Relative error (predicted / measured − 1) of every measured GEMM under the fitted model. */
  readonly gemmErrors: readonly { readonly row: MeasuredGemm; readonly error: number }[];
}

const K_OVERHEAD_STEP = 32;
const K_OVERHEAD_MAX = 2048;

/** Memory-bound: arithmetic intensity below half the ridge point (Williams et al. 2009). */
function memoryBound(row: MeasuredGemm, hw: FitHardware): boolean {
  const peak = hw.peakFlopsPerSecond[row.datatype] ?? hw.peakFlopsPerSecond.bf16 ?? 0;
  const intensity = (2 * row.m * row.n * row.k) / gemmBytes(row.m, row.n, row.k, row.inputBytes);
  return intensity < peak / hw.memoryBytesPerSecond / 2;
}

/** Least squares t = α + bytes·γ over (bytes, seconds); α ≥ 0. Returns [α, 1/γ]. */
function fitStream(points: readonly MeasuredStream[]): [number, number] {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.bytes, 0) / n;
  const my = points.reduce((s, p) => s + p.seconds, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.bytes - mx) * (p.seconds - my);
    sxx += (p.bytes - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const alpha = my - slope * mx;
  if (slope > 0 && alpha >= 0) return [alpha, 1 / slope];
  // Through the origin where the intercept would be negative (or one size only).
  const throughOrigin =
    points.reduce((s, p) => s + p.bytes * p.seconds, 0) / points.reduce((s, p) => s + p.bytes ** 2, 0);
  return [0, 1 / throughOrigin];
}

function prediction(model: KernelModel, params: GemmKernelParameters, hw: FitHardware, row: MeasuredGemm) {
  const peak = hw.peakFlopsPerSecond[row.datatype] ?? hw.peakFlopsPerSecond.bf16!;
  return predictGemm(
    model,
    params,
    hw.computeUnits,
    peak,
    hw.memoryBytesPerSecond,
    row.m,
    row.n,
    row.k,
    row.inputBytes,
  );
}

const predict = (model: KernelModel, params: GemmKernelParameters, hw: FitHardware, row: MeasuredGemm) =>
  prediction(model, params, hw, row).seconds;

function logLoss(
  model: KernelModel,
  params: GemmKernelParameters,
  hw: FitHardware,
  rows: readonly MeasuredGemm[],
) {
  let sum = 0;
  for (const row of rows) sum += Math.log(predict(model, params, hw, row) / row.seconds) ** 2;
  return sum;
}

/** The streams and the memory-bound GEMMs as (bytes, seconds): what the launch latency and bandwidth are fitted on. */
function memoryBoundPoints(
  hw: FitHardware,
  gemms: readonly MeasuredGemm[],
  streams: readonly MeasuredStream[],
): MeasuredStream[] {
  return [
    ...streams,
    ...gemms
      .filter((g) => memoryBound(g, hw))
      .map((g) => ({ bytes: gemmBytes(g.m, g.n, g.k, g.inputBytes), seconds: g.seconds })),
  ];
}

/** Why {@link fitKernelModel} cannot fit these measurements (a line through one size is no line), or null. */
export const kernelFitIssue = (
  hw: FitHardware,
  gemms: readonly MeasuredGemm[],
  streams: readonly MeasuredStream[] = [],
): string | null => pointsIssue(hw, gemms, memoryBoundPoints(hw, gemms, streams));

function pointsIssue(
  hw: FitHardware,
  gemms: readonly MeasuredGemm[],
  memoryPoints: readonly MeasuredStream[],
): string | null {
  const sizes = new Set(memoryPoints.map((p) => p.bytes)).size;
  if (sizes < 2)
    return `the kernel fit needs memory-bound measurements of at least two sizes (memory streams, or GEMMs below the GPU's FLOP-per-byte ridge, such as decode shapes with m ≤ 64); got ${sizes}`;
  if (!gemms.some((g) => g.datatype === 'bf16' && !memoryBound(g, hw)))
    return 'the kernel fit needs at least one compute-bound BF16 GEMM (large m, n and k, such as 4096³); got none';
  return null;
}

/**
 * Fits launch latency, bandwidth fraction and per-datatype ceilings and K overheads. Needs at least
 * two memory-bound measurements (streams or decode-shaped GEMMs) and one GEMM per datatype fitted.
 */
export function fitKernelModel(
  hw: FitHardware,
  menus: Readonly<Partial<Record<Datatype, TileMenu>>>,
  gemms: readonly MeasuredGemm[],
  streams: readonly MeasuredStream[] = [],
): KernelFit {
  const streamPoints = memoryBoundPoints(hw, gemms, streams);
  const issue = pointsIssue(hw, gemms, streamPoints);
  if (issue !== null) throw new Error(issue);
  const [launchSeconds, bytesPerSecond] = fitStream(streamPoints);
  const base = { launchSeconds, bandwidthFraction: bytesPerSecond / hw.memoryBytesPerSecond };
  const gemm: Partial<Record<Datatype, GemmKernelParameters>> = {};
  for (const [datatype, menu] of Object.entries(menus) as [Datatype, TileMenu][]) {
    const rows = gemms.filter((g) => g.datatype === datatype && !memoryBound(g, hw));
    if (rows.length === 0) continue;
    let best: { loss: number; params: GemmKernelParameters } | undefined;
    for (let kOverhead = 0; kOverhead <= K_OVERHEAD_MAX; kOverhead += K_OVERHEAD_STEP) {
      const at = (ceiling: number): GemmKernelParameters => ({ ...menu, ceiling, kOverhead });
      const model: KernelModel = { ...base, gemm: { bf16: at(1) } };
      const loss = (ceiling: number) => logLoss(model, at(ceiling), hw, rows);
      // Golden-section search for the ceiling in (0.1, 1]: the loss is unimodal in it.
      let lo = 0.1;
      let hi = 1;
      for (let i = 0; i < 30; i += 1) {
        const a = hi - 0.618 * (hi - lo);
        const b = lo + 0.618 * (hi - lo);
        if (loss(a) < loss(b)) hi = b;
        else lo = a;
      }
      const params = at((lo + hi) / 2);
      const value = loss(params.ceiling);
      if (!best || value < best.loss) best = { loss: value, params };
    }
    gemm[datatype] = best!.params;
  }
  if (!gemm.bf16) throw new Error('the kernel fit needs BF16 GEMM measurements'); // kernelFitIssue refuses it first
  const model: KernelModel = { ...base, gemm: gemm as KernelModel['gemm'] };
  const gemmErrors = gemms.map((row) => {
    const params = model.gemm[row.datatype] ?? model.gemm.bf16;
    return { row, error: predict(model, params, hw, row) / row.seconds - 1 };
  });
  return { model, gemmErrors };
}

/** Leave-one-out relative error of every GEMM: refit without it, predict it. */
export function leaveOneOutErrors(
  hw: FitHardware,
  menus: Readonly<Partial<Record<Datatype, TileMenu>>>,
  gemms: readonly MeasuredGemm[],
  streams: readonly MeasuredStream[] = [],
): { readonly row: MeasuredGemm; readonly error: number }[] {
  return gemms.map((row, i) => {
    const { model } = fitKernelModel(
      hw,
      menus,
      gemms.filter((_, j) => j !== i),
      streams,
    );
    const params = model.gemm[row.datatype] ?? model.gemm.bf16;
    return { row, error: predict(model, params, hw, row) / row.seconds - 1 };
  });
}

/** Leave-one-out relative error of every memory stream: refit without it, predict it. */
export function streamLeaveOneOutErrors(
  hw: FitHardware,
  menus: Readonly<Partial<Record<Datatype, TileMenu>>>,
  gemms: readonly MeasuredGemm[],
  streams: readonly MeasuredStream[],
): number[] {
  return streams.map((s, i) => {
    const { model } = fitKernelModel(
      hw,
      menus,
      gemms,
      streams.filter((_, j) => j !== i),
    );
    return streamError(model, hw, s);
  });
}

/** Whether a measured GEMM is memory-bound under a fitted model (its class in the kernel band). */
export const predictedMemoryBound = (model: KernelModel, hw: FitHardware, row: MeasuredGemm): boolean =>
  prediction(model, model.gemm[row.datatype] ?? model.gemm.bf16, hw, row).bound === 'memory';

/** Relative error of a streaming kernel under a fitted model. */
export function streamError(model: KernelModel, hw: FitHardware, s: MeasuredStream): number {
  return streamSeconds(model, hw.memoryBytesPerSecond, s.bytes) / s.seconds - 1;
}
