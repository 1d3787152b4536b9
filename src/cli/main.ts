/**
 * The command table. Exit codes are decided here and nowhere else:
 * 0 ok · 1 internal error (a bug) · 2 bad input · 3 computed, but does not fit in memory.
 */
import { Command, CommanderError } from 'commander';
import { DoesNotFitError, formatIssue, InputError } from '../core/errors.js';
import { WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP } from './energy-flags.js';
import { asFlagIssue } from './flag-paths.js';
import { terminalSafe } from './format.js';
import { addLayoutFlags } from './layout-flags.js';
import { addServeOnlyFlags, addServingFlags } from './serving-flags.js';

export const EXIT = { ok: 0, internal: 1, badInput: 2, doesNotFit: 3 } as const;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

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

  const example = (cmd: Command, text: string) => cmd.addHelpText('after', `\nExample:\n  ${text}`);

  example(
    cli
      .command('params <model>')
      .description('exact parameter counts: total, active per token, embedding, MTP, per component')
      .option('--json', 'machine-readable output')
      .action(async (model, opts) =>
        io.out((await import('./commands/params.js')).paramsCommand(model, opts)),
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
      .option('--layer <n>', 'with --ops: layer index from 0, or head (default 0)')
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
      .action(async (model, opts) => io.out((await import('./commands/flops.js')).flopsCommand(model, opts))),
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
      .action(async (model, opts) => io.out((await import('./commands/kv.js')).kvCommand(model, opts))),
    'llmecon kv deepseek-v3 --precision fp8 --context 32k --batch 64',
  );
  example(
    addLayoutFlags(cli.command('memory <model>'), 'set')
      .description('memory per GPU for training (a parallel layout) or inference, and whether it fits')
      .option('--mode <mode>', 'train | infer', 'train')
      .option('--gpu <id>', 'check the fit on this GPU (see llmecon gpus)')
      .option('--seq-len <n>', 'training sequence length')
      .option('--global-batch <n>', 'global batch in sequences (default: 2·pp microbatches per DP rank)')
      .option('--precision <p>', 'training: bf16 | fp8 | fp32')
      .option('--optimizer <o>', 'adamw | adamw-bf16-moments | adam-8bit | adafactor | sgd-momentum | muon')
      .option('--weights <f>', 'inference weights: fp32 | bf16 | fp16 | fp8 | int8 | int4 | nf4 | fp4')
      .option('--kv <f>', 'inference KV cache: bf16 | fp16 | fp8 | int8 | int4')
      .option('--batch <n>', 'inference: concurrent sequences')
      .option('--context <n>', 'inference: tokens per sequence')
      .option('--json', 'machine-readable output')
      .action(async (model, opts) => {
        const result = (await import('./commands/memory.js')).memoryCommand(model, opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon memory llama-3.1-405b --gpu h100 --tp 8 --pp 16 --dp 64 --seq-len 8192 --recompute selective --sequence-parallel\n  llmecon memory llama-3-8b --mode infer --gpu l4 --weights int4 --batch 8 --context 8k',
  );
  example(
    addLayoutFlags(cli.command('train'), 'fix')
      .description(
        'pretraining: search the parallel layout, then step time, MFU, GPU-hours, days, $, energy and CO2',
      )
      .option('--model <model>', 'catalog id, config.json or llmecon spec')
      .option('--tokens <n>', 'training tokens, e.g. 14.8T (omit for one step only)')
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
      .option('--gpus <n>', 'number of GPUs')
      .option(
        '--cluster <id>',
        'cluster preset: dgx-h100, hgx-h800-deepseek, selene-a100, tpu-v4-pod, tpu-v5p-pod',
      )
      .option('--seq-len <n>', 'sequence length (default 4096 or the model maximum)')
      .option('--global-batch <n>', 'global batch in sequences')
      .option('--global-batch-tokens <n>', 'global batch in tokens (default 4M)')
      .option('--precision <p>', 'bf16 | fp8 | fp32', 'bf16')
      .option(
        '--optimizer <o>',
        'adamw | adamw-bf16-moments | adam-8bit | adafactor | sgd-momentum | muon',
        'adamw',
      )
      .option('--price-per-gpu-hour <usd>', 'rental price (default: lowest on-demand price in the catalog)')
      .option(
        '--purchase-price-per-gpu <usd>',
        'own the hardware: GPU purchase price, amortised with its server',
      )
      .option('--life-years <n>', 'with --purchase-price-per-gpu: depreciation life (default 5, Epoch AI)')
      .option(
        '--utilization <f>',
        'with --purchase-price-per-gpu: share of the life spent on useful work (default 1)',
      )
      .option('--no-overlap-dp', 'do not overlap the data-parallel gradient reduction with the backward pass')
      .option(
        '--overlap-ep',
        'overlap expert all-to-all with compute (default: only with --schedule dualpipe)',
      )
      .option(
        '--region <id>',
        'grid for CO2: world | us | eu | china | india | france | us-2021-meta',
        'world',
      )
      .option('--pue <x>', 'power usage effectiveness (default 1.1)')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--goodput <f>', 'fraction of time making progress (default 0.9, Llama 3)')
      .option('--top <n>', 'how many layouts to list', '5')
      .option('--json', 'machine-readable output')
      .action(async (opts) => {
        const result = (await import('./commands/train.js')).trainCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon train --model deepseek-v3 --tokens 14.8T --gpu h800 --gpus 2048 --precision fp8\n  llmecon train --model llama-3.1-405b --tokens 15.6T --gpu h100 --gpus 16384 --seq-len 8192 --global-batch 2048',
  );
  example(
    addLayoutFlags(cli.command('finetune'), 'fix')
      .description(
        'fine-tuning (full, LoRA, DoRA, QLoRA): trainable parameters, memory, time, GPU-hours and $',
      )
      .option('--model <model>', 'catalog id, config.json or llmecon spec')
      .option('--method <m>', 'full | lora | dora | qlora', 'lora')
      .option('--rank <r>', 'adapter rank (default 16; LoRA methods only)')
      .option(
        '--targets <list>',
        'attn, mlp (default), all, or modules q,k,v,o,gate,up,down,shared,experts (LoRA methods only)',
      )
      .option('--base-format <f>', 'LoRA/DoRA frozen base: bf16 (default) | fp8 (QLoRA is NF4)')
      .option('--tokens <n>', 'dataset tokens (one epoch)')
      .option('--examples <n>', 'dataset examples')
      .option('--avg-tokens <n>', 'average tokens per example (with --examples)')
      .option('--epochs <n>', 'epochs', '1')
      .option('--no-packing', 'pad each example to --seq-len instead of packing')
      .option('--seq-len <n>', 'sequence length (default 4096 or the model maximum)')
      .option('--global-batch <n>', 'sequences per optimizer step', '16')
      .option(
        '--optimizer <o>',
        'adamw | adamw-bf16-moments | adam-8bit | adafactor | sgd-momentum | muon',
        'adamw',
      )
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
      .option('--gpus <n>', 'number of GPUs', '1')
      .option('--cluster <id>', 'cluster preset')
      .option('--price-per-gpu-hour <usd>', 'rental price (default: lowest on-demand price in the catalog)')
      .option('--teacher-usd-per-million-tokens <usd>', 'distillation: API price to generate the dataset')
      .option('--region <id>', 'grid for CO2', 'world')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--json', 'machine-readable output')
      .action(async (opts) => {
        const result = (await import('./commands/finetune.js')).finetuneCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon finetune --model qwen2.5-32b --method full --examples 1000 --avg-tokens 4100 --epochs 5 --seq-len 8192 --gpu h100 --gpus 16\n  llmecon finetune --model llama-3-8b --method qlora --rank 64 --targets all --tokens 20M --gpu rtx-4090 --price-per-gpu-hour 0.4',
  );
  example(
    addLayoutFlags(cli.command('rl'), 'fix the policy-update')
      .description(
        'RL post-training (GRPO): rollouts on a serving engine (long-tail lengths), weight sync, policy update, reference and reward passes per step and per run',
      )
      .option('--model <model>', 'policy model: catalog id, config.json or llmecon spec')
      .option('--method <m>', 'policy update: full | lora | dora | qlora', 'full')
      .option('--rank <r>', 'adapter rank (LoRA methods)', '16')
      .option('--targets <list>', 'adapter targets (LoRA methods)', 'attn,mlp')
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
        '--async-steps <k>',
        'with --placement separate: steps the rollout runs ahead (0 = synchronous)',
        '0',
      )
      .option('--seed <n>', 'seed of the drawn response lengths (default 1)')
      .option('--steps <n>', 'RL steps', '1')
      .option('--no-reference', 'no reference model (no KL term)')
      .option('--reward-model <model>', 'learned reward model scored on every response (default: rule-based)')
      .option('--rollout-weights <f>', 'generation weights: bf16 | fp8 | int8 | int4 | ...', 'bf16')
      .option('--rollout-kv <f>', 'generation KV cache: bf16 | fp8 | ...', 'bf16')
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
      .option('--gpus <n>', 'number of GPUs', '8')
      .option('--cluster <id>', 'cluster preset')
      .option('--price-per-gpu-hour <usd>', 'rental price (default: lowest on-demand price in the catalog)')
      .option('--region <id>', 'grid for CO2', 'world')
      .option(WATTS_PER_GPU_FLAG, WATTS_PER_GPU_HELP)
      .option('--json', 'machine-readable output')
      .action(async (opts) => {
        const result = (await import('./commands/rl.js')).rlCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon rl --model qwen2.5-7b --gpu h100 --gpus 8 --prompts 64 --samples-per-prompt 16 --response-tokens 4096 --steps 500',
  );
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
      .action(async (opts) => {
        const result = (await import('./commands/serve.js')).serveCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon serve --model llama-3-70b --gpu h100,h200,mi300x --weights bf16,fp8 --input-tokens 2048 --output-tokens 256 --requests-per-second 20 --tpot-slo 0.05\n  llmecon serve --model deepseek-v3 --gpu h800 --weights fp8 --kv fp8 --ep 32 --input-tokens 4096 --output-tokens 1024 --mtp --json',
  );
  example(
    addServingFlags(cli.command('compare-api'))
      .description('self-hosting vs an API: $ per day across volumes and the break-even volume')
      .option(
        '--api <id>',
        'catalog API (deepseek-chat, gpt-4o-mini, glm-3-turbo, ...) or a key of --api-prices',
      )
      .option('--api-prices <file>', "LiteLLM's model_prices_and_context_window.json (read locally)")
      .option('--tokens-per-day <n>', 'also compare at this volume (input + output tokens per day)')
      .option('--tier <t>', 'catalog API price tier: standard | batch', 'standard')
      .option('--json', 'machine-readable output (the series is chart-ready)')
      .action(async (opts) => {
        const result = (await import('./commands/compare-api.js')).compareApiCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon compare-api --model llama-3.1-70b --gpu h100 --weights fp8 --api gpt-4o-mini --input-tokens 2048 --output-tokens 256 --tokens-per-day 2B',
  );
  example(
    cli
      .command('run <scenario>')
      .description(
        'evaluate a project scenario (YAML/JSON): cost by phase and kind, cash flows, NPV/IRR/payback, Monte Carlo',
      )
      .option('--samples <n>', 'Monte Carlo samples over the uncertain inputs (default: none)')
      .option('--seed <s>', 'random seed (same seed, same results)', '1')
      .option(
        '--format <format>',
        'md (default), html (self-contained, with charts), csv (monthly cash flows) or json',
      )
      .option('--csv', 'same as --format csv')
      .option('--html', 'same as --format html')
      .option('--out <file>', 'write the report to a file instead of standard output')
      .option('--json', 'same as --format json')
      .action(async (file, opts) => {
        const result = (await import('./commands/run.js')).runCommand(file, opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
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
      )
      .option('--json', 'machine-readable output')
      .action(async (file, opts) => {
        const result = (await import('./commands/levers.js')).leversCommand(file, opts);
        (result.exitCode === 0 ? io.out : io.err)(result.output);
        setExit(result.exitCode);
      }),
    'llmecon levers --preset deepseek-v3-recipe',
  );
  example(
    cli
      .command('scaling')
      .description(
        'scaling laws: compute-optimal parameters and tokens for a FLOP or dollar budget, predicted loss, over-training for inference',
      )
      .option('--flops <n>', 'training compute budget, FLOPs')
      .option('--usd <n>', 'dollar budget (with --gpu)')
      .option('--gpu <id>', 'GPU the dollars rent')
      .option('--price-per-gpu-hour <usd>', 'rental price (default: the catalog)')
      .option('--mfu <fraction>', 'model FLOPs utilisation (default 0.4, Llama 3 405B)')
      .option('--params <n>', 'parameters of a run to predict the loss of (with --tokens)')
      .option('--tokens <n>', 'training tokens of that run')
      .option(
        '--inference-tokens <n>',
        'tokens the model will serve: the smallest total-FLOP model at the same loss',
      )
      .option('--global-batch-tokens <n>', 'one step, to check the budget covers it (default 4Mi)')
      .option('--json', 'machine-readable output')
      .action(async (opts) => io.out((await import('./commands/scaling.js')).scalingCommand(opts))),
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
      .action(async (opts) => io.out((await import('./commands/trends.js')).trendsCommand(opts))),
    'llmecon trends --base-usd 5.576M --base-year 2024 --years 5',
  );
  example(
    cli
      .command('validate')
      .description(
        'run the training and serving engines against every cited published figure and show the errors',
      )
      .option('--json', 'machine-readable output')
      .action(async (opts) => {
        const result = (await import('./commands/validate.js')).validateCommand(opts);
        io.out(result.output);
        setExit(result.exitCode);
      }),
    'llmecon validate',
  );
  example(
    cli
      .command('gpus [id]')
      .description('the accelerator catalog; with an id, every value with its source')
      .option('--json', 'machine-readable output')
      .action(async (id, opts) =>
        io.out((await import('./commands/catalog-lists.js')).gpusCommand(id, opts)),
      ),
    'llmecon gpus\n  llmecon gpus h800',
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
      io.out((await import('./commands/kernel.js'))[name](opts));
  example(
    kernel
      .command('gemm')
      .description('C[m,n] = A[m,k]·B[k,n]: tiles, waves over the SMs, time and efficiency')
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
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
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
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
      .description('a memory-bound kernel moving --bytes: time and achieved bandwidth')
      .option('--gpu <id>', 'accelerator (see llmecon gpus)')
      .option('--bytes <n>', 'bytes read + written (e.g. 134M)')
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
      .option('--bytes <n>', 'bytes per rank (e.g. 256M)')
      .option('--group <n>', 'ranks in the group (default: one node)')
      .option('--per-node <n>', 'ranks of the group per node (default: as many as fit)')
      .option('--json', 'machine-readable output')
      .action(kernelAction('kernelCollectiveCommand')),
    'llmecon kernel collective --gpu h100 --kind all-reduce --bytes 1G --group 64',
  );
  example(
    cli
      .command('models')
      .description('the model catalog with exact parameter counts')
      .option('--json', 'machine-readable output')
      .action(async (opts) => io.out((await import('./commands/catalog-lists.js')).modelsCommand(opts))),
    'llmecon models',
  );
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
      for (const issue of error.issues) io.err(`error: ${formatIssue(asFlagIssue(issue))}`);
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
