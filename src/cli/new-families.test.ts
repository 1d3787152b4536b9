/**
 * Every command on each 2025–26 family (hybrid Gated DeltaNet, Mamba-2 with mixer-less blocks, Mamba-1, AltUp, cross-attention, DSA
 * sparse MLA, chunked attention, MoE and dense): exit 0 (or 3 for "does not fit") with finite numbers
 * in the --json output. Configs: test/fixtures/hf-configs (provenance in its README).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../test/hf-fixtures.js';
import { runCli } from '../../test/run-cli.js';
import { tensorParallelSplits } from '../core/model/kv-cache.js';
import { layerKey } from '../core/model/layer-view.js';
import { modelSpecFrom } from '../core/model/resolve-model.js';

const FIXTURES = 'test/fixtures/hf-configs';
const FAMILIES = [
  'qwen3.5-27b', // Gated DeltaNet + gated full attention, dense
  'qwen3.5-35b-a3b', // Gated DeltaNet + gated full attention, MoE, MTP
  'nemotron-h-56b-base-8k', // Mamba-2, MLP-only and attention blocks, relu² MLP
  'nemotron-3-nano-30b-a3b', // Mamba-2, MoE-only and attention blocks
  'deepseek-v3.2', // MLA + DSA indexer, MoE, MTP
  'llama-4-scout-17b-16e-instruct', // chunked + full attention, MoE
  'hand-built/qwen3-next-80b-a3b-instruct', // Gated DeltaNet (fused projections) + gated attention, MoE
  'hand-built/glm-4.7-flash', // MLA without indexer, GLM MoE, MTP
  'hand-built/gemma-3-27b-it', // sliding + full, SigLIP tower, text_config with class defaults
  'hand-built/mistral-small-3.1-24b-instruct-2503', // Mistral text + Pixtral tower
  'hand-built/granite-4.0-h-small', // Mamba-2 or attention, each layer with a shared MLP and MoE
  'hand-built/kimi-linear-48b-a3b-instruct', // KDA (channel-gated delta rule) + MLA, MoE
  'hand-built/falcon-h1-0.5b-instruct', // attention and Mamba-2 side by side in every layer
  'hand-built/lfm2-350m', // gated short-conv blocks + GQA attention blocks
  'hand-built/lfm2-8b-a1b', // short-conv and attention blocks, dense then MoE MLPs
  'hand-built/glm-4.5v', // glm4v_moe wrapper around a GLM-4.5 MoE text model
  'hand-built/apertus-8b', // dense, ungated xIELU MLP, per-head q/k norms
  'hand-built/ernie-4.5-21b-a3b', // ERNIE 4.5 MoE with shared experts, MTP
  'hand-built/hunyuan-a13b', // Hunyuan MoE: shared MLP, per-head q/k norms, per-layer top-k list
  'llama-3.3-nemotron-super-49b-v1', // Nemotron-NAS: per-layer FFN widths, blocks without attention
  'hand-built/nemotron-nas-variants', // Nemotron-NAS: per-layer KV heads, linear replacements, empty layers
  'hand-built/jamba-1.5-mini', // Mamba-1 + attention without RoPE, MoE every other layer
  'hand-built/falcon-mamba-7b', // Mamba-1 only: no attention, no MLP
  'hand-built/gemma-3n-e2b-it', // AltUp streams, LAuReL, per-layer inputs, KV-shared layers that keep their weights
  'hand-built/llama-3.2-11b-vision', // cross-attention layers to an image, its K/V per sequence
  'hand-built/zaya1-8b', // layer extras (CCA convolutions, an MLP router in place of the h × E Linear), top-1 MoE
  'hand-built/jetmoe-8b', // mixture of attention heads: idle experts' q/o as layer extras, top-2 MoE
  'hand-built/openelm-270m', // per-layer query heads, KV heads and MLP widths
  'hand-built/plamo-2-1b', // Mamba with Δ per head (SSD scan) + sliding-window attention
] as const;

/** Every number in a JSON value, with its path. */
function numbers(value: unknown, path = '$'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

async function runJson(args: string[], allowed: number[] = [0]) {
  const { code, stdout, stderr } = await runCli([...args, '--json']);
  expect(allowed, `${args.join(' ')} → exit ${code}: ${stderr}`).toContain(code);
  // JSON.stringify writes NaN and ±Infinity as null: check the text as well as the numbers.
  const json: unknown = JSON.parse(stdout);
  const values = numbers(json);
  expect(values.length).toBeGreaterThan(0);
  for (const [path, v] of values) expect(Number.isFinite(v), `${args[0]} ${path}`).toBe(true);
  expect(stdout).not.toMatch(/NaN|Infinity/);
  return json as Record<string, unknown>;
}

describe.each(FAMILIES)('every command runs on %s', { timeout: 180_000 }, (name) => {
  const model = `${FIXTURES}/${name}.json`;
  it('params, flops, flops --ops, kv', async () => {
    await runJson(['params', model]);
    await runJson(['flops', model]);
    await runJson(['kv', model, '--context', '8192']);
    // The operation list of the first layer of each kind, forward and decode, on 2 TP ranks where they split
    // (training's rule forward, serving's at decode: a hybrid's lone Mamba-2 group is replicated only there).
    const spec = modelSpecFrom(hfFixture(name), name);
    const tpFor = (phase: string) => (tensorParallelSplits(spec, 2, phase === 'decode') ? '2' : '1');
    const firsts = new Map<string, number>();
    spec.layers.forEach((layer, i) => {
      if (!firsts.has(layerKey(layer))) firsts.set(layerKey(layer), i);
    });
    for (const i of firsts.values()) {
      for (const phase of ['forward', 'decode']) {
        await runJson([
          'flops',
          model,
          '--ops',
          '--layer',
          String(i),
          '--phase',
          phase,
          '--tp',
          tpFor(phase),
        ]);
      }
    }
  });
  it('memory --mode train and --mode infer', async () => {
    // The largest TP degree of 8, 4, 2 that splits every layer's heads (GLM-4.7-Flash has 20) in training
    // (a hybrid's one Mamba-2 group is not replicated there: Falcon-H1 and Granite 4.0-H train at TP 1).
    const spec = modelSpecFrom(hfFixture(name), name);
    const tp = [8, 4, 2].find((t) => tensorParallelSplits(spec, t, false)) ?? 1;
    await runJson(
      [
        'memory',
        model,
        '--mode',
        'train',
        '--gpu',
        'h100',
        '--tp',
        String(tp),
        '--pp',
        '4',
        '--dp',
        '2',
        '--seq-len',
        '4096',
      ],
      [0, 3],
    );
    await runJson(
      ['memory', model, '--mode', 'infer', '--gpu', 'h200', '--batch', '8', '--context', '8192'],
      [0, 3],
    );
  });
  it('train (a small token count), finetune (LoRA), serve', async () => {
    await runJson([
      'train',
      '--model',
      model,
      '--gpu',
      'h100',
      '--gpus',
      // 685B parameters need more than 64 H100s once every pipeline stage is checked.
      name === 'deepseek-v3.2' ? '256' : '64',
      '--tokens',
      '1B',
      '--seq-len',
      '4096',
    ]);
    await runJson([
      'finetune',
      '--model',
      model,
      '--method',
      'lora',
      '--gpu',
      'h100',
      '--gpus',
      // A frozen BF16 base of 685B parameters alone is 1.37 TB: more than 8 × 80 GB, and more than
      // Hugging Face's data-parallel split of a 16-sequence batch can hold: Megatron's TP/PP/EP can.
      ...(name === 'deepseek-v3.2' ? ['64', '--stack', 'megatron'] : ['8']),
      '--tokens',
      '10M',
    ]);
    await runJson([
      'serve',
      '--model',
      model,
      '--gpu',
      'h100',
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
    ]);
  });
});

describe('params names what a model holds as layer extras', () => {
  it('ZAYA1-8B: the convolutions, key temperatures and router on every layer, their sum in the layerExtras row', async () => {
    const { code, stdout } = await runCli(['params', `${FIXTURES}/hand-built/zaya1-8b.json`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /layer extras {4}39\.75M on 40 layers: conv_qk_depthwise, conv_qk_grouped, the key temperatures, the router/,
    );
    expect(stdout).toMatch(/layerExtras +39\.75M +39,752,184/);
  });
});
