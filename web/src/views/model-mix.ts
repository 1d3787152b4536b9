/** The Train view's panel for an uploaded config.json: its layer mix, parameters, KV and state (model-facts.ts). */
import { html, nothing } from 'lit-html';
import { InputError } from '../../../src/core/errors.js';
import { type ModelFacts, modelFacts } from '../model-facts.js';
import { formatBytes, formatCount } from './common.js';

let memo: { key: string; facts: ModelFacts | null } | null = null;

/** The facts panel for an uploaded config (nothing when it cannot be read: the run's error says why). */
export function modelFactsView(text: string, name: string) {
  const key = `${name}\u0000${text}`;
  if (memo?.key !== key) {
    let facts: ModelFacts | null = null;
    try {
      facts = modelFacts(text, name);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
    }
    memo = { key, facts };
  }
  const f = memo.facts;
  if (!f) return nothing;
  return html`<section id="model-facts" aria-label="The uploaded model" data-total=${String(f.totalParams)} data-active=${String(f.activeParams)} data-kv-bytes-per-token=${String(f.kvBytesPerToken)} data-state-bytes=${String(f.recurrentStateBytesPerSequence)}>
    ${f.warnings.map((w) => html`<p class="status warning" role="note">warning: ${w}</p>`)}
    <p>
      <b>${f.name}</b> (${f.modelType}): ${formatCount(f.totalParams)} parameters,
      ${formatCount(f.activeParams)} active per token · KV cache ${formatBytes(f.kvBytesPerToken)} per token
      (BF16)${f.recurrentStateBytesPerSequence > 0 ? html` · recurrent state ${formatBytes(f.recurrentStateBytesPerSequence)} per sequence, whatever its length` : nothing}
    </p>
    ${
      f.checkpoint
        ? html`<p id="model-checkpoint" data-weights=${f.checkpoint.weights ?? ''}>
            Checkpoint: ${
              f.checkpoint.weights === null
                ? `${f.checkpoint.scheme}, a scheme llmecon has no format for (Serve costs it as bf16)`
                : `${f.checkpoint.weights}${f.checkpoint.kv ? `, KV ${f.checkpoint.kv}` : ''} (${f.checkpoint.scheme}), what Serve loads with weights and KV left at checkpoint`
            }
          </p>`
        : nothing
    }
    <table id="model-mix">
      <caption>${f.description}</caption>
      <thead><tr><th scope="col">layer kind</th><th scope="col">layers</th></tr></thead>
      <tbody>
        ${f.mixers.map((m) => html`<tr data-mixer=${m.kind} data-layers=${String(m.layers)}><td>${m.label}</td><td class="num">${m.layers}</td></tr>`)}
        ${f.mlps.map((m) => html`<tr data-mlp=${m.kind} data-layers=${String(m.layers)}><td>${m.label}</td><td class="num">${m.layers}</td></tr>`)}
      </tbody>
    </table>
    ${
      f.vision
        ? html`<p id="model-vision">
            Vision tower: ${f.vision.description}, ${formatCount(f.vision.params)} parameters (not in the total; loaded in memory);
            ${f.vision.flopsPerImage === null ? 'FLOPs per image depend on the image size' : `${formatCount(f.vision.flopsPerImage)} FLOPs per image`}
          </p>`
        : nothing
    }
    ${
      f.audio
        ? html`<p id="model-audio">
            Audio encoder: ${f.audio.description}, ${formatCount(f.audio.params)} parameters (not in the total; loaded in memory)
          </p>`
        : nothing
    }
  </section>`;
}
