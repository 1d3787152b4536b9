/**
 * Self-contained HTML report: the Markdown report (rendered by marked) with SVG charts drawn by
 * Observable Plot — cost by kind, cumulative cash flow with payback, tornado, Monte Carlo histogram
 * and, for bought hardware, cost per busy GPU-hour against the rental price. Takes a `Document` so
 * it runs in the browser as is and in Node with linkedom.
 */
import * as Plot from '@observablehq/plot';
import { Marked } from 'marked';
import type { Histogram, TornadoBar } from '../core/uncertainty/monte-carlo.js';
import {
  COST_KINDS,
  type Headline,
  ownership,
  type PreparedScenario,
  type ProjectResult,
} from './evaluate.js';
import { plainText } from './plain-text.js';
import { fixed } from './report.js';

export interface HtmlReportInput {
  readonly prepared: PreparedScenario;
  readonly result: ProjectResult;
  readonly markdown: string;
  readonly histogram: {
    readonly output: Headline;
    readonly histogram: Histogram;
    /** Marked on the histogram. */
    readonly percentiles?: { readonly p5: number; readonly p50: number; readonly p95: number };
  } | null;
  readonly tornado: {
    readonly output: Headline;
    readonly base: number;
    readonly bars: readonly TornadoBar<string>[];
  } | null;
}

const millions = (x: number) => x / 1e6;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/**
 * Text from a scenario file (names, sources) is shown as text, never run as markup, and without its
 * control characters (plain-text.ts): in the body, the title and attributes alike.
 */
export const escapeHtml = (text: string) => plainText(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * Markdown with raw HTML shown as text and only http(s) links: scenario names and sources come from
 * files users share, so a report must not run what they contain.
 */
const markdown = new Marked({
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, tokens }) {
      const text = this.parser.parseInline(tokens);
      return /^https?:\/\//i.test(href) ? `<a href="${escapeHtml(href)}">${text}</a>` : text;
    },
    image: ({ text }) => escapeHtml(text),
  },
});

