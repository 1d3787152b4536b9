/**
 * `llmecon kernel gemm|attention|memory|collective`: one kernel on one GPU, as the step-time and
 * serving models see it, so users can compare the hardware model with their own profiler.
 */
import { type Accelerator, findGpu } from '../../catalog/catalog.js';
import { measuredKernelResiduals } from '../../catalog/kernel-calibration.js';
import { resolveHardware } from '../../catalog/training-defaults.js';
import { inputError } from '../../core/errors.js';
import { formatPercent, formatWithRange } from '../../core/format.js';
import { defaultCluster } from '../../core/hardware/cluster-spec.js';
import { type Collective, collectiveSeconds } from '../../core/hardware/collectives.js';
import { ATTENTION_IMPLEMENTATIONS, isFourBit } from '../../core/hardware/efficiency.js';
import { DATATYPES } from '../../core/hardware/hardware-spec.js';
import type { KernelClass } from '../../core/hardware/kernel-model.js';
import {
  attentionSeconds,
  gemmPrediction,
  gemmSeconds,
  memorySeconds,
} from '../../core/hardware/roofline.js';
import { divisors } from '../../core/parallelism/layout.js';
import { DATATYPE_BYTES } from '../../core/precision.js';
import { type KernelBand, kernelBand, kernelTimeRange } from '../../core/uncertainty/kernel-band.js';
import { inverseRange } from '../../core/uncertainty/range.js';
import { formatBytes, formatDuration, formatFlops, toJson } from '../format.js';
import { oneOf, positiveInteger, positiveNumber, refuseFlags } from '../options.js';

const COLLECTIVES: readonly Collective[] = [
  'all-reduce',
  'reduce-scatter',
  'all-gather',
  'all-to-all',
  'p2p',
];

function gpuFor(id: string | undefined): Accelerator {
  if (id === undefined) inputError('missing_field', ['--gpu'], 'give --gpu <id> (see llmecon gpus)');
  return findGpu(id);
}

function required(text: string | undefined, flag: string): number {
  if (text === undefined) inputError('missing_field', [flag], `give ${flag} <n> (a whole number ≥ 1)`);
  return positiveInteger(text, flag, 1);
}

/** Where the figures come from: a fitted kernel model (measured) or the datasheet with curves (estimate). */
function basis(gpu: Accelerator): { model: string; kind: 'measured' | 'estimate'; note: string } {
  const k = gpu.efficiency.kernels;
  if (k && gpu.computeUnits) {
    return {
      model: 'tiles × waves',
      kind: 'measured',
      note: `kernel model fitted on measurements (efficiency profile '${gpu.efficiency.id}')`,
    };
  }
  return {
    model: 'roofline with size curves',
    kind: 'estimate',
    note: `no kernel measurements for ${gpu.id}: datasheet peaks × the '${gpu.efficiency.id}' profile's published size curves (estimate)`,
  };
}

/** A kernel's time in µs, ms above a millisecond, and in its largest unit above a second. */
const kernelTime = (s: number) =>
  s < 1e-3 ? `${(s * 1e6).toFixed(2)} µs` : s < 1 ? `${(s * 1e3).toFixed(2)} ms` : formatDuration(s);

/**
 * The band of a kernel on `gpu`: its own fit's residuals of class `own`, or, on a GPU timed by the
 * curves, the curves' residuals (`curve`) on the GPUs that were measured, said to extrapolate.
 */
function bandOn(gpu: Accelerator, own: KernelClass, curve: KernelClass, fallback?: KernelClass): KernelBand {
  const k = gpu.efficiency.kernels;
  if (k) return kernelBand(k.residuals, own, fallback ? { fallback } : {});
  return kernelBand(measuredKernelResiduals(), curve, { foreign: gpu.id });
}

