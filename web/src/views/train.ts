/** Train: a pretraining run — the fastest layout that fits, GPU-hours, days, dollars, energy. */
import * as Plot from '@observablehq/plot';
import { html, nothing } from 'lit-html';
import { findGpu, loadCatalog } from '../../../src/catalog/catalog.js';
import type { Domain } from '../../../src/core/domain.js';
import { energyText } from '../../../src/core/energy/energy.js';
import { ordinal } from '../../../src/core/format.js';
import { GIB, SECONDS_PER_DAY } from '../../../src/core/units.js';
import type { Outcome, TrainingHints } from '../../../src/levers/levers.js';
import { runOnce, taskSlot } from '../compute.js';
import { configText } from '../config-upload.js';
import type { App } from '../main.js';
import { isMoe } from '../model-facts.js';
import { RECOMPUTE_CHOICES, type RecomputeChoice, STATE_DOMAINS, type TrainInput } from '../state.js';
import { bandNote, bandText, memoryBandText } from './bands.js';
import {
  days,
  fieldError,
  formatBytes,
  formatCount,
  formatUsd,
  labelled,
  numberField,
  otherErrors,
} from './common.js';
import { etpOf, etpSelect, memoryFitSelect, notEtp, offloadSelect, offloadText } from './layout-select.js';
import { modelFactsView } from './model-mix.js';
import { oneFOneB } from './pipeline.js';
import { mtpSelect, precisionSelect, stackSelect, stackSwitchToggle } from './stack-select.js';

const mwh = (kWh: number) => `${(kWh / 1000).toFixed(1)} MWh`;
const tonnes = (kg: number) => `${(kg / 1000).toFixed(1)} t`;

const slot = taskSlot<Outcome>();
const detailSlot = taskSlot<Outcome>();

/** The pretraining baseline `llmecon levers` takes, with an uploaded config standing in for the model. */
const evaluateTask = (input: TrainInput, details: boolean) =>
  ({
    details,
    task: 'evaluate',
    baseline: {
      kind: 'train',
      model: input.model,
      tokens: input.tokens,
      gpu: input.gpu,
      gpus: input.gpus,
      precision: input.precision,
      seqLen: input.seqLen,
      ...(input.documentTokens > 0 && { documentTokens: input.documentTokens }),
      ...(input.documentTokensP99 > 0 && { documentTokensP99: input.documentTokensP99 }),
      usdPerGpuHour: input.usdPerGpuHour ?? undefined,
      layout: {
        tp: input.tp || undefined,
        pp: input.pp || undefined,
        etp: etpOf(input.etp, input.tp, isMoe(input.model, input.config)),
        recompute: input.recompute === 'search' ? undefined : input.recompute,
      },
      stack: input.stack,
      offload: input.offload,
      ...(input.memoryFit !== 'estimate' && { memoryFit: input.memoryFit }),
      ...(input.mtp !== 'checkpoint' && { mtpLayers: Number(input.mtp) }),
      ...(input.tpCommOverlap && { tpCommOverlap: true }),
      ...(input.fullIterationCudaGraphs && { fullIterationCudaGraphs: true }),
      ...(input.bf16GradBuffers && { bf16GradBuffers: true }),
    },
    config: input.config === null ? null : { text: input.config, name: input.configName ?? 'config.json' },
  }) as const;

/** The catalog id of a GPU named by id or alias (null when unknown: the engine reports it). */
export const gpuId = (name: string): string | null => {
  try {
    return findGpu(name).id;
  } catch {
    return null;
  }
};

/** The GPU's figures, each with its source, kind and date on hover (and to screen readers). */
export function gpuFacts(name: string) {
  const id = gpuId(name);
  const gpu = id === null ? undefined : loadCatalog().gpus.get(id);
  if (!gpu) return nothing;
  const sources = loadCatalog().sources;
  const f = gpu.file;
  const fact = (text: string, v: { source: string; kind: string; asOf?: string; note?: string }) =>
    html`<abbr tabindex="0" title=${`${sources[v.source]?.title ?? v.source} (${v.kind}${v.asOf ? `, ${v.asOf}` : ''})${v.note ? ` — ${v.note}` : ''}`}>${text}</abbr>`;
  return html`<p class="status gpu-facts">
    ${gpu.name}: ${fact(`BF16 ${f.peakFlops.bf16!.value} ${f.peakFlops.bf16!.unit}`, f.peakFlops.bf16!)}
    ${f.peakFlops.fp8 ? html` · ${fact(`FP8 ${f.peakFlops.fp8.value} ${f.peakFlops.fp8.unit}`, f.peakFlops.fp8)}` : nothing}
    · ${fact(`${f.memory.capacity.value} ${f.memory.capacity.unit}`, f.memory.capacity)}
    (${fact(`${(gpu.memoryBytes / GIB).toFixed(2)} GiB device`, f.memory.deviceCapacity)}) ·
    ${fact(`${f.memory.bandwidth.value} ${f.memory.bandwidth.unit}`, f.memory.bandwidth)}
    ${f.tdp ? html` · ${fact(`${f.tdp.value} ${f.tdp.unit}`, f.tdp)}` : nothing}
  </p>`;
}

