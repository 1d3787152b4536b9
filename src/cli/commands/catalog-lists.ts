import { findGpu, loadCatalog } from '../../catalog/catalog.js';
import { STACKS_FILES } from '../../catalog/data.js';
import type { SourcedValue } from '../../catalog/schema.js';
import { sourcedValues } from '../../catalog/sourced-values.js';
import { findStack, stackGpuVendors } from '../../catalog/stacks.js';
import { defaultRentalPrice } from '../../catalog/training-defaults.js';
import { formatPercent } from '../../core/format.js';
import { SUPPORTED_MODEL_TYPES } from '../../core/model/hf-config.js';
import { paramCount } from '../../core/model/param-count.js';
import { modelSpecFrom } from '../../core/model/resolve-model.js';
import { median } from '../../core/statistics.js';
import { leaveOneOutErrors, STACK_IDS, type StackCalibration } from '../../core/training/stack.js';
import { formatBytes, formatCount, table, toJson } from '../format.js';
import { lossBytesText } from '../memory-breakdown.js';

const show = (v: SourcedValue | undefined) => (v ? `${v.value} ${v.unit}` : '—');

/** `llmecon gpus [id]`: the catalog table, or one GPU with every value's source. */
export function gpusCommand(id: string | undefined, options: { json?: boolean }): string {
  const catalog = loadCatalog();
  if (id) {
    const gpu = findGpu(id, 'gpu');
    if (options.json) return toJson({ ...gpu.file, sources: sourcesOf(gpu.file, catalog.sources) });
    const rows = sourcedValues(gpu.file).map(({ path, value }) => {
      const v = value as unknown as SourcedValue;
      return [path, show(v), v.kind, v.asOf ?? '', v.source, v.note ?? ''];
    });
    const used = sourcesOf(gpu.file, catalog.sources);
    return [
      `${gpu.name} (${gpu.id}${gpu.aliases.length ? `; aliases ${gpu.aliases.join(', ')}` : ''})`,
      '',
      table(['field', 'value', 'kind', 'as of', 'source', 'note'], rows),
      '',
      'sources:',
      ...Object.entries(used).map(
        ([sid, s]) => `  ${sid}: ${s.title}, ${s.publisher}, ${s.url} (accessed ${s.accessed})`,
      ),
    ].join('\n');
  }
  const gpus = [...catalog.gpus.values()];
  if (options.json) {
    return toJson(
      gpus.map((g) => ({
        id: g.id,
        name: g.name,
        aliases: g.aliases,
        peakFlopsPerSecond: g.peakFlopsPerSecond,
        memoryBytes: g.memoryBytes,
        memoryBytesPerSecond: g.memoryBytesPerSecond,
        scaleUp: g.scaleUp,
        scaleOutBytesPerSecond: g.scaleOutBytesPerSecond,
        tdpWatts: g.tdpWatts,
        rentalPrices: g.rentalPrices,
        purchasePrices: g.purchasePrices,
      })),
    );
  }
  const rows = gpus.map((g) => {
    const price = defaultRentalPrice(g);
    return [
      g.id,
      show(g.file.peakFlops.bf16),
      show(g.file.peakFlops.fp8),
      `${show(g.file.memory.capacity)} (${formatBytes(g.memoryBytes)})`,
      show(g.file.memory.bandwidth),
      `${show(g.file.scaleUp.bandwidth)} ${g.file.scaleUp.fabric}`,
      show(g.file.tdp),
      price ? `$${price.usdPerGpuHour.toFixed(2)}/h ${price.provider} ${price.asOf}` : '—',
    ];
  });
  return [
    table(
      [
        'id',
        'BF16 dense',
        'FP8 dense',
        'memory: datasheet (device)',
        'bandwidth',
        'scale-up (bidir.)',
        'TDP',
        'default price (lowest current on-demand, else any)',
      ],
      rows,
    ),
    '',
    "Every value has a source: 'llmecon gpus <id>' lists them.",
  ].join('\n');
}

function sourcesOf(file: unknown, sources: ReturnType<typeof loadCatalog>['sources']) {
  const ids = new Set<string>();
  JSON.stringify(file, (key, v) => {
    if (key === 'source' && typeof v === 'string') ids.add(v);
    return v;
  });
  return Object.fromEntries([...ids].sort().map((id) => [id, sources[id]!]));
}