function figure(title: string, svg: Element): string {
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', plainText(title));
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${svg.outerHTML}</figure>`;
}

export function scenarioReportHtml(input: HtmlReportInput, document: Document): string {
  const { prepared: p, result: r } = input;
  const charts: string[] = [];
  const costs = COST_KINDS.map((kind) => ({ kind, usd: millions(r.costByKindUsd[kind]) })).filter(
    (c) => c.usd !== 0,
  );
  charts.push(
    figure(
      'Cost by kind ($M)',
      Plot.plot({
        document,
        marginLeft: 80,
        height: 40 + 28 * costs.length,
        x: { label: '$M', grid: true },
        y: { label: null },
        marks: [Plot.barX(costs, { x: 'usd', y: 'kind', fill: 'kind', sort: { y: '-x' } }), Plot.ruleX([0])],
      }),
    ),
  );
  let cumulative = 0;
  const flow = r.flows.map((net, month) => {
    cumulative += net;
    return { month, cumulative: millions(cumulative) };
  });
  charts.push(
    figure(
      `Cumulative net cash flow ($M)${r.paybackMonth === null ? '' : `, payback at month ${r.paybackMonth.toFixed(1)}`}`,
      Plot.plot({
        document,
        height: 240,
        x: { label: 'month', grid: true },
        y: { label: '$M', grid: true },
        marks: [
          Plot.ruleY([0]),
          Plot.lineY(flow, { x: 'month', y: 'cumulative', stroke: 'steelblue', strokeWidth: 2 }),
          ...(r.paybackMonth === null
            ? []
            : [Plot.ruleX([r.paybackMonth], { stroke: 'green', strokeDasharray: '4 3' })]),
        ],
      }),
    ),
  );
  if (input.tornado && input.tornado.bars.length > 0) {
    const t = input.tornado;
    const bars = t.bars.map((b) => ({
      input: b.input,
      low: millions(Math.min(b.outputAtLow, b.outputAtHigh)),
      high: millions(Math.max(b.outputAtLow, b.outputAtHigh)),
    }));
    charts.push(
      figure(
        `What would change the answer: ${t.output} ($M) as each input goes from P10 to P90`,
        Plot.plot({
          document,
          // Room for the longest input path (~7 px a character at Plot's 10 px font).
          marginLeft: Math.min(420, 20 + 7 * Math.max(...bars.map((b) => b.input.length))),
          height: 40 + 28 * bars.length,
          x: { label: '$M', grid: true },
          y: { label: null, domain: bars.map((b) => b.input) },
          // Room on the right for the high value's label.
          marginRight: 70,
          marks: [
            Plot.barX(bars, { x1: 'low', x2: 'high', y: 'input', fill: 'orange' }),
            Plot.ruleX([millions(t.base)], { stroke: 'black' }),
            // The output at each end of the swing, so the bars can be read without the axis.
            Plot.text(bars, {
              x: 'low',
              y: 'input',
              text: (d: { low: number }) => fixed(d.low, 2),
              textAnchor: 'end',
              dx: -4,
            }),
            Plot.text(bars, {
              x: 'high',
              y: 'input',
              text: (d: { high: number }) => fixed(d.high, 2),
              textAnchor: 'start',
              dx: 4,
            }),
          ],
        }),
      ),
    );
  }
  if (input.histogram) {
    const h = input.histogram.histogram;
    const q = input.histogram.percentiles;
    const marks =
      q === undefined
        ? []
        : (
            [
              ['P5', q.p5],
              ['P50', q.p50],
              ['P95', q.p95],
            ] as const
          ).map(([name, x]) => ({ x: millions(x), label: `${name} ${fixed(millions(x), 2)}` }));
    const bins = h.counts.map((count, i) => ({
      x1: millions(h.edges[i]!),
      x2: millions(h.edges[i + 1]!),
      count,
    }));
    charts.push(
      figure(
        `Monte Carlo: ${input.histogram.output} ($M)`,
        Plot.plot({
          document,
          height: 240,
          marginTop: 24,
          x: { label: '$M' },
          y: { label: 'samples', grid: true },
          marks: [
            Plot.rectY(bins, { x1: 'x1', x2: 'x2', y: 'count', fill: 'steelblue', inset: 0.5 }),
            Plot.ruleY([0]),
            ...(marks.length === 0
              ? []
              : [
                  Plot.ruleX(marks, { x: 'x', stroke: 'black', strokeDasharray: '4 3' }),
                  Plot.text(marks, {
                    x: 'x',
                    text: 'label',
                    frameAnchor: 'top',
                    dy: -2,
                    lineAnchor: 'bottom',
                  }),
                ]),
          ],
        }),
      ),
    );
  }
  for (const o of ownership(p)) {
    const owned = 'buy: $ per busy GPU-hour';
    const rented = 'rent: catalog price';
    const curve = [
      ...Array.from({ length: 20 }, (_, i) => {
        const u = (i + 1) / 20;
        return {
          series: owned,
          utilisation: 100 * u,
          usdPerBusyHour: o.fixedUsdPerGpu / (o.ownedHours * u) + o.energyUsdPerBusyHour,
        };
      }),
      { series: rented, utilisation: 5, usdPerBusyHour: o.rentUsdPerGpuHour },
      { series: rented, utilisation: 100, usdPerBusyHour: o.rentUsdPerGpuHour },
    ];
    charts.push(
      figure(
        `Rent vs buy (${o.phase.name}): $ per busy GPU-hour when owned, against renting at $${o.rentUsdPerGpuHour.toFixed(2)}`,
        Plot.plot({
          document,
          height: 240,
          x: { label: 'utilisation (%)', grid: true },
          y: { label: '$ per busy GPU-hour', grid: true, type: 'log' },
          color: { domain: [owned, rented], range: ['steelblue', 'orange'] },
          marks: [
            Plot.lineY(curve, { x: 'utilisation', y: 'usdPerBusyHour', stroke: 'series', strokeWidth: 2 }),
            // The legend, inside the chart: each line named at its right end.
            Plot.text(
              curve,
              Plot.selectLast({
                x: 'utilisation',
                y: 'usdPerBusyHour',
                z: 'series',
                text: 'series',
                fill: 'series',
                textAnchor: 'end',
                dy: -8,
              }),
            ),
          ],
        }),
      ),
    );
  }
  const body = markdown.parse(input.markdown, { async: false });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.scenario.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;display:block;overflow-x:auto}td,th{border:1px solid #ccc;padding:.25rem .5rem}
svg{max-width:100%;height:auto}
figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.5rem}code{background:#f4f4f4;padding:0 .2rem}</style>
</head><body>
${body}
<h2>Charts</h2>
${charts.join('\n')}
<p><small>Generated by llmecon; every assumption above is echoed from the scenario file and the cited catalog.</small></p>
</body></html>
`;
}
