/** Training commands: pretraining (train), fine-tuning (finetune) and RL post-training (rl). */

import type { Command } from 'commander';
import { CLUSTERS_FILES } from '../../catalog/data.js';
import { WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP } from '../energy-flags.js';
import {
  addLayoutFlags,
  RECOMPUTE_EVERY_HELP,
  RECOMPUTE_MODULES_HELP,
  RECOMPUTE_NUM_LAYERS_HELP,
} from '../layout-flags.js';
import { ACTIVATION_OFFLOAD_HELP, OFFLOAD_HELP } from '../offload-flag.js';

const MEMORY_FIT_HELP =
  "fit layouts at the memory estimate (default), or at its stack's measured-peak band: p10 | p90 (p90: nine in ten measured peaks of the regime would fit; never below the estimate)";

import {
  BF16_GRAD_BUFFERS_HELP,
  example,
  GPU_HELP,
  LIFE_YEARS_HELP,
  MODEL_HELP,
  OPTIMIZER_HELP,
  PRECISION_HELP,
  PRICE_HELP,
  type ProgramContext,
  printResult,
  UTILIZATION_HELP,
} from './shared.js';

export function registerTrainingCommands(cli: Command, ctx: ProgramContext): void {
  example(
    addLayoutFlags(cli.command('train'))
      .description(
        'pretraining: search the parallel layout, then step time, MFU, GPU-hours, days, $, energy and CO2',
      )
      .option('--model <model>', MODEL_HELP)
      .option('--tokens <n>', 'training tokens, e.g. 14.8T (omit for one step only)')
      .option('--gpu <id>', GPU_HELP)
      .option('--gpus <n>', 'number of GPUs')
      .option('--cluster <id>', `cluster preset: ${Object.keys(CLUSTERS_FILES).join(', ')}`)
      .option('--seq-len <n>', 'sequence length (default 4096 or the model maximum)')
      .option(
        '--document-tokens <n>',
        'mean tokens per document packed into a sequence, with attention masked at document boundaries (FlashAttention varlen, FlexAttention document masks): attention spans a document, not the sequence (default: one causal span per sequence)',
      )
      .option(
        '--document-tokens-p99 <n>',
        "P99 of the documents' lengths, with --document-tokens: a lognormal spread, long documents holding more of the tokens (default: every document at the mean)",
      )
      .option('--global-batch <n>', 'global batch in sequences')
      .option(
        '--global-batch-tokens <n>',
        'global batch in tokens (default 4Mi): becomes the sequence count within ±5% that the GPUs split over the most data-parallel ranks (said when it moves)',
      )
      .option('--precision <p>', PRECISION_HELP, 'bf16')
      .option('--optimizer <o>', OPTIMIZER_HELP, 'adamw')
      .option('--price-per-gpu-hour <usd>', PRICE_HELP)
      .option(
        '--purchase-price-per-gpu <usd>',
        'own the hardware: GPU purchase price, amortised with its server',
      )
      .option('--life-years <n>', LIFE_YEARS_HELP)
      .option('--utilization <f>', UTILIZATION_HELP)
      .option('--no-overlap-dp', 'do not overlap the data-parallel gradient reduction with the backward pass')
      .option(
        '--overlap-ep',
        'overlap expert all-to-all with compute (default: only with --schedule dualpipe)',
      )
      .option('--recompute-modules <list>', RECOMPUTE_MODULES_HELP)
      .option('--recompute-num-layers <n>', RECOMPUTE_NUM_LAYERS_HELP)
      .option('--recompute-every <k>', RECOMPUTE_EVERY_HELP)
      .option(
        '--tp-comm-overlap',
        "pipeline tensor-parallel all-gathers and reduce-scatters with the GEMMs beside them (megatron's --tp-comm-overlap; default off, as in Megatron-LM)",
      )
      .option(
        '--full-iteration-cuda-graphs',
        "replay each step as one CUDA graph (megatron's cuda_graph_impl full_iteration, NeMo 26.06+ MXFP8 MoE recipes): no per-layer host launches, so the calibration's host time per expert drops out; default off",
      )
      .option('--bf16-grad-buffers', BF16_GRAD_BUFFERS_HELP)
      .option(
        '--ep-dispatcher <d>',
        'expert token dispatch: all-to-all (default: once per routed expert) | deepep (DeepEP: once per GPU in a node, once per node across nodes)',
      )
      .option(
        '--region <id>',
        'grid for CO2: world | us | eu | china | india | france | us-2021-meta',
        'world',
      )
      .option('--pue <x>', 'power usage effectiveness (default 1.1)')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--goodput <f>', 'fraction of time making progress, 0.01–1 (default 0.9, Llama 3)')
      .option('--top <n>', 'how many layouts to list', '5')
      .option('--offload <mode>', OFFLOAD_HELP)
      .option('--offload-activations <layers>', ACTIVATION_OFFLOAD_HELP)
      .option('--memory-fit <level>', MEMORY_FIT_HELP)
      .option('--json', 'machine-readable output')
      .action(async (opts) => printResult(ctx, (await import('../commands/train.js')).trainCommand(opts))),
    'llmecon train --model deepseek-v3 --tokens 14.8T --gpu h800 --gpus 2048 --precision fp8\n  llmecon train --model llama-3.1-405b --tokens 15.6T --gpu h100 --gpus 16384 --seq-len 8192 --global-batch 2048',
  );
  example(
    addLayoutFlags(cli.command('finetune'))
      .description(
        'fine-tuning (full, LoRA, DoRA, QLoRA): trainable parameters, memory, time, GPU-hours and $',
      )
      .option('--model <model>', MODEL_HELP)
      .option('--method <m>', 'full | lora | dora | qlora', 'lora')
      .option('--rank <r>', 'adapter rank (default 16; LoRA methods only)')
      .option(
        '--targets <list>',
        'attn, mlp (default; a state-space model: mixer), all, or modules q,k,v,o,gate,up,down,shared,experts (LoRA methods only; a fused qkv or gate_up matrix is adapted whole when any of its parts is named)',
      )
      .option(
        '--base-format <f>',
        'frozen base: with --method lora|dora bf16 (default) | fp8; with qlora nf4 (default, bitsandbytes) | gptq (a GPTQ INT4 checkpoint run by AutoGPTQ)',
      )
      .option(
        '--train-embeddings',
        'with an adapter method: the embedding and output head train in full beside the adapters (PEFT modules_to_save, as for a base model given new tokens)',
      )
      .option('--tokens <n>', 'dataset tokens (one epoch)')
      .option('--examples <n>', 'dataset examples')
      .option('--avg-tokens <n>', 'average tokens per example (with --examples)')
      .option('--epochs <n>', 'epochs', '1')
      .option('--no-packing', 'pad each example to --seq-len instead of packing')
      .option(
        '--packing-mask',
        'packed examples attend only within themselves (TRL packing with padding_free, FlashAttention varlen): attention spans the mean example (give the dataset as --examples N --avg-tokens L), not the sequence; default: across the packed sequence',
      )
      .option(
        '--padding <p>',
        'without packing: max-length (default: every example padded to --seq-len) | longest (each micro-batch padded to its longest example, the Hugging Face collators; each step waits for the rank with the longest)',
      )
      .option(
        '--length-p99 <n>',
        'with --padding longest: P99 of the example lengths in tokens (a lognormal of mean --avg-tokens; omitted: every example at the mean)',
      )
      .option('--seq-len <n>', 'sequence length (default 4096 or the model maximum)')
      .option('--global-batch <n>', 'sequences per optimizer step', '16')
      .option('--precision <p>', PRECISION_HELP, 'bf16')
      .option('--optimizer <o>', OPTIMIZER_HELP, 'adamw')
      .option('--gpu <id>', GPU_HELP)
      .option('--gpus <n>', 'number of GPUs', '1')
      .option('--cluster <id>', 'cluster preset')
      .option('--price-per-gpu-hour <usd>', PRICE_HELP)
      .option('--teacher-usd-per-million-tokens <usd>', 'distillation: API price to generate the dataset')
      .option('--region <id>', 'grid for CO2', 'world')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--bf16-grad-buffers', BF16_GRAD_BUFFERS_HELP)
      .option('--offload <mode>', OFFLOAD_HELP)
      .option('--memory-fit <level>', MEMORY_FIT_HELP)
      .option('--json', 'machine-readable output')
      .action(async (opts) =>
        printResult(ctx, (await import('../commands/finetune.js')).finetuneCommand(opts)),
      ),
    'llmecon finetune --model qwen2.5-32b --method full --examples 1000 --avg-tokens 4100 --epochs 5 --seq-len 8192 --gpu h100 --gpus 16\n  llmecon finetune --model llama-3-8b --method qlora --rank 64 --targets all --tokens 20M --gpu rtx-4090 --price-per-gpu-hour 0.4',
  );
  example(
    addLayoutFlags(cli.command('rl'), ' of the policy update')
      .description(
        'RL post-training (GRPO): rollouts on a serving engine (long-tail lengths), weight sync, policy update, reference and reward passes per step and per run',
      )
      .option('--model <model>', 'policy model: catalog id, config.json or llmecon spec')
      .option('--method <m>', 'policy update: full | lora | dora | qlora', 'full')
      .option('--precision <p>', `policy update: ${PRECISION_HELP}`, 'bf16')
      .option('--rank <r>', 'adapter rank (default 16; LoRA methods only)')
      .option(
        '--targets <list>',
        'adapter targets, as finetune (default attn,mlp; a state-space model: mixer; LoRA methods only)',
      )
      .option('--prompts <n>', 'prompts per step', '64')
      .option('--samples-per-prompt <g>', 'responses sampled per prompt (GRPO group size)', '16')
      .option('--prompt-tokens <n>', 'tokens per prompt', '512')
      .option('--response-tokens <n>', 'mean tokens per response, as generated (after the cut)', '4096')
      .option(
        '--response-p99 <n>',
        'P99 of the uncut response lengths (lognormal tail; default 4 × the mean)',
      )
      .option(
        '--max-response-tokens <n>',
        "responses are cut here (default: the model's context less the prompt)",
      )
      .option('--rollout-engine <id>', 'rollout engine: vllm | sglang | trt-llm (default vllm)')
      .option(
        '--placement <p>',
        'colocated (rollout and training take turns on the same GPUs) | separate',
        'colocated',
      )
      .option('--rollout-gpus <n>', 'with --placement separate: GPUs of the rollout pool (--gpus then train)')
      .option(
        '--rollout-tp <n>',
        'tensor parallelism of each rollout replica as your run sets it (default: searched)',
      )
      .option(
        '--async-steps <k>',
        'with --placement separate: steps the rollout runs ahead (0 = synchronous)',
        '0',
      )
      .option('--seed <n>', 'seed of the drawn response lengths (default 1)')
      .option('--offload <mode>', `policy update: ${OFFLOAD_HELP}`)
      .option('--memory-fit <level>', `policy update: ${MEMORY_FIT_HELP}`)
      .option('--steps <n>', 'RL steps', '1')
      .option('--no-reference', 'no reference model (no KL term)')
      .option('--reward-model <model>', 'learned reward model scored on every response (default: rule-based)')
      .option('--rollout-weights <f>', 'generation weights: bf16 | fp8 | int8 | int4 | ...', 'bf16')
      .option('--rollout-kv <f>', 'generation KV cache: bf16 | fp8 | ...', 'bf16')
      .option('--gpu <id>', GPU_HELP)
      .option('--gpus <n>', 'number of GPUs', '8')
      .option('--cluster <id>', 'cluster preset')
      .option('--price-per-gpu-hour <usd>', PRICE_HELP)
      .option('--region <id>', 'grid for CO2', 'world')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--json', 'machine-readable output')
      .action(async (opts) => printResult(ctx, (await import('../commands/rl.js')).rlCommand(opts))),
    'llmecon rl --model qwen2.5-7b --gpu h100 --gpus 8 --prompts 64 --samples-per-prompt 16 --response-tokens 4096 --max-response-tokens 16384 --steps 500',
  );
}
