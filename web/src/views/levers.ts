/** Levers: a preset waterfall from a baseline, each step an engine re-run. */
import * as Plot from '@observablehq/plot';
import { html, nothing } from 'lit-html';
import type { Range } from '../../../src/core/uncertainty/range.js';
import type { Waterfall } from '../../../src/levers/levers.js';
import { PRESETS } from '../../../src/levers/presets.js';
import { runOnce, taskSlot } from '../compute.js';
import type { App } from '../main.js';
import { bandNote, memoryBandText } from './bands.js';
import { formatBytes, formatSignedUsd, formatUsd } from './common.js';

const slot = taskSlot<Waterfall>();

const range = (r: Range) => `${formatUsd(r.p10)} – ${formatUsd(r.p90)}`;
const times = (x: number) => (x >= 1 ? `${x.toFixed(1)}× cheaper` : `${(1 / x).toFixed(1)}× dearer`);

/** The saving and its P10–P90: none from the calibration when both ends share one (same draw). */
const savingText = (w: Waterfall) =>
  w.savings.sameCalibration
    ? `${formatUsd(w.baselineCostUsd)} → ${formatUsd(w.finalCostUsd)}: ${times(w.savings.ratio)}. Both ends are on one calibration and take the same residual draw, so the ratio carries no calibration spread (the absolute costs do).`
    : `${formatUsd(w.baselineCostUsd)} → ${formatUsd(w.finalCostUsd)}: ${times(w.savings.ratio)} (P10 ${times(w.savings.range.p10)} – P90 ${times(w.savings.range.p90)}: the ends are on different calibrations, drawn independently).`;

/** The chart's width: the viewport's, less the page padding, between 280 and 720 px. */
const chartWidth = () => Math.round(Math.min(720, Math.max(280, (globalThis.innerWidth ?? 720) - 32)));

/** Plot's default tick font: 10px sans-serif. Measured where a canvas is available, estimated otherwise. */
function textWidth(text: string): number {
  const canvas = globalThis.document?.createElement('canvas');
  const ctx = canvas?.getContext('2d');
  if (!ctx) return text.length * 6.5;
  ctx.font = '10px sans-serif';
  return ctx.measureText(text).width;
}

/** `text` cut with an ellipsis to fit `width` px (the full label stays in the bar's title). */
export function fitLabel(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  let n = text.length;
  while (n > 1 && textWidth(`${text.slice(0, n)}…`) > width) n -= 1;
  return `${text.slice(0, n)}…`;
}

/**
 * The waterfall: one bar per step from the cost before it to the cost after it, with the step's
 * P10–P90 as an error bar at its end. Labels sit above their bars (the full width is theirs), cut to
 * fit with the full label as the bar's tooltip, so the chart reads at phone width too.
 */