const sourceOf = (name: string) => {
  const id = gpuId(name);
  const gpu = id === null ? undefined : loadCatalog().gpus.get(id);
  if (!gpu) return '';
  const f = gpu.file;
  return `${gpu.name}: BF16 ${f.peakFlops.bf16!.value} TFLOP/s (${f.peakFlops.bf16!.source}), ${f.memory.capacity.value} ${f.memory.capacity.unit} (${f.memory.capacity.source}; ${(gpu.memoryBytes / GIB).toFixed(2)} GiB as the device reports it, ${f.memory.deviceCapacity.source})`;
};

/** The chosen pipeline as a 1F1B timeline (the first 16 microbatches at most). */
function timeline(p: { stages: number; microbatches: number; schedule: string }) {
  const shown = Math.min(p.microbatches, 16);
  const slots = oneFOneB(p.stages, shown);
  return html`<figure>
    <figcaption>
      Pipeline: ${p.stages} stages × ${p.microbatches} microbatches per step (${p.schedule}); a 1F1B
      schematic of ${shown === p.microbatches ? 'all of them' : `the first ${shown}`}, backward = 2 × forward — the white space is the bubble
    </figcaption>
    ${labelled(
      Plot.plot({
        height: 30 + 22 * p.stages,
        marginLeft: 60,
        x: { label: 'time (forward passes of one microbatch)' },
        y: { label: 'stage', domain: Array.from({ length: p.stages }, (_, i) => i) },
        color: { domain: ['forward', 'backward'], range: ['#4e79a7', '#f28e2b'], legend: true },
        marks: [Plot.barX(slots, { x1: 'start', x2: 'end', y: 'stage', fill: 'pass', inset: 0.5 })],
      }),
      `Pipeline timeline, ${p.stages} stages`,
    )}
  </figure>`;
}

/** A hinted step against the chosen one: seconds and how much faster. */
const fasterBy = (seconds: number, chosen: number) =>
  `${seconds.toFixed(2)} s a step (${((100 * (chosen - seconds)) / chosen).toFixed(0)}% faster)`;

/** The hinted partial recomputation as a list item (Megatron-Core's block method or torchtitan's every K-th layer). */
function recomputeHintItem(d: NonNullable<Outcome['training']>) {
  const r = d.hints?.recompute;
  if (!r) return nothing;
  const where =
    'layers' in r
      ? html`only the first ${r.layers} of the ${r.chunkLayers} layers ${d.pipeline.stages > 1 ? 'of each pipeline chunk' : 'of the model'} (Megatron-Core's block method, <code>--recompute-num-layers ${r.layers}</code>)`
      : html`only every ${ordinal(r.every)} layer (torchtitan's layer-wise checkpointing, <code>--recompute-every ${r.every}</code>)`;
  return html`<li>Recomputing ${where} still fits this layout at ${formatBytes(r.memoryPerGpuBytes)}/GPU: ${fasterBy(r.stepSeconds, d.stepSeconds)}.</li>`;
}

/** Where the chosen layout would most likely run out of memory: the fastest layout that fits at the band's P90. */
function likelyFitItem(likely: TrainingHints['likelyFit'] | undefined) {
  if (!likely) return nothing;
  if (!likely.best)
    return html`<li id="train-likely-fit">At the memory band's P90 no layout${likely.fixedFlags ? ' with the fixed fields' : ''} fits: ${likely.fixedFlags ? 'free some of them, or ' : ''}use more GPUs or a GPU with more memory.</li>`;
  const b = likely.best;
  return html`<li id="train-likely-fit" data-step-seconds=${String(b.stepSeconds)}>Fits at its memory band's P90 (nine in ten measured peaks would): ${b.layout} at ${formatBytes(b.memoryPerGpuBytes)}/GPU, ${b.stepSeconds.toFixed(2)} s a step; “Fit memory at” P90 plans with it.</li>`;
}

