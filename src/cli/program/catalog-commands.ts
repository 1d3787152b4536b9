/** Catalog and kernel commands: gpus, stacks, kernel gemm|attention|memory|collective, models. */
import type { Command } from 'commander';
import { example, GPU_HELP, type ProgramContext } from './shared.js';

export function registerCatalogCommands(cli: Command, ctx: ProgramContext): void {
  listCommand(
    cli,
    ctx,
    'gpus',
    'the accelerator catalog; with an id, every value with its source',
    'gpusCommand',
    'llmecon gpus\n  llmecon gpus h800',
  );
  listCommand(
    cli,
    ctx,
    'stacks',
    'the software stacks; with an id, its splits, calibration per GPU family and sources',
    'stacksCommand',
    'llmecon stacks\n  llmecon stacks llm-foundry',
  );
  // kernel (issue 14): one kernel on one GPU.
  const kernel = cli
    .command('kernel')
    .description(
      'one kernel on one GPU: GEMM, attention, memory-bound or collective time, as the models use it',
    );
  const kernelAction =
    (
      name:
        | 'kernelGemmCommand'
        | 'kernelAttentionCommand'
        | 'kernelMemoryCommand'
        | 'kernelCollectiveCommand',
    ) =>
    async (opts: Record<string, string | boolean | undefined>) =>
      ctx.io.out((await import('../commands/kernel.js'))[name](opts));
  example(
    kernel
      .command('gemm')
      .description('C[m,n] = A[m,k]·B[k,n]: tiles, waves over the SMs, time and efficiency')
      .option('--gpu <id>', GPU_HELP)
      .option('--m <n>', 'rows of A and C (tokens)')
      .option('--n <n>', 'columns of B and C')
      .option('--k <n>', 'the reduction dimension')
      .option('--dtype <d>', "bf16 | fp16 | fp8 | … (the GPU's datatypes)", 'bf16')
      .option('--count <n>', 'GEMMs of this shape in one batched launch', '1')
      .option('--json', 'machine-readable output')
      .action(kernelAction('kernelGemmCommand')),
    'llmecon kernel gemm --gpu h200 --m 4096 --n 4096 --k 4096 --dtype bf16 --json',
  );
  example(
    kernel
      .command('attention')
      .description('FlashAttention forward or backward: time and efficiency')
      .option('--gpu <id>', GPU_HELP)
      .option('--batch <n>', 'sequences', '1')
      .option('--heads <n>', 'query heads')
      .option('--seq-len <n>', 'tokens per sequence')
      .option('--head-dim <n>', 'head dimension', '128')
      .option('--pass <p>', 'forward | backward', 'forward')
      .option(
        '--impl <name>',
        "flash2 | flash3 | cudnn | unfused: published per-implementation figures (default: the profile's FlashAttention efficiency)",
      )
      .option('--no-causal', 'full (bidirectional) attention')
      .option('--json', 'machine-readable output')
      .action(kernelAction('kernelAttentionCommand')),
    'llmecon kernel attention --gpu h200 --batch 2 --heads 32 --seq-len 4096 --pass backward',
  );
  example(
    kernel
      .command('memory')
      .description(
        'a memory-bound elementwise kernel moving --bytes (norm, add, activation; a decode GEMM is `kernel gemm`): time and achieved bandwidth',
      )
      .option('--gpu <id>', GPU_HELP)
      .option('--bytes <n>', 'bytes read + written, at least 1 (e.g. 134M)')
      .option('--json', 'machine-readable output')
      .action(kernelAction('kernelMemoryCommand')),
    'llmecon kernel memory --gpu h200 --bytes 34M',
  );
  example(
    kernel
      .command('collective')
      .description('a collective over a group: time, algorithm and bus bandwidth (nccl-tests style)')
      .option('--gpu <id>', 'accelerator, in nodes of its scale-up domain (see llmecon gpus)')
      .option('--cluster <id>', 'cluster preset (instead of --gpu)')
      .option('--kind <k>', 'all-reduce | reduce-scatter | all-gather | all-to-all | p2p', 'all-reduce')
      .option('--bytes <n>', 'bytes per rank, at least 1 (e.g. 256M)')
      .option('--group <n>', 'ranks in the group, at least 2 (default: one node)')
      .option(
        '--per-node <n>',
        'ranks of the group per node, a divisor of --group (default: the most a node holds with every node holding as many)',
      )
      .option('--json', 'machine-readable output')
      .action(kernelAction('kernelCollectiveCommand')),
    'llmecon kernel collective --gpu h100 --kind all-reduce --bytes 1G --group 64',
  );
  example(
    cli
      .command('models')
      .description('the model catalog with exact parameter counts')
      .option('--types', 'the config.json model_type values llmecon reads, instead of the catalog')
      .option('--json', 'machine-readable output')
      .action(async (opts) => ctx.io.out((await import('../commands/catalog-lists.js')).modelsCommand(opts))),
    'llmecon models\n  llmecon models --types',
  );
}

/** A catalog list `name [id]` with --json, printed by one of catalog-lists.ts's commands. */
function listCommand(
  cli: Command,
  ctx: ProgramContext,
  name: string,
  description: string,
  run: 'gpusCommand' | 'stacksCommand',
  examples: string,
): void {
  example(
    cli
      .command(`${name} [id]`)
      .description(description)
      .option('--json', 'machine-readable output')
      .action(async (id, opts) => ctx.io.out((await import('../commands/catalog-lists.js'))[run](id, opts))),
    examples,
  );
}
