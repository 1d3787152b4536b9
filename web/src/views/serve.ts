/**
 * Serve: GPUs for a traffic, $ per day and per million tokens with their P10–P90 band, the
 * throughput–interactivity frontier, one replica simulated request by request (latency percentiles,
 * goodput, its timeline), and self-hosting against an API.
 */
import { html, nothing } from 'lit-html';
import { loadCatalog } from '../../../src/catalog/catalog.js';
import { findEngine } from '../../../src/catalog/engines.js';
import type { Domain } from '../../../src/core/domain.js';
import { formatMeanCount } from '../../../src/core/format.js';
import type { LatencyStats } from '../../../src/core/inference/simulator/stats.js';
import { CHECKPOINT_FORMAT } from '../../../src/core/model/checkpoint-format.js';
import { KV_FORMATS, WEIGHT_FORMATS } from '../../../src/core/precision.js';
import type { Range } from '../../../src/core/uncertainty/range.js';
import { type Issue, runOnce, taskSlot } from '../compute.js';
import { webText } from '../flag-labels.js';
import type { App } from '../main.js';
import { isMoe } from '../model-facts.js';
import type { ApiComparison, Served, Simulated } from '../serving.js';
import { SERVE_ENGINES, type ServeEngine, type ServeInput, STATE_DOMAINS } from '../state.js';
import { fieldError, formatBytes, formatCount, formatUsd, numberField, otherErrors } from './common.js';
import { apiChart, batchingChart, frontierChart, ms, timelineCharts } from './serve-charts.js';
import { gpuId } from './train.js';

/** A TPOT, or — where answers are one token (no time between tokens, as `llmecon serve` prints it). */
const tpot = (seconds: number) => (seconds > 0 ? ms(seconds) : '—');

/** A P10–P90 band under a headline figure (the values in data attributes for tests). */
const band = (r: Range, format: (x: number) => string) =>
  html`<small data-p10=${String(r.p10)} data-p90=${String(r.p90)}>P10–P90 ${format(r.p10)} – ${format(r.p90)}</small>`;

const volumeText = (tokensPerDay: number | null) =>
  tokensPerDay === null ? 'none up to 1T' : formatCount(tokensPerDay);
const percentileRow = (name: string, what: string, s: LatencyStats, format: (x: number) => string) =>
  html`<tr data-metric=${name} data-p50=${String(s.p50)} data-p90=${String(s.p90)} data-p99=${String(s.p99)}>
    <th scope="row" title=${what}>${name}</th>
    <td class="num">${format(s.p50)}</td>
    <td class="num">${format(s.p90)}</td>
    <td class="num">${format(s.p99)}</td>
  </tr>`;

