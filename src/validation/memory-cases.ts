/**
 * Memory calibration: measured peak memory per GPU of runs with their exact layout and stack
 * (catalog/validation/memory.json), run through `trainingMemory` as `llmecon memory` runs them, with
 * the residuals ln(measured / predicted) and their leave-one-out band (core/memory/memory-band.ts).
 * One spread per stack that has measured peaks; the others use the pooled spread, said in the output
 * (torchtitan's logged peaks; for Hugging Face and Unsloth QLoRA, the longest length that fitted an
 * 80 GB GPU: see docs/training-engine.md).
 */
import memoryCases from '../../catalog/validation/memory.json' with { type: 'json' };
import { findModel } from '../catalog/catalog.js';
import { findStack } from '../catalog/stacks.js';
import { methodAdapter } from '../core/adaptation/finetune.js';
import { formatSignedPercent } from '../core/format.js';
import {
  type MemoryBand,
  type MemoryResiduals,
  memoryBand,
  memoryBandKey,
} from '../core/memory/memory-band.js';
import { type TrainingPrecision, trainingMemory } from '../core/memory/training-memory.js';
import { parseTargets } from '../core/model/adapters.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { DEFAULT_LAYOUT, type ParallelLayout } from '../core/parallelism/layout.js';
import { median } from '../core/statistics.js';
import { widenBand } from '../core/uncertainty/range.js';
import { GIB } from '../core/units.js';
import { profileMemory } from './finetune-calibration-cases.js';

/** A fine-tuning case's adapters (`llmecon memory --method … --rank … --targets …`). */
interface CaseAdapter {
  readonly method: 'lora' | 'qlora' | 'dora';
  readonly rank: number;
  readonly targets: string;
}

export interface MemoryCaseResult {
  readonly id: string;
  readonly stack: string;
  /** The band's residual set (memoryBandKey: the stack, its pipeline-parallel layouts apart). */
  readonly bandKey: string;
  /** A frozen base with adapters (LoRA, QLoRA), not every weight training. */
  readonly frozenBase: boolean;
  readonly source: string;
  readonly locator: string;
  readonly measuredBytes: number;
  readonly predictedBytes: number;
  /** ln(measured / predicted). */
  readonly logResidual: number;
}

/**
 * Every case, predicted with the engine (no band): memory.json's, and the peaks the fine-tuning step
 * profiles publish (Qwen's README, whole device per GPU; hf, no pipeline).
 */
export function memoryCaseResults(): MemoryCaseResult[] {
  const profiles = profileMemory().map(
    (p): MemoryCaseResult => ({
      id: p.id,
      stack: p.stack,
      bandKey: memoryBandKey(p.stack, false),
      frozenBase: p.method !== 'full',
      source: p.source,
      locator: p.locator,
      measuredBytes: p.measuredBytes,
      predictedBytes: p.predictedBytes,
      logResidual: Math.log(p.measuredBytes / p.predictedBytes),
    }),
  );
  return [...memoryJsonCases(), ...profiles];
}

function memoryJsonCases(): MemoryCaseResult[] {
  return memoryCases.cases.map((c) => {
    const model = findModel(c.model);
    const spec = modelSpecFrom(model.config, c.model);
    const given = c.layout as Partial<ParallelLayout>;
    const layout: ParallelLayout = {
      ...DEFAULT_LAYOUT,
      ...given,
      schedule: given.schedule ?? ((given.virtualStages ?? 1) > 1 ? 'interleaved' : '1f1b'),
    };
    // A LoRA/QLoRA run: its adapters as `llmecon memory --method` builds them.
    const method = 'adapter' in c ? (c.adapter as CaseAdapter) : undefined;
    const adapter = method ? methodAdapter(spec, { ...method, targets: parseTargets(method.targets) }) : null;
    const { peak } = trainingMemory(spec, layout, {
      seqLen: c.seqLen,
      globalBatchSize: c.globalBatchSize,
      precision: c.precision as TrainingPrecision,
      optimizer: 'adamw',
      stack: findStack(c.stack),
      ...(adapter && { adapter }),
      // A run of a version before its stack compiled the loss (catalog/stacks/*.json compiledLoss.since).
      ...('lossCompiled' in c && { lossCompiled: c.lossCompiled }),
    });
    // A peak read from the caching allocator (max_memory_reserved) holds neither the CUDA context
    // nor NCCL's own buffers: compare it without the framework overhead. A longest length that ran
    // (quantity 'capacity-at-max-length') filled the GPU: the whole device, context included.
    const reserved = c.measuredPeak.quantity === 'allocator-reserved';
    const predictedBytes = peak.totalBytes - (reserved ? peak.breakdown.frameworkOverhead : 0);
    const measuredBytes = c.measuredPeak.value * GIB;
    return {
      id: c.id,
      stack: c.stack,
      bandKey: memoryBandKey(c.stack, layout.pipelineParallel > 1),
      frozenBase: adapter !== null,
      source: c.source,
      locator: c.locator,
      measuredBytes,
      predictedBytes,
      logResidual: Math.log(measuredBytes / predictedBytes),
    };
  });
}

