/**
 * The run choices of the Train and Adapt views: the software stack (`--stack` on the CLI: the catalog's
 * stacks by name), the MTP modules trained, the TP communication overlap and the training precision.
 */
import { html, nothing } from 'lit-html';
import {
  findStack,
  noBf16GradientBuffersReason,
  noFullIterationCudaGraphsReason,
  noMtpReason,
  noTensorParallelOverlapReason,
  stackVendorError,
} from '../../../src/catalog/stacks.js';
import { STACK_IDS, type StackId } from '../../../src/core/training/stack.js';
import type { Issue } from '../compute.js';
import { MTP_CHOICES, type MtpChoice, WEB_PRECISIONS, type WebPrecision } from '../state.js';
import { fieldError } from './common.js';

/**
 * The software stack (`--stack`): stacks with no port to the GPU's vendor are disabled, with the CLI's
 * reason (stackVendorError), unless already chosen (the run then answers it at the field).
 */
export function stackSelect(id: string, value: StackId, gpuId: string | null, set: (stack: StackId) => void) {
  const reason = (s: StackId) => (gpuId === null ? null : stackVendorError(findStack(s), gpuId));
  return html`<label
    >Software stack
    <select id=${id} @change=${(e: Event) => set((e.target as HTMLSelectElement).value as StackId)}>
      ${STACK_IDS.map((s) => {
        const off = s !== value ? reason(s) : null;
        return html`<option value=${s} ?selected=${s === value} ?disabled=${off !== null} title=${off ?? ''}>${findStack(s).name}</option>`;
      })}
    </select>
  </label>`;
}

/**
 * The MTP modules a run trains (`--mtp-layers`): the checkpoint's, or none to four; counts above none are
 * disabled, with the reason, on a stack that builds no MTP modules (catalog/stacks/ multiTokenPrediction).
 */
export function mtpSelect(
  id: string,
  value: MtpChoice,
  stack: StackId,
  set: (mtp: MtpChoice) => void,
  issues: readonly Issue[] | null,
) {
  const reason = noMtpReason(findStack(stack));
  const label = (c: MtpChoice) => (c === 'checkpoint' ? "the checkpoint's" : c === '0' ? 'none' : c);
  return html`<label
    >MTP modules trained
    <select id=${id} @change=${(e: Event) => set((e.target as HTMLSelectElement).value as MtpChoice)}>
      ${MTP_CHOICES.map((c) => {
        const off = reason !== null && c !== 'checkpoint' && c !== '0' && c !== value;
        return html`<option value=${c} ?selected=${c === value} ?disabled=${off} title=${off ? reason : ''}>${label(c)}</option>`;
      })}
    </select>
    ${fieldError(issues, 'mtpLayers', 'baseline.mtpLayers')}
  </label>`;
}

/** The stacks' run switches the Train view offers: why a stack lacks each (the CLI's reason), and its label. */
const SWITCHES = {
  tpCommOverlap: {
    reason: noTensorParallelOverlapReason,
    text: 'TP communication overlapped with the GEMMs (applies at TP > 1 with sequence parallelism)',
  },
  fullIterationCudaGraphs: {
    reason: noFullIterationCudaGraphsReason,
    text: 'Each step replayed as one CUDA graph (no per-layer host launches)',
  },
  bf16GradBuffers: {
    reason: noBf16GradientBuffersReason,
    text: "Main-grad buffers in BF16 (NeMo's performance recipes)",
  },
} as const;

/**
 * A stack's run switch as a box (`--tp-comm-overlap`, `--full-iteration-cuda-graphs`, `--bf16-grad-buffers`): disabled, with the
 * CLI's reason, on a stack without it unless already on (the run then answers it at the field).
 */
export function stackSwitchToggle(
  field: keyof typeof SWITCHES,
  id: string,
  value: boolean,
  stack: StackId,
  set: (on: boolean) => void,
  issues: readonly Issue[] | null,
) {
  const reason = SWITCHES[field].reason(findStack(stack));
  const off = reason !== null && !value;
  return html`<label title=${off ? reason : ''}
    ><input id=${id} type="checkbox" .checked=${value} ?disabled=${off} @change=${(e: Event) => set((e.target as HTMLInputElement).checked)} />
    ${SWITCHES[field].text}
    ${fieldError(issues, field, `baseline.${field}`)}
  </label>`;
}

/** The training precision (`--precision`, the web app's choices), with the run's message for the field. */
export function precisionSelect(
  id: string,
  label: string,
  value: WebPrecision,
  set: (precision: WebPrecision) => void,
  error: unknown = nothing,
) {
  return html`<label
    >${label}
    <select id=${id} @change=${(e: Event) => set((e.target as HTMLSelectElement).value as WebPrecision)}>
      ${WEB_PRECISIONS.map((p) => html`<option ?selected=${p === value}>${p}</option>`)}
    </select>
    ${error}
  </label>`;
}
