/**
 * The scenario's names for what the engines' input errors name by CLI flag: the path they move to
 * (`--prompts` → `phases[i].promptsPerStep`) and their text ("give --examples" → "give examples"), so a
 * scenario's errors name its fields, never a flag.
 */
import { wholeWordReplacer } from '../core/whole-words.js';
import type { Phase } from './schema.js';

/** The scenario field of each CLI flag that differs from its camel-cased name, or that text names. */
export const FIELD_OF_FLAG: Readonly<Record<string, string>> = {
  '--gpu': 'gpu',
  '--gpus': 'gpus',
  '--seq-len': 'seqLen',
  '--document-tokens': 'documentTokens',
  '--document-tokens-p99': 'documentTokensP99',
  '--packing-mask': 'packingMask',
  '--examples': 'examples',
  '--length-p99': 'lengthP99',
  '--precision': 'precision',
  '--global-batch': 'globalBatch',
  '--global-batch-tokens': 'globalBatchTokens',
  '--tokens': 'tokens',
  '--rank': 'rank',
  '--targets': 'targets',
  '--method': 'method',
  '--epochs': 'epochs',
  '--prompts': 'promptsPerStep',
  '--samples-per-prompt': 'samplesPerPrompt',
  '--prompt-tokens': 'promptTokens',
  '--response-tokens': 'responseTokens',
  '--max-response-tokens': 'maxResponseTokens',
  '--input-tokens': 'inputTokens',
  '--output-tokens': 'outputTokens',
  '--weights': 'weights',
  '--kv': 'kv',
  '--region': 'region',
  '--watts-per-gpu': 'wattsPerGpu',
  '--mtp-layers': 'mtpLayers',
  '--padding': 'padding',
  '--base-format': 'baseFormat',
  '--ttft-slo': 'ttftSloSeconds',
  '--stack': 'stack',
  '--tpot-slo': 'tpotSloSeconds',
};

/** Flags with a value, and flags that set a field to a value, as the scenario writes them. */
const PHRASES: Readonly<Record<string, string>> = {
  '--padding longest': '`padding: longest`',
  '--no-packing': '`packing: false`',
  '--packing': '`packing: true`',
};

/** An engine's message as a scenario's error says it: each flag named by its field. */
export const scenarioText = wholeWordReplacer(
  new Map([...Object.entries(PHRASES), ...Object.entries(FIELD_OF_FLAG)]),
);

/** A phase's field for an engine's domain path (`globalBatchSize` is `globalBatchTokens` in a pretrain phase). */
export function phaseField(phase: Phase, path: readonly (string | number)[]): (string | number)[] {
  const head = path[0];
  if (head === 'globalBatchSize') return [phase.kind === 'pretrain' ? 'globalBatchTokens' : 'globalBatch'];
  if (head === 'layout') return ['gpus'];
  // A CLI flag named by a shared helper (`--gpu`, `--prompts`): the phase field it sets.
  if (typeof head === 'string' && head.startsWith('--'))
    return [
      FIELD_OF_FLAG[head] ?? head.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      ...path.slice(1),
    ];
  return [...path];
}
