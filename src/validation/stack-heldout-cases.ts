/**
 * HELD-OUT checks of the megatron stack calibration: the pretraining rows of the NeMo releases other
 * than 25.11 (catalog/validation/megatron-bridge-performance-archive.json: the NeMo Framework and
 * Megatron-Bridge performance summaries, 24.12 to 26.08), run like the 25.11 cases (stack-calibration-cases.ts: the row's published
 * splits on its NeMo DGX system) and predicted with the committed calibration as `llmecon train`
 * applies it (planTraining on the megatron stack with its calibrations). Not in the fit.
 */
import archive from '../../catalog/validation/megatron-bridge-performance-archive.json' with { type: 'json' };
import { findStack } from '../catalog/stacks.js';
import { InputError } from '../core/errors.js';
import { median } from '../core/statistics.js';
import type { CalibrationCase } from './calibration-case.js';
import { finetuneCases } from './finetune-calibration-cases.js';
import { llmFoundryCase, llmFoundryRows } from './llm-foundry-cases.js';
import { NEMO_GPUS, NEMO_MODELS, nemoRunCase, trainingCalibrationCase } from './stack-calibration-cases.js';
import { type BenchmarkHeldOut, trainingCases } from './training-cases.js';

export interface HeldOutCase {
  readonly id: string;
  readonly release: string;
  readonly system: string;
  readonly model: string;
  readonly precision: string;
  readonly gpus: number;
  readonly layout: string;
  /** 'tokendrop' | 'dropless' for MoE rows (25.11, which the fit has, is force-balanced dropless). */
  readonly moeRouting: string | null;
  readonly family: string;
  readonly source: string;
  readonly locator: string;
  /** Published step seconds (global batch tokens / (tokens/s per GPU × GPUs)). */
  readonly published: number;
  /** The engine's step with the committed (family × megatron) calibration. */
  readonly predicted: number;
  /** The engine's step without calibration. */
  readonly engine: number;
  /** published / predicted − 1 (the convention of the calibration tables). */
  readonly error: number;
  /** The P10–P90 step `llmecon train` reports with the calibration (its band includes this row's residual). */
  readonly p10: number;
  readonly p90: number;
}

/** An archive row the engine cannot run as published (its layout is outside what it models). */
export interface HeldOutSkipped {
  readonly id: string;
  readonly locator: string;
  readonly reason: string;
}

/** The archive rows on catalog models and systems, each with its case id, source and locator. */
function archiveRows() {
  const releases = archive.meta.releases as Record<string, { source: string; locator: string }>;
  return archive.rows
    .filter((r) => NEMO_MODELS[r.model] && NEMO_GPUS[r.system])
    .map((r) => {
      const rel = releases[r.release]!;
      return {
        r,
        c: {
          id: `nemo${r.release}-${r.system}-${r.model}-${r.precision}-${r.gpus}`
            .toLowerCase()
            .replace(/[^a-z0-9.-]+/g, '-'),
          source: rel.source,
          locator: `${r.release} NeMo container, System: ${r.system}, ${r.model}${r.moeRouting ? ` (${r.moeRouting})` : ''} ${r.precision} ${r.gpus} GPUs`,
        },
      };
    });
}

/** The archive rows the engine runs, as uncalibrated megatron cases (the fit's own form). */
function heldOutNemoCases(): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  for (const { r, c } of archiveRows()) {
    try {
      out.push(nemoRunCase(r, 'megatron', c));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  }
  return out;
}

/**
 * The archive rows whose model and system are in the catalog maps, predicted with the calibration;
 * rows whose published layout the engine rejects (e.g. expert parallelism across tensor-parallel
 * ranks, EP > DP × CP) are listed in `skipped` with the engine's reason.
 */
