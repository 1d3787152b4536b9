/** Serve: GPUs for a traffic, $ per day and per million tokens, and self-hosting against an API. */
import * as Plot from '@observablehq/plot';
import { html, nothing } from 'lit-html';
import { loadCatalog } from '../../../src/catalog/catalog.js';
import type { Domain } from '../../../src/core/domain.js';
import type { BreakEven } from '../../../src/core/inference/deployment.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../../../src/core/precision.js';
import type { Outcome } from '../../../src/levers/levers.js';
import { runOnce, taskSlot } from '../compute.js';
import type { App } from '../main.js';
import { type ServeInput, STATE_DOMAINS } from '../state.js';
import { formatBytes, formatCount, formatUsd, numberField } from './common.js';
import { gpuId } from './train.js';

interface Served {
  readonly outcome: Outcome;
  readonly api: string;
  readonly apiUsdPerDay: number;
  readonly curve: BreakEven;
  readonly batching: readonly {
    concurrency: number;
    outputTokensPerSecondPerGpu: number;
    tpotSeconds: number;
    ttftSeconds: number;
  }[];
  readonly chosenConcurrency: number;
}

/** Throughput per GPU and time per output token as the running batch grows, with the SLO. */
function batchingChart(v: Served, tpotSlo: number) {
  const plot = Plot.plot({
    height: 260,
    x: { type: 'log', label: 'output tokens/s per GPU', grid: true },
    y: { label: 'time per output token (ms)', grid: true },
    marks: [
      Plot.line(v.batching, {
        x: 'outputTokensPerSecondPerGpu',
        y: (d: { tpotSeconds: number }) => 1000 * d.tpotSeconds,
      }),
      Plot.dot(v.batching, {
        x: 'outputTokensPerSecondPerGpu',
        y: (d: { tpotSeconds: number }) => 1000 * d.tpotSeconds,
        title: (d: { concurrency: number }) => `${d.concurrency} sequences`,
      }),
      Plot.ruleY([1000 * tpotSlo], { stroke: 'firebrick', strokeDasharray: '4 3' }),
      Plot.text(
        v.batching.filter(
          (d) => d.concurrency === v.batching[v.batching.length - 1]!.concurrency || d.concurrency === 1,
        ),
        {
          x: 'outputTokensPerSecondPerGpu',
          y: (d: { tpotSeconds: number }) => 1000 * d.tpotSeconds,
          text: (d: { concurrency: number }) => `batch ${d.concurrency}`,
          dy: -10,
          textAnchor: 'end',
        },
      ),
    ],
  });
  plot.setAttribute('role', 'img');
  plot.setAttribute('aria-label', 'Throughput per GPU against time per output token as the batch grows');
  return plot;
}

const slot = taskSlot<Served>();

/** The serving baseline `llmecon levers` takes, for one day. */
export const serveBaseline = (s: ServeInput) => ({
  kind: 'serve',
  model: s.model,
  gpu: s.gpu,
  weights: s.weights,
  kv: s.kv,
  inputTokens: s.inputTokens,
  outputTokens: s.outputTokens,
  tokensPerDay: s.tokensPerDay,
  tpotSloSeconds: s.tpotSloSeconds,
  usdPerGpuHour: s.usdPerGpuHour,
  days: 1,
});

