/**
 * Kernel measurements (catalog/kernels/, bench/gpu/kernels.py) → an efficiency profile with a fitted
 * kernel model, in the catalog's file format. Used by scripts/fit-kernels.ts and by `--efficiency`
 * when it is given a measurement file.
 */

import { inputError } from '../core/errors.js';
import type { Datatype } from '../core/hardware/hardware-spec.js';
import {
  type FitHardware,
  fitKernelModel,
  type KernelFit,
  kernelFitIssue,
  leaveOneOutErrors,
  type MeasuredGemm,
  predictedMemoryBound,
  streamError,
  streamLeaveOneOutErrors,
  type TileMenu,
} from '../core/hardware/kernel-fit.js';
import {
  gemmBytes,
  type KernelClass,
  type KernelResiduals,
  type ServingTile,
} from '../core/hardware/kernel-model.js';
import { gemmSeconds, memorySeconds } from '../core/hardware/roofline.js';
import { median } from '../core/statistics.js';
import { type Accelerator, efficiencyProfile, loadCatalog } from './catalog.js';
import type { EfficiencyFile, KernelMeasurementFile } from './efficiency-schema.js';
import type { SourcedValue } from './schema.js';

/**
 * Thread-block tiles cuBLAS/CUTLASS choose from on Hopper-class GPUs (CUTLASS SM90 defaults
 * 128×256 and 128×128, either orientation). cuBLASLt's per-tensor-scaled FP8 kernels behave as
 * 128×256 tiles without split-K: in the H200 measurements an FP8 512×4096×4096 GEMM (64 such tiles
 * on 132 SMs) is slower than the BF16 one.
 */
export const DEFAULT_TILE_MENUS: Readonly<Partial<Record<Datatype, TileMenu>>> = {
  bf16: {
    tiles: [
      { m: 128, n: 256 },
      { m: 256, n: 128 },
      { m: 128, n: 128 },
    ],
    splitK: true,
  },
  fp8: {
    tiles: [
      { m: 128, n: 256 },
      { m: 256, n: 128 },
    ],
    splitK: false,
  },
};

/**
 * The serving engines' FP8 dispatch by rows (vLLM `csrc/quantization/cutlass_w8a8/c3x/
 * scaled_mm_sm90_fp8_dispatch.cuh`: `sm90_fp8_config_M64`, m in [1, 64], 64×64×128 tiles;
 * `sm90_fp8_config_M128`, m in (64, 128], 64×128×128; `sm90_fp8_config_default`, m above 128,
 * 128×128×128): decode GEMMs stream their weights, and a batch of a few hundred rows spreads over the
 * SMs, instead of running the 128×256 / 256×128 tiles the measured cuBLASLt kernels use.
 */
const SERVING_TILES: Readonly<
  Partial<Record<Datatype, readonly (ServingTile & { readonly config: string })[]>>
> = {
  fp8: [
    { maxM: 64, m: 64, n: 64, config: 'sm90_fp8_config_M64: m in [1, 64]' },
    { maxM: 128, m: 64, n: 128, config: 'sm90_fp8_config_M128: m in (64, 128]' },
    { m: 128, n: 128, config: 'sm90_fp8_config_default: m above the rungs before' },
  ],
};

export interface CalibrationOptions {
  readonly id: string;
  /** Where a file that cannot be fitted is named in the error (a user's `--efficiency FILE`); default: its `memory` field. */
  readonly errorPath?: readonly string[];
  /** Also compute leave-one-out errors (slower: one refit per measurement). */
  readonly leaveOneOut?: boolean;
}

function summary(label: string, errors: readonly { row: MeasuredGemm; error: number }[]): string[] {
  const groups: [string, (r: MeasuredGemm) => boolean][] = [
    ['BF16 GEMMs', (r) => r.datatype === 'bf16' && r.m > 256],
    ['FP8 GEMMs', (r) => r.datatype === 'fp8'],
    ['decode-shaped GEMMs (m ≤ 256)', (r) => r.m <= 256],
  ];
  return groups.flatMap(([name, f]) => {
    const e = errors.filter((x) => f(x.row)).map((x) => Math.abs(x.error));
    if (e.length === 0) return [];
    return [
      `${label} ${name}: median ${(100 * median(e)).toFixed(1)}%, max ${(100 * Math.max(...e)).toFixed(1)}% (${e.length})`,
    ];
  });
}

/** Causal attention FLOPs 4·b·h·s²·d / 2 (FlashAttention-2, Sec. 4.1); backward 2.5× the forward. */
function attentionEfficiencies(
  m: KernelMeasurementFile,
  pass: 'forward' | 'backward',
  peak: number,
): number[] {
  return m.attention
    .filter((a) => a.pass === pass)
    .map((a) => {
      const flops = (4 * a.batch * a.heads * a.seqLen ** 2 * a.headDim) / (a.causal ? 2 : 1);
      return ((pass === 'backward' ? 2.5 : 1) * flops) / a.seconds / peak;
    });
}

