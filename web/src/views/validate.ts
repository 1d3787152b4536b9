/** Validate: the engines' predictions against every cited published figure. */
import { html, nothing } from 'lit-html';
import { compute } from '../compute.js';
import type { App } from '../main.js';

interface Row {
  id: string;
  title: string;
  published: number;
  predicted: number;
  error: number;
  tolerance: number;
  withinTolerance: boolean;
  source: string;
}
interface Validation {
  training: Row[];
  serving: Row[];
}

let result: Validation | null = null;
let error: string | null = null;
let started = false;

const table = (id: string, rows: Row[]) =>
  html`<table id=${id}>
    <thead><tr><th>case</th><th>published</th><th>predicted</th><th>error</th><th>tolerance</th><th>source</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr data-error=${String(r.error)}>
          <td>${r.title}</td><td class="num">${r.published.toPrecision(4)}</td><td class="num">${r.predicted.toPrecision(4)}</td>
          <td class="num">${r.error >= 0 ? '+' : ''}${(100 * r.error).toFixed(1)}% ${r.withinTolerance ? '' : '⚠'}</td>
          <td class="num">±${(100 * r.tolerance).toFixed(0)}%</td><td>${r.source}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;

export function validateView(app: App) {
  if (!started) {
    started = true;
    compute<Validation>({ task: 'validate' })
      .then((v) => {
        result = v;
      })
      .catch((e: Error) => {
        error = e.message;
      })
      .finally(() => app.rerender());
  }
  return html`<h2>Validation: predicted vs published</h2>
    ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
    ${
      result
        ? html`<h3>Training (${result.training.length} cases)</h3>
          ${table('validate-training', result.training)}
          <h3>Serving (${result.serving.length} cases)</h3>
          ${table('validate-serving', result.serving)}`
        : html`<p class="status" aria-live="polite">Running every validation case…</p>`
    }`;
}
