/** Project-level commands: scenarios (run), cost levers, scaling laws, trends and validation. */
import type { Command } from 'commander';
import { decimalIndex, example, type ProgramContext, printResult } from './shared.js';

export function registerProjectCommands(cli: Command, ctx: ProgramContext): void {
  example(
    cli
      .command('run <scenario>')
      .description(
        'evaluate a project scenario (YAML/JSON): cost by phase and kind, cash flows, NPV/IRR/payback, Monte Carlo',
      )
      .option('--samples <n>', 'Monte Carlo samples over the uncertain inputs (default: none)')
      .option('--seed <s>', 'random seed (same seed, same results)', '1')
      .option(
        '--no-bands',
        "leave the engines' calibration bands out (no per-phase P10–P90; the Monte Carlo draws the scenario's distributions only)",
      )
      .option(
        '--format <format>',
        'md (default), html (self-contained, with charts), csv (monthly cash flows) or json',
      )
      .option('--csv', 'same as --format csv')
      .option('--html', 'same as --format html')
      .option('--out <file>', 'write the report to a file instead of standard output')
      .option('--json', 'same as --format json')
      .action(async (file, opts) =>
        printResult(ctx, (await import('../commands/run.js')).runCommand(file, opts)),
      ),
    'llmecon run examples/deepseek-v3.yaml --samples 10000',
  );
  example(
    cli
      .command('levers [study-or-scenario]')
      .description(
        'what each cost lever buys: a waterfall of engine re-runs from a baseline (a YAML/JSON study or --preset)',
      )
      .option(
        '--preset <name>',
        'a built-in study: deepseek-v3-recipe, llama-70b-finetune, llama-70b-serving',
      )
      .option(
        '--levers <file>',
        "a YAML list of levers (replaces the study's; required with a scenario file)",
      )
      .option(
        '--phase <n>',
        'with a scenario file: the phase to start from (default: the first pretrain, finetune or serve)',
        decimalIndex('--phase', 'a phase index ≥ 0 (a whole number, from 0)'),
      )
      .option(
        '--memory-fit <level>',
        "train or finetune baseline: the memory every layout must fit at: estimate (default), or the stack's measured-peak band at p10 or p90",
      )
      .option('--json', 'machine-readable output')
      .action(async (file, opts) =>
        printResult(ctx, (await import('../commands/levers.js')).leversCommand(file, opts), 'errOnFailure'),
      ),
    'llmecon levers --preset deepseek-v3-recipe',
  );
  example(
    cli
      .command('scaling')
      .description(
        'scaling laws: compute-optimal parameters and tokens for a FLOP or dollar budget, predicted loss, over-training for inference',
      )
      .option(
        '--flops <n>',
        'training compute budget, FLOPs (at least 1; a budget whose compute-optimal split is below one parameter or token, under about 2.8e7 FLOPs for Kaplan, is refused)',
      )
      .option('--usd <n>', 'dollar budget (with --gpu)')
      .option('--gpu <id>', 'GPU the dollars rent')
      .option('--price-per-gpu-hour <usd>', 'rental price, at least $0.01 (default: the catalog)')
      .option('--mfu <fraction>', 'model FLOPs utilisation, 0.01–1 (default 0.4, Llama 3 405B)')
      .option(
        '--params <n>',
        'parameters of a run to predict the loss of (with --tokens), at least 1; the fits were measured on 70M–16B parameters (Chinchilla) and 768–1.5B non-embedding parameters (Kaplan)',
      )
      .option('--tokens <n>', 'training tokens of that run, at least 1')
      .option(
        '--inference-tokens <n>',
        'tokens the model will serve, at least 1: the smallest total-FLOP model at the same loss',
      )
      .option(
        '--global-batch-tokens <n>',
        'one step, to check the budget covers it, at least 1 (default 4Mi)',
      )
      .option('--json', 'machine-readable output')
      .action(async (opts) => ctx.io.out((await import('../commands/scaling.js')).scalingCommand(opts))),
    'llmecon scaling --usd 5M --gpu h100 --inference-tokens 10T',
  );
  example(
    cli
      .command('trends')
      .description(
        'frontier training cost and the cost of a fixed capability over the years, from published rates',
      )
      .option('--base-usd <n>', 'cost in the base year (default: Llama 3.1 405B, $61.68M)')
      .option('--base-year <year>', 'default 2024')
      .option('--years <n>', 'years to project (default 5)')
      .option('--json', 'machine-readable output')
      .action(async (opts) => ctx.io.out((await import('../commands/trends.js')).trendsCommand(opts))),
    'llmecon trends --base-usd 5.576M --base-year 2024 --years 5',
  );
  example(
    cli
      .command('validate')
      .description(
        'run the training and serving engines against every cited published figure and show the errors',
      )
      .option('--json', 'machine-readable output')
      .action(async (opts) =>
        printResult(ctx, (await import('../commands/validate.js')).validateCommand(opts)),
      ),
    'llmecon validate',
  );
}
