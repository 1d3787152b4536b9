/** The software-stack choice of the Train and Adapt views (`--stack` on the CLI): the catalog's stacks by name. */
import { html } from 'lit-html';
import { findStack } from '../../../src/catalog/stacks.js';
import { STACK_IDS, type StackId } from '../../../src/core/training/stack.js';

export function stackSelect(id: string, value: StackId, set: (stack: StackId) => void) {
  return html`<label
    >Software stack
    <select id=${id} @change=${(e: Event) => set((e.target as HTMLSelectElement).value as StackId)}>
      ${STACK_IDS.map((s) => html`<option value=${s} ?selected=${s === value}>${findStack(s).name}</option>`)}
    </select>
  </label>`;
}
