/**
 * Youtu-LLM (`youtu`) and MiniCPM3 (`minicpm3`), mla-dense.ts: each release counted tensor by tensor
 * from the modules of its modelling code, written here from config.json and not through the reader —
 * transformers `models/youtu/modeling_youtu.py` (YoutuAttention = DeepseekV3Attention, YoutuMLP,
 * YoutuDecoderLayer, tied YoutuForCausalLM) and MiniCPM3-4B's remote `modeling_minicpm.py`
 * (MiniCPMAttention, MiniCPMMLP, MiniCPMDecoderLayer, MiniCPM3ForCausalLM; its checkpoint holds no
 * lm_head.weight) — against the published sizes: tencent/Youtu-LLM-2B's safetensors count
 * 1,961,560,064 (card: "1.96B parameters"), and MiniCPM3-4B's 4.07B tied tensors (card and name: 4B).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { deepseekV3Mla } from '../../../../test/mla.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { minicpm3, youtu } from './mla-dense.js';

const youtu2b = () => structuredClone(hfFixture('hand-built/youtu-llm-2b')) as Cfg;
const minicpm34b = () => structuredClone(hfFixture('hand-built/minicpm3-4b')) as Cfg;
const readYoutu = (c: Cfg) => youtu(new Fields(c, 'youtu'), 'youtu-llm-2b');
const readMiniCpm3 = (c: Cfg) => minicpm3(new Fields(c, 'minicpm3'), 'minicpm3-4b');

/**
 * The checkpoint's tensors: embed_tokens [V, h], model.norm [h] (lm_head only when untied); per layer
 * input_layernorm and post_attention_layernorm [h], q_a_proj [q_lora, h], q_a_layernorm [q_lora],
 * q_b_proj [H·(nope + rope), q_lora], kv_a_proj_with_mqa [kv_lora + rope, h], kv_a_layernorm [kv_lora],
 * kv_b_proj [H·(nope + v), kv_lora], o_proj [h, H·v], gate_proj and up_proj [I, h], down_proj [h, I].
 * `v` is v_head_dim for Youtu, hidden / heads for the remote MiniCPMAttention.
 */
function mlaDenseTensors(c: Cfg, v: number, tied: boolean): Tensors {
  const h = c.hidden_size;
  const n = c.num_attention_heads;
  const qk = c.qk_nope_head_dim + c.qk_rope_head_dim;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h]);
  if (!tied) t.add([c.vocab_size, h]);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [c.q_lora_rank, h], [c.q_lora_rank], [n * qk, c.q_lora_rank]);
    t.add(
      [c.kv_lora_rank + c.qk_rope_head_dim, h],
      [c.kv_lora_rank],
      [n * (c.qk_nope_head_dim + v), c.kv_lora_rank],
    );
    t.add([h, n * v]);
    t.add([c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
  }
  return t;
}

