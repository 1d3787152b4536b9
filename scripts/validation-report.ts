/**
 * Writes docs/validation.md and docs/validation-serving.md from the validation cases, and the held-out
 * NeMo section of docs/training-engine.md from the committed calibration (npm run
 * validation-report; after `scripts/calibrate.ts --write`, whose calibration the held-out rows take).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { llmFoundryBenchmarkHeldOut } from '../src/validation/llm-foundry-cases.js';
import {
  NEMO_FINETUNE_BEGIN,
  NEMO_FINETUNE_END,
  nemoFinetuneBenchmarkHeldOut,
  nemoFinetuneCases,
  nemoFinetuneMarkdown,
} from '../src/validation/nemo-finetune-cases.js';
import { runAllServingCases } from '../src/validation/serving-cases.js';
import { servingReportMarkdown } from '../src/validation/serving-report.js';
import { heldOutMegatronCases, megatronBenchmarkHeldOut } from '../src/validation/stack-heldout-cases.js';
import {
  HELD_OUT_BEGIN,
  HELD_OUT_END,
  heldOutMegatronMarkdown,
} from '../src/validation/stack-heldout-report.js';
import { runAllTrainingCases, validationReportMarkdown } from '../src/validation/training-cases.js';

writeFileSync(
  new URL('../docs/validation.md', import.meta.url),
  validationReportMarkdown(runAllTrainingCases(), [
    megatronBenchmarkHeldOut(),
    nemoFinetuneBenchmarkHeldOut(),
    llmFoundryBenchmarkHeldOut(),
  ]),
);
writeFileSync(
  new URL('../docs/validation-serving.md', import.meta.url),
  servingReportMarkdown(runAllServingCases()),
);
const engineDoc = new URL('../docs/training-engine.md', import.meta.url);
const { cases, skipped } = heldOutMegatronCases();
writeFileSync(
  engineDoc,
  readFileSync(engineDoc, 'utf8').replace(
    new RegExp(`${HELD_OUT_BEGIN}[\\s\\S]*${HELD_OUT_END}`),
    heldOutMegatronMarkdown(cases, skipped),
  ),
);
const finetuneDoc = new URL('../docs/finetuning.md', import.meta.url);
writeFileSync(
  finetuneDoc,
  readFileSync(finetuneDoc, 'utf8').replace(
    new RegExp(`${NEMO_FINETUNE_BEGIN}[\\s\\S]*${NEMO_FINETUNE_END}`),
    nemoFinetuneMarkdown(nemoFinetuneCases()),
  ),
);
console.log(
  'wrote docs/validation.md, docs/validation-serving.md, the held-out section of docs/training-engine.md and the NeMo fine-tuning table of docs/finetuning.md',
);
