/**
 * Speed goal (issue 7): a lever waterfall — one engine run per step — in ≤ 1 s for the DeepSeek-V3
 * recipe (8 steps of layout searches) and ≤ 100 ms for a serving study; scaling-law queries instant.
 */
import { bench, describe } from 'vitest';
import {
  CHINCHILLA_FITS,
  chinchillaOptimal,
  inferenceAwareOptimal,
} from '../src/core/scaling/scaling-laws.js';
import { runWaterfall } from '../src/levers/levers.js';
import { PRESETS } from '../src/levers/presets.js';
import { leverStudySchema } from '../src/levers/schema.js';

const study = (name: string) => leverStudySchema.parse(PRESETS[name]);

describe('lever waterfalls', () => {
  bench(
    'DeepSeek-V3 recipe, 8 levers',
    () => {
      runWaterfall(study('deepseek-v3-recipe'));
    },
    { iterations: 5 },
  );
  bench(
    'Llama 70B serving, 5 levers',
    () => {
      runWaterfall(study('llama-70b-serving'));
    },
    { iterations: 10 },
  );
  bench(
    'Llama 70B fine-tuning, 3 levers',
    () => {
      runWaterfall(study('llama-70b-finetune'));
    },
    { iterations: 5 },
  );
});

describe("a study of 100 levers (the schema's bound)", () => {
  // DeepSeek-V3 on 2,048 H800 with its layout searched, then 100 spot levers: each changes only the
  // price, so every step and every lever alone reuses the baseline's search (levers/plan-memo.ts).
  const hundred = leverStudySchema.parse({
    name: '100 spot levers',
    baseline: {
      kind: 'train',
      model: 'deepseek-v3',
      tokens: 14.8e12,
      gpu: 'h800',
      gpus: 2048,
      precision: 'fp8',
    },
    levers: Array.from({ length: 100 }, () => ({ lever: 'spot', discount: 0.01, restartOverhead: 0.01 })),
  });
  bench(
    'DeepSeek-V3 on 2,048 H800 searched, 100 spot levers',
    () => {
      runWaterfall(hundred);
    },
    { iterations: 2 },
  );
});

describe('scaling laws', () => {
  bench('compute-optimal + inference-aware allocation', () => {
    const best = chinchillaOptimal(CHINCHILLA_FITS.epoch, 1e24);
    inferenceAwareOptimal(CHINCHILLA_FITS.epoch, best.loss!, 1e13);
  });
});