/** JSON fields of a band: the time's and a rate's P10–P90 (null without a band), whose residuals, and what it extrapolates. */
function bandFields(seconds: number, band: KernelBand, rates: Readonly<Record<string, number>>) {
  const range = kernelTimeRange(seconds, band);
  return {
    range: {
      seconds: range,
      ...Object.fromEntries(
        Object.entries(rates).map(([field, value]) => [
          field,
          range && inverseRange(value, band.low, band.high),
        ]),
      ),
    },
    calibration: { cases: band.cases, of: band.of },
    outsideCalibration: band.outside,
  };
}

/** "time 200.78 µs (P10 … – P90 …)" and the band's caveats. */
function timeLines(seconds: number, band: KernelBand): string[] {
  const range = kernelTimeRange(seconds, band);
  return [
    `time         ${range ? formatWithRange(seconds, range, kernelTime) : kernelTime(seconds)}`,
    ...(range ? [`band         P10–P90 from the residuals of ${band.of}`] : []),
    ...band.outside.map((o) => `outside      ${o}`),
  ];
}

export interface KernelOptions {
  gpu?: string;
  json?: boolean;
  [flag: string]: string | boolean | undefined;
}

export function kernelGemmCommand(o: KernelOptions): string {
  const gpu = gpuFor(o.gpu as string | undefined);
  const m = required(o.m as string | undefined, '--m');
  const n = required(o.n as string | undefined, '--n');
  const k = required(o.k as string | undefined, '--k');
  const count = positiveInteger(o.count as string | undefined, '--count', 1);
  const available = DATATYPES.filter((d) => gpu.peakFlopsPerSecond[d] !== undefined);
  const datatype = oneOf(o.dtype as string | undefined, '--dtype', available, 'bf16');
  const inputBytes = DATATYPE_BYTES[datatype];
  const peak = gpu.peakFlopsPerSecond[datatype]!;
  const shaped = gemmPrediction(gpu, datatype, m, n, k, inputBytes, count);
  const seconds = shaped?.seconds ?? gemmSeconds(gpu, datatype, m, n, k, inputBytes, count);
  const flops = 2 * m * n * k * count;
  const result = {
    kernel: 'gemm',
    gpu: gpu.id,
    datatype,
    m,
    n,
    k,
    count,
    seconds,
    flops,
    flopsPerSecond: flops / seconds,
    efficiency: flops / seconds / peak,
    peakFlopsPerSecond: peak,
    bytes: shaped?.bytes ?? count * ((m * k + k * n) * inputBytes + m * n * 2),
    bound: shaped?.bound ?? null,
    tile: shaped ? { m: shaped.tile.m, n: shaped.tile.n } : null,
    tiles: shaped?.tiles ?? null,
    splitK: shaped?.splitK ?? null,
    waves: shaped?.waves ?? null,
    waveEfficiency: shaped?.waveEfficiency ?? null,
    computeUnits: gpu.computeUnits ?? null,
    /** The family's calibrated share of the FP4 peak a 4-bit GEMM reaches (null: not 4-bit, or the datasheet's). */
    fp4Ceiling: (isFourBit(datatype) && gpu.efficiency.fp4Ceiling) || null,
    ...basis(gpu),
  };
  const band =
    shaped?.bound === 'memory'
      ? bandOn(gpu, 'memory-bound', 'curve-gemm')
      : bandOn(gpu, `gemm-${datatype}`, 'curve-gemm', 'gemm-bf16');
  if (o.json)
    return toJson({
      ...result,
      ...bandFields(seconds, band, { flopsPerSecond: result.flopsPerSecond, efficiency: result.efficiency }),
    });
  const shape = shaped
    ? `${shaped.tiles} tiles of ${shaped.tile.m}×${shaped.tile.n}${shaped.splitK > 1 ? `, split-K ${shaped.splitK}` : ''} in ${shaped.waves} wave(s) over ${gpu.computeUnits} SMs (${formatPercent(shaped.waveEfficiency)} busy), ${shaped.bound}-bound`
    : 'no tile/wave model for this GPU (no fitted kernel model or SM count)';
  return [
    `${gpu.name}: ${count > 1 ? `${count} × ` : ''}GEMM ${m}×${k} · ${k}×${n} in ${datatype}`,
    ...timeLines(seconds, band),
    `rate         ${(result.flopsPerSecond / 1e12).toFixed(1)} TFLOP/s = ${formatPercent(result.efficiency)} of the ${(peak / 1e12).toFixed(0)} TFLOP/s dense peak (${formatFlops(flops)})`,
    `shape        ${shape}`,
    ...(result.fp4Ceiling
      ? [
          `ceiling      4-bit GEMMs on the ${gpu.efficiency.id} profile reach ${formatPercent(result.fp4Ceiling)} of the FP4 peak before the size curve (calibrated on serving rows: docs/serving.md)`,
        ]
      : []),
    `basis        ${result.kind}: ${result.note}`,
  ].join('\n');
}

