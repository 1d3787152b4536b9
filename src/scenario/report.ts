/** Text/Markdown report of an evaluated scenario (pure: the CLI prints it, the web app can render it). */
import { findGrid, loadCatalog } from '../catalog/catalog.js';
import type { SourcedValue } from '../catalog/schema.js';
import { documentsText } from '../core/training/document-span.js';
import { centralValue, type Uncertain } from '../core/uncertainty/distributions.js';
import type { MonteCarloResult, tornado } from '../core/uncertainty/monte-carlo.js';
import {
  COST_KINDS,
  type Headline,
  HOURS_PER_MONTH,
  ownership,
  type PreparedScenario,
  type ProjectResult,
  phaseRanges,
} from './evaluate.js';
import { plainText } from './plain-text.js';

/**
 * A user's string (a scenario or phase name, a description, a source) as Markdown text that renders
 * literally: control characters and line breaks removed, and every character Markdown or HTML gives a
 * meaning inline (emphasis, code, links, raw HTML, entities, table pipes) backslash-escaped (CommonMark
 * Sec. 2.4), so `<script>`, `<svg onload>` and `[x](javascript:…)` stay text in any renderer (marked included).
 */
export function mdText(text: string): string {
  return plainText(text).replace(/[\\`*_[\]<>|&]/g, '\\$&');
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/**
 * `x` to `digits` decimals, or from 10¹⁵ as `1.79×10²⁴³` (3 significant digits): never a raw float's
 * `e+243`, and never Infinity or NaN (the evaluation refuses what would give them; shown as — if one came).
 */
export function fixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) < 1e15) return x.toFixed(digits);
  const [mantissa, exponent] = x.toExponential(2).split('e');
  const power = [...String(Number(exponent))].map((c) => SUPERSCRIPT[Number(c)] ?? c).join('');
  return `${mantissa}×10${power}`;
}

export const usd = (x: number) => {
  const a = Math.abs(x);
  const sign = x < 0 ? '−' : '';
  if (!Number.isFinite(x)) return '—';
  if (a >= 1e15) return `${sign}$${fixed(a, 0)}`;
  if (a >= 1e12) return `${sign}$${(a / 1e12).toFixed(2)}T`;
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${sign}$${(a / 1e3).toFixed(1)}K`;
  return `${sign}$${a < 10 && a > 0 ? a.toFixed(2) : a.toFixed(0)}`;
};

/** 3 significant digits with K/M/B/T suffixes: 1.21e14 → 121T. */
const compact = (x: number) => {
  const a = Math.abs(x);
  for (const [unit, scale] of [
    ['T', 1e12],
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const)
    if (a >= scale) return `${Number((x / scale).toPrecision(3))}${unit}`;
  return `${Number(x.toPrecision(3))}`;
};

const gpuHoursText = (x: number) =>
  x >= 1e5 ? `${(x / 1e6).toFixed(3)}M GPU-h` : `${Number(x.toPrecision(3)).toLocaleString('en-US')} GPU-h`;

const HEADLINE_FORMAT: Record<Headline, (x: number) => string> = {
  totalCostUsd: usd,
  revenueUsd: usd,
  npvUsd: usd,
  pretrainGpuHours: gpuHoursText,
  energyMWh: (x) => `${fixed(x, 0)} MWh`,
  co2Tonnes: (x) => `${fixed(x, 0)} t`,
  embodiedCo2Tonnes: (x) => `${fixed(x, 1)} t`,
};

export function scenarioReportMarkdown(
  p: PreparedScenario,
  r: ProjectResult,
  mc: MonteCarloResult<Headline> | null,
  sensitivity: {
    readonly output: Headline;
    readonly tornado: ReturnType<typeof tornado<string, Headline>>;
  } | null = null,
): string {
  const s = p.scenario;
  const lines = [`# ${mdText(s.name)}`, '', ...(s.description ? [mdText(s.description), ''] : [])];
  lines.push('## Phases (engine, at central values)', '');
  for (const ph of p.phases) {
    if (ph.kind === 'pretrain')
      lines.push(
        `- **${mdText(ph.phase.name)}**: ${ph.phase.gpus} × ${mdText(ph.phase.gpu)}, ${ph.layout}${ph.attentionSpanTokens !== null && ph.phase.documentTokens !== undefined ? `, ${documentsText({ ...ph.phase, documentTokens: ph.phase.documentTokens }, ph.attentionSpanTokens)}` : ''}, MFU ${(100 * ph.mfu).toFixed(1)}%, ${((ph.gpuHoursPerToken * 1e12) / 1e6).toFixed(3)}M GPU-hours per trillion tokens (goodput ${p.goodput})`,
      );
    else if (ph.kind === 'finetune')
      lines.push(
        `- **${mdText(ph.phase.name)}**: ${ph.phase.method} on ${ph.phase.gpus} × ${mdText(ph.phase.gpu)}, ${ph.layout}, ${(ph.trainableParams / 1e9).toFixed(3)}B trainable parameters, MFU ${(100 * ph.mfu).toFixed(1)}%, ${(ph.gpuHoursPerToken * 1e6).toFixed(2)} GPU-hours per million tokens per epoch`,
      );
    else if (ph.kind === 'rl')
      lines.push(
        `- **${mdText(ph.phase.name)}**: GRPO (${ph.phase.method} update) on ${ph.phase.gpus} × ${mdText(ph.phase.gpu)}, ${ph.stepSeconds.toFixed(0)} s per step (${(100 * ph.generationShare).toFixed(0)}% generation), ${ph.gpuHoursPerStep.toFixed(2)} GPU-hours per step`,
      );
    else
      lines.push(
        `- **${mdText(ph.phase.name)}**: replicas of ${ph.replicaGpus} GPU(s) (${ph.layout}), ${ph.replicaRequestsPerSecond.toFixed(2)} req/s each, ${ph.outputTokensPerSecondPerGpu.toFixed(0)} output tokens/s per GPU${ph.prefillPool ? `; prompts prefilled on replicas of ${ph.prefillPool.gpus} GPU(s), ${ph.prefillPool.requestsPerSecond.toFixed(2)} req/s each` : ''}`,
      );
  }
  // How the config was read, lengths beyond its context: each once, as the CLI prints them.
  const warnings = [...new Set(p.phases.flatMap((ph) => ph.warnings))];
  if (warnings.length > 0) lines.push('', ...warnings.map((w) => `- Warning: ${mdText(w)}`));
  const ranges = phaseRanges(p);
  if (ranges.length > 0) {
    lines.push(
      '',
      '### Calibration bands (P10–P90 of each phase from its engine estimate, every other input central)',
      '',
      '| phase | GPU-hours | cost | band from |',
      '|---|---:|---:|---|',
    );
    for (const b of ranges)
      lines.push(
        `| ${mdText(b.name)} | ${b.gpuHours ? `${gpuHoursText(b.gpuHours.p10)} – ${gpuHoursText(b.gpuHours.p90)}` : 'follows demand'} | ${usd(b.costUsd.p10)} – ${usd(b.costUsd.p90)} | ${mdText(b.basis)} |`,
      );
    const outside = [...new Set(ranges.flatMap((b) => b.outside))];
    if (outside.length > 0) lines.push('', ...outside.map((o) => `- Outside calibration: ${mdText(o)}`));
  }
  lines.push('', '## Cost', '', '| kind | cost | share |', '|---|---:|---:|');
  for (const k of COST_KINDS)
    lines.push(
      // A project that costs nothing (every price 0) has no shares: '—', not NaN%.
      `| ${k} | ${usd(r.costByKindUsd[k])} | ${r.totalCostUsd > 0 ? `${((100 * r.costByKindUsd[k]) / r.totalCostUsd).toFixed(1)}%` : '—'} |`,
    );
  lines.push(
    `| **total** | **${usd(r.totalCostUsd)}** | ${r.totalCostUsd > 0 ? '100%' : '—'} |`,
    '',
    '| phase | cost |',
    '|---|---:|',
  );
  for (const [name, c] of Object.entries(r.costByPhaseUsd)) lines.push(`| ${mdText(name)} | ${usd(c)} |`);
  for (const o of ownership(p)) {
    const u = o.breakEvenUtilization;
    lines.push(
      '',
      '## Rent vs buy',
      '',
      `- **${mdText(o.phase.name)}**: against renting at $${o.rentUsdPerGpuHour.toFixed(2)}/GPU-hour (catalog, lowest on-demand), buying (depreciation, colocation, electricity) wins when the GPUs are busy more than ${u === null ? '— (never within the horizon)' : `**${(100 * u).toFixed(1)}%** of the ${o.ownedHours / HOURS_PER_MONTH} months`}; this scenario keeps them busy ${(100 * o.busyShare).toFixed(1)}% (at central values).`,
      `- Buying assumes (central values): ${usd(o.assumptions.usdPerGpu)} per GPU × ${o.assumptions.serverCostOverGpuCost} for its server share, ${o.assumptions.lifeYears}-year straight-line life, PUE ${o.assumptions.pue}, electricity $${o.assumptions.electricityUsdPerKWh}/kWh, ${o.assumptions.dataCenterUsdPerKwMonth === null ? 'no colocation charge' : `colocation $${o.assumptions.dataCenterUsdPerKwMonth}/kW-month of node power`}.`,
    );
  }
  if (s.published.length > 0) {
    lines.push(
      '',
      '## Published figures',
      '',
      '| published | value | this scenario (central) | source |',
      '|---|---:|---:|---|',
    );
    const mine = {
      totalCostUsd: r.totalCostUsd,
      computeUsd: r.costByKindUsd.compute,
      pretrainGpuHours: r.pretrainGpuHours,
      trainingGpuHours: r.trainingGpuHours,
    };
    for (const f of s.published) {
      const fmt = f.metric.endsWith('GpuHours') ? gpuHoursText : usd;
      lines.push(
        `| ${mdText(f.what)} | ${fmt(f.value)} | ${fmt(mine[f.metric])} (${f.metric}) | ${mdText(f.source)} |`,
      );
    }
  }
  const split = loadCatalog().assumptions.developmentCostSplit;
  const hardware =
    r.costByKindUsd.compute +
    r.costByKindUsd.networking +
    r.costByKindUsd.facility +
    r.costByKindUsd.research;
  const shares: [string, number, { low: { value: number }; high: { value: number } }][] = [
    ['hardware (compute, networking, facility, research runs)', hardware, split.hardware],
    ['staff', r.costByKindUsd.staff, split.staff],
    ['energy (owned hardware; inside rental prices otherwise)', r.costByKindUsd.energy, split.energy],
  ];
  const base = hardware + r.costByKindUsd.staff + r.costByKindUsd.energy;
  if (base > 0 && p.phases.some((ph) => ph.kind === 'pretrain')) {
    lines.push(
      '',
      "## Against Epoch AI's development-cost split (Cottier et al. 2024)",
      '',
      '| kind | this scenario | Epoch AI range |',
      '|---|---:|---:|',
    );
    for (const [name, value, range] of shares)
      lines.push(
        `| ${name} | ${((100 * value) / base).toFixed(1)}% | ${Math.round(100 * range.low.value)}–${Math.round(100 * range.high.value)}% |`,
      );
    lines.push('', 'Shares exclude data and storage, which Epoch AI does not count.');
  }
  lines.push(
    '',
    '## Financials',
    '',
    `- Revenue ${usd(r.revenueUsd)}; NPV ${usd(r.npvUsd)} at ${(100 * centralValue(s.discountRate)).toFixed(1)}%${typeof s.discountRate === 'number' ? '' : " (its distribution's central value)"} a year (monthly flows, month 0 undiscounted)`,
    ...(r.servingCostPerMillionOutputTokensUsd === null
      ? []
      : [
          `- Serving: ${usd(r.servingCostPerMillionOutputTokensUsd)} of hardware per million output tokens${r.grossMarginOnTokens === null ? '' : `; gross margin on token revenue ${(100 * r.grossMarginOnTokens).toFixed(1)}%`}`,
        ]),
    ...Object.entries(r.apiCostByPhaseUsd).map(([name, api]) => {
      const own = r.costByPhaseUsd[name] ?? 0;
      const phase = p.phases.find((ph) => ph.kind === 'serve' && ph.phase.name === name);
      const apiId = phase?.kind === 'serve' ? phase.api?.id : undefined;
      return `- ${mdText(name)}: the same tokens on ${mdText(apiId ?? 'the API')} would cost ${usd(api)} vs ${usd(own)} self-hosted (${own <= api ? `self-hosting saves ${(100 * (1 - own / api)).toFixed(0)}%` : `the API is ${(100 * (1 - api / own)).toFixed(0)}% cheaper`}; hardware only, staff excluded)`;
    }),
    ...(r.costPerCapabilityUnitUsd === null || !s.capability
      ? []
      : [`- ${usd(r.costPerCapabilityUnitUsd)} per ${mdText(s.capability.name)}`]),
    `- IRR ${r.irr === null ? (r.revenueUsd > 0 ? '—' : 'n/a (no revenue)') : `${(100 * r.irr).toFixed(1)}% a year`}; payback ${r.paybackMonth === null ? 'not within the horizon' : `month ${r.paybackMonth.toFixed(1)}`}`,
    `- ${r.pretrainGpuHours > 0 ? `Pretraining ${HEADLINE_FORMAT.pretrainGpuHours(r.pretrainGpuHours)}; energy` : 'Energy'} ${fixed(r.energyMWh, 0)} MWh; ${fixed(r.co2Tonnes, 0)} t CO2 operational (location-based: the ${mdText(s.region)} grid's average; market-based accounting with supplier contracts and certificates can differ) + ${fixed(r.embodiedCo2Tonnes, 0)} t embodied (manufacturing, Cloud Carbon Footprint coefficients, amortised per GPU-hour)`,
  );
  if (mc) {
    lines.push(
      '',
      `## Uncertainty (${mc.samples.toLocaleString('en-US')} samples, seed ${mc.seed})`,
      '',
      ...(Object.keys(p.bands).length > 0
        ? [
            "Each sample also multiplies every phase's GPU-hours (a serve phase's replica time) by a draw from its calibration band: a lognormal fitted to the band's P10 and P90, one draw per calibration (phases on the same GPU family × stack, or engine × family, share it; different calibrations draw independently).",
            '',
          ]
        : []),
      '| headline | P5 | P50 | P95 |',
      '|---|---:|---:|---:|',
    );
    for (const [k, q] of Object.entries(mc.outputs) as [Headline, { p5: number; p50: number; p95: number }][])
      if (q.p5 !== 0 || q.p95 !== 0)
        lines.push(
          `| ${k} | ${HEADLINE_FORMAT[k](q.p5)} | ${HEADLINE_FORMAT[k](q.p50)} | ${HEADLINE_FORMAT[k](q.p95)} |`,
        );
  }
  if (sensitivity && sensitivity.tornado.bars.length > 0) {
    const fmt = HEADLINE_FORMAT[sensitivity.output];
    lines.push(
      '',
      `## What would change the answer (${sensitivity.output}, each input from its P10 to its P90, others central)`,
      '',
      '| input | low → high | output at low | output at high | swing |',
      '|---|---|---:|---:|---:|',
    );
    for (const b of sensitivity.tornado.bars)
      lines.push(
        `| \`${b.input}\` | ${compact(b.lowInput)} → ${compact(b.highInput)} | ${fmt(b.outputAtLow)} | ${fmt(b.outputAtHigh)} | ${fmt(b.swing)} |`,
      );
  }
  const uncertain = Object.keys(p.uncertain);
  if (uncertain.length > 0)
    lines.push('', `Uncertain inputs: ${uncertain.map((u) => `\`${u}\``).join(', ')}.`);
  lines.push('', ...assumptionLines(p));
  return `${lines.join('\n')}\n`;
}

const distributionText = (u: Uncertain): string =>
  typeof u === 'number'
    ? `${u}`
    : u.dist === 'lognormal'
      ? `lognormal, median ${Number(u.median.toPrecision(3))}, P90 ${Number(u.p90.toPrecision(3))}`
      : `${u.dist} ${JSON.stringify(u).replace(/"/g, '')}`;

/** Every catalog default the evaluation used, with its source (catalog/assumptions.json, grids). */
function assumptionLines(p: PreparedScenario): string[] {
  const catalog = loadCatalog();
  const a = catalog.assumptions;
  const title = (id: string) => catalog.sources[id]?.title ?? id;
  const row = (what: string, value: string, v: SourcedValue) =>
    `| ${what} | ${value} | ${title(v.source)}${v.note ? ` — ${v.note}` : ''} |`;
  const grid = findGrid(p.scenario.region, 'region');
  const ratio = p.scenario.researchComputeRatio;
  const lines = [
    '## Assumptions and sources',
    '',
    '| assumption | value | source |',
    '|---|---|---|',
    row('goodput (share of wall-clock time training)', `${a.goodput.value}`, a.goodput),
    row(
      'research compute ratio (experiments + final runs over final runs)',
      ratio === undefined
        ? `catalog default: ${distributionText(p.researchComputeRatio)} (90% interval ${a.researchComputeRatio.p5.value}–${a.researchComputeRatio.p95.value}×)`
        : `${distributionText(ratio)} (this scenario)`,
      a.researchComputeRatio.p5,
    ),
    row(
      `grid carbon intensity (${grid.name})`,
      `${grid.file.carbonIntensity.value} gCO2e/kWh`,
      grid.file.carbonIntensity,
    ),
    row('GPU power while training, share of TDP', `${a.gpuPowerFraction.value}`, a.gpuPowerFraction),
    row(
      'server cost over GPU cost (bought hardware)',
      `${a.serverCostOverGpuCost.value}×`,
      a.serverCostOverGpuCost,
    ),
    row(
      'hardware life (bought hardware, default)',
      `${a.hardwareLifeYears.value} years`,
      a.hardwareLifeYears,
    ),
    row(
      'electricity price (bought hardware, default)',
      `$${a.electricityUsdPerKWh.value}/kWh`,
      a.electricityUsdPerKWh,
    ),
    row('PUE (default)', `${a.pue.value}`, a.pue),
    row(
      'cluster interconnect, share of bought hardware',
      `${100 * a.networkingShareOfHardware.value}%`,
      a.networkingShareOfHardware,
    ),
    row('object storage (default)', `$${a.storageUsdPerGbMonth.value}/GB-month`, a.storageUsdPerGbMonth),
    row(
      'embodied carbon per GPU card + per server',
      `${a.embodiedCarbon.gpuCard.value} + ${a.embodiedCarbon.serverBase.value} kgCO2e over ${a.embodiedCarbon.lifespanYears.value} years`,
      a.embodiedCarbon.gpuCard,
    ),
  ];
  return lines;
}

/** Monthly cash flows as CSV (month 0 = t = 0), US dollars. */
export function scenarioCsv(r: ProjectResult): string {
  const header = [
    'month',
    ...COST_KINDS.map((k) => `${k}_usd`),
    'revenue_usd',
    'net_usd',
    'cumulative_net_usd',
  ];
  let cumulative = 0;
  const rows = r.months().map((m, i) => {
    cumulative += m.netUsd;
    return [i, ...COST_KINDS.map((k) => m.costs[k]), m.revenueUsd, m.netUsd, cumulative]
      .map((x) => (typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(2) : String(x)))
      .join(',');
  });
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
