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
  kernelFitIssue,
  leaveOneOutErrors,
  type MeasuredGemm,
  type TileMenu,
} from '../core/hardware/kernel-fit.js';
import type { ServingTile } from '../core/hardware/kernel-model.js';
import { median } from '../core/statistics.js';
import type { Accelerator } from './catalog.js';
import type { EfficiencyFile, KernelMeasurementFile, SourcedValue } from './schema.js';

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
    const rows = m.attention.filter((a) => a.pass === pass);
    if (rows.length === 0) return base.attention[pass];
    // Causal attention FLOPs 4·b·h·s²·d / 2 (FlashAttention-2, Sec. 4.1); backward 2.5× the forward.
    const eff = rows.map((a) => {
      const flops = (4 * a.batch * a.heads * a.seqLen ** 2 * a.headDim) / (a.causal ? 2 : 1);
      return ((pass === 'backward' ? 2.5 : 1) * flops) / a.seconds / peak;
    });
    return v(
      median(eff),
      'ratio',
      `median over ${rows.length} ${rows[0]!.implementation} ${pass} shapes of ${m.id}`,
    );
  };
  const profile: EfficiencyFile = {
    ...base,
    id: options.id,
    name: `${gpu.name} (kernels measured ${m.measured})`,
    family: base.family ?? base.id,
    attention: { forward: attention('forward'), backward: attention('backward') },
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
      note: `Fitted by scripts/fit-kernels.ts on ${m.id} (${m.gemm.length} GEMMs, ${m.memory.length} copies)`,
    },
  };
  const lines = summary('fit', fit.gemmErrors);
  if (options.leaveOneOut)
    lines.push(...summary('leave-one-out', leaveOneOutErrors(hw, menus, m.gemm, m.memory)));
  return { profile, report: lines.join('\n') };
}
