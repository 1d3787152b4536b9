/** Shared bits of the views: formatting, field errors and the running-task status. */
import { html, nothing } from 'lit-html';
import { checkDomain, type Domain } from '../../../src/core/domain.js';
import { InputError } from '../../../src/core/errors.js';
import { parseCount, SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../../../src/core/units.js';
import type { Issue } from '../compute.js';

export {
  formatBytes,
  formatCount,
  formatSignedUsd,
  formatUsd,
  formatWithRange,
} from '../../../src/core/format.js';

import { webText } from '../flag-labels.js';

/** Errors for a field (issues whose path starts with `prefix`), shown next to it. */
export const fieldError = (issues: readonly Issue[] | null, ...prefixes: string[]) => {
  const mine = (issues ?? []).filter((i) => prefixes.some((p) => i.path === p || i.path.startsWith(`${p}.`)));
  return mine.length === 0
    ? nothing
    : html`<span class="error" role="alert">${mine.map((i) => i.message).join('; ')}</span>`;
};

/** Issues no field claims, shown under the form. */
export const otherErrors = (issues: readonly Issue[] | null, claimed: readonly string[]) => {
  const rest = (issues ?? []).filter((i) => !claimed.some((p) => i.path === p || i.path.startsWith(`${p}.`)));
  return rest.length === 0
    ? nothing
    : html`<p class="error" role="alert">${rest.map((i) => (i.path ? `${webText(i.path)}: ${i.message}` : i.message)).join('\n')}</p>`;
};

export const days = (seconds: number) =>
  seconds >= SECONDS_PER_DAY
    ? `${(seconds / SECONDS_PER_DAY).toFixed(1)} days`
    : `${(seconds / SECONDS_PER_HOUR).toFixed(2)} hours`;

/**
 * A change handler for a numeric field: the text is read in the CLI's count syntax (`2T`, `2.788M`)
 * and checked against the field's domain; a bad value is reported on the field and not applied.
 */
export const numberField =
  (domain: Domain | undefined, apply: (value: number) => void) =>
  (e: Event): void => {
    const input = e.target as HTMLInputElement;
    try {
      const value = parseCount(input.value, 'value');
      if (domain !== undefined) checkDomain(value, domain, [], input.value);
      input.setCustomValidity('');
      apply(value);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      input.setCustomValidity(error.issues[0]!.message.replace(/^value: /, ''));
      input.reportValidity();
    }
  };

/** A Plot chart with a role and a label for screen readers (and tests). */
export function labelled(plot: HTMLElement | SVGSVGElement, label: string) {
  const svg = plot.tagName.toLowerCase() === 'svg' ? plot : plot.querySelector(':scope > svg')!;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  return plot;
}
