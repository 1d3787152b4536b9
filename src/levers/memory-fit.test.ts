/**
 * A train or fine-tuning baseline's `memoryFit` (as `llmecon train/finetune --memory-fit`): every layout
 * of the waterfall is searched to fit at the stack's measured-peak band, so no step's P90 crosses the
 * GPU's capacity; a stack without measured peaks is refused at baseline.memoryFit.
 */
import { describe, expect, it } from 'vitest';
import { findGpu } from '../catalog/catalog.js';
import type { InputError } from '../core/errors.js';
import { baselineState, evaluateState, runWaterfall } from './levers.js';
import { PRESETS } from './presets.js';
import { leverStudySchema, trainingBaselineSchema } from './schema.js';

const finetuneStudy = (memoryFit?: string) => {
  const preset = PRESETS['llama-70b-finetune']!;
  return leverStudySchema.parse({ ...preset, baseline: { ...preset.baseline, memoryFit } });
};

const issueOf = (f: () => unknown): InputError['issues'][number] | undefined => {
  try {
    f();
  } catch (e) {
    return (e as InputError).issues[0];
  }
  return undefined;
};

describe('a lever baseline fits its layouts at the memory band it names', () => {
  it('at P90 no step of the Llama 70B fine-tuning study may cross the H100’s capacity; at the estimate one does', () => {
    const estimate = runWaterfall(finetuneStudy());
    const p90 = runWaterfall(finetuneStudy('p90'));
    // QLoRA on 8 × H100: 77.6 GiB with a P90 over 80 GB at the estimate's layout.
    expect(estimate.steps.at(-1)?.memoryFit).toBe('p90-over');
    for (const step of [p90.baseline, ...p90.steps]) expect(step.memoryFit).toBe('fits');
    const last = p90.steps.at(-1)!;
    expect(last.memoryPerGpuBytes).toBeLessThan(estimate.steps.at(-1)!.memoryPerGpuBytes);
    // The price of the margin: a slower layout, never a cheaper one.
    expect(last.costUsd).toBeGreaterThanOrEqual(estimate.steps.at(-1)!.costUsd);
  });

  it('a torchtitan pretraining baseline fits at P90; a Megatron one has no band and is refused at baseline.memoryFit', () => {
    const base = {
      kind: 'train',
      model: 'llama-3-8b',
      tokens: 1e12,
      gpu: 'h100',
      gpus: 64,
      usdPerGpuHour: 2,
    } as const;
    const titan = evaluateState(
      baselineState(trainingBaselineSchema.parse({ ...base, stack: 'torchtitan', memoryFit: 'p90' })),
    );
    expect(titan.memoryFit).toBe('fits');
    expect(titan.range.memoryPerGpuBytes!.p90).toBeLessThanOrEqual(findGpu('h100').memoryBytes);
    const issue = issueOf(() => baselineState(trainingBaselineSchema.parse({ ...base, memoryFit: 'p90' })));
    expect(issue).toMatchObject({ path: ['baseline', 'memoryFit'] });
    expect(issue?.message).toMatch(/megatron stack has no P10–P90 memory band to fit at/);
    expect(issueOf(() => trainingBaselineSchema.parse({ ...base, memoryFit: 'p95' }))).toMatchObject({
      path: ['memoryFit'],
    });
  });
});
