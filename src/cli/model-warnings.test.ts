/**
 * How a config was read travels with every result: a `model_type` read as a lookalike family (here
 * a made-up remote-code type, `acme_lm`, with Llama's keys, taken as Llama) warns in `params`, and equally
 * in `train`, `finetune`, `memory`, `serve` and `rl`, in text and in JSON.
 */
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const model = 'test/fixtures/hf-configs/hand-built/unsupported-lookalike.json';
const warning = "model_type 'acme_lm' is not supported; read as llama-like";

describe('model warnings in every command', () => {
  const commands: [string, string[]][] = [
    ['params', ['params', model]],
    ['train', ['train', '--model', model, '--gpu', 'h100', '--gpus', '8', '--tokens', '1B']],
    ['finetune', ['finetune', '--model', model, '--method', 'lora', '--gpu', 'h100', '--tokens', '1M']],
    ['memory', ['memory', model, '--gpu', 'h100', '--pp', '4', '--recompute', 'full']],
    [
      'serve',
      ['serve', '--model', model, '--gpu', 'h100', '--input-tokens', '1000', '--output-tokens', '100'],
    ],
    [
      'rl',
      [
        'rl',
        '--model',
        model,
        '--gpu',
        'h100',
        '--gpus',
        '8',
        '--steps',
        '10',
        '--max-response-tokens',
        '8192',
      ],
    ],
  ];
  for (const [name, argv] of commands)
    it(`${name}: the text says how the config was read`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`warning: ${warning}`);
    });
  for (const name of ['train', 'serve', 'rl'])
    it(`${name} --json: the warning is in 'warnings'`, async () => {
      const argv = commands.find(([n]) => n === name)![1];
      const r = await run([...argv, '--json']);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as { warnings: string[] };
      expect(json.warnings.some((w) => w.startsWith(warning))).toBe(true);
    });
});