function chart(w: Waterfall): SVGSVGElement | HTMLElement {
  const width = chartWidth();
  const marginLeft = 12;
  const marginRight = 16;
  let before = w.baselineCostUsd;
  const bars = [
    {
      step: 'baseline',
      from: 0,
      to: w.baselineCostUsd / 1e6,
      kind: 'baseline',
      p10: w.baseline.range.costUsd.p10 / 1e6,
      p90: w.baseline.range.costUsd.p90 / 1e6,
    },
    ...w.steps.map((s) => {
      const bar = {
        step: s.lever,
        from: before / 1e6,
        to: s.costUsd / 1e6,
        kind: s.costUsd <= before ? 'saves' : 'adds',
        p10: s.range.costUsd.p10 / 1e6,
        p90: s.range.costUsd.p90 / 1e6,
      };
      before = s.costUsd;
      return bar;
    }),
  ].map((b) => ({
    ...b,
    label: fitLabel(b.step, width - marginLeft - marginRight),
    title: `${b.step}: $${b.to.toFixed(2)}M (P10 $${b.p10.toFixed(2)}M – P90 $${b.p90.toFixed(2)}M)`,
  }));
  const rowPx = 44;
  const svg = Plot.plot({
    width,
    marginLeft,
    marginRight,
    height: 60 + rowPx * bars.length,
    x: { label: 'cost ($M), P10–P90 as error bars', grid: true, ticks: Math.max(2, Math.floor(width / 90)) },
    // Bars in the lower part of each row, their label in the upper part.
    y: {
      label: null,
      domain: bars.map((b) => b.step),
      axis: null,
      paddingInner: 0.55,
      paddingOuter: 0.3,
      align: 1,
    },
    color: {
      domain: ['baseline', 'saves', 'adds'],
      range: ['#5f6368', 'seagreen', 'firebrick'],
      legend: true,
    },
    marks: [
      Plot.barX(bars, { x1: 'from', x2: 'to', y: 'step', fill: 'kind', title: 'title' }),
      Plot.ruleY(bars, { x1: 'p10', x2: 'p90', y: 'step', stroke: '#202124' }),
      Plot.tickX(bars, { x: 'p10', y: 'step', stroke: '#202124' }),
      Plot.tickX(bars, { x: 'p90', y: 'step', stroke: '#202124' }),
      Plot.text(bars, {
        x: () => 0,
        y: 'step',
        text: 'label',
        title: 'title',
        textAnchor: 'start',
        frameAnchor: 'left',
        dy: -rowPx * 0.4,
        fill: 'currentColor',
      }),
      Plot.ruleX([0]),
    ],
  });
  // With a legend Plot wraps the chart in a <figure>: label the chart's own SVG.
  const chartSvg = svg.tagName.toLowerCase() === 'svg' ? svg : svg.querySelector(':scope > svg')!;
  // The wrapping <figure>'s default 40 px side margins would scale the chart down at phone width.
  if (svg !== chartSvg) svg.style.margin = '0';
  chartSvg.setAttribute('role', 'img');
  chartSvg.setAttribute('aria-label', `Cost waterfall: ${w.name}`);
  return svg;
}

export function leversView(app: App) {
  const preset = app.state.levers.preset;
  const r = runOnce(slot, preset, { task: 'levers', preset }, app.rerender);
  const w = r?.value;
  return html`<h2>Cost levers</h2>
    <form>
      <label
        >Study
        <select id="levers-preset" @change=${(e: Event) => app.update((s) => ({ ...s, levers: { preset: (e.target as HTMLSelectElement).value } }))}>
          ${Object.entries(PRESETS).map(([id, p]) => html`<option value=${id} ?selected=${id === preset}>${p.name}</option>`)}
        </select>
      </label>
    </form>
    ${r === null ? html`<p class="status" aria-live="polite">Running the engines for each lever…</p>` : nothing}
    ${r?.issues ? html`<p class="error" role="alert">${r.issues.map((i) => i.message).join('\n')}</p>` : nothing}
    ${
      w
        ? html`<p>${PRESETS[preset]?.description ?? ''}</p>
          <figure style="margin: 1em 0">
            <figcaption>Cost after each lever ($M)</figcaption>
            ${chart(w)}
          </figure>
          <table id="levers-table">
            <thead><tr><th>step</th><th>cost</th><th>P10–P90</th><th>Δ</th><th>Δ alone</th><th>memory/GPU</th><th>engine chose</th></tr></thead>
            <tbody>
              <tr><td>baseline</td><td class="num">${formatUsd(w.baselineCostUsd)}</td><td class="num">${range(w.baseline.range.costUsd)}</td><td></td><td></td><td class="num">${formatBytes(w.baseline.memoryPerGpuBytes)} ${memoryBandText(w.baseline)}</td><td>${w.baseline.detail}</td></tr>
              ${w.steps.map(
                (s) => html`<tr data-cost=${String(s.costUsd)}>
                  <td>${s.lever}</td><td class="num">${formatUsd(s.costUsd)}</td><td class="num">${range(s.range.costUsd)}</td><td class="num">${formatSignedUsd(s.deltaUsd)}</td>
                  <td class="num">${s.aloneDeltaUsd === null ? 'n/a' : formatSignedUsd(s.aloneDeltaUsd)}</td>
                  <td class="num">${formatBytes(s.memoryPerGpuBytes)} ${memoryBandText(s)}</td><td>${s.detail}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <p id="levers-saving">${savingText(w)}</p>
          ${bandNote(w.baseline.band)}
          <h3>Caveats</h3>
          <ol>${w.steps.map((s) => html`<li><b>${s.lever}</b>: ${s.caveat}</li>`)}</ol>`
        : nothing
    }`;
}