describe('youtu (Youtu-LLM-2B)', () => {
  it('reads 32 dense layers of MLA (16 heads, q rank 1536, KV rank 512, 128 + 64 q/k, 128 v), tied', () => {
    const spec = readYoutu(youtu2b());
    expect(spec.modelType).toBe('youtu');
    expect(spec.attention).toEqual(deepseekV3Mla(16));
    expect(spec.layers).toEqual(Array(32).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.mlp).toEqual({ intermediateSize: 6144, gated: true, bias: false });
    expect(spec.moe).toBeNull();
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vocabSize).toBe(128_256);
    expect(spec.maxContextTokens).toBe(131_072);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.numMtpModules).toBe(0);
    expect(spec.warnings).toBeUndefined();
  });

  it("counts 1,961,560,064 parameters: the Hub's safetensors count exactly (the card's 1.96B)", () => {
    const c = youtu2b();
    const p = paramCount(readYoutu(c));
    expect(p.totalParams).toBe(mlaDenseTensors(c, c.v_head_dim, true).total);
    expect(p.totalParams).toBe(1_961_560_064);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.embeddingParams).toBe(128_256 * 2048);
    expect(p.totalParams - p.embeddingParams).toBe(1_698_891_776);
    // q_a 2048 → 1536, q_a_layernorm, q_b 1536 → 16·192, kv_a 2048 → 576, kv_a_layernorm, kv_b 512 → 16·256, o 2048 → 2048.
    const attention = 2048 * 1536 + 1536 + 1536 * 3072 + 2048 * 576 + 512 + 512 * 4096 + 2048 * 2048;
    expect(p.breakdown).toMatchObject({
      attention: 32 * attention,
      denseMlp: 32 * 3 * 2048 * 6144,
      norms: 32 * 2 * 2048 + 2048,
      head: 0,
    });
  });

  it('KV cache: the 512-wide latent and the 64-wide RoPE key per layer, 36 KiB a token in BF16', () => {
    const spec = readYoutu(youtu2b());
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(32 * (512 + 64) * 2);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(36 * 1024);
    expect(kvCacheBytes(spec, 131_072, 'bf16').bytesPerSequence).toBe(36 * 1024 * 131_072);
  });

  it('decode FLOPs: the MLA projections, 192-wide scores and 128-wide values, the SwiGLU and the tied head', () => {
    const f = forwardFlopsPerToken(readYoutu(youtu2b()), { attentionMode: 'decode', contextTokens: 4096 });
    const projections = 2048 * 1536 + 1536 * 3072 + 2048 * 576 + 512 * 4096 + 2048 * 2048;
    expect(f.breakdown.attentionProjections).toBe(32 * 2 * projections);
    expect(f.breakdown.attentionScores).toBe(32 * 2 * 16 * (192 + 128) * 4096);
    expect(f.breakdown.denseMlp).toBe(32 * 2 * 3 * 2048 * 6144);
    expect(f.breakdown.head).toBe(2 * 128_256 * 2048);
  });

  it("follows YoutuConfig's defaults on omitted keys and its direct q_proj on a null q_lora_rank", () => {
    const c = youtu2b();
    for (const k of ['kv_lora_rank', 'q_lora_rank', 'qk_rope_head_dim', 'qk_nope_head_dim', 'v_head_dim'])
      delete c[k];
    for (const k of ['max_position_embeddings', 'tie_word_embeddings', 'attention_bias', 'qk_head_dim'])
      delete c[k];
    expect(readYoutu(c)).toEqual(readYoutu(youtu2b()));
    const direct = readYoutu({ ...youtu2b(), q_lora_rank: null });
    expect(direct.attention).toMatchObject({ qLoraRank: null });
    // q_proj 2048 → 16·192 replaces q_a_proj, q_a_layernorm and q_b_proj.
    expect(paramCount(direct).totalParams).toBe(
      1_961_560_064 - 32 * (2048 * 1536 + 1536 + 1536 * 3072 - 2048 * 3072),
    );
    const untied = readYoutu({ ...youtu2b(), tie_word_embeddings: false });
    expect(paramCount(untied).totalParams).toBe(mlaDenseTensors(youtu2b(), 128, false).total);
  });

  it('names the uncounted attention biases and an ignored mlp_bias in warnings', () => {
    const spec = readYoutu({ ...youtu2b(), attention_bias: true, mlp_bias: true });
    expect(spec.warnings).toEqual([
      'youtu: attention_bias is true: the biases of q_a_proj, kv_a_proj_with_mqa and o_proj (4,160 a layer, 133,120 in all) are not counted',
      'youtu: mlp_bias true is ignored: YoutuConfig forces it false',
    ]);
    expect(paramCount(spec).totalParams).toBe(1_961_560_064);
  });

  it('refuses malformed fields, naming them', () => {
    expect(inputErrorOf(() => readYoutu({ ...youtu2b(), qk_head_dim: 128 })).message).toContain(
      "'qk_head_dim' (128) must equal qk_nope_head_dim + qk_rope_head_dim (192)",
    );
    const zero = inputErrorOf(() => readYoutu({ ...youtu2b(), kv_lora_rank: 0 }));
    expect(zero.issues[0]?.path).toEqual(['kv_lora_rank']);
    expect(zero.message).toContain("'kv_lora_rank' must be at least 1");
    const { intermediate_size: _, ...noMlp } = youtu2b();
    expect(inputErrorOf(() => readYoutu(noMlp)).message).toMatch(/missing field 'intermediate_size'/);
    expect(inputErrorOf(() => readYoutu({ ...youtu2b(), v_head_dim: null })).message).toMatch(
      /missing field 'v_head_dim'/,
    );
  });
});

