/** Adapt: full fine-tuning, LoRA and QLoRA of the same run side by side (the fine-tuning engine). */

import { html, nothing } from 'lit-html';
import type { CalibrationBand } from '../../../src/catalog/bands.js';
import { loadCatalog } from '../../../src/catalog/catalog.js';
import type { Domain } from '../../../src/core/domain.js';
import { formatDuration } from '../../../src/core/format.js';
import { QUANTIZED_BASES, type QuantizedBase } from '../../../src/core/model/adapters.js';
import type { Range } from '../../../src/core/uncertainty/range.js';
import { SECONDS_PER_HOUR } from '../../../src/core/units.js';
import type { Outcome } from '../../../src/levers/levers.js';
import { compute, type Issue, runOnce, TaskError, taskSlot } from '../compute.js';
import { webText } from '../flag-labels.js';
import type { App } from '../main.js';
import { isMoe } from '../model-facts.js';
import {
  type AdaptInput,
  PADDING_CHOICES,
  type PaddingChoice,
  type RlInput,
  STATE_DOMAINS,
} from '../state.js';
import { bandNote, bandText, memoryBandText } from './bands.js';
import { days, fieldError, formatBytes, formatUsd, numberField, otherErrors } from './common.js';
import { etpOf, etpSelect, memoryFitSelect, notEtp, offloadSelect, offloadText } from './layout-select.js';
import { precisionSelect, stackSelect, stackSwitchToggle } from './stack-select.js';
import { gpuId } from './train.js';

const METHODS = ['full', 'lora', 'qlora'] as const;
let last: { key: string; rows: (Outcome | Issue[])[] } | null = null;
let running = '';

/** The fine-tuning baseline `llmecon levers` takes, for one method. */
export const adaptBaseline = (a: AdaptInput, method: (typeof METHODS)[number]) => ({
  kind: 'finetune',
  model: a.model,
  tokens: a.tokens,
  epochs: a.epochs,
  method,
  // Full fine-tuning has no adapter: the baseline refuses adapter fields with it. Targets as `llmecon finetune` defaults them.
  ...(method !== 'full' && { rank: a.rank }),
  ...(method !== 'full' && a.trainEmbeddings && { trainEmbeddings: true }),
  ...(method === 'qlora' && { baseFormat: a.qloraBase }),
  gpu: a.gpu,
  gpus: a.gpus,
  seqLen: a.seqLen,
  globalBatch: a.globalBatch,
  // QLoRA computes in BF16 over its NF4 base: the precision is the full and LoRA runs'.
  precision: method === 'qlora' ? 'bf16' : a.precision,
  usdPerGpuHour: a.usdPerGpuHour,
  layout: { tp: a.tp || undefined, etp: etpOf(a.etp, a.tp, isMoe(a.model)) },
  stack: a.stack,
  offload: a.offload,
  ...(a.memoryFit !== 'estimate' && { memoryFit: a.memoryFit }),
  ...(a.bf16GradBuffers && { bf16GradBuffers: true }),
  packing: packed(a.padding),
  padding: packed(a.padding) ? undefined : (a.padding as 'max-length' | 'longest'),
  ...(a.padding === 'packed-masked' && { packingMask: true }),
  examples: a.examples || undefined,
  // A spread of lengths: the longest in a padded micro-batch, or a masked example's span.
  lengthP99: spreads(a.padding) ? a.lengthP99 || undefined : undefined,
});

const spreads = (padding: PaddingChoice) => padding === 'longest' || padding === 'packed-masked';

const QLORA_BASE_LABELS: Record<QuantizedBase, string> = {
  nf4: 'NF4 (bitsandbytes)',
  gptq: 'GPTQ INT4 checkpoint (AutoGPTQ)',
};

const packed = (p: PaddingChoice) => p === 'packed' || p === 'packed-masked';

const PADDING_LABELS: Record<PaddingChoice, string> = {
  packed: 'packed into full sequences',
  'packed-masked': 'packed, each attending only within itself (TRL padding_free)',
  'max-length': 'each example padded to the sequence length',
  longest: 'each micro-batch padded to its longest (Hugging Face collators)',
};

