/**
 * The memory calibration: every measured peak of catalog/validation/memory.json and of the fine-tuning
 * step profiles (catalog/validation/finetune-runs.json) through the engine
 * (src/validation/memory-cases.ts), printed, and with --write the generated table between the
 * memory-band markers of docs/training-engine.md (checked by src/validation/memory-cases.test.ts).
 * Run: npx tsx scripts/calibrate-memory.ts [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { memoryCalibrationMarkdown } from '../src/validation/memory-cases.js';

const table = memoryCalibrationMarkdown();
console.log(table);
if (process.argv.includes('--write')) {
  const path = new URL('../docs/training-engine.md', import.meta.url);
  const doc = readFileSync(path, 'utf8');
  const begin = '<!-- memory-band:begin -->';
  const end = '<!-- memory-band:end -->';
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/training-engine.md lacks the ${begin} … ${end} markers`);
  writeFileSync(path, `${doc.slice(0, from + begin.length)}\n${table}\n${doc.slice(to)}`);
}
