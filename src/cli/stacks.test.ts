/** `llmecon stacks [id]`: every stack, and one stack's splits, calibration per GPU family and sources. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { STACK_IDS } from '../core/training/stack.js';

describe('llmecon stacks', () => {
  it('lists every stack with the GPU families it was calibrated on', async () => {
    const r = await runCli('stacks');
    expect(r.code).toBe(0);
    for (const id of STACK_IDS) expect(r.stdout).toMatch(new RegExp(`^${id} `, 'm'));
    expect(r.stdout).toMatch(/llm-foundry .*hopper: 52, ampere: 59/);
  });
  it('one stack: its splits, each family’s fit with leave-one-out errors, and the sources behind its values', async () => {
    const r = await runCli('stacks llm-foundry');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('splits: data parallelism only; ZeRO 0, 2, 3');
    // The megatron stack names its TP communication overlap switch beside its splits.
    expect((await runCli('stacks megatron')).stdout).toContain('SP, TP comm overlap (--tp-comm-overlap);');
    expect(r.stdout).toMatch(/^hopper +52 +1\.217/m);
    expect(r.stdout).toMatch(/^blackwell +none \(medians of hopper, ampere\) +1\.039 +1\.61/m);
    expect(r.stdout).toContain('llm-foundry-benchmarks: MosaicML LLM Foundry');
    const json = JSON.parse((await runCli('stacks llm-foundry --json')).stdout);
    expect(json.id).toBe('llm-foundry');
    expect(
      json.calibrations.find((c: { family: string }) => c.family === 'hopper').leaveOneOut.median,
    ).toBeLessThan(0.05);
    expect(Object.keys(json.sources)).toContain('composer-fsdp');
  });
  it('an unknown stack exits 2 naming the stacks', async () => {
    const r = await runCli('stacks nemo');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown stack 'nemo'; one of: megatron, .*llm-foundry/);
  });
});