/**
 * ln(measured / predicted) of every measured kernel by class (core/uncertainty/kernel-band.ts): GEMMs
 * and streams under the fitted model (leave-one-out: refitted without each), FlashAttention against
 * the median efficiency of the other shapes of its pass (leave-one-out) or of all, and the published
 * curves of `base` without the fit (`curve-*`: how far a GPU without measurements may be off).
 */
function residualsByClass(
  gpu: Accelerator,
  hw: FitHardware,
  menus: Partial<Record<Datatype, TileMenu>>,
  m: KernelMeasurementFile,
  base: EfficiencyFile,
  fit: KernelFit,
  leaveOneOut: boolean,
): { errors: KernelFit['gemmErrors']; byClass: Partial<Record<KernelClass, number[]>> } {
  const byClass: Partial<Record<KernelClass, number[]>> = {};
  const add = (cls: KernelClass, measuredOverPredicted: number) => {
    byClass[cls] = [...(byClass[cls] ?? []), Number(Math.log(measuredOverPredicted).toFixed(4))];
  };
  const errors = leaveOneOut ? leaveOneOutErrors(hw, menus, m.gemm, m.memory) : fit.gemmErrors;
  for (const { row, error } of errors)
    add(predictedMemoryBound(fit.model, hw, row) ? 'memory-bound' : `gemm-${row.datatype}`, 1 / (1 + error));
  const streamErrors = leaveOneOut
    ? streamLeaveOneOutErrors(hw, menus, m.gemm, m.memory)
    : m.memory.map((s) => streamError(fit.model, hw, s));
  for (const error of streamErrors) add('memory-bound', 1 / (1 + error));
  const peak = gpu.peakFlopsPerSecond.bf16!;
  for (const pass of ['forward', 'backward'] as const) {
    const eff = attentionEfficiencies(m, pass, peak);
    if (eff.length < (leaveOneOut ? 3 : 2)) continue;
    eff.forEach((e, i) => {
      add(`attention-${pass}`, median(leaveOneOut ? eff.filter((_, j) => j !== i) : eff) / e);
    });
  }
  const { kernels: _fitted, ...curves } = base;
  const curveGpu: Accelerator = { ...gpu, efficiency: efficiencyProfile(curves) };
  for (const g of m.gemm) {
    add('curve-gemm', g.seconds / gemmSeconds(curveGpu, g.datatype, g.m, g.n, g.k, g.inputBytes));
    if (predictedMemoryBound(fit.model, hw, g))
      add('curve-memory-bound', g.seconds / memorySeconds(curveGpu, gemmBytes(g.m, g.n, g.k, g.inputBytes)));
  }
  for (const s of m.memory) add('curve-memory-bound', s.seconds / memorySeconds(curveGpu, s.bytes));
  return { errors, byClass };
}

