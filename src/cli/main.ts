/**
 * The program: global options, the command table (registered by concept from ./program/), and the exit
 * codes, decided here and nowhere else:
 * 0 ok · 1 internal error (a bug) · 2 bad input · 3 computed, but does not fit in memory.
 */
import { Command, CommanderError } from 'commander';
import { DoesNotFitError, formatIssue, InputError } from '../core/errors.js';
import { asFlagIssue } from './flag-paths.js';
import { elideLongEchoes, terminalSafe } from './format.js';
import { registerCatalogCommands } from './program/catalog-commands.js';
import { registerModelCommands } from './program/model-commands.js';
import { registerProjectCommands } from './program/project-commands.js';
import { registerServingCommands } from './program/serving-commands.js';
import type { Io, ProgramContext } from './program/shared.js';
import { registerTrainingCommands } from './program/training-commands.js';

export const EXIT = { ok: 0, internal: 1, badInput: 2, doesNotFit: 3 } as const;

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

let clearEfficiency: (() => void) | null = null;

function program(io: Io, setExit: (code: number) => void): Command {
  const cli = new Command('llmecon')
    .description(
      'The economics of large language models: parameters, FLOPs, memory, training, fine-tuning, serving, project cash flows, cost levers, scaling laws and trends.',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError(true)
    // --efficiency (issue 14): a user's efficiency profile or kernel measurements for every command.
    .option(
      '--efficiency <file>',
      "efficiency profile or kernel measurements (bench/gpu/) to use instead of the catalog's",
    )
    .hook('preAction', async (root) => {
      const file = root.opts().efficiency as string | undefined;
      if (file) clearEfficiency = (await import('./efficiency-flag.js')).applyEfficiencyFile(file);
    });

  const ctx: ProgramContext = { io, setExit };
  // In help order: one model, training, serving, project, catalog and kernels.
  registerModelCommands(cli, ctx);
  registerTrainingCommands(cli, ctx);
  registerServingCommands(cli, ctx);
  registerProjectCommands(cli, ctx);
  registerCatalogCommands(cli, ctx);
  return cli;
}

/** Runs the CLI on `args` (without node and script); returns the exit code. */
export async function main(args: readonly string[], rawIo: Io = defaultIo): Promise<number> {
  const io: Io = { out: (t) => rawIo.out(terminalSafe(t)), err: (t) => rawIo.err(terminalSafe(t)) };
  let exitCode: number = EXIT.ok;
  try {
    await program(io, (code) => {
      exitCode = code;
    }).parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof InputError) {
      for (const issue of error.issues) io.err(elideLongEchoes(`error: ${formatIssue(asFlagIssue(issue))}`));
      return error instanceof DoesNotFitError ? EXIT.doesNotFit : EXIT.badInput;
    }
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    io.err(`internal error: ${(error as Error).message} (please report this at the project's issue tracker)`);
    return EXIT.internal;
  } finally {
    clearEfficiency?.();
    clearEfficiency = null;
  }
}
