/**
 * `llmecon serve --pp` (and `memory --mode infer --pp`): a replica's layers in pipeline stages of TP GPUs (vLLM --pipeline-parallel-size,
 * SGLang --pp-size), searched over nodes where a node's GPUs cannot hold the weights with room to spare; a long
 * prompt's chunks streamed through the stages (SGLang, --chunk-tokens, --dynamic-chunking).
 */
import { describe, expect, it } from 'vitest';
import { runCli, runCliJson, SERVE_LENGTHS } from '../../test/run-cli.js';

const LLAMA_405B_H100 = ['serve', '--model', 'llama-3.1-405b', '--gpu', 'h100', ...SERVE_LENGTHS];

describe('serve --pp', () => {
  it('a fixed TP8·PP2 replica: 16 GPUs over two nodes, its stages named in text and JSON', async () => {
    const text = await runCli([...LLAMA_405B_H100, '--tp', '8', '--pp', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/best: h100-sxm TP8·PP2 bf16\/bf16/);
    expect(text.stdout).toMatch(/a replica spans 2 nodes of 8 GPUs: PP2 stages of TP8/);
    const { json } = await runCliJson([...LLAMA_405B_H100, '--tp', '8', '--pp', '2']);
    expect(json.layout).toMatchObject({ tensorParallel: 8, pipelineParallel: 2, gpusPerReplica: 16 });
    expect(json.acrossNodes).toMatch(/PP2 stages of TP8/);
    // The band says no calibration row runs a pipeline; two stages are within the validated depth.
    expect(json.range.basis).toMatch(/a pipeline of 2 stages: no trt-llm calibration row runs one/);
    expect(json.range.basis).not.toMatch(/widened by half/);
    // Each GPU holds half the layers: 405B in BF16 fits (as it does not on one node), with room for the KV cache.
    expect(json.memoryPerGpuBytes).toBeLessThanOrEqual(80 * 2 ** 30);
    expect(json.concurrencyPerReplica).toBeGreaterThan(100);
  });

  it('searched where no node holds the weights: a pipeline over nodes beside TP over the NICs', async () => {
    const { code, json } = await runCliJson([...LLAMA_405B_H100, '--top', '20']);
    expect(code).toBe(0);
    const layouts = [json, ...json.alternatives].map(
      (p: { layout: { tensorParallel: number; pipelineParallel: number } }) =>
        `TP${p.layout.tensorParallel}·PP${p.layout.pipelineParallel}`,
    );
    expect(layouts).toEqual(expect.arrayContaining(['TP8·PP2', 'TP16·PP1']));
  });

  it('refuses a pipeline with expert parallelism, deeper than the layers, or wider than --gpus, by the flag', async () => {
    const moe = await runCli(
      'serve --model deepseek-v3 --gpu h100 --weights fp8 --input-tokens 1000 --output-tokens 100 --pp 2 --ep 8',
    );
    expect(moe.code).toBe(2);
    expect(moe.stderr).toMatch(
      /--pp: pipeline parallelism is modelled with attention tensor-parallel in each stage/,
    );
    const deep = await runCli(
      'serve --model llama-3-8b --gpu h100 --input-tokens 1000 --output-tokens 100 --pp 64',
    );
    expect(deep.code).toBe(2);
    expect(deep.stderr).toMatch(/--pp: pipeline parallelism 64 exceeds the 32 layers of Meta Llama 3 8B/);
    const wide = await runCli([...LLAMA_405B_H100, '--tp', '8', '--pp', '2', '--gpus', '8']);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(
      /--gpus: 8 GPUs hold no replica: the smallest layout tried takes 16 \(TP × EP × PP\)/,
    );
  });

  it('an MoE pipeline with expert parallelism inside each stage (vLLM -tp 8 -pp 2 --enable-expert-parallel): 16 GPUs, TP8·PP2·EP8', async () => {
    const args =
      'serve --model deepseek-v3 --gpu h100 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 100 --tp 8 --pp 2 --ep-in-tp --engine vllm';
    const text = await runCli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/best: h100-sxm TP8·PP2·EP8 fp8\/fp8/);
    const { json } = await runCliJson(`${args} --redundant-experts 32`);
    expect(json.layout).toMatchObject({
      tensorParallel: 8,
      pipelineParallel: 2,
      epInTp: true,
      gpusPerReplica: 16,
    });
    // No calibration row runs whole experts over TP, and the straggler is the stated one: the band says both.
    expect(json.range.basis).toMatch(
      /experts whole over the TP group .*: no vllm calibration row runs it; .*unless --expert-imbalance/,
    );
    // EPLB's 32 copies: 288 slots over each stage's 8 GPUs, more weights per GPU than without them.
    const plain = await runCliJson(`${args} --concurrency 64`);
    const copies = await runCliJson(`${args} --concurrency 64 --redundant-experts 32`);
    expect(copies.json.memoryPerGpuBytes).toBeGreaterThan(plain.json.memoryPerGpuBytes);
    // SGLang's words `--tp 8 --ep-size 8` typed as `--tp 8 --ep 8`: 64 GPUs here, and the plan says so.
    const dep = await runCliJson(
      'serve --model deepseek-v3 --gpu h200 --weights fp8 --kv fp8 --input-tokens 1000 --output-tokens 100 --tp 8 --ep 8',
    );
    expect(dep.json.layout.gpusPerReplica).toBe(64);
    expect(dep.json.warnings).toContainEqual(
      expect.stringMatching(/is 8 GPUs: expert parallelism inside the TP group \(--ep-in-tp/),
    );
  });

  it('memory --mode infer --pp: the most loaded stage, as serve sizes it', async () => {
    const one = await runCliJson('memory llama-3.1-405b --mode infer --tp 8 --batch 64 --context 2048');
    const two = await runCliJson(
      'memory llama-3.1-405b --mode infer --tp 8 --pp 2 --batch 64 --context 2048',
    );
    expect(two.code).toBe(0);
    expect(two.json.pipelineParallel).toBe(2);
    // Half the layers' weights and KV per GPU (the head and the embedding on the end stages).
    expect(two.json.weightsBytes / one.json.weightsBytes).toBeCloseTo(0.5, 1);
    expect(two.json.kvCacheBytes / one.json.kvCacheBytes).toBeCloseTo(0.5, 1);
    const moe = await runCli('memory deepseek-v3 --mode infer --pp 2 --ep 8');
    expect(moe.code).toBe(2);
    expect(moe.stderr).toMatch(
      /^error: --pp: pipeline parallelism is modelled with attention tensor-parallel in each stage/,
    );
  });

  // One 100K-token prompt at a time on two nodes of H200 (Llama 3.3 70B at TP4 PP4), TTFT as planned.
  const LONG_PROMPT = (engine: string, ...more: string[]) =>
    `serve --model llama-3.3-70b --gpu h200 --weights fp8 --tp 4 --pp 4 --input-tokens 100000 --output-tokens 200 --concurrency 1 --aggregated --engine ${engine} ${more.join(' ')}`;

  it("--engine sglang streams a long prompt's chunks through the stages; vLLM passes them one after another", async () => {
    const sglang = await runCliJson(LONG_PROMPT('sglang'));
    const vllm = await runCliJson(LONG_PROMPT('vllm'));
    expect(sglang.code).toBe(0);
    expect(sglang.json.promptChunks).toMatch(
      /chunks of 8192 tokens stream through the 4 stages.*SGLang's chunked pipeline parallelism/,
    );
    expect(vllm.json.promptChunks).toMatch(/pass the 4 stages one after another \(vLLM/);
    // Four stages at most quarter the prefill; the longest, last chunk's trip through them keeps it above.
    expect(sglang.json.ttftSeconds).toBeLessThan(vllm.json.ttftSeconds / 2);
    expect(sglang.json.ttftSeconds).toBeGreaterThan(vllm.json.ttftSeconds / 4);
    const text = await runCli(LONG_PROMPT('sglang'));
    expect(text.stdout).toMatch(/ {2}a prompt's chunks of 8192 tokens stream through the 4 stages/);
    expect(
      (
        await runCliJson(
          'serve --model llama-3.3-70b --gpu h200 --input-tokens 1000 --output-tokens 100 --engine sglang',
        )
      ).json.promptChunks,
    ).toBeNull();
  });

  it('--dynamic-chunking sizes the chunks to keep their time and --chunk-tokens sets the first; both refused where they do not apply', async () => {
    const fixed = await runCliJson(LONG_PROMPT('sglang', '--chunk-tokens', '16384'));
    const dynamic = await runCliJson(
      LONG_PROMPT('sglang', '--chunk-tokens', '16384', '--dynamic-chunking', '0.8'),
    );
    expect(dynamic.json.promptChunks).toMatch(
      /16384 tokens first and then sized to take as long \(dynamic chunking, smooth factor 0\.8\)/,
    );
    expect(dynamic.json.ttftSeconds).toBeLessThan(fixed.json.ttftSeconds);
    // Without a pipeline the plan says the dynamic sizes do not apply.
    const flat = await runCliJson(
      'serve --model llama-3.3-70b --gpu h200 --weights fp8 --tp 4 --pp 1 --input-tokens 100000 --output-tokens 200 --concurrency 1 --aggregated --engine sglang --dynamic-chunking',
    );
    expect(flat.json.promptChunks).toMatch(
      /^dynamic chunking is not applied: .* this replica has none \(prompts are cut at the token budget, 8192 tokens a step\)/,
    );
    const vllm = await runCli(LONG_PROMPT('vllm', '--dynamic-chunking'));
    expect(vllm.code).toBe(2);
    expect(vllm.stderr).toMatch(
      /^error: --dynamic-chunking: vLLM .* one after another; dynamic chunk sizes are SGLang's/,
    );
    const bad = await runCli(LONG_PROMPT('sglang', '--dynamic-chunking', '1.5'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --dynamic-chunking: a fraction in \[0, 1\], got '1\.5'/);
    const small = await runCli(LONG_PROMPT('sglang', '--chunk-tokens', '64'));
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/^error: --chunk-tokens: must be a whole number ≥ 256/);
    const bare = await runCli(
      'serve --model llama-3-8b --gpu h100 --input-tokens 1000 --output-tokens 100 --chunk-tokens 4096',
    );
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^error: --chunk-tokens: applies only with --engine/);
  });
});
