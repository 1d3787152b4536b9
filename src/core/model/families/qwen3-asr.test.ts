/**
 * Qwen3-ASR (`qwen3_asr`, qwen3-asr.ts), read by calling the family directly and counted tensor by
 * tensor from the modules of QwenLM/Qwen3-ASR `qwen_asr/core/transformers_backend/modeling_qwen3_asr.py`,
 * written here from config.json and not through the reader.
 *
 * Fixtures: `hand-built/qwen3-asr-0.6b.json`, Qwen/Qwen3-ASR-0.6B's config.json as a stored copy
 * (zhangxu1978/ASR `Qwen3-ASR-0.6B/config.json`, a ModelScope download) holds it, values verbatim;
 * `hand-built/qwen3-asr-1.7b.json`, Qwen/Qwen3-ASR-1.7B's, abridged and reconstructed from the sizes
 * quoted in stored code (the 1.7B column of antirez/qwen-asr MODEL.md and
 * ivan-digital/qwen3-asr-swift docs/asr-model.md, the default text config transformers'
 * Qwen3ASRConfig writes for it, tied) — not verbatim.
 *
 * The cards' "0.6B" and "1.7B" name the Qwen3 text model (Qwen3-0.6B's 596,049,920 and Qwen3-1.7B's
 * 1,720,574,976 with tied embeddings); the AuT encoder (186,376,192 and 317,477,504, the paper's
 * "~300M" for the 1.7B) comes on top: 782,426,112 and 2,038,052,480 in all. The 1.7B checkpoint also
 * stores `thinker.lm_head.weight`, the tied copy of embed_tokens (a stored loader's note lists it beside
 * 397 audio_tower and 310 model tensors): +311,164,928 in its safetensors, one tensor in the model and
 * counted once here.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { qwen3Asr } from './qwen3-asr.js';

const fixture = (file: string): Cfg => hfFixture(`hand-built/${file}`);
const small = () => fixture('qwen3-asr-0.6b');
const large = () => fixture('qwen3-asr-1.7b');
const read = (c: Cfg) => qwen3Asr(new Fields(c, 'qwen3_asr'), 'qwen3-asr');

/** The config with `edit` applied to the thinker's sub-config `key` (the thinker itself when null). */
function edited(key: 'text_config' | 'audio_config' | null, edit: (sub: Cfg) => void): Cfg {
  const c = small();
  edit(key === null ? c.thinker_config : c.thinker_config[key]);
  return c;
}

/**
 * thinker.model: embed_tokens [V, h]; per layer input_layernorm and post_attention_layernorm [h],
 * self_attn.q_proj [H·d, h], k_proj and v_proj [K·d, h], o_proj [h, H·d] (bias-free: attention_bias
 * false), q_norm and k_norm [d], mlp.gate_proj and up_proj [I, h], down_proj [h, I]; norm [h];
 * thinker.lm_head [V, h] unless tied.
 */
function textTensors(c: Cfg): number {
  const x = c.thinker_config.text_config;
  const [h, d] = [x.hidden_size, x.head_dim];
  const t = new Tensors();
  t.add([x.vocab_size, h], [h]);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [x.num_attention_heads * d, h], [x.num_key_value_heads * d, h]);
    t.add([x.num_key_value_heads * d, h], [h, x.num_attention_heads * d], [d], [d]);
    t.add([x.intermediate_size, h], [x.intermediate_size, h], [h, x.intermediate_size]);
  }
  if (!x.tie_word_embeddings) t.add([x.vocab_size, h]);
  return t.total;
}

/**
 * thinker.audio_tower: conv2d1 [c, 1, 3, 3], conv2d2 and conv2d3 [c, c, 3, 3], each with bias [c];
 * conv_out [d, c · 16] (128 mel bins halved three times: 64, 32, 16); per layer self_attn.q/k/v/out_proj
 * [d, d] and bias, self_attn_layer_norm and final_layer_norm (weight, bias), fc1 [ffn, d] and fc2
 * [d, ffn] with biases; ln_post (weight, bias); proj1 [d, d] and proj2 [out, d] with biases.
 */
