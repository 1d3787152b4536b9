import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';
import { findModel } from '../catalog/catalog.js';
import { SUPPORTED_MODEL_TYPES } from '../core/model/families/index.js';

const fixture = (name: string) => `test/fixtures/${name}`;

describe('CLI bad input: exact message, exit code 2', () => {
  const cases: [string, string[], string][] = [
    [
      'unknown catalog model',
      ['params', 'llama-9'],
      "error: model: unknown model 'llama-9'; did you mean 'glm-5', 'llama-2-7b', 'llama-3-8b'? (run 'llmecon models' for the list)",
    ],
    ['missing file', ['params', './nope/config.json'], "error: model: no such file './nope/config.json'"],
    [
      'unsupported model_type',
      ['params', fixture('reformer.json')],
      `error: model_type: unsupported model_type 'reformer', and its fields match no supported family (read as llama-like it lacks 'num_hidden_layers', 'intermediate_size'); ${SUPPORTED_MODEL_TYPES.length} model types are supported (all: llmecon models --types)`,
    ],
    [
      'missing field',
      ['params', fixture('llama-missing-heads.json')],
      "error: num_attention_heads: missing field 'num_attention_heads' (required for model_type 'llama')",
    ],
    [
      'KV heads not dividing heads',
      ['params', fixture('llama-bad-kv.json')],
      "error: num_key_value_heads: 'num_key_value_heads' (5) must divide num_attention_heads (32)",
    ],
    [
      'wrong type',
      ['flops', fixture('llama-string-layers.json')],
      `error: num_hidden_layers: 'num_hidden_layers' must be a non-negative integer, got "32"`,
    ],
    [
      'unknown field in an llmecon spec',
      ['params', fixture('spec-unknown-field.yaml')],
      "error: numLayers: missing (expected number)\nerror: numLayer: unknown field 'numLayer'; did you mean 'numLayers'? (allowed: activation, altUp, attention, attentionResiduals, chunkedAttention, headBias, hiddenSize, hyperConnections, indexerPattern, laurel, layerPattern, learnedPositionEmbeddings, linearAttention, maxContextTokens, mlp, mlpPattern, moe, mtpModule, name, norm, normsPerLayer, numLayers, numMtpModules, shortConv, slidingWindow, sparseAttention, stateSpace, tieWordEmbeddings, vocabSize)",
    ],
    [
      'malformed YAML',
      ['params', fixture('broken.yaml')],
      `error: model: '${fixture('broken.yaml')}' is not valid YAML at line 3: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ],
    [
      'negative sequence length',
      ['flops', 'llama-3-8b', '--seq-len', '-5'],
      "error: --seq-len: must be a whole number ≥ 1 and ≤ 1e8 (tokens per sequence), got '-5'",
    ],
    [
      'non-numeric count',
      ['flops', 'llama-3-8b', '--seq-len', 'lots'],
      "error: --seq-len: expected a number such as 4096, 1.5e12, 2.788M or 14.8T (suffixes k, M, B/G, T, P), got 'lots'",
    ],
    [
      'NaN',
      ['kv', 'llama-3-8b', '--batch', 'NaN'],
      "error: --batch: expected a number such as 4096, 1.5e12, 2.788M or 14.8T (suffixes k, M, B/G, T, P), got 'NaN'",
    ],
    ['infinite', ['kv', 'llama-3-8b', '--batch', '1e999'], "error: --batch: '1e999' is not a finite number"],
    [
      'fractional batch',
      ['kv', 'llama-3-8b', '--batch', '2.5'],
      "error: --batch: must be a whole number ≥ 1 and ≤ 1e8 (sequences), got '2.5'",
    ],
    [
      'unknown KV precision',
      ['kv', 'llama-3-8b', '--precision', 'fp6'],
      "error: --precision: must be one of bf16, fp16, fp8, int8, int4, nvfp4, got 'fp6'",
    ],
    [
      'unknown GPU',
      ['memory', 'llama-3-8b', '--gpu', 'h1000'],
      "error: --gpu: unknown GPU 'h1000'; did you mean 'h100', 'a100', 'h200', 'h800'? (run 'llmecon gpus' for the list)",
    ],
    [
      'zero GPUs in a dimension',
      ['memory', 'llama-3-8b', '--dp', '0'],
      "error: --dp: must be a whole number ≥ 1 and ≤ 10,000,000 (a parallel degree), got '0'",
    ],
    [
      'TP larger than heads',
      ['memory', 'llama-3-8b', '--tp', '64'],
      'error: --tp: tensor parallelism 64 must divide the 32 attention heads',
    ],
    [
      'EP on a dense model',
      ['memory', 'llama-3-8b', '--ep', '8', '--dp', '8'],
      'error: --ep: expert parallelism needs a mixture-of-experts model; Meta Llama 3 8B is dense',
    ],
    [
      'EP on a dense model, dp 1: the one issue, not a second about dp × cp',
      ['memory', 'llama-3-8b', '--ep', '2'],
      'error: --ep: expert parallelism needs a mixture-of-experts model; Meta Llama 3 8B is dense',
    ],
    [
      'EP not dividing experts',
      ['memory', 'mixtral-8x7b', '--ep', '3', '--dp', '3'],
      'error: --ep: expert parallelism 3 must divide the 8 experts',
    ],
    [
      'too many pipeline stages',
      ['memory', 'gpt2', '--pp', '16'],
      'error: --pp: 16 pipeline stages (pp × vpp) exceed the 12 layers and the 2 chunks the embedding and the output head may take alone',
    ],
    [
      'global batch not a multiple',
      ['memory', 'llama-3-8b', '--dp', '4', '--global-batch', '6'],
      'error: --global-batch: global batch 6 must be a multiple of dp × micro-batch = 4',
    ],
    [
      'unknown recompute mode',
      ['memory', 'llama-3-8b', '--recompute', 'some'],
      "error: --recompute: must be one of none, selective, full, got 'some'",
    ],
    [
      'unknown mode',
      ['memory', 'llama-3-8b', '--mode', 'serve'],
      "error: --mode: must be one of train, infer, got 'serve'",
    ],
    [
      'unknown weight format',
      ['memory', 'llama-3-8b', '--mode', 'infer', '--weights', 'int3'],
      "error: --weights: must be one of fp32, bf16, fp16, fp8, int8, int4, nf4, fp4, nvfp4, mxfp4, mxfp8, got 'int3'",
    ],
    [
      'unknown GPU id for gpus',
      ['gpus', 'v100'],
      "error: gpu: unknown GPU 'v100'; did you mean 'a100', 'h100', 'a10', 'b200'? (run 'llmecon gpus' for the list)",
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const result = await run(args);
      expect(result.stderr).toBe(message);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
    });
  }

  it("malformed JSON names the file and the position (the parser text is Node's own)", async () => {
    const result = await run(['params', fixture('malformed.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: model: 'test\/fixtures\/malformed\.json' is not valid JSON: .*position 44/,
    );
  });

  it('an unknown option is a commander error with exit code 2', async () => {
    const result = await run(['params', 'gpt2', '--jsn']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--jsn'");
  });
});

describe('CLI results', () => {
  it('params --json prints integers for the issue-specified fields', async () => {
    const result = await run(['params', 'deepseek-v3', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      model: 'DeepSeek-V3',
      modelType: 'deepseek_v3',
      totalParams: 671_026_419_200,
      activeParams: 37_552_297_472,
      layers: 61,
    });
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['embeddingParams', 'mtpParams', 'breakdown']));
  });
  it('reads a Hugging Face model directory (its config.json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(findModel('gpt2').config));
    const result = await run(['params', dir, '--json']);
    expect(JSON.parse(result.stdout).totalParams).toBe(124_439_808);
    const empty = await run(['params', tmpdir()]);
    expect(empty.stderr).toBe(
      `error: model: '${tmpdir()}' is a directory without a config.json (or Mistral's params.json)`,
    );
  });
  it('reads an llmecon YAML spec', async () => {
    const result = await run(['params', fixture('tiny-moe.yaml'), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).modelType).toBe('llmecon');
  });
  it('a layout that does not fit prints the breakdown and exits 3', async () => {
    const result = await run(['memory', 'llama-3.1-405b', '--gpu', 'h100']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/does not fit on h100-sxm \(79\.65 GiB\): [\d.]+ TiB over/);
    expect(result.stdout).toContain('optimizer states');
  });
  it('inference memory that fits exits 0 with the headroom', async () => {
    const result = await run([
      'memory',
      'llama-3-8b',
      '--mode',
      'infer',
      '--gpu',
      'l4',
      '--weights',
      'int4',
      '--batch',
      '8',
      '--context',
      '8192',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.fits).toBe(true);
    expect(json.headroomBytes).toBeGreaterThan(0);
  });
  it('train answers with a searched layout and the issue-specified JSON fields', async () => {
    const result = await run([
      'train',
      '--model',
      'llama-3-8b',
      '--tokens',
      '1T',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    for (const key of [
      'layout',
      'stepSeconds',
      'tokensPerSecond',
      'mfu',
      'hfu',
      'memoryPerGpuBytes',
      'gpuHours',
      'gpuHoursIdeal',
      'wallClockDays',
      'costUsd',
      'energyKWh',
      'co2Kg',
      'layoutsEvaluated',
      'layoutsFeasible',
    ]) {
      expect(json).toHaveProperty(key);
    }
    expect(Object.keys(json.layout)).toEqual(
      expect.arrayContaining([
        'tp',
        'pp',
        'dp',
        'ep',
        'cp',
        'vpp',
        'microBatch',
        'recompute',
        'sequenceParallel',
        'zero',
      ]),
    );
    expect(json.mfu).toBeGreaterThan(0.2);
    expect(json.mfu).toBeLessThan(0.8);
  });
  it('finetune --json has the issue-specified fields; not fitting suggests GPUs or a method that fit', async () => {
    const ok = await run([
      'finetune',
      '--model',
      'mixtral-8x7b',
      '--method',
      'lora',
      '--targets',
      'all',
      '--tokens',
      '10M',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.stdout);
    for (const key of [
      'method',
      'trainableParams',
      'memoryPerGpuBytes',
      'fits',
      'gpusUsed',
      'stepSeconds',
      'gpuHours',
      'wallClockHours',
      'costUsd',
      'energyKWh',
    ]) {
      expect(json).toHaveProperty(key);
    }
    const no = await run([
      'finetune',
      '--model',
      'llama-3.1-405b',
      '--method',
      'full',
      '--tokens',
      '100M',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      // Megatron can split 405B over 128 GPUs with a 16-sequence batch; HF Trainer (the fine-tuning
      // default) splits over data only, so dp ≤ 16.
      '--stack',
      'megatron',
      '--json',
    ]);
    expect(no.code).toBe(3);
    const alternatives = JSON.parse(no.stdout).alternatives as { method: string; gpus: number }[];
    expect(alternatives).toContainEqual(expect.objectContaining({ method: 'full', gpus: 128 }));
    expect(alternatives).toContainEqual(expect.objectContaining({ method: 'qlora', gpus: 8 }));
  });
  it('train: a layout that does not fit exits 3 with the closest layouts and ones that fit', async () => {
    const result = await run([
      'train',
      '--model',
      'llama-3.1-405b',
      '--gpu',
      'h100',
      '--gpus',
      '8',
      '--tp',
      '8',
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /^does not fit: no layout fits in memory: the closest layout needs [\d.]+ GiB per GPU of 79\.6 GiB/,
    );
    expect(result.stdout).toContain('closest layouts');
  });
  it('help has an example for every command', async () => {
    for (const command of [
      'params',
      'flops',
      'kv',
      'memory',
      'train',
      'finetune',
      'rl',
      'serve',
      'compare-api',
      'validate',
      'gpus',
      'models',
    ]) {
      const result = await run([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Example:');
    }
  });
  it('models --types lists every model_type an unsupported one is pointed to', async () => {
    const text = await run(['models', '--types']);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n').sort()).toEqual([...SUPPORTED_MODEL_TYPES].sort());
    const json = await run(['models', '--types', '--json']);
    expect(JSON.parse(json.stdout)).toHaveLength(SUPPORTED_MODEL_TYPES.length);
  });
  it('no output of any command contains NaN or Infinity', async () => {
    const commands = [
      ['params', 'gpt-oss-120b', '--json'],
      ['flops', 'gemma-2-9b', '--json'],
      ['kv', 'mistral-7b', '--json'],
      ['memory', 'deepseek-v3', '--pp', '16', '--dp', '128', '--ep', '64', '--json'],
      ['gpus', '--json'],
      ['models', '--json'],
      // One output token: no TPOT, and speculation's TPOT change is not a 0/0.
      [
        'serve',
        '--model',
        'deepseek-v3',
        '--gpu',
        'h200',
        '--weights',
        'fp8',
        '--input-tokens',
        '100',
        '--output-tokens',
        '1',
        '--mtp',
      ],
    ];
    for (const args of commands) {
      const result = await run(args);
      expect(result.stdout).not.toMatch(/NaN|Infinity/);
    }
  });
});

describe.runIf(existsSync('dist/src/cli/main.js'))('the built binary', () => {
  it('exits 2 with one line on stderr and no stack trace', () => {
    const result = spawnSync(process.execPath, ['bin/llmecon.js', 'params', 'nope-model'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('    at ');
  });
  it('runs the README main command', () => {
    const out = execFileSync(process.execPath, ['bin/llmecon.js', 'params', 'deepseek-v3'], {
      encoding: 'utf8',
    });
    expect(out).toContain('671.03B');
  });
});