/** Fits the kernel model on `m` for `gpu` and returns `base` with the fitted `kernels` and attention. */
export function fitKernelsFromMeasurements(
  gpu: Accelerator,
  m: KernelMeasurementFile,
  base: EfficiencyFile,
  options: CalibrationOptions,
): { profile: EfficiencyFile; report: string } {
  if (!gpu.computeUnits) {
    throw new Error(`catalog/gpus/${gpu.id}.json has no computeUnits: the kernel model needs the SM count`);
  }
  const hw: FitHardware = {
    computeUnits: gpu.computeUnits,
    peakFlopsPerSecond: gpu.peakFlopsPerSecond,
    memoryBytesPerSecond: gpu.memoryBytesPerSecond,
  };
  const menus: Partial<Record<Datatype, TileMenu>> = {};
  for (const d of new Set(m.gemm.map((g) => g.datatype))) {
    const own = base.kernels?.gemm[d];
    const menu = own
      ? { tiles: own.tiles.map((t) => ({ m: t.m.value, n: t.n.value })), splitK: own.splitK }
      : (DEFAULT_TILE_MENUS[d] ?? DEFAULT_TILE_MENUS.bf16!);
    menus[d] = menu;
  }
  const issue = kernelFitIssue(hw, m.gemm, m.memory);
  if (issue !== null) inputError('invalid_value', options.errorPath ?? ['memory'], issue);
  const fit = fitKernelModel(hw, menus, m.gemm, m.memory);
  const v = (value: number, unit: string, note?: string): SourcedValue => ({
    value: Number(value.toPrecision(4)),
    unit,
    source: m.source,
    kind: 'measured',
    ...(note ? { note } : {}),
  });
  const given = (value: number): SourcedValue => ({
    value,
    unit: 'count',
    source: 'cutlass-efficient-gemm',
    kind: 'vendor-spec',
  });
  const engine = (value: number, note?: string): SourcedValue => ({
    ...given(value),
    source: 'vllm-cutlass-fp8-sm90',
    ...(note ? { note } : {}),
  });
  const gemm: Record<string, NonNullable<EfficiencyFile['kernels']>['gemm']['bf16']> = {};
  for (const [d, p] of Object.entries(fit.model.gemm)) {
    const serving = SERVING_TILES[d as Datatype];
    gemm[d] = {
      tiles: p!.tiles.map((t) => ({ m: given(t.m), n: given(t.n) })),
      // The engines' dispatch is read from their source, not fitted.
      ...(serving && {
        // The dispatch's config names the rung: on its bound, or on its tile where it has none (the last).
        servingTiles: serving.map((t) => ({
          ...(t.maxM !== undefined && { maxM: engine(t.maxM, t.config) }),
          m: engine(t.m, t.maxM === undefined ? t.config : undefined),
          n: engine(t.n, `TileShape ${t.m}×${t.n}×128`),
        })),
      }),
      splitK: p!.splitK,
      ceiling: v(p!.ceiling, 'ratio', `fitted on the ${d} GEMMs of ${m.id} (least squares in log time)`),
      kOverhead: v(p!.kOverhead, 'count', 'per-tile prologue/epilogue in K elements, fitted'),
    };
  }
  const peak = gpu.peakFlopsPerSecond.bf16!;
  const attention = (pass: 'forward' | 'backward') => {
    const eff = attentionEfficiencies(m, pass, peak);
    if (eff.length === 0) return base.attention[pass];
    const implementation = m.attention.find((a) => a.pass === pass)!.implementation;
    return v(median(eff), 'ratio', `median over ${eff.length} ${implementation} ${pass} shapes of ${m.id}`);
  };
  const leaveOneOut = options.leaveOneOut === true;
  const { errors, byClass } = residualsByClass(gpu, hw, menus, m, base, fit, leaveOneOut);
  const profile: EfficiencyFile = {
    ...base,
    id: options.id,
    name: `${gpu.name} (kernels measured ${m.measured})`,
    family: base.family ?? base.id,
    attention: { ...base.attention, forward: attention('forward'), backward: attention('backward') },
    kernels: {
      fittedOn: m.id,
      launchLatency: v(
        fit.model.launchSeconds * 1e6,
        'us',
        'intercept of t = α + bytes/β over memory-bound kernels',
      ),
      bandwidthFraction: v(
        Math.min(1, fit.model.bandwidthFraction),
        'ratio',
        'sustained streaming bandwidth over the datasheet bandwidth, slope of t = α + bytes/β',
      ),
      gemm: gemm as NonNullable<EfficiencyFile['kernels']>['gemm'],
      residuals: {
        value: byClass,
        unit: 'log-ratio',
        source: m.source,
        kind: 'measured',
        method: leaveOneOut ? 'leave-one-out' : 'in-sample',
        note: `ln(measured / predicted) of ${m.id}'s kernels by class, ${leaveOneOut ? 'each predicted by the fit without it (scripts/fit-kernels.ts)' : 'under the fit on all of them (a file given to --efficiency: leave-one-out is scripts/fit-kernels.ts)'}; curve-*: the published curves of '${base.id}' without the fit`,
      },
      note: `Fitted by scripts/fit-kernels.ts on ${m.id} (${m.gemm.length} GEMMs, ${m.memory.length} copies)`,
    },
  };
  const lines = summary('fit', fit.gemmErrors);
  if (leaveOneOut) lines.push(...summary('leave-one-out', errors));
  return { profile, report: lines.join('\n') };
}

/**
 * The kernel residuals of every catalog profile fitted on measurements, pooled by class: the band of a
 * GPU timed without measurements of its own (core/uncertainty/kernel-band.ts), or undefined when none was.
 */
export function measuredKernelResiduals(): KernelResiduals | undefined {
  const measured = [...loadCatalog().efficiencyProfiles.values()].flatMap((p) =>
    p.kernels?.residuals ? [p.kernels.residuals] : [],
  );
  if (measured.length === 0) return undefined;
  const byClass: Partial<Record<keyof KernelResiduals['byClass'], number[]>> = {};
  for (const r of measured)
    for (const [cls, values] of Object.entries(r.byClass) as [keyof KernelResiduals['byClass'], number[]][])
      byClass[cls] = [...(byClass[cls] ?? []), ...values];
  return {
    method: measured.every((r) => r.method === 'leave-one-out') ? 'leave-one-out' : 'in-sample',
    fittedOn: [...new Set(measured.map((r) => r.fittedOn))].join(', '),
    byClass,
  };
}