describe('minicpm3 (MiniCPM3-4B)', () => {
  it('reads 62 dense layers of MLA (40 heads, q rank 768, KV rank 256, 64 + 32 q/k, 64 v), tied by default', () => {
    const spec = readMiniCpm3(minicpm34b());
    expect(spec.modelType).toBe('minicpm3');
    expect(spec.attention).toEqual({
      kind: 'mla',
      numHeads: 40,
      qLoraRank: 768,
      kvLoraRank: 256,
      qkNopeHeadDim: 64,
      qkRopeHeadDim: 32,
      vHeadDim: 64,
    });
    expect(spec.layers).toEqual(Array(62).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.mlp).toEqual({ intermediateSize: 6400, gated: true, bias: false });
    // The released config.json has no tie_word_embeddings: MiniCPM3Config's default, true.
    expect(minicpm34b().tie_word_embeddings).toBeUndefined();
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vocabSize).toBe(73_448);
    expect(spec.maxContextTokens).toBe(32_768);
    expect(spec.warnings).toBeUndefined();
  });

  it('counts 4,073,875,968 parameters (4.07B; the card and name: 4B), 3.89B without the embedding', () => {
    const c = minicpm34b();
    const p = paramCount(readMiniCpm3(c));
    expect(p.totalParams).toBe(mlaDenseTensors(c, c.hidden_size / c.num_attention_heads, true).total);
    expect(p.totalParams).toBe(4_073_875_968);
    expect(p.totalParams - p.embeddingParams).toBe(3_885_849_088);
    expect(Math.round(p.totalParams / 1e7) / 100).toBe(4.07);
    // q_a 2560 → 768, q_a_layernorm, q_b 768 → 40·96, kv_a 2560 → 288, kv_a_layernorm, kv_b 256 → 40·128, o 2560 → 2560.
    const attention = 2560 * 768 + 768 + 768 * 3840 + 2560 * 288 + 256 + 256 * 5120 + 2560 * 2560;
    expect(p.breakdown).toMatchObject({
      attention: 62 * attention,
      denseMlp: 62 * 3 * 2560 * 6400,
      norms: 62 * 2 * 2560 + 2560,
      head: 0,
    });
  });

  it('KV cache: the 256-wide latent and the 32-wide RoPE key on 62 layers, 35,712 B a token in BF16', () => {
    const spec = readMiniCpm3(minicpm34b());
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(62 * (256 + 32) * 2);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(35_712);
  });

  it('decode FLOPs: the μP multipliers add none; MLA projections, 96-wide scores and 64-wide values', () => {
    const f = forwardFlopsPerToken(readMiniCpm3(minicpm34b()), {
      attentionMode: 'decode',
      contextTokens: 4096,
    });
    const projections = 2560 * 768 + 768 * 3840 + 2560 * 288 + 256 * 5120 + 2560 * 2560;
    expect(f.breakdown.attentionProjections).toBe(62 * 2 * projections);
    expect(f.breakdown.attentionScores).toBe(62 * 2 * 40 * (96 + 64) * 4096);
    expect(f.breakdown.denseMlp).toBe(62 * 2 * 3 * 2560 * 6400);
    expect(f.breakdown.head).toBe(2 * 73_448 * 2560);
  });

  it('follows the class defaults on omitted keys; v_head_dim hidden / heads unless given', () => {
    const c = minicpm34b();
    for (const k of ['kv_lora_rank', 'q_lora_rank', 'qk_rope_head_dim', 'qk_nope_head_dim']) delete c[k];
    for (const k of ['scale_emb', 'scale_depth', 'dim_model_base']) delete c[k];
    expect(readMiniCpm3(c)).toEqual(readMiniCpm3(minicpm34b()));
    expect(readMiniCpm3({ ...minicpm34b(), v_head_dim: 64 })).toEqual(readMiniCpm3(minicpm34b()));
    const untied = readMiniCpm3({ ...minicpm34b(), tie_word_embeddings: false });
    expect(paramCount(untied).totalParams).toBe(4_073_875_968 + 73_448 * 2560);
  });

  it('warns where the remote code and transformers differ, and about uncounted biases', () => {
    const wide = readMiniCpm3({ ...minicpm34b(), v_head_dim: 128 });
    expect(wide.attention).toMatchObject({ vHeadDim: 128 });
    expect(wide.warnings).toEqual([
      "minicpm3: v_head_dim (128) is read as transformers' MiniCPM3Attention reads it; the checkpoint's remote MiniCPMAttention ignores it and sizes values hidden_size / num_attention_heads (64)",
    ]);
    const direct = readMiniCpm3({ ...minicpm34b(), q_lora_rank: null });
    expect(direct.attention).toMatchObject({ qLoraRank: null });
    expect(direct.warnings).toEqual([
      expect.stringMatching(/^minicpm3: q_lora_rank is null: read as transformers'/),
    ]);
    expect(readMiniCpm3({ ...minicpm34b(), attention_bias: true }).warnings).toEqual([
      'minicpm3: attention_bias is true: the biases of q_a_proj, kv_a_proj_with_mqa and o_proj (3,616 a layer, 224,192 in all) are not counted',
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    const uneven = inputErrorOf(() => readMiniCpm3({ ...minicpm34b(), num_attention_heads: 48 }));
    expect(uneven.issues[0]?.path).toEqual(['hidden_size']);
    expect(uneven.message).toContain("'hidden_size' (2560) must be divisible by 'num_attention_heads' (48)");
    const scale = inputErrorOf(() => readMiniCpm3({ ...minicpm34b(), scale_emb: '12' }));
    expect(scale.issues[0]?.path).toEqual(['scale_emb']);
    expect(scale.message).toContain("'scale_emb' must be a number greater than 0");
    const { max_position_embeddings: _, ...noContext } = minicpm34b();
    expect(inputErrorOf(() => readMiniCpm3(noContext)).message).toMatch(
      /missing field 'max_position_embeddings'/,
    );
    expect(inputErrorOf(() => readMiniCpm3({ ...minicpm34b(), q_lora_rank: 0 })).message).toContain(
      "'q_lora_rank' must be a positive integer or null, got 0",
    );
  });

  it('are registered: the model_type reads through its family, and an unknown MLA type is refused, not read as Llama', () => {
    expect(specFromHfConfig(minicpm34b(), 'minicpm3-4b')).toEqual(readMiniCpm3(minicpm34b()));
    // Before, MiniCPM3 read as a llama lookalike: 5,049,090,560 parameters and a GQA cache 18× the latent.
    const unknown = { ...minicpm34b(), model_type: 'mystery_mla' };
    expect(inputErrorOf(() => specFromHfConfig(unknown, 'mystery')).message).toMatch(
      /'kv_lora_rank' signals multi-head latent attention/,
    );
  });
});
