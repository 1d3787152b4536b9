/** Test helper: a catalog model's spec by id. */
import { findModel } from '../src/catalog/catalog.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
import type { ModelSpec } from '../src/core/model/spec.js';

export function catalogSpec(id: string): ModelSpec {
  const entry = findModel(id);
  return modelSpecFrom(entry.config, entry.name);
}

export function catalogConfig(id: string): Record<string, unknown> {
  return findModel(id).config;
}
