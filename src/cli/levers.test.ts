import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'llmecon-levers-')), name);
  writeFileSync(path, text);
  return path;
};

const study = `name: an 8B run
baseline:
  kind: train
  model: llama-3-8b
  tokens: 1e12
  gpu: a100
  gpus: 64
  usdPerGpuHour: 2
levers:
  - lever: gpu
    gpu: h100
    usdPerGpuHour: 2
  - lever: fp8
`;

describe('llmecon levers', () => {
  it('--json has the baseline, the final cost and every step with its delta and caveat', async () => {
    const r = await run(['levers', '--preset', 'deepseek-v3-recipe', '--json']);
    expect(r.code).toBe(0);
    const w = JSON.parse(r.stdout);
    expect(w).toMatchObject({ baselineCostUsd: expect.any(Number), finalCostUsd: expect.any(Number) });
    for (const s of w.steps)
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining([
          'lever',
          'costUsd',
          'deltaUsd',
          'timeSeconds',
          'memoryPerGpuBytes',
          'energyKWh',
          'caveat',
        ]),
      );
    const total = w.steps.reduce((sum: number, s: { deltaUsd: number }) => sum + s.deltaUsd, 0);
    expect(w.baselineCostUsd + total).toBeCloseTo(w.finalCostUsd, 0);
  });
  it('reads a study file and prints the waterfall', async () => {
    const r = await run(['levers', file('study.yaml', study)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^an 8B run/);
    expect(r.stdout).toMatch(/GPU h100 .*\n.*FP8/);
    expect(r.stdout).toContain('Caveats:');
    // Bands: the cost column and the baseline/final lines carry P10–P90; A100 → H100 crosses calibrations.
    expect(r.stdout).toMatch(/baseline +\$[\d.]+[KM] \(P10 \$[\d.]+[KM] – P90 \$[\d.]+[KM]\)/);
    expect(r.stdout).toMatch(/ {2}final: +\$.* GPU-hours · wall-clock .* MWh .* · CO2 .*t \(P10 /);
    expect(r.stdout).toMatch(
      /saving: [\d.]+× cheaper \(P10 [\d.]+× cheaper – P90 [\d.]+× (cheaper|dearer); baseline and final on different calibrations/,
    );
    const json = JSON.parse((await run(['levers', file('study.yaml', study), '--json'])).stdout);
    for (const o of [json.baseline, ...json.steps])
      for (const field of ['costUsd', 'timeSeconds', 'gpuHours', 'energyKWh', 'co2Kg'])
        expect(o.range[field].p10).toBeLessThan(o.range[field].p90);
    expect(json.savings).toMatchObject({ sameCalibration: false, ratio: expect.any(Number) });
    expect(json.finalRange).toEqual(json.steps.at(-1).range);
  });
  it('bad inputs: no study, an unknown preset, a malformed file, a lever that does not apply', async () => {
    expect(await run(['levers'])).toMatchObject({
      code: 2,
      stderr:
        'error: --preset: give a lever study file or --preset, one of deepseek-v3-recipe, llama-70b-finetune, llama-70b-serving',
    });
    expect((await run(['levers', '--preset', 'cheap'])).stderr).toBe(
      "error: --preset: unknown preset 'cheap'; one of deepseek-v3-recipe, llama-70b-finetune, llama-70b-serving",
    );
    const typo = await run(['levers', file('typo.yaml', study.replace('  - lever: fp8', '  - lever: fp9'))]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: levers\[1\]\.lever: line 13: /);
    const dense = await run([
      'levers',
      file('dense.yaml', study.replace('  - lever: fp8', '  - lever: mla\n    from: llama-3-8b')),
    ]);
    expect(dense).toMatchObject({
      code: 2,
      stderr: "error: levers[1].lever: 'mla' does not apply: Meta Llama 3 8B has no MLA to take",
    });
  });
  it('a lever after which nothing fits exits 3 and says which lever', async () => {
    const tight = study
      .replace('gpus: 64', 'gpus: 8')
      .replace(
        '  - lever: fp8',
        '  - lever: layout\n    layout: { tp: 1, pp: 1, dp: 8, recompute: none, zero: 0 }',
      );
    const r = await run(['levers', file('tight.yaml', tight)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^does not fit: after lever 2 \(layout dp 8 · recompute none · zero 0\): no layout fits in memory[\s\S]*layouts that fit/,
    );
  });
  it('a project scenario becomes the baseline: its first pretrain, finetune or serve phase at central values', async () => {
    const scenario = new URL('../../examples/startup-serving-8b.yaml', import.meta.url).pathname;
    const levers = new URL('../../examples/levers/serving.yaml', import.meta.url).pathname;
    const r = await run(['levers', scenario, '--levers', levers, '--json']);
    expect(r.code).toBe(0);
    const w = JSON.parse(r.stdout);
    expect(w).toMatchObject({ kind: 'serve', name: 'Startup serving a fine-tuned 8B model: cost levers' });
    expect(w.steps.map((s: { lever: string }) => s.lever)).toEqual([
      'GPU h200',
      'INT4 weights',
      '2:4 sparsity',
    ]);
    expect(await run(['levers', scenario])).toMatchObject({
      code: 2,
      stderr: 'error: --levers: a scenario has no levers: give --levers FILE (a YAML list of levers)',
    });
    const rl = new URL('../../examples/reasoning-rl-7b.yaml', import.meta.url).pathname;
    expect((await run(['levers', rl, '--levers', levers, '--phase', '1'])).stderr).toBe(
      'error: --phase: phase 1 is RL post-training; levers take a pretrain, finetune or serve phase',
    );
    expect((await run(['levers', rl, '--levers', levers, '--phase', '7'])).stderr).toBe(
      'error: --phase: the scenario has phases 0–1, not 7',
    );
    // A GPU the catalog has no price for: the lever's own field names it, not a flag levers does not take.
    expect(
      await run(['levers', scenario, '--levers', file('a10.yaml', '- {lever: gpu, gpu: a10}\n')]),
    ).toMatchObject({
      code: 2,
      stderr:
        'error: levers[0].usdPerGpuHour: the catalog has no rental price for a10; give levers[0].usdPerGpuHour',
    });
  });

  it('--memory-fit p90 searches every step to fit at the stack’s band and says so; a serving study or a stack without a band is refused', async () => {
    const r = await run(['levers', '--preset', 'llama-70b-finetune', '--memory-fit', 'p90']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("every layout was searched to fit at its stack's memory band P90 (memoryFit)");
    expect(r.stdout).not.toContain('P90 over capacity');
    const json = JSON.parse(
      (await run(['levers', '--preset', 'llama-70b-finetune', '--memory-fit', 'p90', '--json'])).stdout,
    );
    expect(json.memoryFitAt).toBe('p90');
    expect(await run(['levers', '--preset', 'llama-70b-serving', '--memory-fit', 'p90'])).toMatchObject({
      code: 2,
      stderr:
        "error: --memory-fit: applies to a train or finetune baseline; this study's baseline is a serving deployment",
    });
    const megatron = await run(['levers', '--preset', 'deepseek-v3-recipe', '--memory-fit', 'p10']);
    expect(megatron.code).toBe(2);
    expect(megatron.stderr).toMatch(/^error: --memory-fit: the megatron stack has no P10–P90 memory band/);
    expect((await run(['levers', '--preset', 'deepseek-v3-recipe', '--memory-fit', 'p50'])).stderr).toMatch(
      /^error: --memory-fit: .*estimate, p10, p90/,
    );
  });
});