export function kernelMemoryCommand(o: KernelOptions): string {
  const gpu = gpuFor(o.gpu as string | undefined);
  if (o.bytes === undefined) inputError('missing_field', ['--bytes'], 'give --bytes <n> (e.g. 134M)');
  const bytes = positiveNumber(o.bytes as string, '--bytes', 1);
  const seconds = memorySeconds(gpu, bytes);
  const result = {
    kernel: 'memory',
    gpu: gpu.id,
    bytes,
    seconds,
    bytesPerSecond: bytes / seconds,
    efficiency: bytes / seconds / gpu.memoryBytesPerSecond,
    peakBytesPerSecond: gpu.memoryBytesPerSecond,
    ...basis(gpu),
  };
  const band = bandOn(gpu, 'memory-bound', 'curve-memory-bound');
  if (o.json)
    return toJson({
      ...result,
      ...bandFields(seconds, band, { bytesPerSecond: result.bytesPerSecond, efficiency: result.efficiency }),
    });
  return [
    `${gpu.name}: memory-bound kernel moving ${formatBytes(bytes)}`,
    ...timeLines(seconds, band),
    `bandwidth    ${(result.bytesPerSecond / 1e12).toFixed(2)} TB/s = ${formatPercent(result.efficiency)} of the ${(gpu.memoryBytesPerSecond / 1e12).toFixed(2)} TB/s datasheet`,
    "launch       not counted: engines fuse such kernels and replay them in CUDA graphs; host and launch time per step are the engines' and stacks' calibrated terms (docs/kernels.md)",
    `basis        ${result.kind}: ${result.note}`,
  ].join('\n');
}

