/**
 * Speed goals (issue 3): the full layout search for a Megatron-style 1T model (128 layers, hidden
 * 25,600, 160 heads, seq 2,048, batch 3,072) on 3,072 A100-80GB completes in ≤ 1 s on one core; a
 * hybrid MoE's search (Mamba-2 + attention + MoE, EP searched, ~210,000 layouts) in ≤ 3 s; `train`'s plan
 * with its hints (activation offload, block recomputation) for Llama 3.1 405B on 1,024 H100 in ≤ 2 s;
 * searching partial recomputation as well costs at most twice the search without it; a plan whose chosen layout
 * would most likely run out of memory, searched again at its memory band's P90, in ≤ 0.5 s (Llama 3.1 8B on 64 H100).
 * Run with `npm run bench`; figures are recorded in bench/README.md.
 */
import { bench, describe } from 'vitest';
import { findCluster, findModel } from '../src/catalog/catalog.js';
import { hostFor } from '../src/catalog/hosts.js';
import { findStack } from '../src/catalog/stacks.js';
import { specFromInput } from '../src/core/model/model-spec-schema.js';
import { paramCount } from '../src/core/model/param-count.js';
import { modelSpecFrom } from '../src/core/model/resolve-model.js';
import { searchLayouts } from '../src/core/training/layout-search.js';
import { planTraining } from '../src/core/training/plan.js';
import { likelyFitLevels } from '../src/validation/memory-fit.js';
import { hfFixture } from '../test/hf-fixtures.js';

const megatron1T = specFromInput({
  name: 'GPT 1T (Megatron)',
  vocabSize: 51200,
  hiddenSize: 25600,
  numLayers: 128,
  maxContextTokens: 2048,
  tieWordEmbeddings: true,
  learnedPositionEmbeddings: 2048,
  norm: 'layernorm',
  attention: { kind: 'gqa', numHeads: 160, qkvBias: true, outputBias: true },
  mlp: { intermediateSize: 102400, gated: false, bias: true },
});
const selene = findCluster('selene-a100');
const deepseek = modelSpecFrom(findModel('deepseek-v3').config, 'deepseek-v3');
const h800 = findCluster('hgx-h800-deepseek');
const deepseekRun = {
  gpus: 2048,
  seqLen: 4096,
  globalBatchSize: 15360,
  precision: 'fp8',
  optimizer: 'adamw-bf16-moments',
} as const;
// A 2025 hybrid: Mamba-2, attention and MoE blocks (its own layer kinds, EP, per-stage memory).
const nemotronNano = modelSpecFrom(hfFixture('nemotron-3-nano-30b-a3b'), 'nemotron-3-nano-30b-a3b');
const h100 = findCluster('dgx-h100');

describe('layout search', () => {
  bench('1T model on 3,072 A100 (full search)', () => {
    searchLayouts(megatron1T, selene, {
      gpus: 3072,
      seqLen: 2048,
      globalBatchSize: 3072,
      precision: 'bf16',
      optimizer: 'adamw',
    });
  });
  bench('Nemotron-3 Nano 30B-A3B (Mamba-2 + attention + MoE) on 256 H100 (full search incl. EP)', () => {
    searchLayouts(nemotronNano, h100, {
      gpus: 256,
      seqLen: 4096,
      globalBatchSize: 1024,
      precision: 'bf16',
      optimizer: 'adamw',
    });
  });
  bench('DeepSeek-V3 on 2,048 H800 (FP8, full search incl. EP)', () => {
    searchLayouts(deepseek, h800, deepseekRun);
  });
  // Partial recomputation searched (megatron's block method, as planTraining asks it): ≤ 2× the same search without it.
  for (const partial of [false, true])
    bench(`DeepSeek-V3 on 2,048 H800, megatron${partial ? ', partial recomputation searched' : ''}`, () => {
      searchLayouts(deepseek, h800, {
        ...deepseekRun,
        stack: findStack('megatron'),
        ...(partial && { partialRecomputeFit: { single: 1.1, pipeline: 1.1 } }),
      });
    });
});

describe('train plan with its hints', () => {
  const llama405b = modelSpecFrom(findModel('llama-3.1-405b').config, 'llama-3.1-405b');
  bench('Llama 3.1 405B on 1,024 H100 (search, calibration, offload and block-recomputation hints)', () => {
    planTraining(llama405b, h100, {
      gpus: 1024,
      seqLen: 8192,
      globalBatchSize: 512,
      precision: 'bf16',
      optimizer: 'adamw',
      constraints: {},
      stack: findStack('megatron'),
      offloadHintHost: hostFor('h100-sxm')!,
      recomputeHint: true,
    });
  });
});

describe('train plan whose chosen layout would most likely run out of memory', () => {
  // Llama 3.1 8B on 64 H100 with two pipeline stages on torchtitan: the fastest layout holds 78.5 of
  // 79.6 GiB, its memory band's P10 over; the plan searches again at the band's P90 (plan.ts likelyFitLevels).
  // Goal: the plan with its likely-fit search in ≤ 0.5 s.
  const llama8b = modelSpecFrom(findModel('llama-3.1-8b').config, 'llama-3.1-8b');
  const options = {
    gpus: 64,
    seqLen: 4096,
    globalBatchSize: 1024,
    precision: 'bf16' as const,
    optimizer: 'adamw' as const,
    constraints: { pipelineParallel: 2 },
    stack: findStack('torchtitan'),
  };
  bench('without the likely-fit check', () => {
    planTraining(llama8b, h100, options);
  });
  bench('with it (a second search at the P90)', () => {
    planTraining(llama8b, h100, { ...options, likelyFitLevels: likelyFitLevels('torchtitan') });
  });
});

describe('model arithmetic', () => {
  // A fresh spec object each time: the count itself, not paramCount's per-spec memo.
  bench('paramCount(DeepSeek-V3), uncached', () => {
    paramCount({ ...deepseek });
  });
});