function audioTensors(c: Cfg): number {
  const a = c.thinker_config.audio_config;
  const [d, ch, ffn] = [a.d_model, a.downsample_hidden_size, a.encoder_ffn_dim];
  const t = new Tensors();
  t.add([ch, 1, 3, 3], [ch], [ch, ch, 3, 3], [ch], [ch, ch, 3, 3], [ch], [d, ch * 16]);
  for (let i = 0; i < a.encoder_layers; i += 1) {
    t.add([d, d], [d], [d, d], [d], [d, d], [d], [d, d], [d], [d], [d], [d], [d]);
    t.add([ffn, d], [ffn], [d, ffn], [d]);
  }
  t.add([d], [d], [d, d], [d], [a.output_dim, d], [a.output_dim]);
  return t.total;
}

describe('qwen3_asr (Qwen/Qwen3-ASR-0.6B, -1.7B)', () => {
  it('reads the 0.6B thinker: 28 full-attention layers, 16/8 heads of 128 with q/k norms, tied head', () => {
    const spec = read(small());
    expect(spec.modelType).toBe('qwen3_asr');
    expect(spec.layers).toEqual(Array(28).fill({ attention: 'full', mlp: 'dense' }));
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 16,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 3072, gated: true, bias: false });
    expect(spec.norm).toEqual({ kind: 'rmsnorm', perLayer: 2 });
    expect(spec.hiddenSize).toBe(1024);
    expect(spec.vocabSize).toBe(151_936);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(65_536);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.vision).toBeNull();
    expect(spec.audio?.description).toBe(
      'Qwen3-Omni audio encoder (AuT) 18 × 896, 14 heads, 3 stride-2 convs of 480',
    );
    expect(spec.warnings).toBeUndefined();
  });

  it.each([
    // Qwen3-0.6B and Qwen3-1.7B (tied): the cards' "0.6B" and "1.7B".
    { file: 'qwen3-asr-0.6b', text: 596_049_920, audio: 186_376_192, all: 782_426_112 },
    { file: 'qwen3-asr-1.7b', text: 1_720_574_976, audio: 317_477_504, all: 2_038_052_480 },
  ])('counts the tensors of $file: text $text, audio $audio', ({ file, text, audio, all }) => {
    const c = fixture(file);
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(textTensors(c));
    expect(p.totalParams).toBe(text);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.audioParams).toBe(audioTensors(c));
    expect(p.audioParams).toBe(audio);
    // Tied: one vocabulary × hidden table; untied adds the head.
    expect(p.totalParams + p.audioParams!).toBe(all);
    const untied = fixture(file);
    untied.thinker_config.text_config.tie_word_embeddings = false;
    expect(paramCount(read(untied)).totalParams).toBe(textTensors(untied));
    expect(textTensors(untied) - text).toBe(151_936 * c.thinker_config.text_config.hidden_size);
  });

  it('splits the 0.6B count by module; reads the 1.7B encoder as 24 × 1024', () => {
    const p = paramCount(read(small()));
    expect(p.embeddingParams).toBe(151_936 * 1024);
    expect(p.breakdown.attention).toBe(28 * (2 * 1024 * 2048 + 2 * 1024 * 1024 + 2 * 128));
    expect(p.breakdown.denseMlp).toBe(28 * 3 * 1024 * 3072);
    expect(read(large()).audio?.description).toBe(
      'Qwen3-Omni audio encoder (AuT) 24 × 1024, 16 heads, 3 stride-2 convs of 480',
    );
  });

  it('KV cache: K and V of 8 heads × 128 on the 28 layers', () => {
    expect(kvCacheBytes(read(small()), 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 8 * 128 * 2);
    expect(kvCacheBytes(read(large()), 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 8 * 128 * 2);
  });

  it('forward FLOPs per token ≈ 2 × the text parameters + attention', () => {
    const spec = read(large());
    const p = paramCount(spec);
    const context = 4096;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: context });
    // The tied table is one GEMM (the head); norms hold no GEMM; scores at most full attention.
    expect(f.flopsPerToken).toBeGreaterThan(2 * (p.activeParams - p.breakdown.norms));
    expect(f.flopsPerToken).toBeLessThan(2 * p.activeParams + 28 * 4 * 16 * 128 * context);
    const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: context });
    expect(decode.breakdown.attentionProjections).toBe(28 * 2 * (2 * 2048 * 2048 + 2 * 2048 * 1024));
    expect(decode.breakdown.denseMlp).toBe(28 * 2 * 3 * 2048 * 6144);
    expect(decode.breakdown.head).toBe(2 * 151_936 * 2048);
  });

  it('follows Qwen3ASRTextConfig and Qwen3ASRAudioEncoderConfig on omitted keys, not Qwen3Config', () => {
    const trimmed = edited('text_config', (t) => {
      for (const k of ['max_position_embeddings', 'tie_word_embeddings', 'head_dim', 'model_type'])
        delete t[k];
    });
    const spec = read(trimmed);
    expect(spec.maxContextTokens).toBe(128_000);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.attention).toMatchObject({ headDim: 128 });
    // Ties follow text_config alone: the thinker-level and top-level flags are not read.
    const outer: Cfg = { ...small(), tie_word_embeddings: false };
    outer.thinker_config.tie_word_embeddings = false;
    expect(read(outer).tieWordEmbeddings).toBe(true);
    const shallow = edited('audio_config', (a) => delete a.encoder_layers);
    expect(shallow.thinker_config.audio_config.num_hidden_layers).toBe(18);
    expect(read(shallow).audio?.description).toMatch(/\(AuT\) 32 × 896,/);
    const sliding = edited('text_config', (t) => {
      t.use_sliding_window = true;
      t.sliding_window = 4096;
    });
    expect(read(sliding).slidingWindow).toBeNull();
    expect(read(sliding).warnings).toEqual([
      'qwen3_asr: thinker_config.text_config.use_sliding_window true is ignored: Qwen3ASRTextAttention passes no sliding window, every layer attends to the whole context',
    ]);
  });

  it('refuses malformed fields, naming their path and what is allowed', () => {
    const { thinker_config: _, ...flat } = small();
    expect(inputErrorOf(() => read(flat)).message).toMatch(/^thinker_config: 'thinker_config' is required/);
    const aligner = edited(null, (t) => {
      t.model_type = 'qwen3_forced_aligner';
      t.classify_num = 5000;
    });
    const e = inputErrorOf(() => read(aligner));
    expect(e.issues[0]?.path).toEqual(['thinker_config', 'model_type']);
    expect(e.message).toMatch(
      /'thinker_config\.model_type' \('qwen3_forced_aligner'\) is Qwen3-ForcedAligner/,
    );
    const narrow = edited('audio_config', (a) => (a.output_dim = 2048));
    expect(inputErrorOf(() => read(narrow)).message).toMatch(
      /'thinker_config\.audio_config\.output_dim' \(2048\) must equal the thinker text_config\.hidden_size \(1024\)/,
    );
    const heads = edited('audio_config', (a) => (a.encoder_attention_heads = 15));
    expect(inputErrorOf(() => read(heads)).message).toMatch(
      /'thinker_config\.audio_config\.encoder_attention_heads' \(15\) must divide d_model \(896\)/,
    );
    const kv = edited('text_config', (t) => (t.num_key_value_heads = 3));
    expect(inputErrorOf(() => read(kv)).issues[0]?.path).toEqual([
      'thinker_config',
      'text_config',
      'num_key_value_heads',
    ]);
    const list = edited(null, (t) => (t.text_config = [1]));
    expect(inputErrorOf(() => read(list)).message).toMatch(/'thinker_config\.text_config' must be an object/);
  });
});
