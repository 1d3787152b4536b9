import { describe, expect, it } from 'vitest';
import { runCliJson } from '../../../test/run-cli.js';

describe('train --etp on a stack that folds experts (Megatron): either value runs as fixed', () => {
  const base = 'train --model qwen3-30b-a3b --tokens 1B --gpu h100 --gpus 64 --tp 2 --json';
  it('--etp 1 and --etp 2 (= TP) both give a layout with that expert tensor parallelism', async () => {
    const folded = await runCliJson(`${base} --etp 1`);
    const unfolded = await runCliJson(`${base} --etp 2`);
    expect(folded.code).toBe(0);
    expect(unfolded.code).toBe(0);
    expect(folded.json.layout.etp).toBe(1);
    // ETP = TP is the layout's default form: no etp of its own.
    expect(unfolded.json.layout.tp).toBe(2);
    expect(unfolded.json.layout.etp).toBeUndefined();
  });
});