export interface MemoryCalibration {
  readonly cases: readonly MemoryCaseResult[];
  /** Residuals by band key (the stack, its pipeline-parallel layouts apart). */
  readonly residuals: MemoryResiduals;
  /** Per case: whether the measured peak falls inside the P10–P90 band fitted without it. */
  readonly looInside: readonly boolean[];
  /** Median and largest |measured / predicted − 1| of the engine, before any band. */
  readonly medianAbsError: number;
  readonly maxAbsError: number;
}

let cached: MemoryCalibration | null = null;

/** The memory calibration (computed once per process: a dozen trainingMemory calls). */
export function memoryCalibration(): MemoryCalibration {
  if (cached) return cached;
  const cases = memoryCaseResults();
  const residuals: Record<string, number[]> = {};
  for (const c of cases) {
    residuals[c.bandKey] ??= [];
    residuals[c.bandKey]!.push(c.logResidual);
  }
  const looInside = cases.map((c, i) => {
    const others: Record<string, number[]> = {};
    for (const [j, o] of cases.entries()) {
      if (j === i) continue;
      others[o.bandKey] ??= [];
      others[o.bandKey]!.push(o.logResidual);
    }
    const band = memoryBand(others, c.stack, c.bandKey !== c.stack);
    if (band.cases === 0) return false;
    return c.measuredBytes >= c.predictedBytes * band.low && c.measuredBytes <= c.predictedBytes * band.high;
  });
  const errors = cases.map((c) => Math.abs(c.measuredBytes / c.predictedBytes - 1));
  cached = {
    cases,
    residuals,
    looInside,
    medianAbsError: median(errors),
    maxAbsError: Math.max(...errors),
  };
  return cached;
}

/**
 * The memory band of a stack's layout (the peaks measured in its regime: with or without PP). Where
 * none of the stack's measured peaks trained the way the run does (every weight, or adapters on a
 * frozen base), the band is theirs widened by half and says so: a full fine-tune's states and step
 * are not what LoRA peaks measured.
 */
export function stackMemoryBand(stack: string, pipeline = false, frozenBase?: boolean): MemoryBand {
  const band = memoryBand(memoryCalibration().residuals, stack, pipeline);
  const own = memoryCalibration().cases.filter((c) => c.stack === stack);
  if (frozenBase === undefined || band.cases === 0 || own.some((c) => c.frozenBase === frozenBase))
    return band;
  const { low, high } = widenBand(band.low, band.high, 1.5);
  const run = frozenBase ? 'adapter (frozen-base)' : 'full-training';
  const measured = frozenBase ? 'every weight' : 'adapters on a frozen base';
  return {
    ...band,
    low,
    high,
    outside: [
      ...band.outside,
      `no measured ${run} peak for the ${stack} stack (its ${band.cases} train ${measured}): the band is widened by half`,
    ],
  };
}

const gib = (bytes: number) => (bytes / GIB).toFixed(1);

/** The memory calibration as a Markdown table (docs/training-engine.md, checked by a test). */
export function memoryCalibrationMarkdown(): string {
  const m = memoryCalibration();
  const rows = m.cases.map(
    (c, i) =>
      `| ${c.id} | ${c.stack} | ${gib(c.measuredBytes)} | ${gib(c.predictedBytes)} | ${formatSignedPercent(c.measuredBytes / c.predictedBytes - 1)} | ${m.looInside[i] ? 'yes' : 'no'} | ${c.source}: ${c.locator} |`,
  );
  const bands = Object.keys(m.residuals).map((key) => {
    const c = m.cases.find((k) => k.bandKey === key)!;
    const b = stackMemoryBand(c.stack, key !== c.stack);
    return b.cases === 0
      ? `- ${key}: no band: ${b.outside.join('; ')}`
      : `- ${key}: P10 × ${b.low.toFixed(2)}, P90 × ${b.high.toFixed(2)} of the predicted peak (${b.cases} measured peaks)`;
  });
  return [
    '| case | stack | measured GiB | predicted GiB | error | inside LOO band | source |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Engine error (measured / predicted − 1): median |error| ${(100 * m.medianAbsError).toFixed(1)}%, max ${(100 * m.maxAbsError).toFixed(1)}%. Leave-one-out coverage of the P10–P90 band: ${m.looInside.filter(Boolean).length} of ${m.cases.length}.`,
    '',
    ...bands,
  ].join('\n');
}
