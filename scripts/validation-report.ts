/** Writes docs/validation.md from the validation cases (npm run validation-report). */
import { writeFileSync } from 'node:fs';
import { runAllTrainingCases, validationReportMarkdown } from '../src/validation/training-cases.js';

writeFileSync(
  new URL('../docs/validation.md', import.meta.url),
  validationReportMarkdown(runAllTrainingCases()),
);
console.log('wrote docs/validation.md');
