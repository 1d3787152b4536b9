/**
 * GOLDEN: the llm-foundry stack (Composer FSDP, catalog/stacks/llm-foundry.json) on LLM Foundry's
 * published MPT benchmarks (catalog/validation/llm-foundry-benchmarks.json). Every row ran, so the
 * engine must fit it in memory; the calibration tables' leave-one-out errors and the held-out tables'
 * errors (H100 at 128–512 GPUs, FP8) are REGRESSION GUARDS on today's figures, stated in each name.
 * Errors are published / predicted − 1 in step time.
 */
import { describe, expect, it } from 'vitest';
import bench from '../../catalog/validation/llm-foundry-benchmarks.json' with { type: 'json' };
import fit from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import { findModel } from '../../src/catalog/catalog.js';
import { findStack } from '../../src/catalog/stacks.js';
import { stackMemoryFor } from '../../src/core/memory/training-memory.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import { median } from '../../src/core/statistics.js';
import {
  llmFoundryCase,
  llmFoundryHeldOut,
  llmFoundryRows,
  mptModel,
} from '../../src/validation/llm-foundry-cases.js';

const absErrors = (logResiduals: readonly number[]) => logResiduals.map((r) => Math.abs(Math.expm1(r)));

describe('llm-foundry on LLM Foundry’s MPT benchmark tables', () => {
  it('every calibration row fits in memory at its published layout (111 rows on H100 and A100 80GB, micro-batches up to 128 sequences)', () => {
    const rows = llmFoundryRows('calibration');
    expect(rows).toHaveLength(111);
    for (const r of rows) expect(llmFoundryCase(r, 'llm-foundry').engine).toBeGreaterThan(0);
  });

  it('each table row is a case once: calibration and held-out tables are disjoint and cover the file', () => {
    const cal = new Set(bench.meta.roles.calibration);
    const held = new Set(bench.meta.roles.heldOut);
    expect([...cal].some((t) => held.has(t))).toBe(false);
    expect(llmFoundryRows('calibration').length + llmFoundryRows('heldOut').length).toBe(bench.rows.length);
  });

  for (const [family, guard] of [
    [
      'hopper',
      { n: 52, median: 0.05, max: 0.35, today: '2.7% / 28.7% (MPT-30B at 8,192 tokens, 21 micro-batches)' },
    ],
    ['ampere', { n: 59, median: 0.05, max: 0.45, today: '1.9% / 39.3%' }],
  ] as const) {
    it(`${family}: ${guard.n} cases, leave-one-out median |error| within ${guard.median * 100}%, max within ${guard.max * 100}% (regression guard: today ${guard.today})`, () => {
      const c = fit.calibrations.find((x) => x.stack === 'llm-foundry' && x.family === family)!;
      expect(c.cases).toHaveLength(guard.n);
      const e = absErrors(c.leaveOneOutLogResiduals);
      expect(median(e)).toBeLessThan(guard.median);
      expect(Math.max(...e)).toBeLessThan(guard.max);
    });
  }

  const { cases, refused } = llmFoundryHeldOut();
  it('held out: 24 of 25 rows predicted; the one refused is FP8 MPT-3B at 8,192 tokens, micro-batch 3 (80.0 GiB of 79.6: a known memory miss of 0.5%)', () => {
    expect(cases).toHaveLength(24);
    expect(refused.map((r) => r.id)).toEqual(['llmf-h100-fp8-3b-s8192-g8-mb3-ga6']);
    expect(refused[0]!.reason).toMatch(/does not fit|no layout fits/);
  });

  it('held out (H100 at 128–512 GPUs, FP8): median |error| within 8%, max within 22%, 17+ of 24 inside P10–P90 (regression guard: today 5.7% / +16.2% on MPT-7B ZeRO-3 at 512 GPUs, 19 in band; the ZeRO-2 rows are no longer blind, see docs/training-engine.md)', () => {
    const e = cases.map((c) => Math.abs(c.error));
    expect(median(e)).toBeLessThan(0.08);
    expect(Math.max(...e)).toBeLessThan(0.22);
    expect(cases.filter((c) => c.published >= c.p10 && c.published <= c.p90).length).toBeGreaterThanOrEqual(
      17,
    );
  });

  it('ZeRO-2 (SHARD_GRAD_OP) pays the FSDP per-layer hook time as ZeRO-3 does; a stack without FSDP wrapping (hf: DeepSpeed ZeRO-2) does not', () => {
    expect(findStack('llm-foundry').parallelism.zero2LayerHooks).toBe(true);
    expect(findStack('hf').parallelism.zero2LayerHooks).toBe(false);
    const row = llmFoundryRows('heldOut').find((r) => r.sharding === 'SHARD_GRAD_OP')!;
    expect(llmFoundryCase(row, 'llm-foundry').zero3LayerPassesPerSecond).toBeGreaterThan(0);
  });

  it('its MPT path keeps 4 bytes per logit and no eager copies; a transformers model on it is counted as the hf stack (16 bytes, eager copies)', () => {
    const stack = findStack('llm-foundry');
    const mpt = stackMemoryFor(stack.memory, mptModel('7b', 2048))!;
    expect(mpt.logitsBytesPerElement).toBe(4);
    expect(mpt.eagerActivationCopies).toBe(false);
    const llama = stackMemoryFor(
      stack.memory,
      modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b'),
    )!;
    expect(llama.logitsBytesPerElement).toBe(findStack('hf').memory.logitsBytesPerElement);
    expect(llama.eagerActivationCopies).toBe(true);
  });
});
