/**
 * Training memory per GPU by term, as the CLI prints it (`memory`, `finetune`): one column per
 * stage or layout, the rows of the peak's breakdown (core/memory, summing to the total), and the
 * same terms in JSON.
 */
import type { Accelerator } from '../catalog/catalog.js';
import { memoryFit } from '../core/memory/inference-memory.js';
import { type BandedFit, bandedFit, type MemoryBand } from '../core/memory/memory-band.js';
import type { MemoryBreakdown, StackMemory, StageMemory } from '../core/memory/training-memory.js';
import type { Range } from '../core/uncertainty/range.js';
import { formatBytes, table } from './format.js';

/** A column: its heading and the stage whose memory it shows (a layout's peak stage). */
export interface BreakdownColumn {
  readonly heading: string;
  readonly stage: StageMemory;
  /** P10–P90 of the total (memory band), printed under it. */
  readonly range?: Range | null;
}

const ROWS: readonly {
  readonly key: keyof MemoryBreakdown;
  readonly label: string;
  readonly always?: true;
}[] = [
  { key: 'weights', label: 'weights', always: true },
  { key: 'adapters', label: 'adapters' },
  { key: 'gradients', label: 'gradients', always: true },
  { key: 'optimizerStates', label: 'optimizer states', always: true },
  { key: 'activations', label: 'activations', always: true },
  { key: 'logits', label: 'logits' },
  { key: 'buffers', label: 'other buffers' },
  { key: 'allocatorReserve', label: 'allocator reserve' },
  { key: 'frameworkOverhead', label: 'framework overhead', always: true },
];

/**
 * The breakdown table: a row per term (terms that are zero everywhere left out), optimizer states
 * paged to CPU noted, and the total per GPU with its band. `baseFormat` labels a frozen base.
 */
export function breakdownTable(
  columns: readonly BreakdownColumn[],
  baseFormat: string | null = null,
): string {
  const rows = ROWS.filter((r) => r.always || columns.some((c) => c.stage.breakdown[r.key] > 0)).map((r) => [
    r.key === 'weights' && baseFormat ? `base weights (${baseFormat}, frozen)` : r.label,
    ...columns.map((c) => formatBytes(c.stage.breakdown[r.key])),
  ]);
  if (columns.some((c) => c.stage.pagedOutBytes > 0))
    rows.push([
      'paged to CPU (not counted)',
      ...columns.map((c) => (c.stage.pagedOutBytes > 0 ? formatBytes(c.stage.pagedOutBytes) : '—')),
    ]);
  if (columns.some((c) => c.stage.offloadedBytes > 0))
    rows.push([
      'offloaded to host (not counted)',
      ...columns.map((c) => (c.stage.offloadedBytes > 0 ? formatBytes(c.stage.offloadedBytes) : '—')),
    ]);
  // At the optimizer step no activation is live: 'other buffers' are then the step's temporaries.
  if (columns.some((c) => c.stage.peakPhase === 'optimizer-step'))
    rows.push([
      'peak at',
      ...columns.map((c) => (c.stage.peakPhase === 'optimizer-step' ? 'optimizer step' : 'forward/backward')),
    ]);
  rows.push(['total per GPU', ...columns.map((c) => formatBytes(c.stage.totalBytes))]);
  if (columns.some((c) => c.range))
    rows.push([
      '  P10 – P90',
      ...columns.map((c) => (c.range ? `${formatBytes(c.range.p10)} – ${formatBytes(c.range.p90)}` : '')),
    ]);
  return table(['', ...columns.map((c) => c.heading)], rows);
}

/**
 * The peak's terms in JSON, in bytes (they sum to `totalBytes`), the phase that peaks, and what is paged
 * out or offloaded.
 */