export function kernelAttentionCommand(o: KernelOptions): string {
  const gpu = gpuFor(o.gpu as string | undefined);
  const batch = positiveInteger(o.batch as string | undefined, '--batch', 1);
  const heads = required(o.heads as string | undefined, '--heads');
  const seqLen = required(o.seqLen as string | undefined, '--seq-len');
  const headDim = positiveInteger(o.headDim as string | undefined, '--head-dim', 128);
  const pass = oneOf(o.pass as string | undefined, '--pass', ['forward', 'backward'] as const, 'forward');
  const causal = o.causal !== false;
  // Attention FLOPs 4·b·h·s²·d, halved when causal (FlashAttention-2, Sec. 4.1); backward 2.5× forward.
  const forwardFlops = (4 * batch * heads * seqLen ** 2 * headDim) / (causal ? 2 : 1);
  const flops = pass === 'backward' ? 2.5 * forwardFlops : forwardFlops;
  const implementation =
    o.impl === undefined ? undefined : oneOf(o.impl as string, '--impl', ATTENTION_IMPLEMENTATIONS, 'flash3');
  const tables = gpu.efficiency.attentionImplementations ?? {};
  if (implementation !== undefined && tables[implementation] === undefined) {
    const listed = Object.keys(tables);
    inputError(
      'unsupported',
      ['--impl'],
      `no published ${implementation} attention figures for ${gpu.id} (profile '${gpu.efficiency.id}')${listed.length > 0 ? `; it has ${listed.join(', ')}` : '; omit --impl for its FlashAttention efficiency'}`,
    );
  }
  const kernel = implementation === undefined ? undefined : { implementation, seqLen };
  const seconds = attentionSeconds(gpu, flops, pass, kernel, headDim);
  const peak = gpu.peakFlopsPerSecond.bf16!;
  const fromMeasurement = gpu.efficiency.kernels !== undefined;
  const measuredHeadDim = gpu.efficiency.attentionHeadDim;
  const scaled = measuredHeadDim !== undefined && headDim < measuredHeadDim;
  // The published table spans a range of lengths: outside it, its nearest end stands in (an estimate).
  const points = implementation === undefined ? [] : (tables[implementation]?.forward.points ?? []);
  const [first, last] = [points[0]?.size, points.at(-1)?.size];
  const outside =
    first !== undefined && last !== undefined && (seqLen < first || seqLen > last)
      ? `; ${seqLen} tokens is outside the table's ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')}: its ${seqLen < first ? 'shortest' : 'longest'} length's efficiency is taken (estimate)`
      : '';
  const tableNote =
    pass === 'forward'
      ? `published ${implementation} forward efficiency at ${seqLen} tokens (profile '${gpu.efficiency.id}', head dim ${measuredHeadDim ?? 'unstated'} table)${outside}`
      : `published ${implementation} forward efficiency at ${seqLen} tokens × the profile's backward/forward ratio (estimate)${outside}`;
  const headDimNote = scaled
    ? `; head dim ${headDim} below the ${measuredHeadDim} measured: the softmax's share of the time scaled by ${measuredHeadDim}/${headDim} (estimate, docs/formulas.md)`
    : '';
  const result = {
    kernel: 'attention',
    gpu: gpu.id,
    implementation: implementation ?? 'flash',
    pass,
    causal,
    batch,
    heads,
    seqLen,
    headDim,
    seconds,
    flops,
    flopsPerSecond: flops / seconds,
    efficiency: flops / seconds / peak,
    kind:
      scaled || outside
        ? 'estimate'
        : implementation !== undefined
          ? pass === 'forward'
            ? 'measured'
            : 'estimate'
          : fromMeasurement
            ? 'measured'
            : 'estimate',
    note: `${
      implementation !== undefined
        ? tableNote
        : fromMeasurement
          ? `FlashAttention efficiency measured on this GPU (profile '${gpu.efficiency.id}')`
          : `FlashAttention efficiency of the '${gpu.efficiency.id}' profile (published figures for the family)`
    }${headDimNote}`,
  };
  const measured = bandOn(gpu, `attention-${pass}`, `attention-${pass}`);
  const band: KernelBand =
    implementation === undefined
      ? measured
      : {
          ...measured,
          outside: [
            ...measured.outside,
            `the band is the measured FlashAttention shapes' spread about their median efficiency; the published ${implementation} table's own error is not measured`,
          ],
        };
  if (o.json)
    return toJson({
      ...result,
      ...bandFields(seconds, band, { flopsPerSecond: result.flopsPerSecond, efficiency: result.efficiency }),
    });
  return [
    `${gpu.name}: ${causal ? 'causal ' : ''}${implementation ?? 'flash'} attention ${pass}, batch ${batch} × ${heads} heads × ${seqLen} tokens × d ${headDim} (BF16)`,
    ...timeLines(seconds, band),
    `rate         ${(result.flopsPerSecond / 1e12).toFixed(1)} TFLOP/s = ${formatPercent(result.efficiency)} of the BF16 peak (${formatFlops(flops)})`,
    `basis        ${result.kind}: ${result.note}`,
  ].join('\n');
}

const NO_COLLECTIVE_BAND =
  'no measured collectives in the catalog: no P10–P90 band (training and serving bands include their collectives through the calibrated runs)';

