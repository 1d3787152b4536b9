/**
 * P10–P90 bands in the views: the range an engine estimate carries (the `range` and `band` of an
 * outcome, as `llmecon levers --json` prints them), as text under a figure and the outside-calibration note.
 */
import { html, nothing } from 'lit-html';
import type { CalibrationBand } from '../../../src/catalog/bands.js';
import { BANDED_FIT_NOTE } from '../../../src/core/memory/memory-band.js';
import type { Range } from '../../../src/core/uncertainty/range.js';
import type { Outcome } from '../../../src/levers/state.js';
import { formatBytes } from './common.js';

/** "P10 $4.9M – P90 $7.1M" under a figure. */
export const bandText = (range: Range | undefined, format: (x: number) => string) =>
  range ? html`<small class="band">P10 ${format(range.p10)} – P90 ${format(range.p90)}</small>` : nothing;

/** Where the band comes from, and where the estimate is outside what was calibrated. */
export const bandNote = (band: CalibrationBand | undefined) =>
  band
    ? html`<p class="band-note">P10–P90 from ${band.basis}.${band.outside.map((o) => html` <b>Outside calibration:</b> ${o}.`)}</p>`
    : nothing;

/**
 * Memory per GPU's P10–P90 (a training or fine-tuning stack's measured-peak band) and, where that
 * band crosses the GPU's capacity, what it means (the CLI's fit verdict).
 */
export const memoryBandText = (o: Pick<Outcome, 'memoryFit' | 'range'>) =>
  html`${bandText(o.range.memoryPerGpuBytes ?? undefined, formatBytes)}${
    BANDED_FIT_NOTE[o.memoryFit]
      ? html`<small class="error memory-fit" data-fit=${o.memoryFit}>${BANDED_FIT_NOTE[o.memoryFit]}</small>`
      : nothing
  }`;