export function breakdownJson(stage: StageMemory): MemoryBreakdown & {
  readonly peakPhase: StageMemory['peakPhase'];
  readonly pagedOutBytes: number;
  readonly offloadedBytes?: number;
} {
  return {
    ...stage.breakdown,
    peakPhase: stage.peakPhase,
    pagedOutBytes: stage.pagedOutBytes,
    ...(stage.offloadedBytes > 0 ? { offloadedBytes: stage.offloadedBytes } : {}),
  };
}

/** "78.10 GiB (P10 72.00 GiB – P90 85.00 GiB)": a memory figure with its band. */
export function bytesWithRange(bytes: number, range: Range | null): string {
  if (!range) return formatBytes(bytes);
  return `${formatBytes(bytes)} (P10 ${formatBytes(range.p10)} – P90 ${formatBytes(range.p90)})`;
}

/** The stack's loss bytes per logit element: a compiled loss's with the uncompiled one's beside it. */
export function lossBytesText(memory: StackMemory): string {
  const compiled = memory.compiledLossLogitsBytesPerElement;
  const eager = formatBytes(memory.logitsBytesPerElement);
  const since = memory.compiledLossSince ? `, as the stack runs it since ${memory.compiledLossSince}` : '';
  return compiled === undefined
    ? eager
    : `${formatBytes(compiled)} (compiled${since}; ${eager} without torch.compile or before)`;
}

/** For a stack that compiles its loss, the line saying what the figure assumes; else none. */
export const compiledLossLines = (memory: StackMemory): string[] =>
  memory.compiledLossLogitsBytesPerElement === undefined
    ? []
    : [`loss: ${lossBytesText(memory)} per logit element`];

/** Where the memory band comes from, or why there is none. */
export function memoryBandLine(band: MemoryBand): string {
  const reasons = band.outside.map((o) => `; ${o}`).join('');
  return band.cases > 0
    ? `memory band: ${band.cases} measured peaks of ${band.of} (docs/training-engine.md)${reasons}`
    : `memory band: none${reasons}`;
}

/**
 * The fit verdict with the memory band (bandedFit): a prediction that fits while its P90, or even its
 * P10, does not is said so, never a plain "fits". Without a band (inference), the plain verdict.
 */
export function fitVerdict(
  bytes: number,
  range: Range | null,
  gpu: { readonly id: string; readonly memoryBytes: number },
): string {
  const capacity = `${gpu.id} (${formatBytes(gpu.memoryBytes)})`;
  const headroom = `${formatBytes(gpu.memoryBytes - bytes)} headroom`;
  switch (bandedFit(bytes, range, gpu.memoryBytes)) {
    case 'over':
      return `does not fit on ${capacity}: ${formatBytes(bytes - gpu.memoryBytes)} over`;
    case 'p10-over':
      return `the estimate fits on ${capacity} with ${headroom}, but even P10 exceeds capacity (P10 ${formatBytes(range!.p10)}): measured peaks of this stack's layouts sit above the engine, so it will most likely run out of memory`;
    case 'p90-over':
      return `fits on ${capacity} with ${headroom}, but P90 exceeds capacity (P90 ${formatBytes(range!.p90)}): it may run out of memory`;
    case 'fits':
      return range
        ? `fits on ${capacity} with ${headroom}, P90 included`
        : `fits on ${capacity} with ${headroom}`;
  }
}

/** The fit of a per-GPU total (and its band) on `gpu`, in words and as flags; no GPU: say how to check. */
export function fitLine(
  total: number,
  gpu: Accelerator | null,
  range: Range | null = null,
): { line: string; fits: boolean | null; headroomBytes: number | null; memoryFit: BandedFit | null } {
  if (!gpu)
    return { line: 'pass --gpu <id> to check the fit', fits: null, headroomBytes: null, memoryFit: null };
  const { fits, headroomBytes } = memoryFit(total, gpu);
  return {
    line: fitVerdict(total, range, gpu),
    fits,
    headroomBytes,
    memoryFit: bandedFit(total, range, gpu.memoryBytes),
  };
}
