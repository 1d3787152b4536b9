/**
 * Issue 17 (6): every command computes a length beyond the config's `max_position_embeddings` and
 * says so, naming the limit, in text and JSON: `kv`, `memory --context`, `flops --seq-len`, and a
 * scenario run (before, these three and scenarios refused it while `train` and `serve` warned).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const limit = "exceeds Llama 2 7B's max_position_embeddings of 4096";

describe('context beyond the config: computed, with a warning', () => {
  it('kv: the KV of 8,192 tokens is twice that of 4,096', async () => {
    const at = async (context: string) =>
      JSON.parse((await run(['kv', 'llama-2-7b', '--context', context, '--json'])).stdout);
    const long = await at('8192');
    expect(long.warnings).toEqual([
      `--context (8192 tokens) ${limit}; served only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled`,
    ]);
    const short = await at('4096');
    expect(short.warnings).toBeUndefined();
    expect(long.kvBytesPerSequence).toBe(2 * short.kvBytesPerSequence);
    const text = await run(['kv', 'llama-2-7b', '--context', '8192']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(
      `warning: --context (8192 tokens) ${limit}; served only with RoPE scaling or a longer-context checkpoint, quality beyond it is not modelled`,
    );
  });
  it('memory --context and flops --seq-len (also --ops) warn the same way', async () => {
    const memory = await run(['memory', 'llama-2-7b', '--mode', 'infer', '--context', '16384', '--json']);
    expect(memory.code).toBe(0);
    expect(JSON.parse(memory.stdout).warnings[0]).toMatch(/^--context \(16384 tokens\) exceeds/);
    for (const extra of [[], ['--ops']]) {
      const flops = await run(['flops', 'llama-2-7b', '--seq-len', '8192', ...extra]);
      expect(flops.code).toBe(0);
      expect(flops.stdout.split('\n')[0]).toMatch(
        /^warning: --seq-len \(8192 tokens\) exceeds .*trained only/,
      );
    }
  });
  it('run: a scenario phase beyond the context is computed, its warning in Markdown and JSON', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'long.yaml');
    writeFileSync(
      file,
      `name: long context
model: llama-2-7b
horizonMonths: 12
phases:
  - kind: finetune
    name: extension
    gpu: h100
    gpus: 8
    tokens: 1B
    seqLen: 16384
    hardware: { rent: { usdPerGpuHour: 2 } }
`,
    );
    const md = await run(['run', file]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('- Warning: phases\\[0\\].seqLen (16384 tokens) exceeds');
    const json = JSON.parse((await run(['run', file, '--json'])).stdout);
    expect(json.phases[0].warnings).toEqual([expect.stringMatching(/^phases\[0\]\.seqLen \(16384 tokens\)/)]);
  });
});
