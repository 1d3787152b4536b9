/**
 * The expert-tensor-parallel, offload and memory-fit choices of the Train and Adapt views (`--etp`,
 * `--offload` and `--memory-fit` on the CLI): ETP only for mixture-of-experts models; offload modes the
 * stack does not run, or that the GPU has no host data for, and band levels of a stack without measured
 * peaks, are disabled with the reason the CLI gives when asked for them.
 */
import { html, nothing } from 'lit-html';
import { offloadOptions } from '../../../src/catalog/hosts.js';
import { findStack } from '../../../src/catalog/stacks.js';
import { InputError } from '../../../src/core/errors.js';
import {
  hostFitText,
  OFFLOAD_MODES,
  OFFLOADED_STATES,
  type OffloadMode,
} from '../../../src/core/memory/offload.js';
import { offloadIssues } from '../../../src/core/training/offload-issues.js';
import type { StackId } from '../../../src/core/training/stack.js';
import type { Outcome } from '../../../src/levers/levers.js';
import {
  finetuneMemoryFitMultipliers,
  MEMORY_FIT_LEVELS,
  type MemoryFitLevel,
  memoryFitMultipliers,
} from '../../../src/validation/memory-fit.js';
import type { Issue } from '../compute.js';
import { webText } from '../flag-labels.js';
import { ETP_CHOICES, type EtpChoice } from '../state.js';
import { fieldError, formatBytes } from './common.js';

/** Issues of every layout field but expert tensor parallelism (shown by its own choice). */
export const notEtp = (issues: readonly Issue[] | null) =>
  issues?.filter((i) => i.path !== 'layout.expertTensorParallel') ?? null;

/** The layout's `etp` as `--etp` takes it: 1, the fixed tensor parallelism, or none (searched). */
export const etpOf = (choice: EtpChoice, tp: number, moe: boolean): number | undefined =>
  !moe ? undefined : choice === '1' ? 1 : choice === 'tp' && tp > 0 ? tp : undefined;

const ETP_LABELS: Record<EtpChoice, (tp: number) => string> = {
  search: () => "searched (the stack's rule)",
  tp: (tp) =>
    tp > 0 ? `TP (${tp}), experts split like the dense layers` : 'TP (fix the tensor parallelism first)',
  '1': () => "1, as NeMo's MoE recipes run (EP spans the TP ranks)",
};

