/** An example scenario with lines added to its first phase, and that phase prepared (scenario tests). */
import { readFileSync } from 'node:fs';
import type { InputError } from '../src/core/errors.js';
import { prepareScenario } from '../src/scenario/evaluate.js';
import { parseScenario } from '../src/scenario/load.js';
import { inputErrorOf } from './input-error.js';

/** examples/<file> with `extra` inserted after the first phase's `anchor` line. */
export function exampleWith(file: string, anchor: string): (extra: string) => string {
  const text = readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8');
  return (extra) => text.replace(anchor, `${anchor}${extra}`);
}

/** The first phase of a scenario's text, prepared: a pretraining phase, or the test fails. */
export function pretrainPhase(text: string) {
  const phase = prepareScenario(parseScenario(text, 's.yaml')).phases[0]!;
  if (phase.kind !== 'pretrain') throw new Error('expected the pretraining phase');
  return phase;
}

/** The first issue of the InputError preparing a scenario's text raises (any other outcome fails the test). */
export function preparationIssue(text: string): InputError['issues'][number] {
  return inputErrorOf(() => prepareScenario(parseScenario(text, 's.yaml'))).issues[0]!;
}
