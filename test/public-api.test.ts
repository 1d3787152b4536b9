import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API (src/index.ts)', () => {
  it('answers the README question from the library: DeepSeek-V3 parameters and one training step', () => {
    const spec = api.modelSpecFrom(api.findModel('deepseek-v3').config, 'deepseek-v3');
    expect(api.paramCount(spec).totalParams).toBe(671_026_419_200);
    const step = api.trainingStepTime(
      spec,
      api.findCluster('hgx-h800-deepseek'),
      {
        ...api.DEFAULT_LAYOUT,
        pipelineParallel: 16,
        dataParallel: 128,
        expertParallel: 64,
        schedule: 'dualpipe',
        recompute: 'full',
      },
      {
        seqLen: 4096,
        globalBatchSize: 15360,
        precision: 'fp8',
        optimizer: 'adamw-bf16-moments',
      },
    );
    expect(step.stepSeconds).toBeGreaterThan(10);
  });
  it("exports this round's modules: memory band, layer-mix summary, RL rollout and weight sync, provisioned power", () => {
    const residuals = { megatron: [-0.1, 0, 0.05, 0.1] };
    const band = api.memoryBand(residuals, 'megatron');
    const range = api.memoryRange(80e9, band)!;
    expect(range.p10).toBeLessThan(80e9);
    expect(range.p90).toBeGreaterThan(80e9);
    expect(api.memoryRange(80e9, api.memoryBand(residuals, 'hf'))).toBeNull();
    expect(api.stackMemoryBand('no-such-stack')).toMatchObject({ cases: 0, low: 1, high: 1 });
    const spec = api.modelSpecFrom(api.findModel('deepseek-v3').config, 'deepseek-v3');
    const mix = api.layerMixSummary(spec);
    expect(mix.numLayers).toBe(61);
    expect(mix.text).toBe(api.describeLayerMix(spec));
    expect(mix.mlps.map((m) => m.mlp).sort()).toEqual(['dense', 'moe']);
    expect(typeof api.rolloutTime).toBe('function');
    const lengths = api.responseLengths({ sequences: 64, responseTokens: 512, maxResponseTokens: 1024 });
    expect(lengths).toEqual(Array(64).fill(512));
    const sync = api.weightSyncSeconds(api.findCluster('hgx-h800-deepseek'), {
      placement: 'colocated',
      trainingGpus: 8,
      bytes: 16e9,
      reloadBytesPerSecond: 8e9,
    });
    expect(sync.seconds).toBeGreaterThan(sync.reloadSeconds);
    expect(sync.reloadSeconds).toBeCloseTo(2);
    expect(api.RL_PLACEMENTS).toEqual(['colocated', 'separate']);
    expect(api.provisionedKw(8, { nodeWattsPerGpu: 1000 })).toBeCloseTo(8);
    const offload = api.offloadOptions('optimizer', api.findGpu('h100'))!;
    expect(offload.host.gpusPerHost).toBe(8);
    expect(api.hostMemory([{ offloadedBytes: 1e9 }], offload.host).bytesPerHost).toBe(8e9);
    expect(api.OFFLOAD_MODES).toEqual(['none', 'optimizer', 'optimizer+params']);
  });
  it.runIf(existsSync('dist/src/index.js'))('the built package exports the same API', async () => {
    const built = await import('../dist/src/index.js' as string);
    expect(Object.keys(built).sort()).toEqual(Object.keys(api).sort());
  });
});