/** `llmecon models`: the catalog's models with their exact counts, or (`--types`) the model types read. */
export function modelsCommand(options: { json?: boolean; types?: boolean }): string {
  if (options.types) {
    const types = [...SUPPORTED_MODEL_TYPES].sort((a, b) => a.localeCompare(b));
    return options.json ? toJson(types) : types.join('\n');
  }
  const catalog = loadCatalog();
  const rows = [...catalog.models.values()].map((m) => {
    const spec = modelSpecFrom(m.config, m.name);
    const p = paramCount(spec);
    return {
      id: m.id,
      name: m.name,
      modelType: spec.modelType,
      huggingFace: m.huggingFace,
      totalParams: p.totalParams,
      activeParams: p.activeParams,
    };
  });
  if (options.json) return toJson(rows);
  return table(
    ['id', 'name', 'model_type', 'total', 'active', 'Hugging Face repo'],
    rows.map((r) => [
      r.id,
      r.name,
      r.modelType,
      formatCount(r.totalParams),
      formatCount(r.activeParams),
      r.huggingFace,
    ]),
  );
}

/** A calibration's leave-one-out |error| median and max (exp of the log residuals, minus 1). */
function looErrors(c: StackCalibration): { median: number; max: number } | null {
  const e = leaveOneOutErrors(c);
  return e.length === 0 ? null : { median: median(e), max: Math.max(...e) };
}

/** `llmecon stacks [id]`: the software stacks, or one with its catalog values' sources and its calibrations. */
export function stacksCommand(id: string | undefined, options: { json?: boolean }): string {
  const catalog = loadCatalog();
  if (id) {
    const stack = findStack(id, 'stack');
    const file = STACKS_FILES[stack.id];
    const calibrations = stack.calibrations.map((c) => ({ ...c, leaveOneOut: looErrors(c) }));
    if (options.json)
      return toJson({ ...(file as object), calibrations, sources: sourcesOf(file, catalog.sources) });
    const rows = calibrations.map((c) => [
      c.family,
      c.transferred
        ? `none (medians of ${c.transferred.families.join(', ')})`
        : c.fittedOn
          ? `${c.cases.length} (${c.fittedOn}'s)`
          : String(c.cases.length),
      c.stepTimeScale.toFixed(3),
      c.attentionScale.toFixed(2),
      `${(1000 * c.layerOverheadSeconds).toFixed(2)} / ${(1000 * c.zero3LayerOverheadSeconds).toFixed(2)}`,
      c.leaveOneOut ? `${formatPercent(c.leaveOneOut.median)} / ${formatPercent(c.leaveOneOut.max)}` : '—',
      String(c.heldOutLogResiduals?.length ?? 0),
    ]);
    const p = stack.parallelism;
    const vendors = stackGpuVendors(stack.id);
    const splits = [
      p.tensor && 'TP',
      p.pipeline && 'PP',
      p.expert && 'EP',
      p.context && 'CP',
      p.sequence && 'SP',
      p.tensorParallelOverlap && `TP comm overlap (${p.tensorParallelOverlap})`,
    ].filter(Boolean);
    return [
      `${stack.name} (${stack.id})`,
      '',
      `splits: ${splits.length > 0 ? splits.join(', ') : 'data parallelism only'}; ZeRO ${p.zeroStages.join(', ')}; FP8: ${stack.fp8Recipe ?? 'none'}${stack.fullIterationCudaGraphs ? `; one CUDA graph per step (${stack.fullIterationCudaGraphs})` : ''}; loss ${lossBytesText(stack.memory)} per logit element`,
      `runs on: ${vendors ? `${vendors.value.join(', ')} (${vendors.note})` : 'every vendor in the catalog'}`,
      '',
      rows.length > 0
        ? table(
            ['GPU family', 'cases', 'k', 'a', 'h / z (ms)', 'leave-one-out median / max', 'held out'],
            rows,
          )
        : 'no calibration: the engine’s own time, with the pooled band of every calibrated stack doubled',
      '',
      "How each value was chosen is in the stack's catalog file (catalog/stacks/); 'llmecon stacks <id> --json' prints it whole.",
      'sources:',
      ...Object.entries(sourcesOf(file, catalog.sources)).map(
        ([sid, s]) => `  ${sid}: ${s.title}, ${s.publisher}, ${s.url} (accessed ${s.accessed})`,
      ),
    ].join('\n');
  }
  const stacks = STACK_IDS.map((s) => findStack(s));
  if (options.json)
    return toJson(
      stacks.map((s) => ({
        id: s.id,
        name: s.name,
        families: s.calibrations.map((c) => ({
          family: c.family,
          cases: c.cases.length,
          transferred: c.transferred !== undefined,
        })),
      })),
    );
  return [
    table(
      ['id', 'name', 'calibrated on (GPU family: runs)'],
      stacks.map((s) => [
        s.id,
        s.name,
        s.calibrations
          .filter((c) => !c.transferred)
          .map((c) => `${c.family}: ${c.cases.length}${c.fittedOn ? ` (${c.fittedOn}'s)` : ''}`)
          .join(', ') || 'none',
      ]),
    ),
    '',
    "'llmecon stacks <id>' lists a stack's splits, its calibration per GPU family and its sources.",
  ].join('\n');
}
