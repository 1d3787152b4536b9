/** Serving commands: serve (deployments, latency, $/M tokens) and compare-api (self-host vs an API). */
import type { Command } from 'commander';
import { addServeOnlyFlags, addServingFlags } from '../serving-flags.js';
import { example, type ProgramContext, printResult } from './shared.js';

export function registerServingCommands(cli: Command, ctx: ProgramContext): void {
  example(
    addServeOnlyFlags(addServingFlags(cli.command('serve')))
      .description(
        'serving: throughput, TTFT/TPOT, max concurrency, GPUs for a traffic, $ per million tokens, energy',
      )
      .option('--concurrency <n>', 'running sequences per replica (default: the best within memory and SLO)')
      .option(
        '--requests-per-second <r>',
        'traffic to plan for (default: one replica or the --gpus fleet at full use)',
      )
      .option('--tokens-per-day <n>', 'traffic as input + output tokens per day, e.g. 10B')
      .option('--top <n>', 'how many deployments to list', '5')
      .option('--json', 'machine-readable output')
      .action(async (opts) => printResult(ctx, (await import('../commands/serve.js')).serveCommand(opts))),
    'llmecon serve --model llama-3.1-70b --gpu h100,h200,mi300x --weights bf16,fp8 --input-tokens 2048 --output-tokens 256 --requests-per-second 20 --tpot-slo 0.05\n  llmecon serve --model deepseek-v3 --gpu h800 --weights fp8 --kv fp8 --ep 32 --input-tokens 4096 --output-tokens 1024 --mtp --json',
  );
  example(
    addServingFlags(cli.command('compare-api'))
      .description('self-hosting vs an API: $ per day across volumes and the break-even volume')
      .option(
        '--api <id>',
        'catalog API (gpt-5.4-mini, deepseek-v4-flash, claude-haiku-4.5, ...; an unknown id lists them) or a key of --api-prices',
      )
      .option('--api-prices <file>', "LiteLLM's model_prices_and_context_window.json (read locally)")
      .option('--tokens-per-day <n>', 'also compare at this volume (input + output tokens per day)')
      .option('--tier <t>', 'catalog API price tier: standard | batch', 'standard')
      .option('--json', 'machine-readable output (the series is chart-ready)')
      .action(async (opts) =>
        printResult(ctx, (await import('../commands/compare-api.js')).compareApiCommand(opts)),
      ),
    'llmecon compare-api --model llama-3.1-70b --gpu h100 --weights fp8 --api gpt-5.4-mini --input-tokens 2048 --output-tokens 256 --tokens-per-day 2B',
  );
}
