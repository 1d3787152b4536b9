/**
 * The CLI on models without attention layers (Falcon-Mamba: Mamba-1 blocks only): what `params`,
 * `kv`, `serve` and `finetune` say where an attention model would name heads or KV. Every command's
 * finite numbers: src/cli/new-families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const FALCON_MAMBA = 'test/fixtures/hf-configs/hand-built/falcon-mamba-7b.json';

describe('llmecon on a model without attention layers', { timeout: 120_000 }, () => {
  it('params and kv say there is no attention and no KV cache; kv defaults to a 4,096-token context', async () => {
    const params = await runCli(['params', FALCON_MAMBA]);
    expect(params.stdout).toMatch(
      /^falcon-mamba-7b \(falcon_mamba\), 64 layers, hidden 4096, no attention$/m,
    );
    const kv = await runCli(['kv', FALCON_MAMBA]);
    expect(kv.stdout).toMatch(/^falcon-mamba-7b: no attention layers, no KV cache$/m);
    expect(kv.stdout).toMatch(/per sequence {6}0 B at 4,096 tokens/);
    expect(kv.stdout).toMatch(/64 Mamba-1 layers: conv 3\.00 MiB \+ recurrent state/);
  });

  it('a tensor parallelism that does not split the channels names them; LoRA adapts the mixers by default', async () => {
    const serve = await runCli([
      'serve',
      '--model',
      FALCON_MAMBA,
      '--gpu',
      'h100-sxm',
      '--input-tokens',
      '1000',
      '--output-tokens',
      '100',
      '--tp',
      '3',
    ]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(
      /tensor parallelism 3 must divide the 8192 Mamba-1 channels of falcon-mamba-7b/,
    );
    const lora = await runCli([
      'finetune',
      '--model',
      FALCON_MAMBA,
      '--gpu',
      'h100-sxm',
      '--gpus',
      '1',
      '--method',
      'lora',
      '--tokens',
      '1e6',
    ]);
    expect(lora.code).toBe(0);
    expect(lora.stdout).toMatch(/^LORA r=16 on in_proj,out_proj of falcon-mamba-7b/m);
    expect(lora.stdout).toMatch(/its state-space \(Mamba-1\) layers are of a kind no calibration case ran/);
  });

  it('memory --mode infer lists the recurrent state, and its parts sum to the total, in text and JSON', async () => {
    const args = [
      'memory',
      FALCON_MAMBA,
      '--mode',
      'infer',
      '--gpu',
      'h100',
      '--batch',
      '8',
      '--context',
      '8192',
    ];
    const text = await runCli(args);
    expect(text.stdout).toMatch(/^recurrent state +\d/m);
    const j = JSON.parse((await runCli([...args, '--json'])).stdout);
    expect(j.recurrentStateBytes).toBeGreaterThan(0);
    expect(j.encoderWeightsBytes).toBe(0);
    const parts =
      j.weightsBytes +
      j.encoderWeightsBytes +
      j.kvCacheBytes +
      j.recurrentStateBytes +
      j.workspaceBytes +
      j.frameworkOverheadBytes;
    expect(parts).toBeCloseTo(j.memoryPerGpuBytes, 0);
  });
});
