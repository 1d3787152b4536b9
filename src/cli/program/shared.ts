/**
 * What every command registration shares: the output sink, the exit status, the help example, the
 * action that prints a command's result and sets its exit code, and the options several commands
 * take with the same meaning (so each is worded once).
 */
import type { Command } from 'commander';

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

/** Adds "Example:" to a command's help (every command has one; main.test.ts checks). */
export const example = (cmd: Command, text: string): Command =>
  cmd.addHelpText('after', `\nExample:\n  ${text}`);

/** Prints a command's result on standard output (errors on standard error) and sets the exit code. */
export function printResult(
  ctx: ProgramContext,
  result: CommandResult,
  stream: 'out' | 'errOnFailure' = 'out',
): void {
  (stream === 'errOnFailure' && result.exitCode !== 0 ? ctx.io.err : ctx.io.out)(result.output);
  ctx.setExit(result.exitCode);
}

export const OPTIMIZER_HELP = 'adamw | adamw-bf16-moments | adam-8bit | adafactor | sgd-momentum | muon';
export const MODEL_HELP = 'catalog id, config.json (or Mistral params.json) or llmecon spec';
export const GPU_HELP = 'accelerator (see llmecon gpus)';
export const PRICE_HELP = 'rental price (default: lowest on-demand price in the catalog)';

/** `--json`, last on every command. */
export const jsonOption = (cmd: Command, help = 'machine-readable output'): Command =>
  cmd.option('--json', help);