function simulation(sim: Simulated, s: ServeInput) {
  const r = sim.result;
  const slo = [
    `TPOT ≤ ${ms(s.tpotSloSeconds)}`,
    ...(s.ttftSloSeconds > 0 ? [`TTFT ≤ ${ms(s.ttftSloSeconds)}`] : []),
  ].join(' and ');
  return html`<section id="serve-simulation" aria-labelledby="serve-sim-title">
    <h3 id="serve-sim-title">One replica, request by request</h3>
    <p class="status">
      ${r.completed} of ${r.requests} requests on ${sim.label} (${sim.engine}), ${sim.arrival};
      ${s.lengths === 'fixed' ? 'fixed lengths' : `lognormal lengths (P90 ${s.inputP90} in / ${s.outputP90} out)`}, seed ${s.seed}.
      ${sim.capped ? html`Simulated ${sim.capped}.` : nothing}
    </p>
    ${sim.eager ? html`<p class="status warning" id="serve-sim-eager">warning: ${sim.eager}.</p>` : nothing}
    <table id="serve-percentiles">
      <thead><tr><th scope="col">latency</th><th scope="col">P50</th><th scope="col">P90</th><th scope="col">P99</th></tr></thead>
      <tbody>
        ${percentileRow('TTFT', sim.metrics?.ttft ?? 'arrival to the first output token', r.ttftSeconds, ms)}
        ${percentileRow('TPOT', sim.metrics?.tpot ?? 'per request: (end-to-end − TTFT) / (output tokens − 1)', r.tpotSeconds, ms)}
        ${percentileRow('ITL', sim.metrics?.itl ?? 'every gap between successive token emissions', r.itlSeconds, ms)}
        ${percentileRow('E2E', 'arrival to the last output token', r.e2eSeconds, (x) => `${x.toFixed(2)} s`)}
      </tbody>
    </table>
    ${
      sim.metrics
        ? html`<p class="status">As ${sim.engine} defines them — TTFT: ${sim.metrics.ttft}; TPOT: ${sim.metrics.tpot}; ITL: ${sim.metrics.itl}.</p>`
        : nothing
    }
    <p id="serve-goodput" data-goodput=${String(r.goodputRequestsPerSecond)} data-attainment=${String(r.sloAttainment)}>
      Goodput ${r.goodputRequestsPerSecond.toFixed(2)} requests/s of ${r.requestsPerSecond.toFixed(2)}
      (${(100 * r.sloAttainment).toFixed(0)}% within ${slo}) ·
      ${formatCount(r.outputTokensPerSecondPerGpu)} output tokens/s per GPU ·
      ${r.meanRunningSequences.toFixed(1)} sequences running on average (idle time included) · KV pool ${formatCount(r.kvCapacityTokens)} tokens ·
      ${r.preemptions} preemption${r.preemptions === 1 ? '' : 's'}${r.rejected > 0 ? ` · ${r.rejected} rejected (larger than the KV pool)` : ''}
    </p>
    <figure>
      <figcaption>
        The replica over ${r.durationSeconds.toFixed(1)} s (${r.steps} steps): its batch, the queue, and
        KV cache use (red lines: preemptions)
      </figcaption>
      ${timelineCharts(sim)}
    </figure>
  </section>`;
}

const slot = taskSlot<Served>();
const simSlot = taskSlot<Simulated>();
const apiSlot = taskSlot<ApiComparison>();

/** The inputs of the plan (the simulation's and the API's left out, so changing them does not replan). */
const planKey = (s: ServeInput) =>
  JSON.stringify({
    ...s,
    api: 0,
    lengths: 0,
    inputP90: 0,
    outputP90: 0,
    arrival: 0,
    concurrency: 0,
    requests: 0,
    seed: 0,
  });

/** Whether the engine streams a prompt's chunks through a pipeline (its dynamic chunk sizes then apply). */
const streamsChunks = (engine: ServeEngine) =>
  engine !== 'none' && findEngine(engine, 'engine').pipelinesPromptChunks;
/** Whether the engine runs prompts in steps of their own unless the deployment mixes them (SGLang). */
const prefillFirst = (engine: ServeEngine) => engine !== 'none' && findEngine(engine, 'engine').prefillFirst;

/** A serving baseline field's error paths: the schema's (`memFraction`) and the model check's (`baseline.memFraction`). */
const baselineField = (key: keyof ServeInput) => [key, `baseline.${key}`];

/** The error paths a shown field displays (the rest go under the form). */
const claimedFields = (s: ServeInput) => [
  'speculative',
  ...(s.speculative === 'draft' ? ['draftModel'] : []),
  ...baselineField('tp'),
  ...(s.engine === 'none'
    ? []
    : [
        ...baselineField('memFraction'),
        ...baselineField('chunkTokens'),
        ...baselineField('cudaGraphBatch'),
        // Shown by its checkbox only where the engine streams chunks; elsewhere it goes under the form.
        ...(streamsChunks(s.engine) ? baselineField('dynamicChunking') : []),
        ...(prefillFirst(s.engine) ? baselineField('mixedChunk') : []),
      ]),
  ...(isMoe(s.model)
    ? [
        ...baselineField('ep'),
        ...baselineField('epInTp'),
        ...baselineField('expertImbalance'),
        ...baselineField('redundantExperts'),
      ]
    : []),
];

const issueText = (issues: readonly Issue[]) =>
  html`<p class="error" role="alert">${issues.map((i) => (i.path ? `${webText(i.path)}: ${i.message}` : i.message)).join('\n')}</p>`;

