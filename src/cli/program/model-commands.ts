/** Commands about one model: parameters, FLOPs, KV cache and memory per GPU. */
import type { Command } from 'commander';
import {
  addLayoutFlags,
  RECOMPUTE_EVERY_HELP,
  RECOMPUTE_MODULES_HELP,
  RECOMPUTE_NUM_LAYERS_HELP,
} from '../layout-flags.js';
import { ACTIVATION_OFFLOAD_HELP, OFFLOAD_HELP } from '../offload-flag.js';
import {
  BF16_GRAD_BUFFERS_HELP,
  decimalIndex,
  example,
  OPTIMIZER_HELP,
  PRECISION_HELP,
  type ProgramContext,
  printResult,
} from './shared.js';

export function registerModelCommands(cli: Command, ctx: ProgramContext): void {
  example(
    cli
      .command('params <model>')
      .description('exact parameter counts: total, active per token, embedding, MTP, per component')
      .option('--json', 'machine-readable output')
      .action(async (model, opts) =>
        ctx.io.out((await import('../commands/params.js')).paramsCommand(model, opts)),
      ),
    'llmecon params deepseek-v3\n  llmecon params ./config.json --json',
  );
  example(
    cli
      .command('flops <model>')
      .description('FLOPs per token: training (causal and full attention), prefill, decode')
      .option('--seq-len <n>', 'sequence length (default 4096, or the model maximum if smaller)')
      .option(
        '--ops',
        'list the operations one layer runs on one GPU (GEMMs, attention, kernels, collectives)',
      )
      .option(
        '--layer <n>',
        'with --ops: layer index from 0, or head (default 0)',
        decimalIndex('--layer', "a layer index (a whole number, from 0) or 'head'", ['head']),
      )
      .option(
        '--phase <p>',
        'with --ops: forward | backward | recompute | prefill | decode (default forward)',
      )
      .option('--batch <n>', 'with --ops: sequences (default 1)')
      .option('--tp <n>', 'with --ops: tensor parallelism (default 1)')
      .option('--cp <n>', 'with --ops: context parallelism (default 1)')
      .option('--ep <n>', 'with --ops: expert parallelism (default 1)')
      .option('--dtype <d>', 'with --ops: bf16 | fp8 GEMMs (default bf16)')
      .option('--json', 'machine-readable output')
      .action(async (model, opts) =>
        ctx.io.out((await import('../commands/flops.js')).flopsCommand(model, opts)),
      ),
    'llmecon flops llama-3.1-405b --seq-len 8192',
  );
  example(
    cli
      .command('kv <model>')
      .description('KV-cache bytes per token and per sequence')
      .option('--precision <p>', 'bf16 | fp16 | fp8 | int8 | int4', 'bf16')
      .option('--context <n>', 'tokens per sequence (default: the model maximum)')
      .option('--batch <n>', 'sequences', '1')
      .option('--json', 'machine-readable output')
      .action(async (model, opts) => ctx.io.out((await import('../commands/kv.js')).kvCommand(model, opts))),
    'llmecon kv deepseek-v3 --precision fp8 --context 32k --batch 64',
  );
  example(
    addLayoutFlags(cli.command('memory <model>'), ' (with --method: searched if unset)')
      .description('memory per GPU for training (a parallel layout) or inference, and whether it fits')
      .option('--mode <mode>', 'train | infer', 'train')
      .option('--recompute-modules <list>', RECOMPUTE_MODULES_HELP)
      .option('--recompute-num-layers <n>', RECOMPUTE_NUM_LAYERS_HELP)
      .option('--recompute-every <k>', RECOMPUTE_EVERY_HELP)
      .option(
        '--tp-comm-overlap',
        "hold Transformer Engine's userbuffers for TP communication overlap (megatron's --tp-comm-overlap)",
      )
      .option('--gpu <id>', 'check the fit on this GPU (see llmecon gpus)')
      .option('--seq-len <n>', 'training sequence length')
      .option('--global-batch <n>', 'global batch in sequences (default: 2·pp microbatches per DP rank)')
      .option('--precision <p>', `training: ${PRECISION_HELP}`)
      .option('--optimizer <o>', OPTIMIZER_HELP)
      .option(
        '--method <m>',
        'fine-tuning memory: full | lora | dora | qlora (as finetune: least-memory and fastest layouts, by term; needs --gpu)',
      )
      .option('--rank <r>', 'with --method: adapter rank (default 16; LoRA methods only)')
      .option(
        '--targets <list>',
        'with --method: adapter targets, as finetune (default attn,mlp; a state-space model: mixer)',
      )
      .option(
        '--base-format <f>',
        'frozen base: with --method lora|dora bf16 (default) | fp8; with qlora nf4 (default) | gptq',
      )
      .option(
        '--train-embeddings',
        'with an adapter method: the embedding and output head train in full beside the adapters (PEFT modules_to_save, as for a base model given new tokens)',
      )
      .option('--gpus <n>', 'with --method: GPUs to lay out (default: the fixed tp × pp × dp × cp, or 1)')
      .option(
        '--weights <f>',
        "inference weights: fp32 | bf16 | fp16 | fp8 | int8 | int4 | nf4 | fp4 (default: the checkpoint's own, from config.json quantization_config, else bf16)",
      )
      .option(
        '--kv <f>',
        "inference KV cache: bf16 | fp16 | fp8 | int8 | int4 (default: the checkpoint's own where it names one, else bf16)",
      )
      .option('--batch <n>', 'inference: concurrent sequences')
      .option('--context <n>', 'inference: tokens per sequence')
      .option('--bf16-grad-buffers', `training: ${BF16_GRAD_BUFFERS_HELP}`)
      .option('--offload <mode>', `training: ${OFFLOAD_HELP}`)
      .option('--offload-activations <layers>', `training: ${ACTIVATION_OFFLOAD_HELP}`)
      .option('--json', 'machine-readable output')
      .action(async (model, opts) =>
        printResult(ctx, (await import('../commands/memory.js')).memoryCommand(model, opts)),
      ),
    'llmecon memory llama-3.1-405b --gpu h100 --tp 8 --pp 16 --dp 64 --seq-len 8192 --recompute selective --sequence-parallel\n  llmecon memory llama-3-8b --mode infer --gpu l4 --weights int4 --batch 8 --context 8k\n  llmecon memory llama-2-70b --method qlora --gpu a6000 --seq-len 512',
  );
}