/**
 * What would beat the chosen layout's recomputation, as `llmecon train` hints it: partial recomputation
 * at the same layout, or activation offload (nothing where neither would).
 */
function hintsView(d: NonNullable<Outcome['training']>) {
  const r = d.hints?.recompute;
  const o = d.hints?.offloadActivations;
  const likely = d.hints?.likelyFit;
  if (!r && !o && !likely) return nothing;
  return html`<ul id="train-hints" data-recompute-layers=${r && 'layers' in r ? String(r.layers) : ''} data-recompute-every=${r && 'every' in r ? String(r.every) : ''} data-offload-layers=${o ? String(o.layers) : ''}>
    ${likelyFitItem(likely)}
    ${recomputeHintItem(d)}
    ${o ? html`<li>Keeping ${o.layers} layers' activations in host memory instead of recomputing (<code>--offload-activations ${o.layers}</code>, no pipeline): ${fasterBy(o.stepSeconds, d.stepSeconds)}, ${formatBytes(o.memoryPerGpuBytes)}/GPU.</li>` : nothing}
  </ul>`;
}

/** Where a step's time goes, memory against the GPU, and the time-vs-GPUs Pareto set. */
function charts(o: Outcome, tokens: number) {
  const d = o.training!;
  const parts = Object.entries(d.stepBreakdownSeconds)
    .filter(([, s]) => s > 0)
    .map(([part, seconds]) => ({ part: part.replace(/Seconds$/, ''), seconds }));
  const pareto = d.pareto.map((p) => ({
    gpus: p.gpus,
    days: (tokens * p.gpuSecondsPerToken) / p.gpus / SECONDS_PER_DAY,
  }));
  const memory = [
    { what: 'used', gib: o.memoryPerGpuBytes / GIB },
    { what: 'GPU memory', gib: d.gpuMemoryBytes / GIB },
  ];
  return html`${hintsView(d)}<figure>
      <figcaption>Where one ${d.stepSeconds.toFixed(2)} s step goes (seconds, slowest stage)</figcaption>
      ${labelled(
        Plot.plot({
          marginLeft: 190,
          height: 40 + 24 * parts.length,
          x: { label: 'seconds per step', grid: true },
          y: { label: null },
          marks: [
            Plot.barX(parts, { x: 'seconds', y: 'part', fill: 'steelblue', sort: { y: '-x' } }),
            Plot.ruleX([0]),
          ],
        }),
        'Step time breakdown in seconds',
      )}
    </figure>
    <figure>
      <figcaption>Memory per GPU (GiB) against the GPU's capacity</figcaption>
      ${labelled(
        Plot.plot({
          marginLeft: 90,
          height: 90,
          x: { label: 'GiB', grid: true, domain: [0, Math.max(...memory.map((m) => m.gib))] },
          y: { label: null },
          marks: [Plot.barX(memory, { x: 'gib', y: 'what', fill: 'what' }), Plot.ruleX([0])],
        }),
        'Memory per GPU against capacity, GiB',
      )}
    </figure>
    ${d.pipeline.stages > 1 ? timeline(d.pipeline) : nothing}
    ${
      pareto.length > 1
        ? html`<figure>
          <figcaption>Time vs GPUs: the fastest layout at each GPU count (ideal days, before goodput)</figcaption>
          ${labelled(
            Plot.plot({
              height: 240,
              x: { type: 'log', label: 'GPUs', grid: true },
              y: { type: 'log', label: 'days', grid: true },
              marks: [
                Plot.line(pareto, { x: 'gpus', y: 'days' }),
                Plot.dot(pareto, { x: 'gpus', y: 'days', fill: 'currentColor' }),
              ],
            }),
            'Wall-clock days by GPU count',
          )}
        </figure>`
        : nothing
    }`;
}

export function trainView(app: App) {
  const t = app.state.train;
  const set = (change: Partial<TrainInput>) =>
    app.update((s) => ({ ...s, train: { ...s.train, ...change } }));
  const num = (field: keyof TrainInput) =>
    numberField((STATE_DOMAINS.train as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  const found = runOnce(slot, JSON.stringify(t), evaluateTask(t, false), app.rerender);
  // The charts need a wider search (smaller GPU counts for the Pareto set): asked for once the numbers are in.
  const detailed = found?.value
    ? runOnce(detailSlot, JSON.stringify(t), evaluateTask(t, true), app.rerender)
    : null;
  const r = found && { ...found, outcome: found.value };
  const catalog = loadCatalog();
  const upload = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) set({ config: await configText(file), configName: file.name });
  };
  return html`<h2>Pretraining run</h2>
    <form @submit=${(e: Event) => e.preventDefault()}>
      <label
        >Model
        <select id="train-model" ?disabled=${t.config !== null} @change=${(e: Event) => set({ model: (e.target as HTMLSelectElement).value })}>
          ${[...catalog.models.values()].map((m) => html`<option value=${m.id} ?selected=${m.id === t.model}>${m.id}</option>`)}
        </select>
        ${fieldError(r?.issues ?? null, 'model', 'baseline.model')}
      </label>
      <label
        >…or a Hugging Face config.json
        <input id="train-config" type="file" accept=".json,application/json" @change=${upload} />
        ${
          t.config !== null
            ? html`<span>${t.configName} <button type="button" @click=${() => set({ config: null, configName: null })}>use the catalog model</button></span>`
            : nothing
        }
        ${fieldError(r?.issues ?? null, 'config.json')}
      </label>
      <label
        >GPU
        <select id="train-gpu" title=${sourceOf(t.gpu)} @change=${(e: Event) => set({ gpu: (e.target as HTMLSelectElement).value })}>
          ${[...catalog.gpus.values()].map((g) => html`<option value=${g.id} title=${sourceOf(g.id)} ?selected=${g.id === gpuId(t.gpu)}>${g.id}</option>`)}
        </select>
        ${fieldError(r?.issues ?? null, 'gpu', 'baseline.gpu')}
      </label>
      <label>GPUs <input id="train-gpus" type="text" inputmode="decimal" .value=${String(t.gpus)} @change=${num('gpus')} />${fieldError(r?.issues ?? null, 'gpus', '--gpus')}</label>
      <label>Tokens <input id="train-tokens" type="text" inputmode="decimal" .value=${String(t.tokens)} @change=${num('tokens')} />${fieldError(r?.issues ?? null, 'tokens')}</label>
      ${precisionSelect('train-precision', 'Precision', t.precision, (precision) => set({ precision }), fieldError(r?.issues ?? null, 'precision', 'baseline.precision', '--precision'))}
      <label>Sequence length <input id="train-seq" type="text" inputmode="decimal" .value=${String(t.seqLen)} @change=${num('seqLen')} />${fieldError(r?.issues ?? null, 'seqLen')}</label>
      <label title="Packed documents with attention masked at their boundaries (FlashAttention varlen): attention spans a document, not the sequence">Document tokens (0: none) <input id="train-docs" type="text" inputmode="decimal" .value=${String(t.documentTokens)} @change=${num('documentTokens')} />${fieldError(r?.issues ?? null, 'documentTokens', 'baseline.documentTokens')}</label>
      <label title="The spread of the documents' lengths (a lognormal of their mean): long documents hold more of the tokens, so attention spans more than the mean">Document tokens P99 (0: all at the mean) <input id="train-docs-p99" type="text" inputmode="decimal" .value=${String(t.documentTokensP99)} @change=${num('documentTokensP99')} />${fieldError(r?.issues ?? null, 'documentTokensP99', 'baseline.documentTokensP99')}</label>
      <label>$ per GPU-hour <input id="train-price" type="text" inputmode="decimal" .value=${t.usdPerGpuHour === null ? '' : String(t.usdPerGpuHour)} @change=${num('usdPerGpuHour')} />${fieldError(r?.issues ?? null, 'usdPerGpuHour')}</label>
      <label>Tensor parallel (0: search) <input id="train-tp" type="text" inputmode="decimal" .value=${String(t.tp)} @change=${num('tp')} />${fieldError(notEtp(r?.issues ?? null), 'layout')}</label>
      <label>Pipeline stages (0: search) <input id="train-pp" type="text" inputmode="decimal" .value=${String(t.pp)} @change=${num('pp')} /></label>
      ${stackSelect('train-stack', t.stack, gpuId(t.gpu), (stack) => set({ stack }))}
      ${etpSelect('train-etp', t.etp, t.tp, isMoe(t.model, t.config), (etp) => set({ etp }), r?.issues ?? null)}
      ${offloadSelect('train-offload', t.offload, t.stack, gpuId(t.gpu), (offload) => set({ offload }), r?.issues ?? null)}
      <label>Recomputation <select id="train-recompute" @change=${(e: Event) => set({ recompute: (e.target as HTMLSelectElement).value as RecomputeChoice })}>
        ${RECOMPUTE_CHOICES.map((c) => html`<option value=${c} ?selected=${c === t.recompute}>${c === 'search' ? 'search (partial included)' : c}</option>`)}
      </select></label>
      ${memoryFitSelect('train-memory-fit', t.memoryFit, 'train', t.stack, (memoryFit) => set({ memoryFit }), r?.issues ?? null)}
      ${mtpSelect('train-mtp', t.mtp, t.stack, (mtp) => set({ mtp }), r?.issues ?? null)}
      ${stackSwitchToggle('tpCommOverlap', 'train-tp-comm-overlap', t.tpCommOverlap, t.stack, (tpCommOverlap) => set({ tpCommOverlap }), r?.issues ?? null)}
      ${stackSwitchToggle('fullIterationCudaGraphs', 'train-cuda-graphs', t.fullIterationCudaGraphs, t.stack, (fullIterationCudaGraphs) => set({ fullIterationCudaGraphs }), r?.issues ?? null)}
      ${stackSwitchToggle('bf16GradBuffers', 'train-bf16-grad-buffers', t.bf16GradBuffers, t.stack, (bf16GradBuffers) => set({ bf16GradBuffers }), r?.issues ?? null)}
    </form>
    ${t.config !== null ? modelFactsView(t.config, t.configName ?? 'config.json') : nothing}
    ${gpuFacts(t.gpu)}
    ${r === null ? html`<p class="status" aria-live="polite">Searching layouts…</p>` : nothing}
    ${r ? otherErrors(r.issues, ['model', 'baseline.model', 'config.json', 'gpu', 'baseline.gpu', 'gpus', '--gpus', 'tokens', 'precision', 'baseline.precision', '--precision', 'seqLen', 'documentTokens', 'baseline.documentTokens', 'documentTokensP99', 'baseline.documentTokensP99', 'usdPerGpuHour', 'layout', 'offload', 'memoryFit', 'baseline.memoryFit', 'mtpLayers', 'baseline.mtpLayers', 'tpCommOverlap', 'baseline.tpCommOverlap', 'fullIterationCudaGraphs', 'baseline.fullIterationCudaGraphs', 'bf16GradBuffers', 'baseline.bf16GradBuffers']) : nothing}
    ${
      r?.outcome
        ? html`<div class="cards" id="train-result" data-ms=${r.ms.toFixed(1)} data-cost=${String(r.outcome.costUsd)} data-seconds=${String(r.outcome.timeSeconds)} data-gpu-hours=${String(r.outcome.gpuHours)} data-memory=${String(r.outcome.memoryPerGpuBytes)}>
            <div class="card">cost<b>${formatUsd(r.outcome.costUsd)}</b>${bandText(r.outcome.range.costUsd, formatUsd)}</div>
            <div class="card">GPU-hours<b>${formatCount(r.outcome.gpuHours)}</b>${bandText(r.outcome.range.gpuHours, formatCount)}</div>
            <div class="card">wall-clock<b>${days(r.outcome.timeSeconds)}</b>${bandText(r.outcome.range.timeSeconds, days)}</div>
            <div class="card" id="train-memory" data-fit=${r.outcome.memoryFit}>memory per GPU<b>${formatBytes(r.outcome.memoryPerGpuBytes)}</b>${memoryBandText(r.outcome)}</div>
            ${
              r.outcome.offload
                ? html`<div class="card" id="train-offload-host" data-bytes-per-gpu=${String(r.outcome.offload.bytesPerGpu)} data-fits=${String(r.outcome.offload.fits)}>host memory (offload ${r.outcome.offload.mode})<b>${formatBytes(r.outcome.offload.bytesPerGpu)}/GPU</b><small class=${r.outcome.offload.fits ? 'band' : 'error'}>${offloadText(r.outcome.offload)}</small></div>`
                : nothing
            }
            <div class="card">energy<b>${energyText(r.outcome.energyKWh, r.outcome.energyNote, mwh, '')}</b>${bandText(r.outcome.range.energyKWh ?? undefined, mwh)}</div>
            <div class="card">CO2 (location-based)<b>${energyText(r.outcome.co2Kg, r.outcome.energyNote, tonnes, '')}</b>${bandText(r.outcome.range.co2Kg ?? undefined, tonnes)}</div>
          </div>
          <p>${r.outcome.detail}</p>
          ${bandNote(r.outcome.band)}
          ${detailed?.value?.training ? charts(detailed.value, t.tokens) : html`<p class="status" aria-live="polite">Searching smaller GPU counts for the charts…</p>`}`
        : nothing
    }`;
}
