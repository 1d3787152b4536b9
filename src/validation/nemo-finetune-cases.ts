/**
 * HELD-OUT fine-tuning checks of the megatron stack: NeMo 26.06's Llama 3 70B SFT and LoRA rows
 * (catalog/validation/megatron-bridge-finetune.json), each run with its published splits on its NeMo DGX
 * system and as its recipe set it (SFT: every weight; LoRA: rank 16 on linear_qkv, the base frozen;
 * sequences packed to the published length), predicted with the committed megatron calibration and its
 * band as `llmecon finetune --stack megatron` applies them. Not in any fit.
 */
import table from '../../catalog/validation/megatron-bridge-finetune.json' with { type: 'json' };
import { allStackCalibrations, asTrainedBy, findStack } from '../catalog/stacks.js';
import { planFinetuneLayouts } from '../core/adaptation/finetune.js';
import { formatSignedPercent } from '../core/format.js';
import type { TargetModule } from '../core/model/adapters.js';
import { layoutText } from './calibration-case.js';
import { hintMemoryFit } from './memory-fit.js';
import { nemoRun } from './stack-calibration-cases.js';
import type { BenchmarkHeldOut } from './training-cases.js';

export interface NemoFinetuneCase {
  readonly id: string;
  readonly task: 'sft' | 'lora';
  readonly system: string;
  readonly precision: string;
  readonly gpus: number;
  readonly layout: string;
  /** Published step seconds (global batch tokens / (tokens/s per GPU × GPUs)). */
  readonly published: number;
  /** The engine's step with the committed megatron calibration, and its P10–P90. */
  readonly predicted: number;
  readonly p10: number;
  readonly p90: number;
  /** published / predicted − 1. */
  readonly error: number;
}

/** LoRA as the 26.06 recipes ran it (table.meta.recipes): rank 16 on the fused q/k/v projection. */
const LORA = { rank: 16, targets: ['q', 'k', 'v'] as readonly TargetModule[] };

export function nemoFinetuneCases(): NemoFinetuneCase[] {
  const stack = findStack('megatron');
  const calibrationPool = allStackCalibrations();
  return table.rows.map((r) => {
    const { spec, cluster, run } = nemoRun(r);
    const lora = r.task === 'lora';
    const plan = planFinetuneLayouts(asTrainedBy(spec, undefined, stack, ['model']), cluster, {
      method: lora ? 'lora' : 'full',
      rank: LORA.rank,
      targets: lora ? LORA.targets : [],
      seqLen: r.seqLen,
      globalBatchSize: r.globalBatch,
      optimizer: 'adamw',
      gpus: r.gpus,
      stack,
      calibrationPool,
      // A searched partial recomputation fits as `llmecon finetune`'s does.
      hintMemoryFit: hintMemoryFit(stack.id),
      ...run,
    });
    const predicted = plan.chosen.step.stepSeconds;
    const published = (r.globalBatch * r.seqLen) / (r.tokensPerSecondPerGpu * r.gpus);
    return {
      id: `nemo${r.release}-${r.task}-${r.system}-${r.precision}-${r.gpus}`.toLowerCase(),
      task: lora ? 'lora' : 'sft',
      system: r.system,
      precision: r.precision,
      gpus: r.gpus,
      layout: layoutText(plan.chosen.layout),
      published,
      predicted,
      p10: predicted * (plan.band?.low ?? 1),
      p90: predicted * (plan.band?.high ?? 1),
      error: published / predicted - 1,
    };
  });
}

/** The rows as the validation report summarises them (docs/validation.md). */
export function nemoFinetuneBenchmarkHeldOut(): BenchmarkHeldOut {
  const cases = nemoFinetuneCases();
  return {
    what: `Held-out fine-tuning runs of NVIDIA's NeMo 26.06 performance summary on the megatron stack (Llama 3 70B SFT on 32 GPUs and LoRA on 8, on GB300, GB200 and H100, each listed in docs/finetuning.md; error = published / predicted − 1 in step time)`,
    errors: cases.map((c) => Math.abs(c.error)),
    inBand: cases.filter((c) => c.published >= c.p10 && c.published <= c.p90).length,
    refused: 0,
  };
}

export const NEMO_FINETUNE_BEGIN = '<!-- nemo-finetune:begin -->';
export const NEMO_FINETUNE_END = '<!-- nemo-finetune:end -->';

/** docs/finetuning.md's table of the rows (written by `npm run validation-report`). */
export function nemoFinetuneMarkdown(cases: readonly NemoFinetuneCase[]): string {
  const s = (x: number) => x.toPrecision(3);
  return [
    NEMO_FINETUNE_BEGIN,
    '| task | system | precision | GPUs | layout (engine) | published s | predicted s | P10–P90 s | error |',
    '|---|---|---|---:|---|---:|---:|---|---:|',
    ...cases.map((c) => {
      const inside = c.published >= c.p10 && c.published <= c.p90;
      return `| ${c.task === 'lora' ? 'LoRA' : 'SFT'} | ${c.system} | ${c.precision} | ${c.gpus} | ${c.layout} | ${s(c.published)} | ${s(c.predicted)} | ${s(c.p10)}–${s(c.p90)}${inside ? '' : ' (outside)'} | ${formatSignedPercent(c.error)} |`;
    }),
    NEMO_FINETUNE_END,
  ].join('\n');
}