function run(app: App, a: AdaptInput): void {
  const key = JSON.stringify(a);
  if (last?.key === key || running === key) return;
  running = key;
  Promise.all(
    METHODS.map((m) =>
      compute<Outcome>({ task: 'evaluate', baseline: adaptBaseline(a, m) }).catch((e: Error) =>
        e instanceof TaskError ? [...e.issues] : [{ path: '', message: e.message }],
      ),
    ),
  )
    .then((rows) => {
      last = { key, rows };
    })
    .finally(() => {
      running = '';
      app.rerender();
    });
}

export function adaptView(app: App) {
  const a = app.state.adapt;
  const set = (change: Partial<AdaptInput>) =>
    app.update((s) => ({ ...s, adapt: { ...s.adapt, ...change } }));
  const num = (field: keyof AdaptInput) =>
    numberField((STATE_DOMAINS.adapt as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  run(app, a);
  const r = last?.key === JSON.stringify(a) ? last : null;
  // The three runs' issues (a bad ETP or offload fails each alike), once, by the fields.
  const issues = r && [
    ...new Map(
      r.rows.flatMap((row) => (Array.isArray(row) ? row : [])).map((i) => [`${i.path}:${i.message}`, i]),
    ).values(),
  ];
  const catalog = loadCatalog();
  return html`<h2>Fine-tuning: full, LoRA, QLoRA</h2>
    <form>
      <label
        >Model
        <select id="adapt-model" @change=${(e: Event) => set({ model: (e.target as HTMLSelectElement).value })}>
          ${[...catalog.models.values()].map((m) => html`<option value=${m.id} ?selected=${m.id === a.model}>${m.id}</option>`)}
        </select>
      </label>
      <label
        >GPU
        <select id="adapt-gpu" @change=${(e: Event) => set({ gpu: (e.target as HTMLSelectElement).value })}>
          ${[...catalog.gpus.values()].map((g) => html`<option value=${g.id} ?selected=${g.id === gpuId(a.gpu)}>${g.id}</option>`)}
        </select>
      </label>
      <label>GPUs <input id="adapt-gpus" type="text" inputmode="decimal" .value=${String(a.gpus)} @change=${num('gpus')} /></label>
      <label>Dataset tokens per epoch <input id="adapt-tokens" type="text" inputmode="decimal" .value=${String(a.tokens)} @change=${num('tokens')} /></label>
      <label>Epochs <input id="adapt-epochs" type="text" inputmode="decimal" .value=${String(a.epochs)} @change=${num('epochs')} /></label>
      <label>Sequence length <input id="adapt-seq" type="text" inputmode="decimal" .value=${String(a.seqLen)} @change=${num('seqLen')} /></label>
      <label>Global batch (sequences) <input id="adapt-batch" type="text" inputmode="decimal" .value=${String(a.globalBatch)} @change=${num('globalBatch')} /></label>
      ${precisionSelect('adapt-precision', 'Precision (full and LoRA; QLoRA computes in BF16)', a.precision, (precision) => set({ precision }))}
      <label>Adapter rank <input id="adapt-rank" type="text" inputmode="decimal" .value=${String(a.rank)} @change=${num('rank')} /></label>
      <label
        >QLoRA base
        <select id="adapt-qlora-base" @change=${(e: Event) => set({ qloraBase: (e.target as HTMLSelectElement).value as QuantizedBase })}>
          ${QUANTIZED_BASES.map((b) => html`<option value=${b} ?selected=${b === a.qloraBase}>${QLORA_BASE_LABELS[b]}</option>`)}
        </select>
      </label>
      <label><input id="adapt-train-embeddings" type="checkbox" .checked=${a.trainEmbeddings} @change=${(e: Event) => set({ trainEmbeddings: (e.target as HTMLInputElement).checked })} /> LoRA and QLoRA also train the embedding and head (new tokens)</label>
      <label>$ per GPU-hour <input id="adapt-price" type="text" inputmode="decimal" .value=${String(a.usdPerGpuHour)} @change=${num('usdPerGpuHour')} /></label>
      ${stackSelect('adapt-stack', a.stack, gpuId(a.gpu), (stack) => set({ stack }))}
      <label>Tensor parallel (0: search) <input id="adapt-tp" type="text" inputmode="decimal" .value=${String(a.tp)} @change=${num('tp')} />${fieldError(notEtp(issues), 'layout')}</label>
      ${etpSelect('adapt-etp', a.etp, a.tp, isMoe(a.model), (etp) => set({ etp }), issues)}
      ${offloadSelect('adapt-offload', a.offload, a.stack, gpuId(a.gpu), (offload) => set({ offload }), issues)}
      ${memoryFitSelect('adapt-memory-fit', a.memoryFit, 'finetune', a.stack, (memoryFit) => set({ memoryFit }), issues)}
      ${stackSwitchToggle('bf16GradBuffers', 'adapt-bf16-grad-buffers', a.bf16GradBuffers, a.stack, (bf16GradBuffers) => set({ bf16GradBuffers }), issues)}
      <label
        >Dataset examples
        <select id="adapt-padding" @change=${(e: Event) => set({ padding: (e.target as HTMLSelectElement).value as PaddingChoice })}>
          ${PADDING_CHOICES.map((c) => html`<option value=${c} ?selected=${c === a.padding}>${PADDING_LABELS[c]}</option>`)}
        </select>
        ${fieldError(issues, '--packing-mask')}
      </label>
      ${
        a.padding === 'packed'
          ? nothing
          : html`<label>Examples per epoch <input id="adapt-examples" type="text" inputmode="decimal" .value=${String(a.examples)} @change=${num('examples')} />${fieldError(issues, '--examples')}</label>`
      }
      ${
        spreads(a.padding)
          ? html`<label>Example length P99 (0: all at the mean) <input id="adapt-length-p99" type="text" inputmode="decimal" .value=${String(a.lengthP99)} @change=${num('lengthP99')} />${fieldError(issues, '--length-p99')}</label>`
          : nothing
      }
    </form>
    ${
      r === null
        ? html`<p class="status" aria-live="polite">Planning the three runs…</p>`
        : html`<table id="adapt-table">
          <thead><tr><th>method</th><th>cost</th><th>wall-clock</th><th>memory/GPU</th><th>engine chose</th></tr></thead>
          <tbody>
            ${r.rows.map((row, i) =>
              Array.isArray(row)
                ? html`<tr><td>${METHODS[i]}</td><td colspan="4" class="error" role="alert">${row.map((x) => x.message).join('; ')}</td></tr>`
                : html`<tr data-cost=${String(row.costUsd)} data-gpu-hours=${String(row.gpuHours)} data-seconds=${String(row.timeSeconds)} data-memory=${String(row.memoryPerGpuBytes)} data-memory-fit=${row.memoryFit} data-memory-p90=${String(row.range.memoryPerGpuBytes?.p90 ?? '')} data-host-bytes=${row.offload ? String(row.offload.bytesPerGpu) : ''}>
                    <td>${METHODS[i]}</td><td class="num">${formatUsd(row.costUsd)} ${bandText(row.range.costUsd, formatUsd)}</td><td class="num">${days(row.timeSeconds)} ${bandText(row.range.timeSeconds, days)}</td>
                    <td class="num">${formatBytes(row.memoryPerGpuBytes)} ${memoryBandText(row)}${row.offload ? html`<br /><small class=${row.offload.fits ? 'band' : 'error'}>${offloadText(row.offload)}</small>` : nothing}</td><td>${row.detail}${(row.warnings ?? []).map((w) => html`<br /><small class="warning" role="note">warning: ${webText(w)}</small>`)}</td>
                  </tr>`,
            )}
          </tbody>
        </table>
        ${bandNote(r.rows.find((row): row is Outcome => !Array.isArray(row))?.band)}`
    }
    ${rlSection(app)}`;
}

interface RlSummary {
  readonly stepSeconds: number;
  readonly phasesSeconds: Readonly<Record<string, number>>;
  readonly gpuHours: number;
  readonly wallClockHours: number;
  readonly costUsd: number;
  readonly energyKWh: number | null;
  /** P10–P90 of the figures and the band's basis, as `llmecon rl --json` (catalog/rl-run.ts:rlRanges). */
  readonly range: Readonly<Record<'stepSeconds' | 'gpuHours' | 'wallClockHours' | 'costUsd', Range>>;
  readonly band: CalibrationBand;
  /** Where no layout of the policy update holds the run's longest sequence, what `llmecon rl` says of it. */
  readonly longestText: string | null;
  /** Where “Max response tokens” is beyond the model's context: cut there, said. */
  readonly capNote: string | null;
}

const rlSlot = taskSlot<RlSummary>();

/** GRPO post-training: generation, policy update, reference and reward passes per step and per run. */
function rlSection(app: App) {
  const r = app.state.rl;
  const set = (change: Partial<RlInput>) => app.update((s) => ({ ...s, rl: { ...s.rl, ...change } }));
  const num = (field: keyof RlInput) =>
    numberField((STATE_DOMAINS.rl as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  const res = runOnce(rlSlot, JSON.stringify(r), { task: 'rl', input: r }, app.rerender);
  const catalog = loadCatalog();
  return html`<h2>RL post-training (GRPO)</h2>
    <form>
      <label
        >Policy model
        <select id="rl-model" @change=${(e: Event) => set({ model: (e.target as HTMLSelectElement).value })}>
          ${[...catalog.models.values()].map((m) => html`<option value=${m.id} ?selected=${m.id === r.model}>${m.id}</option>`)}
        </select>
      </label>
      <label
        >Update
        <select id="rl-method" @change=${(e: Event) => set({ method: (e.target as HTMLSelectElement).value as RlInput['method'] })}>
          ${(['full', 'lora', 'dora', 'qlora'] as const).map((m) => html`<option ?selected=${m === r.method}>${m}</option>`)}
        </select>
      </label>
      ${precisionSelect('rl-precision', 'Update precision', r.precision, (precision) => set({ precision }), fieldError(res?.issues ?? null, 'precision'))}
      <label>GPUs <input id="rl-gpus" type="text" inputmode="decimal" .value=${String(r.gpus)} @change=${num('gpus')} /></label>
      <label>Prompts per step <input id="rl-prompts" type="text" inputmode="decimal" .value=${String(r.prompts)} @change=${num('prompts')} /></label>
      <label>Samples per prompt <input id="rl-samples" type="text" inputmode="decimal" .value=${String(r.samplesPerPrompt)} @change=${num('samplesPerPrompt')} /></label>
      <label>Response tokens <input id="rl-response" type="text" inputmode="decimal" .value=${String(r.responseTokens)} @change=${num('responseTokens')} /></label>
      <label>Max response tokens <input id="rl-max-response" type="text" inputmode="decimal" .value=${String(r.maxResponseTokens)} @change=${num('maxResponseTokens')} /></label>
      <label>Steps <input id="rl-steps" type="text" inputmode="decimal" .value=${String(r.steps)} @change=${num('steps')} /></label>
      ${stackSelect('rl-stack', r.stack, gpuId(r.gpu), (stack) => set({ stack }))}
      ${offloadSelect('rl-offload', r.offload, r.stack, gpuId(r.gpu), (offload) => set({ offload }), res?.issues ?? null)}
    </form>
    ${res === null ? html`<p class="status" aria-live="polite">Planning rollouts and updates…</p>` : nothing}
    ${res?.issues ? otherErrors(res.issues, ['offload', 'precision', 'bf16GradBuffers', 'baseline.bf16GradBuffers']) : nothing}
    ${
      res?.value
        ? html`<div class="cards" id="rl-result" data-cost=${String(res.value.costUsd)}>
          <div class="card">cost<b>${formatUsd(res.value.costUsd)}</b>${bandText(res.value.range.costUsd, formatUsd)}</div>
          <div class="card">GPU-hours<b>${res.value.gpuHours.toFixed(0)}</b>${bandText(res.value.range.gpuHours, (x) => x.toFixed(0))}</div>
          <div class="card">wall-clock<b>${formatDuration(res.value.wallClockHours * SECONDS_PER_HOUR)}</b>${bandText(res.value.range.wallClockHours, (x) => formatDuration(x * SECONDS_PER_HOUR))}</div>
          <div class="card">one step<b>${res.value.stepSeconds.toFixed(0)} s</b>${bandText(res.value.range.stepSeconds, (x) => `${x.toFixed(0)} s`)}</div>
          ${Object.entries(res.value.phasesSeconds).map(
            ([phase, seconds]) =>
              html`<div class="card">${phase}<b>${((100 * seconds) / res.value!.stepSeconds).toFixed(0)}%</b></div>`,
          )}
        </div>
        ${res.value.capNote ? html`<p class="status" id="rl-cap">${res.value.capNote}</p>` : nothing}
        ${res.value.longestText ? html`<p class="error" id="rl-longest">Policy update: ${res.value.longestText}</p>` : nothing}
        ${bandNote(res.value.band)}`
        : nothing
    }`;
}