/** The ETP choice (MoE models only; nothing for a dense model). */
export function etpSelect(
  id: string,
  value: EtpChoice,
  tp: number,
  moe: boolean,
  set: (etp: EtpChoice) => void,
  issues: readonly Issue[] | null,
) {
  if (!moe) return nothing;
  const unfixed = value === 'tp' && tp === 0;
  return html`<label
      >Expert tensor parallelism
      <select
        id=${id}
        aria-describedby=${unfixed ? `${id}-why` : nothing}
        @change=${(e: Event) => set((e.target as HTMLSelectElement).value as EtpChoice)}
      >
        ${ETP_CHOICES.map(
          (c) =>
            html`<option value=${c} ?selected=${c === value} ?disabled=${c === 'tp' && tp === 0 && !unfixed}>${ETP_LABELS[c](tp)}</option>`,
        )}
      </select>
      ${fieldError(issues, 'layout.expertTensorParallel')}
    </label>
    ${
      unfixed
        ? html`<p class="status form-note" id=${`${id}-why`}>Expert tensor parallelism TP names the tensor parallelism, as <code>--etp</code> does: fix it; until then the search runs the stack's rule.</p>`
        : nothing
    }`;
}

/** Why an offload mode cannot run on this stack and GPU (the CLI's message), or null when it can. */
export function offloadReason(mode: OffloadMode, stack: StackId, gpu: string | null): string | null {
  if (mode === 'none') return null;
  const issue = offloadIssues({ mode }, findStack(stack))[0];
  if (issue) return webText(issue.message);
  if (gpu === null) return null;
  try {
    offloadOptions(mode, { id: gpu });
    return null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return webText(error.issues[0]!.message);
  }
}

/** The offload choice: the modes the stack runs on this GPU; the others disabled, each with its reason. */
export function offloadSelect(
  id: string,
  value: OffloadMode,
  stack: StackId,
  gpu: string | null,
  set: (offload: OffloadMode) => void,
  issues: readonly Issue[] | null,
) {
  const reasons = OFFLOAD_MODES.map((mode) => ({ mode, reason: offloadReason(mode, stack, gpu) }));
  const disabled = reasons.filter((r) => r.reason !== null);
  return html`<label
      >Offload to host memory
      <select
        id=${id}
        aria-describedby=${disabled.length > 0 ? `${id}-why` : nothing}
        @change=${(e: Event) => set((e.target as HTMLSelectElement).value as OffloadMode)}
      >
        ${reasons.map(
          (r) =>
            html`<option value=${r.mode} ?selected=${r.mode === value} ?disabled=${r.reason !== null && r.mode !== value} title=${r.reason ?? ''}>${r.mode}</option>`,
        )}
      </select>
      ${fieldError(issues, 'offload')}
    </label>
    ${
      disabled.length > 0
        ? html`<p class="status form-note offload-reasons" id=${`${id}-why`}>
          Offload ${disabled.map((r) => html`<span><b>${r.mode}</b>: ${r.reason}. </span>`)}
        </p>`
        : nothing
    }`;
}

const MEMORY_FIT_LABELS: Record<MemoryFitLevel, string> = {
  estimate: "the engine's estimate",
  p10: "the stack's measured-peak band, P10",
  p90: "the stack's measured-peak band, P90 (safest)",
};

/** Why a memory-fit level cannot be asked of this stack (no measured peaks), or null when it can. */
export function memoryFitReason(
  level: MemoryFitLevel,
  kind: 'train' | 'finetune',
  stack: StackId,
): string | null {
  try {
    if (kind === 'train') memoryFitMultipliers(level, stack, false, ['memoryFit']);
    else finetuneMemoryFitMultipliers(level, stack, ['memoryFit']);
    return null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.issues[0]!.message;
  }
}

/** The memory-fit choice (`--memory-fit`): the band levels disabled, with the reason, on a stack without one. */
export function memoryFitSelect(
  id: string,
  value: MemoryFitLevel,
  kind: 'train' | 'finetune',
  stack: StackId,
  set: (memoryFit: MemoryFitLevel) => void,
  issues: readonly Issue[] | null,
) {
  const reasons = MEMORY_FIT_LEVELS.map((level) => ({ level, reason: memoryFitReason(level, kind, stack) }));
  const disabled = reasons.filter((r) => r.reason !== null);
  return html`<label
      >Fit memory at
      <select
        id=${id}
        aria-describedby=${disabled.length > 0 ? `${id}-why` : nothing}
        @change=${(e: Event) => set((e.target as HTMLSelectElement).value as MemoryFitLevel)}
      >
        ${reasons.map(
          (r) =>
            html`<option value=${r.level} ?selected=${r.level === value} ?disabled=${r.reason !== null && r.level !== value} title=${r.reason ?? ''}>${MEMORY_FIT_LABELS[r.level]}</option>`,
        )}
      </select>
      ${fieldError(issues, 'memoryFit', 'baseline.memoryFit')}
    </label>
    ${
      disabled.length > 0
        ? html`<p class="status form-note" id=${`${id}-why`}>Fit at the band: ${disabled[0]!.reason}.</p>`
        : nothing
    }`;
}

/** What offload asks of the host, as `llmecon train` and `finetune` print it (null without offload). */
export function offloadText(o: Outcome['offload']): string | null {
  if (!o || o.mode === 'none') return null;
  return `${OFFLOADED_STATES[o.mode]} in host memory: ${formatBytes(o.bytesPerGpu)}/GPU, ${formatBytes(o.bytesPerHost)} per host (${formatBytes(o.capacityBytes)}): ${hostFitText(o)}`;
}
