/**
 * What every command registration shares: the output sink, the exit status, the help example, the
 * action that prints a command's result and sets its exit code, and the options several commands
 * take with the same meaning (so each is worded once).
 */
import type { Command } from 'commander';
import { inputError } from '../../core/errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** A command module's result: its text (or JSON) and its exit code. */
export interface CommandResult {
  readonly output: string;
  readonly exitCode: number;
}

export interface ProgramContext {
  readonly io: Io;
  readonly setExit: (code: number) => void;
}

/** Where `text` is an empty value or holds an empty list item (`h100,`, `a,,b`): what is wrong, else null. */
function emptiness(text: string): string | null {
  if (text.trim() === '') return 'must not be empty';
  if (text.includes(',') && text.split(',').some((item) => item.trim() === ''))
    return `has an empty item in the list '${text}' (separate items with single commas, no trailing comma)`;
  return null;
}

/**
 * An empty value never stands for "absent": `--cluster ""`, `memory --gpu ""`, `gpus ""` or
 * `--gpu h100,` are refused naming the flag (or argument), as every command's values are checked
 * before it runs (the command's own options, its parents' and its arguments).
 */
export function refuseEmptyValues(cmd: Command): void {
  for (let c: Command | null = cmd; c !== null; c = c.parent) {
    const values = c.opts();
    for (const option of c.options) {
      const value: unknown = values[option.attributeName()];
      const problem = typeof value === 'string' ? emptiness(value) : null;
      if (problem !== null) inputError('invalid_value', [option.long ?? option.flags], problem);
    }
  }
  cmd.registeredArguments.forEach((argument, i) => {
    const value: unknown = cmd.processedArgs[i];
    const problem = typeof value === 'string' ? emptiness(value) : null;
    const name = argument.required ? `<${argument.name()}>` : `[${argument.name()}]`;
    if (problem !== null) inputError('invalid_value', [name], problem);
  });
}

/**
 * Adds "Example:" to a command's help (every command has one; main.test.ts checks), and the checks
 * every command's values share ({@link refuseEmptyValues}) before its action runs.
 */
export const example = (cmd: Command, text: string): Command =>
  cmd
    .addHelpText('after', `\nExample:\n  ${text}`)
    .hook('preAction', (_command, action) => refuseEmptyValues(action));

/**
 * A commander argument parser for a whole number ≥ 0 written in decimal (`--layer`, `--phase`): empty
 * text, hex (`0x10`), fractions and exponents are refused naming the flag; `words` (e.g. `head`) pass
 * as they are. The command reads the text it returns, unchanged, against its own range.
 */
export const decimalIndex =
  (flag: string, allowed: string, words: readonly string[] = []) =>
  (text: string): string => {
    if (!words.includes(text) && !/^\d+$/.test(text))
      inputError('invalid_value', [flag], `must be ${allowed}, got '${text}'`);
    return text;
  };

/** Prints a command's result on standard output (errors on standard error) and sets the exit code. */
export function printResult(
  ctx: ProgramContext,
  result: CommandResult,
  stream: 'out' | 'errOnFailure' = 'out',
): void {
  (stream === 'errOnFailure' && result.exitCode !== 0 ? ctx.io.err : ctx.io.out)(result.output);
  ctx.setExit(result.exitCode);
}

export const PRECISION_HELP =
  'bf16 | fp8 | fp32 | bf16-pure (BF16 weights, gradients and optimizer states, no FP32 master: torchtune dtype bf16, Lightning bf16-true, a Trainer run on a model loaded in BF16)';
export const OPTIMIZER_HELP = 'adamw | adamw-bf16-moments | adam-8bit | adafactor | sgd-momentum | muon';
export const BF16_GRAD_BUFFERS_HELP =
  "main-grad buffers in BF16, 2 bytes a gradient held, accumulated and reduced (megatron's grad_reduce_in_fp32 false, as NeMo's performance recipes run; default: the precision's gradient bytes held, FP32 accumulation)";
export const MODEL_HELP = 'catalog id, config.json (or Mistral params.json) or llmecon spec';
export const GPU_HELP = 'accelerator (see llmecon gpus)';
export const PRICE_HELP =
  "rental price, at least $0.01 per GPU-hour (default: the lowest current on-demand price in the catalog, listings within a year of the GPU's newest, as llmecon gpus lists it)";
/** Owned hardware (price-flags.ts), with the bounds their messages state (src/core/domain.ts). */
export const LIFE_YEARS_HELP =
  'with --purchase-price-per-gpu: depreciation life, 0.1–50 years (default 5, Epoch AI)';
export const UTILIZATION_HELP =
  'with --purchase-price-per-gpu: share of the life spent on useful work, 0.01–1 (default 1)';

/** `--json`, last on every command. */
export const jsonOption = (cmd: Command, help = 'machine-readable output'): Command =>
  cmd.option('--json', help);
