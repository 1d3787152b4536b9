import { findGpu, loadCatalog } from '../../catalog/catalog.js';
import type { SourcedValue } from '../../catalog/schema.js';
import { sourcedValues } from '../../catalog/sourced-values.js';
import { paramCount } from '../../core/model/param-count.js';
import { modelSpecFrom } from '../../core/model/resolve-model.js';
import { formatBytes, formatCount, table, toJson } from '../format.js';

const show = (v: SourcedValue | undefined) => (v ? `${v.value} ${v.unit}` : '—');

function cheapestOnDemand(
  prices: readonly { commitment: string; usdPerGpuHour: number; provider: string; asOf: string }[],
) {
  const onDemand = prices.filter((p) => p.commitment === 'on-demand');
  return onDemand.length === 0
    ? null
    : onDemand.reduce((a, b) => (b.usdPerGpuHour < a.usdPerGpuHour ? b : a));
}

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
    const price = cheapestOnDemand(g.rentalPrices);
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
        'lowest on-demand price in catalog',
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

/** `llmecon models`: the catalog's models with their exact counts. */
export function modelsCommand(options: { json?: boolean }): string {
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
