import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

const cfg = (name: string) => `test/fixtures/hf-configs/${name}.json`;

/** zai-org/GLM-4.7-Flash config.json (its keys that size the model). */
const GLM_47_FLASH = {
  architectures: ['Glm4MoeLiteForCausalLM'],
  model_type: 'glm4_moe_lite',
  hidden_size: 2048,
  intermediate_size: 10240,
  moe_intermediate_size: 1536,
  max_position_embeddings: 202752,
  num_attention_heads: 20,
  num_key_value_heads: 20,
  n_routed_experts: 64,
  n_shared_experts: 1,
  num_experts_per_tok: 4,
  first_k_dense_replace: 1,
  num_hidden_layers: 47,
  num_nextn_predict_layers: 1,
  q_lora_rank: 768,
  kv_lora_rank: 512,
  qk_nope_head_dim: 192,
  qk_rope_head_dim: 64,
  v_head_dim: 256,
  vocab_size: 154880,
  tie_word_embeddings: false,
  attention_bias: false,
  topk_method: 'noaux_tc',
  n_group: 1,
  topk_group: 1,
};

describe('llmecon params / kv on hybrid and wrapped models', () => {
  it('params shows the layer mix and the vision tower apart', async () => {
    const { code, stdout } = await runCli(['params', cfg('qwen3.5-397b-a17b')]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '60 layers: 15 full attention, 45 linear (Gated DeltaNet); MoE 512 experts top-10 + 1 shared on 60 layers',
    );
    expect(stdout).toContain('total params    396.35B (396,346,350,336)');
    expect(stdout).toMatch(/vision tower {4}456\.01M \(456,010,480\) not in the total: ViT 27 × 1152/);
  });
  it('params shows windowed attention and dense-plus-MoE stacks too, not a uniform stack', async () => {
    const mix = async (model: string) => (await runCli(['params', model])).stdout.split('\n')[1];
    expect(await mix('mistral-7b')).toBe(
      '32 layers: 32 sliding window (4096 tokens); dense MLP on 32 layers',
    );
    expect(await mix('deepseek-v3')).toMatch(/ on 58 layers, dense MLP on 3 layers$/);
    expect(await mix('llama-3-8b')).toMatch(/^total params/);
  });

  it('kv reports KV for attention layers and the constant state per sequence', async () => {
    const { code, stdout } = await runCli([
      'kv',
      cfg('nemotron-3-nano-30b-a3b'),
      '--context',
      '262144',
      '--json',
    ]);
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.bytesPerToken).toBe(6 * 2 * 2 * 128 * 2);
    expect(r.kvBytesPerSequence).toBe(6 * 2 * 2 * 128 * 2 * 262144);
    expect(r.recurrentStateBytesPerSequence).toBe(23 * (3 * (4096 + 2048) * 2 + 64 * 64 * 128 * 4));
    expect(r.layersWithoutKv).toBe(46);
  });

  it('kv caps chunked layers at the chunk (Llama 4 Scout at 1M tokens)', async () => {
    const { stdout } = await runCli([
      'kv',
      cfg('llama-4-scout-17b-16e-instruct'),
      '--context',
      '1000000',
      '--json',
    ]);
    const r = JSON.parse(stdout);
    expect(r.kvBytesPerSequence).toBe(2 * 8 * 128 * 2 * (12 * 1_000_000 + 36 * 8192));
  });

  it('reads a config with Python Infinity tokens (Nemotron-H 56B)', async () => {
    const { code, stdout } = await runCli(['params', cfg('nemotron-h-56b-base-8k'), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).layerMix).toMatchObject({ full: 10, mamba: 54, none: 54 });
  });

  it("the MTP modules as stored: DeepSeek's checkpoint with its own embedding and head copies, others not assumed", async () => {
    const deepseek = JSON.parse((await runCli(['params', 'deepseek-v3', '--json'])).stdout);
    expect(deepseek.mtpCheckpointParams).toBe(deepseek.mtpParams + 2 * 129_280 * 7168);
    // GLM-4.7-Flash's checkpoint stores them too: its safetensors hold 31,221,488,576 parameters.
    const glm = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'glm-4.7-flash.json');
    writeFileSync(glm, JSON.stringify(GLM_47_FLASH));
    const g = JSON.parse((await runCli(['params', glm, '--json'])).stdout);
    expect(g.totalParams + g.mtpCheckpointParams).toBe(31_221_488_576);
    // Qwen3.5's mtp.* layer shares the model's embedding and head (its checkpoint holds no copies).
    const qwen = await runCli(['params', cfg('qwen3.5-397b-a17b'), '--json']);
    const q = JSON.parse(qwen.stdout);
    expect(q.mtpParams).toBeGreaterThan(0);
    expect(q.mtpCheckpointParams).toBeNull();
    expect((await runCli(['params', cfg('qwen3.5-397b-a17b')])).stdout).not.toContain(
      'as stored in the checkpoint',
    );
  });

  it("Qwen3-Next's MTP layer where its config states none: the checkpoint's mtp.* (vLLM's default of 1)", async () => {
    const r = JSON.parse(
      (await runCli(['params', cfg('hand-built/qwen3-next-80b-a3b-instruct'), '--json'])).stdout,
    );
    // The checkpoint's safetensors hold 81,324,862,720 parameters (the Hugging Face model page: 81.3B params).
    expect(r.totalParams + r.mtpParams).toBe(81_324_862_720);
    expect(r.mtpCheckpointParams).toBeNull();
  });
});
