/** Writes docs/validation.md and docs/validation-serving.md from the validation cases (npm run validation-report). */
import { writeFileSync } from 'node:fs';
import { llmFoundryBenchmarkHeldOut } from '../src/validation/llm-foundry-cases.js';
import { runAllServingCases } from '../src/validation/serving-cases.js';
import { servingReportMarkdown } from '../src/validation/serving-report.js';
import { runAllTrainingCases, validationReportMarkdown } from '../src/validation/training-cases.js';

writeFileSync(
  new URL('../docs/validation.md', import.meta.url),
  validationReportMarkdown(runAllTrainingCases(), [llmFoundryBenchmarkHeldOut()]),
);
writeFileSync(
  new URL('../docs/validation-serving.md', import.meta.url),
  servingReportMarkdown(runAllServingCases()),
);
console.log('wrote docs/validation.md and docs/validation-serving.md');
