import { describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/run-cli.js';

// LoRA of Qwen2.5 7B on one A100, with and without the embedding and head trained in full.
const RUN =
  'finetune --model qwen2.5-7b --method lora --rank 64 --tokens 1M --seq-len 512 --gpu a100-80gb --json';

describe('finetune --train-embeddings: the embedding and head train in full beside the adapters', () => {
  it('counts them as trainable, and costs their copies, gradients, optimizer step and head weight gradient', async () => {
    const [plain, emb] = await Promise.all([runCliJson(RUN), runCliJson(`${RUN} --train-embeddings`)]);
    for (const r of [plain, emb]) expect(r.code).toBe(0);
    expect(plain.json.trainEmbeddings).toBe(false);
    expect(emb.json.trainEmbeddings).toBe(true);
    // Qwen2.5 7B: embedding 152,064 × 3,584 and an untied head of the same shape.
    expect(emb.json.trainableParams - plain.json.trainableParams).toBe(2 * 152_064 * 3584);
    expect(emb.json.memoryPerGpuBytes).toBeGreaterThan(plain.json.memoryPerGpuBytes);
    expect(emb.json.stepSeconds).toBeGreaterThan(plain.json.stepSeconds);
  }, 120_000);

  it('the text says so, and memory --method shows the same adapters row', async () => {
    const text = await runCli(RUN.replace(' --json', ' --train-embeddings'));
    expect(text.stdout).toContain('+ embedding and head in full');
    const memory = await runCli(
      'memory qwen2.5-7b --method lora --gpu a100-80gb --seq-len 512 --train-embeddings',
    );
    expect(memory.code).toBe(0);
    expect(memory.stdout).toMatch(/trainable [\d.]+M adapter parameters \+ 1\.09B of the embedding and head/);
  }, 120_000);

  it.each([
    [
      'finetune --model qwen2.5-7b --method full --tokens 1M --gpu h100 --train-embeddings',
      /--train-embeddings: applies only with an adapter method/,
    ],
    ['memory qwen2.5-7b --gpu h100 --train-embeddings', /--train-embeddings/],
  ])('%s exits 2 naming the flag', async (command, message) => {
    const r = await runCli(command);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
