/**
 * The web app's names for the CLI flags the shared engine's messages name ("without --packing, give
 * --examples …"): each replaced by the field a web user changes, in quotes. Flags the web has no field for,
 * and the engines' own flags (vLLM's, SGLang's, Megatron's), are left as they are.
 */
import { wholeWordReplacer } from '../../src/core/whole-words.js';

const FIELD_OF_FLAG: readonly (readonly [string, string])[] = [
  // Phrases first: a flag with its value names one choice of a list.
  ['--padding longest', '“Dataset examples: each micro-batch padded to its longest”'],
  ['--offload none', '“Offload to host memory: none”'],
  ['--offload', '“Offload to host memory”'],
  ['--no-packing', 'a padded choice of “Dataset examples”'],
  ['--packing-mask', '“Dataset examples: packed, each attending only within itself”'],
  ['--packing', '“Dataset examples: packed into full sequences”'],
  ['--examples', '“Examples per epoch”'],
  ['--length-p99', '“Example length P99”'],
  ['--seq-len', '“Sequence length”'],
  ['--document-tokens-p99', '“Document tokens P99”'],
  ['--document-tokens', '“Document tokens”'],
  ['--global-batch', '“Global batch (sequences)”'],
  ['--samples-per-prompt', '“Samples per prompt”'],
  ['--max-response-tokens', '“Max response tokens”'],
  ['--response-tokens', '“Response tokens”'],
  ['--prompts', '“Prompts per step”'],
  ['--gpus', '“GPUs”'],
  ['--stack', '“Stack”'],
  ['--tokens', 'the tokens (“Tokens”, “Dataset tokens per epoch”)'],
  ['--mixed-chunk', '“Mixed prompt chunks”'],
  ['--ep-in-tp', '“Expert parallel inside TP”'],
  ['--expert-imbalance', '“Expert imbalance”'],
  // Fields a shared message names as the scenario and lever files do.
  ['documentTokensP99', '“Document tokens P99”'],
  ['documentTokens', '“Document tokens”'],
];

/** A message from the engine as the web shows it: the CLI's flags named by their fields. */
export const webText = wholeWordReplacer(new Map(FIELD_OF_FLAG));
