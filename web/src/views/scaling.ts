/** Scaling laws: compute-optimal parameters and tokens for a FLOP or dollar budget (instant, on the page). */

import { html, nothing } from 'lit-html';
import { findGpu, loadCatalog } from '../../../src/catalog/catalog.js';
import { defaultPrice } from '../../../src/catalog/training-defaults.js';
import type { Domain } from '../../../src/core/domain.js';
import { InputError } from '../../../src/core/errors.js';
import {
  type Allocation,
  CHINCHILLA_FITS,
  chinchillaOptimal,
  flopsForBudget,
  inferenceAwareOptimal,
  kaplanOptimal,
  llama3Optimal,
} from '../../../src/core/scaling/scaling-laws.js';
import type { App } from '../main.js';
import { type AppState, STATE_DOMAINS } from '../state.js';
import { formatCount, numberField } from './common.js';
import { gpuId } from './train.js';

function allocate(s: AppState['scaling']) {
  const flops =
    s.mode === 'flops'
      ? s.flops
      : flopsForBudget(
          s.usd,
          defaultPrice(findGpu(s.gpu), undefined).usdPerGpuHour,
          findGpu(s.gpu).peakFlopsPerSecond.bf16!,
          loadCatalog().assumptions.trainingMfu.value,
        );
  const epoch = chinchillaOptimal(CHINCHILLA_FITS.epoch, flops);
  const rows: [string, Allocation][] = [
    ['Chinchilla, Epoch AI refit (Besiroglu et al. 2024)', epoch],
    ['Chinchilla, Hoffmann et al. 2022 Eq. 10', chinchillaOptimal(CHINCHILLA_FITS.hoffmann, flops)],
    ['Kaplan et al. 2020 (N = 1.3e9·C^0.73)', kaplanOptimal(flops)],
    ['Llama 3 (tokens = 0.299·C^0.537)', llama3Optimal(flops)],
  ];
  const inference =
    s.inferenceTokens > 0
      ? inferenceAwareOptimal(CHINCHILLA_FITS.epoch, epoch.loss!, s.inferenceTokens)
      : null;
  return { flops, rows, inference };
}

export function scalingView(app: App) {
  const s = app.state.scaling;
  const set = (change: Partial<AppState['scaling']>) =>
    app.update((st) => ({ ...st, scaling: { ...st.scaling, ...change } }));
  const num = (field: 'flops' | 'usd' | 'inferenceTokens') =>
    numberField((STATE_DOMAINS.scaling as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  let result: ReturnType<typeof allocate> | null = null;
  let error: string | null = null;
  const started = performance.now();
  try {
    result = allocate(s);
  } catch (e) {
    error = e instanceof InputError ? e.message : (e as Error).message;
  }
  const ms = performance.now() - started;
  return html`<h2>Scaling laws</h2>
    <form>
      <label
        >Budget in
        <select id="scaling-mode" @change=${(e: Event) => set({ mode: (e.target as HTMLSelectElement).value as 'flops' | 'usd' })}>
          <option value="flops" ?selected=${s.mode === 'flops'}>FLOPs</option>
          <option value="usd" ?selected=${s.mode === 'usd'}>dollars</option>
        </select>
      </label>
      ${
        s.mode === 'flops'
          ? html`<label>Training FLOPs <input id="scaling-flops" type="text" inputmode="decimal" .value=${String(s.flops)} @change=${num('flops')} /></label>`
          : html`<label>Dollars <input id="scaling-usd" type="text" inputmode="decimal" .value=${String(s.usd)} @change=${num('usd')} /></label>
            <label
              >GPU
              <select id="scaling-gpu" @change=${(e: Event) => set({ gpu: (e.target as HTMLSelectElement).value })}>
                ${[...loadCatalog().gpus.values()].map((g) => html`<option ?selected=${g.id === gpuId(s.gpu)}>${g.id}</option>`)}
              </select>
            </label>`
      }
      <label>Tokens it will serve (0: none) <input id="scaling-inference" type="text" inputmode="decimal" .value=${String(s.inferenceTokens)} @change=${num('inferenceTokens')} /></label>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
    ${
      result
        ? html`<p id="scaling-flops-out" data-ms=${ms.toFixed(2)}>${result.flops.toExponential(2)} FLOPs</p>
          <table id="scaling-table">
            <thead><tr><th>compute-optimal allocation</th><th>parameters</th><th>tokens</th><th>tokens/param</th><th>loss</th></tr></thead>
            <tbody>
              ${result.rows.map(
                ([name, r]) => html`<tr data-params=${String(r.params)} data-tokens=${String(r.tokens)}>
                  <td>${name}</td><td class="num">${formatCount(r.params)}</td><td class="num">${formatCount(r.tokens)}</td>
                  <td class="num">${(r.tokens / r.params).toFixed(1)}</td><td class="num">${r.loss === null ? '—' : r.loss.toFixed(3)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${
            result.inference
              ? html`<p>To reach the same loss and then serve ${formatCount(s.inferenceTokens)} tokens with the fewest total FLOPs (Sardana et al. 2024): ${formatCount(result.inference.params)} parameters on ${formatCount(result.inference.tokens)} tokens.</p>`
              : nothing
          }`
        : nothing
    }`;
}
