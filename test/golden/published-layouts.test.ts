/**
 * Layouts that ran in public must fit: every NeMo 25.11 Megatron-Bridge pretraining run (exact
 * layouts, catalog/validation/megatron-bridge-performance-25.11.json) and Llama 3 405B on 16K H100.
 * Memory is checked on every pipeline stage; the most loaded one decides.
 */
import { describe, expect, it } from 'vitest';
import nemo from '../../catalog/validation/megatron-bridge-performance-25.11.json' with { type: 'json' };
import { findGpu, findModel } from '../../src/catalog/catalog.js';
import { trainingMemory } from '../../src/core/memory/training-memory.js';
import { modelSpecFrom } from '../../src/core/model/resolve-model.js';
import {
  DEFAULT_LAYOUT,
  layoutIssues,
  type ParallelLayout,
  RECOMPUTE_MODES,
} from '../../src/core/parallelism/layout.js';
import { NEMO_GPUS, NEMO_MODELS, nemoSplits } from '../../src/validation/stack-calibration-cases.js';

const spec = (id: string) => modelSpecFrom(findModel(id).config, id);

describe('NeMo 25.11 published layouts fit (every stage)', () => {
  const rows = nemo.rows.filter((r) => NEMO_MODELS[r.model] && NEMO_GPUS[r.system]);
  it('covers most of the published rows', () => expect(rows.length).toBeGreaterThanOrEqual(18));
  for (const r of rows) {
    it(`${r.system} ${r.model} ${r.precision} tp${r.tp} pp${r.pp} cp${r.cp} vp${r.vp ?? 1} ep${r.ep}`, () => {
      const model = spec(NEMO_MODELS[r.model]!);
      const gpu = findGpu(NEMO_GPUS[r.system]!);
      const splits = nemoSplits(r);
      const layout: ParallelLayout = {
        ...DEFAULT_LAYOUT,
        ...splits,
        schedule: splits.virtualStages > 1 ? 'interleaved' : '1f1b',
      };
      expect(layoutIssues(model, layout, r.seqLen)).toEqual([]);
      // The summary does not publish recomputation (the recipes recompute some modules): the
      // layout must fit with one of the modes.
      const peaks = RECOMPUTE_MODES.map((recompute) => {
        const m = trainingMemory(
          model,
          { ...layout, recompute },
          {
            seqLen: r.seqLen,
            globalBatchSize: r.globalBatch,
            precision: r.precision === 'BF16' ? 'bf16' : 'fp8',
            optimizer: 'adamw',
          },
        );
        expect(m.stages).toHaveLength(r.pp);
        return m.peak.totalBytes;
      });
      expect(Math.min(...peaks)).toBeLessThanOrEqual(gpu.memoryBytes);
    });
  }
});

describe('layouts that ran at scale', () => {
  const h100 = findGpu('h100-sxm');
  it('Llama 3 405B, 16K H100, 8K sequence: TP8 PP16 DP128 interleaved fits (Llama 3 paper Table 4, Sec. 3.3.2)', () => {
    // Meta's FSDP shards optimizer states and gradients and keeps weights after the forward (ZeRO-2).
    const m = trainingMemory(
      spec('llama-3.1-405b'),
      {
        ...DEFAULT_LAYOUT,
        tensorParallel: 8,
        pipelineParallel: 16,
        dataParallel: 128,
        virtualStages: 2,
        schedule: 'interleaved',
        sequenceParallel: true,
        zeroStage: 2,
      },
      { seqLen: 8192, globalBatchSize: 2048, precision: 'bf16', optimizer: 'adamw' },
    );
    expect(m.peak.totalBytes).toBeLessThanOrEqual(h100.memoryBytes);
  });
  it('DeepSeek-V3 PP16 · EP1 · VPP3 on H800 does not fit: a middle stage holds four MoE layers with all 256 experts, the last also the MTP module’s', () => {
    const m = trainingMemory(
      spec('deepseek-v3'),
      {
        ...DEFAULT_LAYOUT,
        pipelineParallel: 16,
        dataParallel: 128,
        virtualStages: 3,
        schedule: 'interleaved',
        microBatchSize: 4,
        recompute: 'full',
        zeroStage: 2,
      },
      { seqLen: 4096, globalBatchSize: 15360, precision: 'fp8', optimizer: 'adamw' },
    );
    const h800 = findGpu('h800').memoryBytes;
    const middle = m.stages.find((s) => s.stage === 'middle' && s.moeLayers === 4)!;
    // 4 layers × 256 experts × 3 × 7168 × 2048 × 2 bytes ≈ 84 GiB of expert weights alone.
    expect(middle.modelStates.weights).toBeGreaterThan(84 * 2 ** 30);
    expect(middle.totalBytes).toBeGreaterThan(h800);
    // The last stage holds the MTP module too (its MoE layer's 256 experts, an embedding copy, a second
    // loss's logits): the most loaded of all.
    expect(m.peak.stage).toBe('last');
    expect(m.peak.modelStates.weights).toBeGreaterThan(middle.modelStates.weights);
    expect(m.peak.totalBytes).toBeGreaterThan(h800);
  });
});
