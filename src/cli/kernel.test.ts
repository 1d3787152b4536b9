import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const json = async (args: string[]) => {
  const r = await runCli(['kernel', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

describe('llmecon kernel', () => {
  it('gemm: a measured H200 shape within 25% of its measurement (16384×8192×8192 BF16: 768.2 TFLOP/s)', async () => {
    const g = await json(['gemm', '--gpu', 'h200', '--m', '16384', '--n', '8192', '--k', '8192']);
    expect(g.flopsPerSecond / 768.2e12).toBeGreaterThan(0.75);
    expect(g.flopsPerSecond / 768.2e12).toBeLessThan(1.25);
    expect(g.kind).toBe('measured');
    expect(g.tiles).toBeGreaterThan(132);
    expect(g.seconds).toBeCloseTo(g.flops / g.flopsPerSecond, 12);
  });

  it('every time carries the P10–P90 of the fit’s leave-one-out residuals, which hold most measured kernels', async () => {
    const g = await json(['gemm', '--gpu', 'h200', '--m', '4096', '--n', '4096', '--k', '4096']);
    expect(g.range.seconds.p10).toBeLessThan(g.seconds);
    expect(g.range.seconds.p90).toBeGreaterThan(g.seconds);
    // A rate is inverse to the time: its P10 is the time's P90.
    expect(g.range.flopsPerSecond.p10).toBeCloseTo(g.flops / g.range.seconds.p90, 0);
    expect(g.calibration.of).toMatch(/^gemm-bf16 \(27 measured on h200-2026-11-29, leave-one-out\)/);
    expect(g.outsideCalibration).toEqual([]);
    // The band's coverage of the residuals it comes from: about 80% for a P10–P90 band.
    const profile = JSON.parse(readFileSync('catalog/efficiency/h200.json', 'utf8'));
    const { residualBand } = await import('../core/uncertainty/range.js');
    for (const values of Object.values(profile.kernels.residuals.value) as number[][]) {
      if (values.length < 8) continue;
      const { low, high } = residualBand(values);
      const inside = values.filter((r) => Math.exp(r) >= low && Math.exp(r) <= high).length;
      expect(inside / values.length).toBeGreaterThan(0.7);
    }
    // A memory-bound decode GEMM takes the memory-bound kernels' band.
    const decode = await json(['gemm', '--gpu', 'h200', '--m', '1', '--n', '8192', '--k', '8192']);
    expect(decode.calibration.of).toMatch(/^memory-bound/);
  });

  it('a GPU without measurements takes the published curves’ residuals on the measured GPUs and says it extrapolates; collectives have no band', async () => {
    const g = await json(['gemm', '--gpu', 'a100', '--m', '4096', '--n', '4096', '--k', '4096']);
    expect(g.range.seconds.p90).toBeGreaterThan(g.seconds);
    expect(g.calibration.of).toMatch(/^curve-gemm/);
    expect(g.outsideCalibration.join(' ')).toMatch(/no kernel measurements for a100-80gb.*extrapolated/);
    const m = await json(['memory', '--gpu', 'a100', '--bytes', '1G']);
    expect(m.calibration.of).toMatch(/^curve-memory-bound/);
    const c = await json(['collective', '--gpu', 'h100', '--bytes', '256M']);
    expect(c.range.seconds).toBeNull();
    expect(c.outsideCalibration[0]).toMatch(/no measured collectives/);
    const text = await runCli(['kernel', 'gemm', '--gpu', 'h100', '--m', '4k', '--n', '4k', '--k', '4k']);
    expect(text.stdout).toMatch(/time {9}\S+ µs \(P10 \S+ µs – P90 \S+ µs\)/);
    expect(text.stdout).toMatch(/outside {6}no kernel measurements for h100-sxm/);
  });

  it('gemm: wave quantisation makes 1024³ far less efficient than 8192³', async () => {
    const small = await json(['gemm', '--gpu', 'h200', '--m', '1k', '--n', '1k', '--k', '1k']);
    const large = await json(['gemm', '--gpu', 'h200', '--m', '8k', '--n', '8k', '--k', '8k']);
    expect(small.waves).toBe(1);
    expect(small.efficiency).toBeLessThan(large.efficiency / 3);
  });

  it('gemm: a GPU without kernel measurements says it is a datasheet estimate', async () => {
    const g = await json(['gemm', '--gpu', 'a100', '--m', '4096', '--n', '4096', '--k', '4096']);
    expect(g.kind).toBe('estimate');
    expect(g.tiles).toBeNull();
    expect(g.note).toMatch(/estimate/);
  });

  it("gemm: a 4-bit GEMM states the family's calibrated FP4 ceiling, and runs at it (B200: half the FP4 peak)", async () => {
    const args = ['gemm', '--gpu', 'b200', '--m', '8k', '--n', '8k', '--k', '8k'];
    const fp4 = await json([...args, '--dtype', 'nvfp4']);
    const fp8 = await json([...args, '--dtype', 'fp8']);
    expect(fp4.fp4Ceiling).toBe(0.5);
    expect(fp8.fp4Ceiling).toBeNull();
    // 9 PFLOP/s FP4 × 0.5 is the 4.5 PFLOP/s FP8 peak: the same size curve gives the same time.
    expect(fp4.seconds).toBeCloseTo(fp8.seconds, 12);
    const text = await runCli(['kernel', ...args, '--dtype', 'nvfp4']);
    expect(text.stdout).toMatch(/ceiling +4-bit GEMMs on the blackwell profile reach 50\.0% of the FP4 peak/);
    // No calibrated ceiling (generic profile): the datasheet FP4 peak.
    const rtx = await json([
      'gemm',
      '--gpu',
      'rtx-pro-6000',
      '--m',
      '8k',
      '--n',
      '8k',
      '--k',
      '8k',
      '--dtype',
      'nvfp4',
    ]);
    expect(rtx.fp4Ceiling).toBeNull();
    expect(rtx.efficiency).toBeGreaterThan(0.5);
  });

  it('memory: an elementwise kernel streams at the fitted bandwidth; a small decode GEMM pays its launch (H200)', async () => {
    const small = await json(['memory', '--gpu', 'h200', '--bytes', '34M']);
    const large = await json(['memory', '--gpu', 'h200', '--bytes', '470M']);
    expect(small.bytesPerSecond).toBeCloseTo(large.bytesPerSecond, -9);
    expect(large.bytesPerSecond).toBeGreaterThan(4.4e12);
    expect(large.bytesPerSecond).toBeLessThan(4.8e12);
    // The measured decode GEMM of a 34 MB weight: about 2 TB/s (catalog/kernels/h200-2026-11-29.json).
    const gemv = await json(['gemm', '--gpu', 'h200', '--m', '1', '--n', '4096', '--k', '4096']);
    expect((4096 * 4096 * 2) / gemv.seconds).toBeLessThan(2.5e12);
  });

  it('attention and collective answer with rates', async () => {
    const a = await json([
      'attention',
      '--gpu',
      'h200',
      '--heads',
      '32',
      '--seq-len',
      '8192',
      '--pass',
      'backward',
    ]);
    expect(a.efficiency).toBeGreaterThan(0.3);
    expect(a.efficiency).toBeLessThan(0.7);
    const c = await json([
      'collective',
      '--gpu',
      'h100',
      '--kind',
      'all-gather',
      '--bytes',
      '256M',
      '--group',
      '16',
    ]);
    expect(c.tier).toBe('scale-up + scale-out');
    expect(c.busBytesPerSecond).toBeCloseTo((c.bytesPerSecond * 15) / 16, 0);
  });

  it.each([
    [['gemm', '--gpu', 'h200', '--n', '1', '--k', '1'], '--m'],
    [['gemm', '--gpu', 'h200', '--m', '0', '--n', '1', '--k', '1'], '--m'],
    [['gemm', '--gpu', 'h200', '--m', '1', '--n', '1', '--k', '1', '--dtype', 'fp3'], '--dtype'],
    [['gemm', '--m', '1', '--n', '1', '--k', '1'], '--gpu'],
    [['gemm', '--gpu', 'h9000', '--m', '1', '--n', '1', '--k', '1'], '--gpu'],
    [['memory', '--gpu', 'h200', '--bytes', 'lots'], '--bytes'],
    [['attention', '--gpu', 'h200', '--heads', '8', '--seq-len', '1k', '--pass', 'sideways'], '--pass'],
    [['collective', '--gpu', 'h100', '--bytes', '1G', '--kind', 'gossip'], '--kind'],
    [['collective', '--gpu', 'h100', '--bytes', '1G', '--group', '8', '--per-node', '16'], '--per-node'],
  ])('bad input %j exits 2 naming %s', async (args, field) => {
    const r = await runCli(['kernel', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(field);
  });

  it.each(['all-reduce', 'all-gather', 'all-to-all'])(
    'collective: a group of 1 rank (%s) is refused naming --group, with or without --json',
    async (kind) => {
      for (const bytes of ['1G', '1']) {
        const args = [
          'kernel',
          'collective',
          '--gpu',
          'h100-sxm',
          '--kind',
          kind,
          '--bytes',
          bytes,
          '--group',
          '1',
        ];
        for (const argv of [args, [...args, '--json']]) {
          expect(await runCli(argv)).toEqual({
            code: 2,
            stdout: '',
            stderr: 'error: --group: a collective needs at least 2 ranks (a whole number ≥ 2), got 1',
          });
        }
      }
    },
  );

  it('memory and collective: --bytes below one byte is refused (no Infinity TB/s)', async () => {
    for (const kernel of ['memory', 'collective']) {
      const r = await runCli(['kernel', kernel, '--gpu', 'h100-sxm', '--bytes', '5e-324', '--json']);
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: "error: --bytes: must be at least 1 and at most 1e14 (bytes), got '5e-324'",
      });
    }
    const g = await json(['collective', '--gpu', 'h100-sxm', '--bytes', '1', '--group', '2']);
    expect(Number.isFinite(g.bytesPerSecond) && Number.isFinite(g.busBytesPerSecond)).toBe(true);
  });
});

describe('--efficiency FILE', () => {
  const h100 = ['kernel', 'gemm', '--gpu', 'h100', '--m', '4096', '--n', '4096', '--k', '4096', '--json'];

  it('an efficiency profile (catalog format) replaces the catalog profile for the run only', async () => {
    const before = JSON.parse((await runCli(h100)).stdout);
    expect(before.kind).toBe('estimate');
    const r = await runCli(['--efficiency', 'catalog/efficiency/h200.json', ...h100]);
    expect(r.code).toBe(0);
    const after = JSON.parse(r.stdout);
    expect(after.kind).toBe('measured');
    expect(after.waves).toBe(4);
    expect(JSON.parse((await runCli(h100)).stdout)).toEqual(before);
  });

  it('a kernel measurement file (bench/gpu/kernels.py output) is fitted for the GPU it names', async () => {
    const args = ['kernel', 'gemm', '--gpu', 'h200', '--m', '8192', '--n', '8192', '--k', '8192', '--json'];
    const catalog = JSON.parse((await runCli(args)).stdout);
    const r = await runCli(['--efficiency', 'catalog/kernels/h200-2026-11-29.json', ...args]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).seconds).toBeCloseTo(catalog.seconds, 9);
  });

  it('a measurement file the fit cannot use exits 2 naming --efficiency and what it lacks', async () => {
    const measured = JSON.parse(readFileSync('catalog/kernels/h200-2026-11-29.json', 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-kernels-'));
    const variants = {
      // Only large GEMMs and no streams: no bandwidth to fit.
      'memory-bound measurements of at least two sizes': {
        ...measured,
        memory: [],
        gemm: measured.gemm.filter((g: { m: number }) => g.m >= 1024),
      },
      // FP8 GEMMs and BF16 decode shapes: no BF16 ceiling.
      'compute-bound BF16 GEMM': {
        ...measured,
        gemm: measured.gemm.filter((g: { datatype: string; m: number }) => g.datatype === 'fp8' || g.m <= 64),
      },
    };
    for (const [lack, file] of Object.entries(variants)) {
      const path = join(dir, `${lack.length}.json`);
      writeFileSync(path, JSON.stringify(file));
      const r = await runCli(['--efficiency', path, ...h100.map((a) => (a === 'h100' ? 'h200' : a))]);
      expect(r.code, lack).toBe(2);
      expect(r.stderr).toContain('--efficiency');
      expect(r.stderr).toContain(lack);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('a missing or invalid file exits 2 naming --efficiency', async () => {
    for (const file of ['no-such-file.json', 'package.json', 'catalog/gpus/h200.json']) {
      const r = await runCli(['--efficiency', file, ...h100]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--efficiency');
    }
  });
});

describe('kernel attention --impl: published figures by implementation (FlashAttention-3 paper Fig. 5, H100)', () => {
  const args = (impl: string, seqLen: string, gpu = 'h100') => [
    'attention',
    '--gpu',
    gpu,
    '--heads',
    '16',
    '--seq-len',
    seqLen,
    '--batch',
    '2',
    '--no-causal',
    '--impl',
    impl,
  ];
  it('reproduces the figure at its points and orders the implementations as the paper does', async () => {
    const at8k = async (impl: string) => (await json(args(impl, '8192'))).flopsPerSecond as number;
    // 8k tokens, head dim 128: 139 / 370 / 600 / 646 TFLOP/s (efficiencies stored to 4 digits).
    const [unfused, flash2, cudnn, flash3] = (await Promise.all(
      ['unfused', 'flash2', 'cudnn', 'flash3'].map(at8k),
    )) as [number, number, number, number];
    expect(flash3 / flash2).toBeCloseTo(646 / 370, 3);
    expect(cudnn / flash2).toBeCloseTo(600 / 370, 3);
    expect(unfused).toBeLessThan(flash2);
    expect(flash3).toBeGreaterThan(cudnn);
    const r = await json(args('flash3', '8192'));
    expect(r.implementation).toBe('flash3');
    expect(r.kind).toBe('measured');
  });
  it('is slower at short sequences (the curve rises with sequence length)', async () => {
    const short = (await json(args('flash3', '1024'))).efficiency as number;
    const long = (await json(args('flash3', '16384'))).efficiency as number;
    expect(short).toBeLessThan(long);
    // Outside the published 1K–16K range the nearest end stands in: an estimate, said so.
    const tiny = await json(args('flash3', '16'));
    expect([tiny.kind, tiny.note]).toEqual([
      'estimate',
      expect.stringContaining("outside the table's 1,024–16,384"),
    ]);
    expect((await json(args('flash3', '16384'))).kind).toBe('measured');
  });
  it('--head-dim 64: FlashAttention-3 Fig. 5 (a), 496 TFLOP/s at 8k, and says the figure was scaled', async () => {
    const r = await json([...args('flash3', '8192'), '--head-dim', '64']);
    expect(r.flopsPerSecond as number).toBeGreaterThan(496e12 * 0.95);
    expect(r.flopsPerSecond as number).toBeLessThan(496e12 * 1.05);
    expect(r.kind).toBe('estimate');
    expect(r.note).toContain('head dim 64 below the 128 measured');
    const at128 = await json(args('flash3', '8192'));
    expect(at128.note).not.toContain('below the');
  });
  it('refuses an implementation with no published table for the GPU, naming --impl', async () => {
    const r = await runCli(['kernel', ...args('flash3', '4096', 'mi300x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--impl');
    const bad = await runCli(['kernel', ...args('flash9', '4096')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--impl');
  });
});