/** nccl-tests' bus bandwidth factor: algorithm bandwidth × this = per-link traffic rate (PERFORMANCE.md). */
function busFactor(kind: Collective, n: number): number {
  if (kind === 'all-reduce') return (2 * (n - 1)) / n;
  if (kind === 'p2p') return 1;
  return (n - 1) / n;
}

export function kernelCollectiveCommand(o: KernelOptions): string {
  const cluster =
    o.cluster !== undefined
      ? resolveHardware(o.gpu as string | undefined, o.cluster as string).cluster
      : defaultCluster(gpuFor(o.gpu as string | undefined));
  const kind = oneOf(o.kind as string | undefined, '--kind', COLLECTIVES, 'all-reduce');
  if (o.bytes === undefined) inputError('missing_field', ['--bytes'], 'give --bytes <n> (e.g. 256M)');
  const bytes = positiveNumber(o.bytes as string, '--bytes', 1);
  if (kind === 'p2p')
    refuseFlags(o, { group: '--group' }, 'to a group collective (a p2p send is between 2 GPUs)');
  const group =
    kind === 'p2p' ? 2 : positiveInteger(o.group as string | undefined, '--group', cluster.gpusPerNode);
  // One rank communicates with no one: no time, and no bandwidth to report (bytes ÷ 0 s).
  if (group < 2)
    inputError(
      'invalid_value',
      ['--group'],
      `a collective needs at least 2 ranks (a whole number ≥ 2), got ${group}${o.group === undefined ? ` (the default: one node of ${cluster.gpusPerNode} GPU)` : ''}`,
    );
  const perNode = positiveInteger(
    o.perNode as string | undefined,
    '--per-node',
    // The most a node holds with every node holding as many: the group's largest divisor within a node.
    Math.max(...divisors(group).filter((d) => d <= cluster.gpusPerNode)),
  );
  if (perNode > cluster.gpusPerNode) {
    inputError(
      'invalid_value',
      ['--per-node'],
      `at most ${cluster.gpusPerNode} (GPUs per node), got ${perNode}`,
    );
  }
  if (perNode > group)
    inputError('invalid_value', ['--per-node'], `at most --group (${group}), got ${perNode}`);
  // The hierarchical model puts as many ranks on every node (collectives.ts): whole nodes of them.
  if (group % perNode !== 0)
    inputError(
      'invalid_value',
      ['--per-node'],
      `a divisor of --group (${group}): every node holds as many of its ranks, got ${perNode}`,
    );
  const seconds = collectiveSeconds(kind, bytes, { size: group, perNode }, cluster.scaleUp, cluster.scaleOut);
  const algorithm = bytes / seconds;
  const result = {
    kernel: 'collective',
    gpu: cluster.gpu.id,
    collective: kind,
    bytes,
    group,
    perNode,
    tier: perNode >= group ? 'scale-up' : 'scale-up + scale-out',
    seconds,
    bytesPerSecond: algorithm,
    busBytesPerSecond: algorithm * busFactor(kind, group),
    kind: 'estimate',
    note: 'ring α-β model on the link bandwidths × the profile efficiencies (src/core/hardware/collectives.ts)',
    range: { seconds: null, bytesPerSecond: null, busBytesPerSecond: null },
    outsideCalibration: [NO_COLLECTIVE_BAND],
  };
  if (o.json) return toJson(result);
  return [
    `${cluster.gpu.id}: ${kind} of ${formatBytes(bytes)} over ${group} GPUs (${perNode} per node, ${result.tier})`,
    `time         ${kernelTime(seconds)}`,
    `outside      ${NO_COLLECTIVE_BAND}`,
    `bandwidth    algorithm ${(algorithm / 1e9).toFixed(1)} GB/s, bus ${(result.busBytesPerSecond / 1e9).toFixed(1)} GB/s (nccl-tests convention)`,
    `basis        ${result.kind}: ${result.note}`,
  ].join('\n');
}