export function serveView(app: App) {
  const s = app.state.serve;
  const set = (change: Partial<ServeInput>) =>
    app.update((st) => ({ ...st, serve: { ...st.serve, ...change } }));
  const num = (field: keyof ServeInput) =>
    numberField((STATE_DOMAINS.serve as Record<string, Domain>)[field], (value) => set({ [field]: value }));
  const pick = (field: keyof ServeInput) => (e: Event) =>
    set({ [field]: (e.target as HTMLSelectElement).value });
  const r = runOnce(slot, planKey(s), { task: 'serve', input: s }, app.rerender);
  const v = r?.value;
  // The simulation starts once the plan is in (the worker runs one task at a time).
  const simulated = v
    ? runOnce(simSlot, JSON.stringify(s), { task: 'simulate', input: s }, app.rerender)
    : null;
  // Then self-hosting vs the API over volumes (the slowest part for a large MoE).
  const compared = simulated
    ? runOnce(apiSlot, `${planKey(s)} ${s.api}`, { task: 'compare-api', input: s }, app.rerender)
    : null;
  const a = compared?.value;
  const catalog = loadCatalog();
  // Errors of the simulation's own inputs (a P90 below its median, a request beyond the budget) by the field.
  const simIssues = simulated?.issues ?? null;
  const field = (label: string, id: string, key: keyof ServeInput, title?: string) =>
    html`<label title=${title ?? nothing}>${label} <input id=${id} type="text" inputmode="decimal" .value=${String(s[key])} @change=${num(key)} />${fieldError(simIssues, key)}</label>`;
  return html`<h2>Serving</h2>
    <form @submit=${(e: Event) => e.preventDefault()}>
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
        >Engine
        <select
          id="serve-engine"
          @change=${(e: Event) => {
            // The hardware bound has no memory share of its own: the engine's setting goes with it.
            const engine = (e.target as HTMLSelectElement).value as ServeEngine;
            set(
              engine === 'none'
                ? {
                    engine,
                    memFraction: 0,
                    chunkTokens: 0,
                    dynamicChunking: false,
                    cudaGraphBatch: 0,
                    mixedChunk: false,
                  }
                : {
                    engine,
                    dynamicChunking: s.dynamicChunking && streamsChunks(engine),
                    mixedChunk: s.mixedChunk && prefillFirst(engine),
                  },
            );
          }}
        >
          ${SERVE_ENGINES.map((e) => html`<option value=${e} ?selected=${e === s.engine}>${e === 'none' ? 'none (hardware bound)' : e}</option>`)}
        </select>
      </label>
      ${
        s.engine === 'none'
          ? nothing
          : html`<label title="vLLM --gpu-memory-utilization, SGLang --mem-fraction-static, TensorRT-LLM free_gpu_memory_fraction"
              >Engine memory share (0–1, 0: the engine's default)
              <input id="serve-mem-fraction" type="text" inputmode="decimal" .value=${String(s.memFraction)} @change=${num('memFraction')} />${fieldError(r?.issues ?? null, ...baselineField('memFraction'))}</label
            >
            <label title="vLLM --max-num-batched-tokens, SGLang --chunked-prefill-size, TensorRT-LLM max_num_tokens: decode and prompt chunks together"
              >Engine tokens per step (0: the engine's default)
              <input id="serve-chunk-tokens" type="text" inputmode="decimal" .value=${String(s.chunkTokens)} @change=${num('chunkTokens')} />${fieldError(r?.issues ?? null, ...baselineField('chunkTokens'))}</label
            >
            <label title="SGLang --cuda-graph-max-bs, vLLM --max-cudagraph-capture-size, TensorRT-LLM cuda_graph_config.max_batch_size: larger decode steps run eagerly"
              >CUDA-graph batch (0: the engine's default)
              <input id="serve-cuda-graph-batch" type="text" inputmode="decimal" .value=${String(s.cudaGraphBatch)} @change=${num('cudaGraphBatch')} />${fieldError(r?.issues ?? null, ...baselineField('cudaGraphBatch'))}</label
            >
            ${
              prefillFirst(s.engine)
                ? html`<label title="SGLang --enable-mixed-chunk: prompt chunks share the decode steps; without it a step of prompts runs alone whenever one forms and the running sequences wait"
                    ><input id="serve-mixed-chunk" type="checkbox" .checked=${s.mixedChunk} @change=${(e: Event) => set({ mixedChunk: (e.target as HTMLInputElement).checked })} />
                    Mixed prompt chunks${fieldError(r?.issues ?? null, ...baselineField('mixedChunk'))}</label
                  >`
                : nothing
            }
            ${
              streamsChunks(s.engine)
                ? html`<label title="SGLang --enable-dynamic-chunking: through a pipeline (PP), a long prompt's later chunks sized to take as long as its first"
                      ><input id="serve-dynamic-chunking" type="checkbox" .checked=${s.dynamicChunking} @change=${(e: Event) => set({ dynamicChunking: (e.target as HTMLInputElement).checked })} />
                      Dynamic prompt chunks${fieldError(r?.issues ?? null, ...baselineField('dynamicChunking'))}</label
                    >
                    ${s.dynamicChunking ? field('Smooth factor (0–1)', 'serve-smooth-factor', 'smoothFactor', 'SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR: 0 keeps the first chunk’s size, 1 follows the runtime model') : nothing}`
                : nothing
            }`
      }
      <label title="--tp: the replica's tensor parallelism (beyond a node's GPUs, TP runs over the NICs)"
        >Tensor parallel (0: searched)
        <input id="serve-tp" type="text" inputmode="decimal" .value=${String(s.tp)} @change=${num('tp')} />${fieldError(r?.issues ?? null, ...baselineField('tp'))}</label
      >
      <label title="--pp: the replica's layers in this many stages of TP GPUs each (vLLM --pipeline-parallel-size, SGLang --pp-size), with EP 1"
        >Pipeline parallel (0: searched)
        <input id="serve-pp" type="text" inputmode="decimal" .value=${String(s.pp)} @change=${num('pp')} />${fieldError(r?.issues ?? null, ...baselineField('pp'))}</label
      >
      ${
        isMoe(s.model)
          ? html`<label title="--ep: experts spread over this many GPUs, attention data-parallel over them"
                >Expert parallel (0: searched)
                <input id="serve-ep" type="text" inputmode="decimal" .value=${String(s.ep)} @change=${num('ep')} />${fieldError(r?.issues ?? null, ...baselineField('ep'))}</label
              >
              <label title="--ep-in-tp: attention tensor-parallel, each TP GPU holding whole experts (vLLM --enable-expert-parallel at DP 1, SGLang --ep-size = --tp)"
                ><input id="serve-ep-in-tp" type="checkbox" .checked=${s.epInTp} @change=${(e: Event) => set({ epInTp: (e.target as HTMLInputElement).checked })} />
                Expert parallel inside TP${fieldError(r?.issues ?? null, ...baselineField('epInTp'))}</label
              >
              <label title="max / mean routed tokens over the expert-parallel ranks: the busiest rank sets the MoE layer's time (--expert-imbalance)"
                >Expert imbalance (1: balanced)
                <input id="serve-expert-imbalance" type="text" inputmode="decimal" .value=${String(s.expertImbalance)} @change=${num('expertImbalance')} />${fieldError(r?.issues ?? null, ...baselineField('expertImbalance'))}</label
              >
              <label title="EPLB copies of the busiest experts: EP then divides experts + slots (--redundant-experts; SGLang --ep-num-redundant-experts)"
                >Redundant expert slots
                <input id="serve-redundant-experts" type="text" inputmode="decimal" .value=${String(s.redundantExperts)} @change=${num('redundantExperts')} />${fieldError(r?.issues ?? null, ...baselineField('redundantExperts'))}</label
              >`
          : nothing
      }
      <label
        >Weights
        <select id="serve-weights" @change=${pick('weights')} title="checkpoint: the format the model's config.json quantization_config names (gpt-oss MXFP4 experts beside BF16 attention, DeepSeek-V3 FP8), else bf16">
          ${[CHECKPOINT_FORMAT, ...WEIGHT_FORMATS].map((f) => html`<option ?selected=${f === s.weights}>${f}</option>`)}
        </select>
      </label>
      <label
        >KV cache
        <select id="serve-kv" @change=${pick('kv')}>
          ${[CHECKPOINT_FORMAT, ...KV_FORMATS].map((f) => html`<option ?selected=${f === s.kv}>${f}</option>`)}
        </select>
      </label>
      <label
        >Speculative decoding
        <select id="serve-speculative" @change=${pick('speculative')}>
          <option value="none" ?selected=${s.speculative === 'none'}>none</option>
          <option value="mtp" ?selected=${s.speculative === 'mtp'}>the model's MTP modules</option>
          <option value="draft" ?selected=${s.speculative === 'draft'}>a draft model</option>
        </select>
        ${fieldError(r?.issues ?? null, 'speculative')}
      </label>
      ${
        s.speculative === 'draft'
          ? html`<label
              >Draft model
              <select id="serve-draft-model" @change=${pick('draftModel')}>
                ${[...catalog.models.values()].map((m) => html`<option value=${m.id} ?selected=${m.id === s.draftModel}>${m.id}</option>`)}
              </select>
              ${fieldError(r?.issues ?? null, 'draftModel')}
            </label>`
          : nothing
      }
      ${
        s.speculative === 'none'
          ? nothing
          : html`${field('Drafts per step', 'serve-draft-tokens', 'draftTokens')}
            ${field('Acceptance rate (0–1)', 'serve-acceptance', 'acceptanceRate', 'the probability each drafted token is accepted: measure it on your traffic')}`
      }
      ${field('Prompt tokens', 'serve-input', 'inputTokens')}
      ${field('Output tokens', 'serve-output', 'outputTokens')}
      ${field('Tokens per day', 'serve-volume', 'tokensPerDay')}
      ${field('Time per output token ≤ (s)', 'serve-tpot', 'tpotSloSeconds')}
      ${field('Time to first token ≤ (s, 0: none)', 'serve-ttft', 'ttftSloSeconds')}
      ${field('$ per GPU-hour', 'serve-price', 'usdPerGpuHour')}
      <label
        >Compare with API
        <select id="serve-api" @change=${pick('api')}>
          ${[...catalog.apis.values()].map((a) => html`<option value=${a.id} ?selected=${a.id === s.api}>${a.id}</option>`)}
        </select>
      </label>
    </form>
    <details class="sim-inputs" open>
      <summary>Simulated workload</summary>
      <form @submit=${(e: Event) => e.preventDefault()}>
        <label
          >Request lengths
          <select id="serve-lengths" @change=${pick('lengths')}>
            <option value="fixed" ?selected=${s.lengths === 'fixed'}>fixed</option>
            <option value="lognormal" ?selected=${s.lengths === 'lognormal'}>lognormal (median = the lengths above)</option>
          </select>
        </label>
        ${field('Prompt tokens P90', 'serve-input-p90', 'inputP90', 'with lognormal lengths')}
        ${field('Output tokens P90', 'serve-output-p90', 'outputP90', 'with lognormal lengths')}
        <label
          >Arrivals
          <select id="serve-arrival" @change=${pick('arrival')}>
            <option value="traffic" ?selected=${s.arrival === 'traffic'}>Poisson at the day's traffic</option>
            <option value="concurrency" ?selected=${s.arrival === 'concurrency'}>closed loop of N clients</option>
          </select>
        </label>
        ${field('Clients N (0: the plan’s batch)', 'serve-concurrency', 'concurrency')}
        ${field('Requests', 'serve-requests', 'requests')}
        ${field('Seed', 'serve-seed', 'seed')}
      </form>
    </details>
    ${r === null ? html`<p class="status" aria-live="polite">Planning the deployment…</p>` : nothing}
    ${r?.issues ? otherErrors(r.issues, claimedFields(s)) : nothing}
    ${
      v
        ? html`${v.warnings.map((w) => html`<p class="status warning">warning: ${webText(w)}</p>`)}
          <div class="cards" id="serve-result" data-usd-per-day=${String(v.plan.usdPerDay)} data-blended=${String(v.plan.costPerMillionBlendedTokensUsd)}>
            <div class="card">self-hosted<b>${formatUsd(v.plan.usdPerDay)}/day</b></div>
            <div class="card" id="serve-blended">per million tokens (blended)<b>${formatUsd(v.plan.costPerMillionBlendedTokensUsd)}</b>
              ${v.band ? band(v.band.costPerMillionBlendedTokensUsd, formatUsd) : nothing}
              <small>${formatUsd(v.plan.costPerMillionInputTokensUsd)} in · ${formatUsd(v.plan.costPerMillionOutputTokensUsd)} out</small></div>
            <div class="card" id="serve-throughput">output tokens/s per GPU<b>${formatCount(v.plan.outputTokensPerSecondPerGpu)}</b>
              ${v.band ? band(v.band.outputTokensPerSecondPerGpu, (x) => formatCount(x)) : nothing}</div>
            ${a ? html`<div class="card" id="serve-api-cost">${a.api}<b>${formatUsd(a.apiUsdPerDay)}/day</b></div>` : nothing}
            <div class="card">GPUs<b>${v.plan.gpus}</b></div>
            <div class="card" id="serve-latency">TTFT · TPOT${v.plan.atTraffic ? ' at this traffic' : ''}<b>${ms((v.plan.atTraffic ?? v.plan).ttftSeconds)} · ${tpot((v.plan.atTraffic ?? v.plan).tpotSeconds)}</b>
              ${v.plan.atTraffic ? html`<small>at capacity: ${ms(v.plan.ttftSeconds)} · ${tpot(v.plan.tpotSeconds)}</small>` : nothing}</div>
            <div class="card">memory per GPU<b>${formatBytes(v.plan.memoryPerGpuBytes)}</b></div>
          </div>
          ${v.speculation ? html`<p class="status" id="serve-speculation">Speculative decoding: ${v.speculation}.</p>` : nothing}
          ${v.promptChunks ? html`<p class="status" id="serve-prompt-chunks">${v.promptChunks}.</p>` : nothing}
          ${v.promptSteps ? html`<p class="status" id="serve-prompt-steps">${v.promptSteps}.</p>` : nothing}
          <p>
            ${v.plan.gpus} × ${v.plan.label}: ${v.plan.replicas} replica${v.plan.replicas > 1 ? 's' : ''} of
            ${v.plan.concurrency} sequences at capacity${v.plan.atTraffic ? ` (${formatMeanCount(v.plan.atTraffic.meanConcurrency)} running on average at this traffic)` : ''}${v.plan.prefillGpus > 0 ? ` + ${v.plan.prefillGpus} prefill GPUs` : ''}, ${(100 * v.plan.utilization).toFixed(0)}% used, on
            ${v.engine ?? 'continuous batching at the hardware bound (no engine named)'}.
            <span class="status">${v.band ? `Bands: ${v.band.basis}.` : `No calibration covers ${s.engine} on this GPU family: no band.`}</span>
          </p>
          <figure>
            <figcaption>
              The throughput–interactivity frontier (every layout at every batch within memory and the
              SLO, at full use; labels: $ per million tokens blended); the ring is the plan
            </figcaption>
            ${v.frontier.length > 0 ? frontierChart(v) : html`<p class="status">No point meets the SLO.</p>`}
          </figure>
          ${
            simulated === null
              ? html`<p class="status" aria-live="polite">Simulating ${s.requests} requests on one replica…</p>`
              : simulated.issues
                ? otherErrors(simulated.issues, ['inputP90', 'outputP90', 'requests'])
                : simulated.value
                  ? simulation(simulated.value, s)
                  : nothing
          }
          <figure>
            <figcaption>
              Throughput vs latency of one replica as its batch grows (the red line is the TPOT target;
              the plan runs ${v.plan.concurrency} sequences)
            </figcaption>
            ${batchingChart(v, s.tpotSloSeconds)}
          </figure>
          ${
            compared === null
              ? html`<p class="status" aria-live="polite">Comparing with ${s.api} over volumes…</p>`
              : compared.issues
                ? issueText(compared.issues)
                : a
                  ? html`<figure>
                      <figcaption>
                        Self-hosting vs ${a.api}:
                        ${
                          a.curve.breakEvenTokensPerDay === null
                            ? 'no break-even between 1M and 1T tokens a day'
                            : `self-hosting is cheaper from ${formatCount(a.curve.breakEvenTokensPerDay)} tokens a day`
                        }
                        (P10 ${volumeText(a.breakEvenRange.p10)} – P90 ${volumeText(a.breakEvenRange.p90)};
                        ${a.breakEvenRange.basis})
                      </figcaption>
                      ${apiChart(a.curve, a.api)}
                    </figure>`
                  : nothing
          }`
        : nothing
    }`;
}
