/** `serve --gpu a,b`: each GPU planned once, however it is named (h100 and h100-sxm are one GPU). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

describe('serve --gpu list', () => {
  it('a GPU named twice gives one set of rows, not two identical ones', async () => {
    const run = (gpus: string) =>
      runCli([
        'serve',
        '--model',
        'llama-3.1-8b',
        '--gpu',
        gpus,
        '--input-tokens',
        '1000',
        '--output-tokens',
        '200',
        '--json',
      ]);
    const once = JSON.parse((await run('h100,h200')).stdout);
    const twice = JSON.parse((await run('h100,h100-sxm,h200,h100')).stdout);
    const rows = (j: { alternatives: { layout: unknown; usdPerGpuHour: number; mode: unknown }[] }) =>
      j.alternatives.map((a) => JSON.stringify([a.layout, a.usdPerGpuHour, a.mode]));
    expect(rows(twice)).toEqual(rows(once));
    expect(new Set(rows(twice)).size).toBe(rows(twice).length);
  }, 60_000);
});
