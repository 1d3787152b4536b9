/** Project: a scenario file edited in place; the same report `llmecon run --format html` writes. */
import { html, nothing } from 'lit-html';
import type { Percentiles } from '../../../src/core/uncertainty/monte-carlo.js';
import type { PhaseRange } from '../../../src/scenario/evaluate.js';
import { cancel, compute, type Issue, TaskError } from '../compute.js';
import { EXAMPLES } from '../examples.js';
import type { App } from '../main.js';
import { STATE_DOMAINS } from '../state.js';
import { formatCount, formatUsd, numberField } from './common.js';

/** Each phase's cost (and GPU-hours) P10–P90 from its engine's calibration band. */
const phaseBands = (ranges: readonly PhaseRange[]) =>
  ranges.length === 0
    ? nothing
    : html`<table id="project-bands">
        <caption>Calibration bands: each phase's P10–P90 from its engine estimate (other inputs central)</caption>
        <thead><tr><th>phase</th><th>GPU-hours P10–P90</th><th>cost P10–P90</th><th>band from</th></tr></thead>
        <tbody>
          ${ranges.map(
            (r) => html`<tr>
              <td>${r.name}</td>
              <td class="num">${r.gpuHours ? `${formatCount(r.gpuHours.p10)} – ${formatCount(r.gpuHours.p90)}` : 'follows demand'}</td>
              <td class="num">${formatUsd(r.costUsd.p10)} – ${formatUsd(r.costUsd.p90)}</td>
              <td>${r.basis}${r.outside.map((o) => html`<br /><b>Outside calibration:</b> ${o}`)}</td>
            </tr>`,
          )}
        </tbody>
      </table>`;

interface ScenarioResult {
  readonly headlines: Record<string, number>;
  readonly monteCarlo: Record<string, Percentiles> | null;
  /** Each phase's P10–P90 from its engine's calibration band (as `llmecon run --json` prints it). */
  readonly phaseRanges: readonly PhaseRange[];
  readonly html: string;
  readonly markdown: string;
  readonly csv: string;
}

let result: { key: string; value: ScenarioResult } | null = null;
let issues: Issue[] | null = null;
let progress: { done: number; total: number } | null = null;
let running = false;

function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

function run(app: App): void {
  const p = app.state.project;
  const key = JSON.stringify(p);
  running = true;
  issues = null;
  progress = null;
  app.rerender();
  compute<ScenarioResult>(
    { task: 'scenario', yaml: p.yaml, samples: p.samples, seed: p.seed },
    (done, total) => {
      progress = { done, total };
      app.rerender();
    },
  )
    .then((value) => {
      result = { key, value };
    })
    .catch((e: Error) => {
      issues = e instanceof TaskError ? [...e.issues] : [{ path: '', message: e.message }];
    })
    .finally(() => {
      running = false;
      app.rerender();
    });
}

export function projectView(app: App) {
  const p = app.state.project;
  const set = (change: Partial<typeof p>) =>
    app.update((s) => ({ ...s, project: { ...s.project, ...change } }));
  const fresh = result?.key === JSON.stringify(p) ? result.value : null;
  const h = fresh?.headlines;
  return html`<h2>Project scenario</h2>
    <form @submit=${(e: Event) => {
      e.preventDefault();
      run(app);
    }}>
      <label
        >Example
        <select
          id="project-example"
          @change=${(e: Event) => {
            const example = (e.target as HTMLSelectElement).value;
            set({ example, yaml: EXAMPLES[example] ?? '' });
          }}
        >
          ${Object.keys(EXAMPLES).map((f) => html`<option ?selected=${f === p.example}>${f}</option>`)}
        </select>
      </label>
      <label>Monte Carlo samples <input id="project-samples" type="number" min="0" max=${STATE_DOMAINS.project.samples.max} step="1" .value=${String(p.samples)} @change=${numberField(STATE_DOMAINS.project.samples, (samples) => set({ samples }))} /></label>
      <label>Seed <input id="project-seed" type="number" min="0" step="1" .value=${String(p.seed)} @change=${numberField(STATE_DOMAINS.project.seed, (seed) => set({ seed }))} /></label>
      <div class="row">
        <button class="primary" id="project-run" type="submit" ?disabled=${running}>Run</button>
        ${running ? html`<button type="button" id="project-cancel" @click=${() => cancel()}>Cancel</button>` : nothing}
      </div>
    </form>
    <label
      >Scenario (YAML; fields in docs/scenarios.md)
      <textarea id="project-yaml" spellcheck="false" .value=${p.yaml} @change=${(e: Event) => set({ yaml: (e.target as HTMLTextAreaElement).value })}></textarea>
    </label>
    ${issues ? html`<p class="error" role="alert" id="project-errors">${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n')}</p>` : nothing}
    ${
      running
        ? html`<p class="status" aria-live="polite">Running${progress ? html` <progress max=${progress.total} .value=${progress.done}></progress> ${progress.done.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')} samples` : '…'}</p>`
        : nothing
    }
    ${
      fresh && h
        ? html`<div class="cards" id="project-result" data-total=${String(h.totalCostUsd)} data-npv=${String(h.npvUsd)}>
            <div class="card">total cost<b>${formatUsd(h.totalCostUsd!)}</b></div>
            <div class="card">NPV<b>${formatUsd(h.npvUsd!)}</b></div>
            ${
              fresh.monteCarlo
                ? html`<div class="card">total cost P5–P95<b>${formatUsd(fresh.monteCarlo.totalCostUsd!.p5)} – ${formatUsd(fresh.monteCarlo.totalCostUsd!.p95)}</b><small class="band">P10 ${formatUsd(fresh.monteCarlo.totalCostUsd!.p10)} – P90 ${formatUsd(fresh.monteCarlo.totalCostUsd!.p90)}</small></div>`
                : nothing
            }
            <div class="card">energy<b>${h.energyMWh!.toFixed(0)} MWh</b></div>
          </div>
          ${phaseBands(fresh.phaseRanges)}
          <div class="row">
            <button type="button" @click=${() => download('scenario.yaml', 'text/yaml', p.yaml)}>Export scenario (YAML)</button>
            <button type="button" @click=${() => download('report.html', 'text/html', fresh.html)}>Report (HTML)</button>
            <button type="button" @click=${() => download('report.md', 'text/markdown', fresh.markdown)}>Report (Markdown)</button>
            <button type="button" @click=${() => download('cash-flows.csv', 'text/csv', fresh.csv)}>Cash flows (CSV)</button>
          </div>
          <iframe class="report" title="Scenario report" sandbox="" .srcdoc=${fresh.html}></iframe>`
        : nothing
    }`;
}
