/**
 * Built-in lever studies (`llmecon levers --preset NAME`). Each baseline and lever cites where its
 * figures come from; the engines compute everything else.
 */
import type { z } from 'zod';
import type { leverStudySchema } from './schema.js';

export const PRESETS: Readonly<Record<string, z.input<typeof leverStudySchema>>> = {
  'deepseek-v3-recipe': {
    name: 'From a Llama 3.1 405B-class dense run to the DeepSeek-V3 recipe',
    description:
      "The seeds quote ~$61.6M for Llama 3.1 405B (30.84M H100-hours at $2) and $5.576M for DeepSeek-V3 (2.788M H800-hours at $2). Starting from Meta's published run — 15.6T tokens on 16,384 H100 with TP 8 · PP 16 · DP 128 at 8K context (The Llama 3 Herd of Models, Sec. 3.3, Table 4) — each lever switches one ingredient of DeepSeek-V3's recipe (DeepSeek-V3 report, Sec. 3) and the engines re-run.",
    baseline: {
      kind: 'train',
      model: 'llama-3.1-405b',
      tokens: 15.6e12,
      gpu: 'h100',
      gpus: 16384,
      precision: 'bf16',
      seqLen: 8192,
      globalBatchTokens: 16 * 2 ** 20,
      usdPerGpuHour: 2,
      layout: { tp: 8, pp: 16, dp: 128 },
    },
    levers: [
      {
        lever: 'data',
        tokens: 14.8e12,
        assumption:
          "DeepSeek-V3 pretrained on 14.8T tokens (report Sec. 4.1) vs Llama 3.1's 15.6T; the mixtures differ, so this is the recipe's token count, not a claim of equal data quality",
      },
      {
        lever: 'batch',
        seqLen: 4096,
        globalBatchTokens: 15360 * 4096,
        note: 'DeepSeek-V3 report Sec. 4.2: 4K sequences, batch ramped to 15,360',
      },
      { lever: 'moe', model: 'deepseek-v3', attention: 'gqa' },
      {
        lever: 'layout',
        layout: { tp: 1, pp: 16, ep: 64 },
        note: 'DeepSeek-V3 report Sec. 3.2: PP 16, EP 64 over 8 nodes, ZeRO-1 DP, no TP',
      },
      { lever: 'mla' },
      { lever: 'fp8' },
      { lever: 'schedule', schedule: 'dualpipe', overlapExperts: true },
      {
        lever: 'gpu',
        gpu: 'h800',
        gpus: 2048,
        usdPerGpuHour: 2,
        note: 'DeepSeek-V3 report Sec. 3.1: 2,048 H800 (NVLink 400 GB/s); $2/GPU-hour as the report prices it',
      },
    ],
  },
  'llama-70b-finetune': {
    name: 'Fine-tuning Llama 3.1 70B: full, LoRA, QLoRA',
    description:
      'Supervised fine-tuning on 100M tokens for 3 epochs at 4K context on 64 rented H100; each lever re-plans the run with the fine-tuning engine (frozen base, adapter-only gradients and optimizer states).',
    baseline: {
      kind: 'finetune',
      model: 'llama-3.1-70b',
      tokens: 100e6,
      epochs: 3,
      method: 'full',
      gpu: 'h100',
      gpus: 64,
      seqLen: 4096,
      globalBatch: 64,
    },
    levers: [
      { lever: 'adapter', method: 'lora', rank: 16, targets: 'all' },
      { lever: 'adapter', method: 'qlora', rank: 16, targets: 'all' },
      { lever: 'gpu', gpu: 'h100', gpus: 8, note: 'the NF4 base fits one node' },
    ],
  },
  'llama-70b-serving': {
    name: 'Serving Llama 3.1 70B: from BF16 on A100 to a distilled 8B',
    description:
      'A chat workload (1,000 prompt and 300 output tokens per request, 2B tokens a day, 50 ms per output token) served for a year; each lever re-plans the deployment with the serving engine.',
    baseline: {
      kind: 'serve',
      model: 'llama-3.1-70b',
      gpu: 'a100',
      weights: 'bf16',
      kv: 'bf16',
      inputTokens: 1000,
      outputTokens: 300,
      tokensPerDay: 2e9,
      tpotSloSeconds: 0.05,
      days: 365,
    },
    levers: [
      { lever: 'gpu', gpu: 'h100' },
      { lever: 'fp8' },
      { lever: 'sparsity', pattern: '2:4' },
      { lever: 'quantize', weights: 'int4' },
      { lever: 'distill', student: 'llama-3-8b', teacherTokens: 1e9 },
    ],
  },
};