function chart(c: BreakEven, api: string) {
  const points = c.series.flatMap((p) => [
    ...(p.selfHostUsdPerDay === null
      ? []
      : [{ tokensPerDay: p.tokensPerDay, usdPerDay: p.selfHostUsdPerDay, who: 'self-hosted' }]),
    { tokensPerDay: p.tokensPerDay, usdPerDay: p.apiUsdPerDay, who: api },
  ]);
  const plot = Plot.plot({
    height: 280,
    x: { type: 'log', label: 'tokens per day (input + output)', grid: true },
    y: { type: 'log', label: '$ per day', grid: true },
    color: { legend: true },
    marks: [
      Plot.line(points, { x: 'tokensPerDay', y: 'usdPerDay', stroke: 'who', strokeWidth: 2 }),
      ...(c.breakEvenTokensPerDay === null
        ? []
        : [Plot.ruleX([c.breakEvenTokensPerDay], { strokeDasharray: '4 3' })]),
    ],
  });
  const svg = plot.tagName.toLowerCase() === 'svg' ? plot : plot.querySelector(':scope > svg')!;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Self-hosting vs ${api}, dollars per day by daily volume`);
  return plot;
}

export function serveView(app: App) {
  const s = app.state.serve;
  const set = (change: Partial<ServeInput>) =>
    app.update((st) => ({ ...st, serve: { ...st.serve, ...change } }));
  const num = (field: keyof ServeInput) =>
    numberField((STATE_DOMAINS.serve as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  const pick = (field: keyof ServeInput) => (e: Event) =>
    set({ [field]: (e.target as HTMLSelectElement).value });
  const r = runOnce(
    slot,
    JSON.stringify(s),
    { task: 'serve', baseline: serveBaseline(s), api: s.api },
    app.rerender,
  );
  const catalog = loadCatalog();
  const v = r?.value;
  return html`<h2>Serving</h2>
    <form>
      <label
        >Model
        <select id="serve-model" @change=${pick('model')}>
          ${[...catalog.models.values()].map((m) => html`<option value=${m.id} ?selected=${m.id === s.model}>${m.id}</option>`)}
        </select>
      </label>
      <label
        >GPU
        <select id="serve-gpu" @change=${pick('gpu')}>
          ${[...catalog.gpus.values()].map((g) => html`<option value=${g.id} ?selected=${g.id === gpuId(s.gpu)}>${g.id}</option>`)}
        </select>
      </label>
      <label
        >Weights
        <select id="serve-weights" @change=${pick('weights')}>
          ${WEIGHT_FORMATS.map((f) => html`<option ?selected=${f === s.weights}>${f}</option>`)}
        </select>
      </label>
      <label
        >KV cache
        <select id="serve-kv" @change=${pick('kv')}>
          ${KV_FORMATS.map((f) => html`<option ?selected=${f === s.kv}>${f}</option>`)}
        </select>
      </label>
      <label>Prompt tokens <input id="serve-input" type="text" inputmode="decimal" .value=${String(s.inputTokens)} @change=${num('inputTokens')} /></label>
      <label>Output tokens <input id="serve-output" type="text" inputmode="decimal" .value=${String(s.outputTokens)} @change=${num('outputTokens')} /></label>
      <label>Tokens per day <input id="serve-volume" type="text" inputmode="decimal" .value=${String(s.tokensPerDay)} @change=${num('tokensPerDay')} /></label>
      <label>Time per output token ≤ (s) <input id="serve-tpot" type="text" inputmode="decimal" .value=${String(s.tpotSloSeconds)} @change=${num('tpotSloSeconds')} /></label>
      <label>$ per GPU-hour <input id="serve-price" type="text" inputmode="decimal" .value=${String(s.usdPerGpuHour)} @change=${num('usdPerGpuHour')} /></label>
      <label
        >Compare with API
        <select id="serve-api" @change=${pick('api')}>
          ${[...catalog.apis.values()].map((a) => html`<option value=${a.id} ?selected=${a.id === s.api}>${a.id}</option>`)}
        </select>
      </label>
    </form>
    ${r === null ? html`<p class="status" aria-live="polite">Planning the deployment…</p>` : nothing}
    ${r?.issues ? html`<p class="error" role="alert">${r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n')}</p>` : nothing}
    ${
      v
        ? html`<div class="cards" id="serve-result" data-usd-per-day=${String(v.outcome.costUsd)}>
            <div class="card">self-hosted<b>${formatUsd(v.outcome.costUsd)}/day</b></div>
            <div class="card">per million tokens<b>${formatUsd((v.outcome.costUsd / s.tokensPerDay) * 1e6)}</b></div>
            <div class="card">${v.api}<b>${formatUsd(v.apiUsdPerDay)}/day</b></div>
            <div class="card">GPUs<b>${v.outcome.gpus}</b></div>
            <div class="card">memory per GPU<b>${formatBytes(v.outcome.memoryPerGpuBytes)}</b></div>
            <div class="card">request latency<b>${v.outcome.timeSeconds.toFixed(2)} s</b></div>
          </div>
          <p>${v.outcome.detail}</p>
          <figure>
            <figcaption>
              Throughput vs latency of one replica as its batch grows (the red line is the TPOT target;
              the plan runs ${v.chosenConcurrency} sequences)
            </figcaption>
            ${batchingChart(v, s.tpotSloSeconds)}
          </figure>
          <figure>
            <figcaption>
              Self-hosting vs ${v.api}:
              ${
                v.curve.breakEvenTokensPerDay === null
                  ? 'no break-even between 1M and 1T tokens a day'
                  : `self-hosting is cheaper from ${formatCount(v.curve.breakEvenTokensPerDay)} tokens a day`
              }
            </figcaption>
            ${chart(v.curve, v.api)}
          </figure>`
        : nothing
    }`;
}
