/**
 * `finetune --packing-mask` (a finetune phase's and a levers baseline's `packingMask`): packed examples
 * attend only within themselves, so attention spans the mean example, not the packed sequence.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../test/run-cli.js';
import { baselineFromScenario } from '../levers/from-scenario.js';
import { baselineState, evaluateState } from '../levers/levers.js';
import { finetuneBaselineSchema } from '../levers/schema.js';
import { parseScenario } from '../scenario/load.js';

const LORA =
  'finetune --model llama-3.1-8b --method lora --gpu h100 --gpus 8 --examples 20000 --avg-tokens 1500 --seq-len 16384 --global-batch 8';

describe('finetune --packing-mask', () => {
  it('attention within 1,500-token examples: a shorter step than across the 16K packed sequence', async () => {
    const across = await runCliJson(LORA);
    const masked = await runCliJson(`${LORA} --packing-mask`);
    expect(masked.code).toBe(0);
    expect(across.json.attentionSpanTokens).toBe(16_384);
    expect(masked.json.attentionSpanTokens).toBe(1500);
    expect(masked.json.stepSeconds).toBeLessThan(0.8 * across.json.stepSeconds);
    expect(masked.json.tokensProcessed).toBe(across.json.tokensProcessed);
    const text = await runCli(`${LORA} --packing-mask`);
    expect(text.stdout).toContain('packed, attention within 1,500-token examples');
  });
  it('--length-p99 spreads the examples: long ones hold more of the tokens, so attention spans more', async () => {
    const masked = await runCliJson(`${LORA} --packing-mask`);
    const spread = await runCliJson(`${LORA} --packing-mask --length-p99 12000`);
    expect(spread.json.attentionSpanTokens).toBe(5034);
    expect(spread.json.stepSeconds).toBeGreaterThan(masked.json.stepSeconds);
    const text = await runCli(`${LORA} --packing-mask --length-p99 12000`);
    expect(text.stdout).toContain(
      'attention within examples of 1,500 tokens on average, P99 12,000: 5,034 as their tokens see them',
    );
    const unmasked = await runCli(`${LORA} --length-p99 12000`);
    expect(unmasked.stderr).toMatch(
      /^error: --length-p99: a length spread needs --padding longest .*, or --packing-mask/,
    );
  });
  it('refused without packing, or without the example count, naming the flag', async () => {
    const padded = await runCli(
      `${LORA.replace('--seq-len 16384', '--seq-len 4096')} --no-packing --packing-mask`,
    );
    expect(padded).toMatchObject({ code: 2 });
    expect(padded.stderr).toMatch(
      /^error: --packing-mask: masks packed examples from each other: it needs packing/,
    );
    const noCount = await runCli(
      `${LORA.replace('--examples 20000 --avg-tokens 1500', '--tokens 30M')} --packing-mask`,
    );
    expect(noCount.code).toBe(2);
    expect(noCount.stderr).toMatch(
      /^error: --packing-mask: the mask spans the mean example: give the dataset as --examples N with --avg-tokens L/,
    );
  });
  it('a levers baseline runs it as the CLI; a scenario phase carries it to its baseline', async () => {
    const baseline = (packingMask: boolean) =>
      finetuneBaselineSchema.parse({
        kind: 'finetune',
        model: 'llama-3.1-8b',
        method: 'lora',
        tokens: 30e6,
        examples: 20_000,
        gpu: 'h100',
        gpus: 8,
        seqLen: 16_384,
        globalBatch: 8,
        packingMask,
      });
    const masked = evaluateState(baselineState(baseline(true)));
    expect(masked.gpuHours).toBeLessThan(0.8 * evaluateState(baselineState(baseline(false))).gpuHours);
    const cli = await runCliJson(`${LORA} --packing-mask`);
    expect(masked.gpuHours).toBeCloseTo(cli.json.gpuHours, 6);
    const s1 = readFileSync(new URL('../../examples/s1-32b.yaml', import.meta.url), 'utf8');
    const packed = parseScenario(
      s1.replace('    packing: false\n', '    packing: true\n    packingMask: true\n'),
    );
    expect(baselineFromScenario(packed, 0)).toMatchObject({
      kind: 'finetune',
      packing: true,
      packingMask: true,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 's1.yaml');
    writeFileSync(file, s1.replace('    packing: false\n', '    packing: false\n    packingMask: true\n'));
    const unpacked = await runCli(['run', file]);
    expect(unpacked.code).toBe(2);
    expect(unpacked.stderr).toMatch(/^error: phases\[0\]\.packingMask: line \d+: masks packed examples/);
  });
});