export function heldOutMegatronCases(): { cases: HeldOutCase[]; skipped: HeldOutSkipped[] } {
  const calibrated = findStack('megatron');
  const out: HeldOutCase[] = [];
  const skipped: HeldOutSkipped[] = [];
  for (const { r, c } of archiveRows()) {
    let bare: CalibrationCase;
    let cal: ReturnType<typeof nemoRunCase>;
    try {
      bare = nemoRunCase(r, 'megatron', c);
      cal = nemoRunCase(r, calibrated, c);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      skipped.push({ id: c.id, locator: c.locator, reason: e.issues.map((i) => i.message).join('; ') });
      continue;
    }
    out.push({
      id: c.id,
      release: r.release,
      system: r.system,
      model: r.model,
      precision: r.precision,
      gpus: r.gpus,
      layout: cal.detail.layout,
      moeRouting: r.moeRouting,
      family: cal.family,
      source: c.source,
      locator: c.locator,
      published: cal.published,
      predicted: cal.engine,
      engine: bare.engine,
      error: cal.published / cal.engine - 1,
      p10: cal.engine * (cal.band?.low ?? 1),
      p90: cal.engine * (cal.band?.high ?? 1),
    });
  }
  return { cases: out, skipped };
}

/** The held-out rows as the validation report summarises them (docs/validation.md). */
export function megatronBenchmarkHeldOut(): BenchmarkHeldOut {
  const { cases } = heldOutMegatronCases();
  const releases = [...new Set(cases.map((c) => c.release))].sort();
  return {
    what: `Held-out runs of NVIDIA's NeMo / Megatron-Bridge performance summaries on the megatron stack (releases ${releases.join(', ')}: every row but the fitted 25.11's, each listed in docs/training-engine.md; error = published / predicted − 1 in step time, the band including its own residual)`,
    errors: cases.map((c) => Math.abs(c.error)),
    inBand: cases.filter((c) => c.published >= c.p10 && c.published <= c.p90).length,
    refused: 0,
  };
}

/** Median and largest |error|, mean signed error and band coverage per release, in release order. */
export function heldOutByRelease(cases: readonly HeldOutCase[]) {
  const byRelease = new Map<string, HeldOutCase[]>();
  for (const c of cases) byRelease.set(c.release, [...(byRelease.get(c.release) ?? []), c]);
  return [...byRelease]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([release, rows]) => {
      const abs = rows.map((c) => Math.abs(c.error));
      return {
        release,
        n: rows.length,
        median: median(abs),
        max: Math.max(...abs),
        meanSigned: rows.reduce((sum, c) => sum + c.error, 0) / rows.length,
        inBand: rows.filter((c) => c.published >= c.p10 && c.published <= c.p90).length,
      };
    });
}

/** Median and largest |error| per GPU family. */
export function heldOutSummary(cases: readonly HeldOutCase[]) {
  const byFamily = new Map<string, number[]>();
  for (const c of cases) byFamily.set(c.family, [...(byFamily.get(c.family) ?? []), Math.abs(c.error)]);
  return [...byFamily].map(([family, e]) => ({
    family,
    n: e.length,
    median: median(e),
    max: Math.max(...e),
  }));
}

/**
 * Published runs held out of the fit that name a stack: the training.json cases on a stack without
 * a `calibrationStack` (Pythia and BLOOM's GPU-hours on megatron-deepspeed, OPT on megatron), the
 * NeMo 25.09 Megatron-Bridge rows and the held-out fine-tuning profiles. The fit never sees them;
 * their residuals under it join the band (stack-calibration.ts).
 */
export function heldOutCalibrationCases(): CalibrationCase[] {
  const out: CalibrationCase[] = [];
  for (const c of trainingCases()) {
    if (c.stack && !c.calibrationStack) out.push(trainingCalibrationCase(c, c.stack));
  }
  out.push(...heldOutNemoCases());
  // The fine-tuning profiles held out of the fit (a model size outside it, Q-LoRA on a GPTQ base).
  out.push(...finetuneCases({ heldOut: true }));
  // LLM Foundry's held-out tables: H100 at 128–512 GPUs and FP8 (Transformer Engine).
  // A row the engine's memory refuses is not a residual (docs/training-engine.md lists it).
  for (const r of llmFoundryRows('heldOut')) {
    try {
      out.push(llmFoundryCase(r, 'llm-foundry'));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  }
  return out;
}
