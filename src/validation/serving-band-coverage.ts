/**
 * How often the P10–P90 band `llmecon serve` reports holds a held-out row's published value: each row
 * (role `validation`, never fitted) judged by the band the CLI draws for its deployment (its engine ×
 * GPU family, widened where the row is outside the calibration, catalog/bands.ts servingBand), and
 * again by that band with the row's own residual left out of the percentiles — the honest count, since
 * held-out residuals are part of the bands.
 */

import { servingBand } from '../catalog/bands.js';
import { findModel } from '../catalog/catalog.js';
import { loadEngines } from '../catalog/engines.js';
import { servingScale } from '../catalog/serving-band.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';
import { MEMORY_MEASURES, publishedOverPredictedSpeed, type ServingCaseResult } from './serving-cases.js';

export interface BandCoverage {
  /** Held-out rows judged (the KV-pool rows, a memory figure, are not). */
  readonly rows: number;
  /** Published value inside the band `serve` reports. */
  readonly inside: number;
  /** Inside the band drawn without the row's own residual. */
  readonly insideWithoutOwn: number;
  /** The rows outside the band without their own residual. */
  readonly outside: readonly string[];
}

export function heldOutBandCoverage(results: readonly ServingCaseResult[]): BandCoverage {
  const engines = loadEngines();
  let rows = 0;
  let inside = 0;
  let insideWithoutOwn = 0;
  const outside: string[] = [];
  for (const { case: c, error } of results) {
    if (c.role !== 'validation' || MEMORY_MEASURES.includes(c.measure)) continue;
    // A row on an engine outside the catalog's profiles is priced as `serve` prices a deployment naming none.
    const engine = c.engine !== undefined && engines.has(c.engine) ? c.engine : 'trt-llm';
    const scale = servingScale(modelSpecFrom(findModel(c.model).config, c.model), c.workload, {
      pipelineParallel: c.replica.pipelineParallel,
    });
    const ratio = publishedOverPredictedSpeed(c, error);
    // The band's low and high multiply a time: published / predicted throughput lies in [1 / high, 1 / low].
    const holds = (b: { low: number; high: number }) => ratio >= 1 / b.high && ratio <= 1 / b.low;
    rows += 1;
    if (holds(servingBand(c.gpu, engine, scale))) inside += 1;
    if (holds(servingBand(c.gpu, engine, scale, c.id))) insideWithoutOwn += 1;
    else outside.push(c.id);
  }
  return { rows, inside, insideWithoutOwn, outside };
}
