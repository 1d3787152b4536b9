/** Levers: a preset waterfall from a baseline, each step an engine re-run. */
import * as Plot from '@observablehq/plot';
import { html, nothing } from 'lit-html';
import type { Waterfall } from '../../../src/levers/levers.js';
import { PRESETS } from '../../../src/levers/presets.js';
import { runOnce, taskSlot } from '../compute.js';
import type { App } from '../main.js';
import { formatBytes, formatSignedUsd, formatUsd } from './common.js';

const slot = taskSlot<Waterfall>();

function chart(w: Waterfall): SVGSVGElement | HTMLElement {
  let before = w.baselineCostUsd;
  const bars = [
    { step: 'baseline', from: 0, to: w.baselineCostUsd / 1e6, kind: 'baseline' },
    ...w.steps.map((s) => {
      const bar = {
        step: s.lever,
        from: before / 1e6,
        to: s.costUsd / 1e6,
        kind: s.costUsd <= before ? 'saves' : 'adds',
      };
      before = s.costUsd;
      return bar;
    }),
  ];
  const svg = Plot.plot({
    marginLeft: 230,
    height: 40 + 30 * bars.length,
    x: { label: 'cost ($M)', grid: true },
    y: { label: null, domain: bars.map((b) => b.step) },
    color: {
      domain: ['baseline', 'saves', 'adds'],
      range: ['#5f6368', 'seagreen', 'firebrick'],
      legend: true,
    },
    marks: [
      Plot.barX(bars, {
        x1: 'from',
        x2: 'to',
        y: 'step',
        fill: 'kind',
      }),
      Plot.ruleX([0]),
    ],
  });
  // With a legend Plot wraps the chart in a <figure>: label the chart's own SVG.
  const chartSvg = svg.tagName.toLowerCase() === 'svg' ? svg : svg.querySelector(':scope > svg')!;
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
          <figure>
            <figcaption>Cost after each lever ($M)</figcaption>
            ${chart(w)}
          </figure>
          <table id="levers-table">
            <thead><tr><th>step</th><th>cost</th><th>Δ</th><th>Δ alone</th><th>memory/GPU</th><th>engine chose</th></tr></thead>
            <tbody>
              <tr><td>baseline</td><td class="num">${formatUsd(w.baselineCostUsd)}</td><td></td><td></td><td class="num">${formatBytes(w.baseline.memoryPerGpuBytes)}</td><td>${w.baseline.detail}</td></tr>
              ${w.steps.map(
                (s) => html`<tr data-cost=${String(s.costUsd)}>
                  <td>${s.lever}</td><td class="num">${formatUsd(s.costUsd)}</td><td class="num">${formatSignedUsd(s.deltaUsd)}</td>
                  <td class="num">${s.aloneDeltaUsd === null ? 'n/a' : formatSignedUsd(s.aloneDeltaUsd)}</td>
                  <td class="num">${formatBytes(s.memoryPerGpuBytes)}</td><td>${s.detail}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <h3>Caveats</h3>
          <ol>${w.steps.map((s) => html`<li><b>${s.lever}</b>: ${s.caveat}</li>`)}</ol>`
        : nothing
    }`;
}
