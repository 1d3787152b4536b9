import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

// Phi-3-mini fuses q/k/v (qkv_proj) and gate/up (gate_up_proj): naming a part adapts the whole matrix.
const RUN = 'finetune --model phi-3-mini --method lora --tokens 1M --gpu a100';

describe('finetune on fused projections', () => {
  it('says the fused matrices are adapted whole and counts them once (PEFT: 25,165,824 at r 16 on all)', async () => {
    const text = await runCli(`${RUN} --targets q,v,up`.split(' '));
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(
      'LORA r=16 on q,v,up (q,k,v and gate,up fused: each adapted as one matrix) of Phi-3-mini-4k-instruct on 1 × a100-80gb, bf16',
    );
    const all = await runCliJson(`${RUN} --targets all --json`);
    expect(all.json.trainableParams).toBe(25_165_824);
    // Llama's separate projections say nothing of it.
    const llama = await runCli('finetune --model llama-3-8b --method lora --tokens 1M --gpu a100'.split(' '));
    expect(llama.stdout).not.toMatch(/fused/);
  }, 60_000);
});
