/**
 * The CLI on Nemotron-NAS (DeciLM) configs: the counts the golden test checks, as the commands print
 * them, the Super 49B on one H200 as NVIDIA sizes it, and exit 2 with the field for a malformed block.
 * Every command's finite numbers: src/cli/new-families.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../test/hf-fixtures.js';
import { runCli, runCliJson } from '../../test/run-cli.js';

const SUPER = 'test/fixtures/hf-configs/llama-3.3-nemotron-super-49b-v1.json';
const VARIANTS = 'test/fixtures/hf-configs/hand-built/nemotron-nas-variants.json';

describe('llmecon on nemotron-nas configs', { timeout: 120_000 }, () => {
  it('params and kv: 49.87B; 49 attention layers × 8 KV heads; per-layer KV widths named when they differ', async () => {
    const params = await runCliJson(['params', SUPER]);
    expect(params.code).toBe(0);
    expect(params.json.totalParams).toBe(49_867_145_216);
    const kv = await runCliJson(['kv', SUPER, '--context', '32768']);
    expect(kv.json.bytesPerToken).toBe(200_704);
    expect(kv.json.layersWithoutKv).toBe(31);
    expect(kv.json.elementsPerTokenPerLayerRange).toBeUndefined();
    const text = await runCli(['kv', VARIANTS]);
    expect(text.stdout).toMatch(
      /on 7 attention layers \(K and V, 256 to 2048 elements per token per layer\)/,
    );
  });

  it('serve: the BF16 Super fits one H200 (NVIDIA: "fitting the model on a single GPU ... (H200)")', async () => {
    const r = await runCliJson([
      'serve',
      '--model',
      SUPER,
      '--gpu',
      'h200',
      '--tp',
      '1',
      '--input-tokens',
      '2000',
      '--output-tokens',
      '500',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"tensorParallel": 1/);
  });

  it('finetune --method lora: r16 on attn,mlp trains 150,437,888 parameters (per-layer KV and FFN widths)', async () => {
    const r = await runCliJson([
      'finetune',
      '--model',
      SUPER,
      '--method',
      'lora',
      '--gpu',
      'h200',
      '--tokens',
      '10M',
    ]);
    expect(r.code).toBe(0);
    // 49 × 16·(3·8192 + 8192 + 2·(8192 + 1024)) + 48 · (80·8192 + Σ widths 1,642,496).
    expect(r.stdout).toMatch(/"trainableParams": 150437888\b/);
  });

  it('a malformed block exits 2 naming the field', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: raw config.json values
    const c = structuredClone(hfFixture('llama-3.3-nemotron-super-49b-v1')) as Record<string, any>;
    c.block_configs[5].attention.n_heads_in_group = 5;
    const dir = mkdtempSync(join(tmpdir(), 'nas-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
    const r = await runCli(['params', join(dir, 'config.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /block_configs\.5\.attention\.n_heads_in_group.*\(5\) must divide num_attention_heads \(64\)/,
    );
  });
});
