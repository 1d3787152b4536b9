import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { inferenceReserveBand } from '../validation/inference-memory-band.js';

describe('memory --mode infer', () => {
  it('bands what an engine holds beside the KV cache by the generic estimate’s misses on vLLM’s startup logs', async () => {
    const band = inferenceReserveBand();
    expect(band.cases).toBeGreaterThanOrEqual(15);
    expect(band.low).toBeLessThan(1);
    expect(band.high).toBeGreaterThan(1);
    const r = await runCli([
      ...['memory', 'llama-3.1-70b', '--mode', 'infer', '--gpu', 'h100', '--tp', '4'],
      ...['--batch', '32', '--context', '8192', '--json'],
    ]);
    const m = JSON.parse(r.stdout);
    // The static batch's KV cache is arithmetic: the band moves only the rest.
    const held = m.memoryPerGpuBytes - m.kvCacheBytes - m.recurrentStateBytes;
    expect(m.range.memoryPerGpuBytes.p10).toBeCloseTo(m.kvCacheBytes + held * band.low, 0);
    expect(m.range.memoryPerGpuBytes.p90).toBeCloseTo(m.kvCacheBytes + held * band.high, 0);
    expect(m.memoryFit).toBe('fits');
  });

  it('a batch that fits by the estimate but not at its P90 says it may run out of memory', async () => {
    const args = [
      'memory',
      'llama-3.1-8b',
      '--mode',
      'infer',
      '--gpu',
      'h100',
      '--batch',
      '4',
      '--context',
      '120000',
    ];
    const m = JSON.parse((await runCli([...args, '--json'])).stdout);
    expect(m.fits).toBe(true);
    expect(m.range.memoryPerGpuBytes.p90).toBeGreaterThan(79.65 * 2 ** 30);
    expect(m.memoryFit).toBe('p90-over');
    const text = (await runCli(args)).stdout;
    expect(text).toMatch(/total +\S+ GiB \(P10 \S+ GiB – P90 \S+ GiB\)/);
    expect(text).toMatch(/memory band: P10–P90 of what \d+ vllm startup logs/);
  });
});
