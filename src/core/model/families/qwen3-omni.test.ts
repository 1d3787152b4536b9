/**
 * Qwen3-Omni (`qwen3_omni_moe`, qwen3-omni.ts): Qwen/Qwen3-Omni-30B-A3B-Instruct counted tensor by tensor
 * from the modules of transformers' `modeling_qwen3_omni_moe.py` (the thinker's text model, vision tower
 * and audio encoder; the talker with its code predictor; code2wav), written here from config.json and not
 * through the reader, against the checkpoint: a stored listing of its 15 safetensors shards gives 28,010
 * tensors of 35,259,818,545 parameters (35.3B; every shape below appears there). The thinker alone holds
 * 31,719,205,488, its text model 30.5B with 3.35B active per token (the card's "30B-A3B").
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import {
  qwen3OmniMoe,
  qwen3OmniMoeThinker,
  readQwen3OmniCode2Wav,
  readQwen3OmniTalker,
} from './qwen3-omni.js';

const omni = () => structuredClone(hfFixture('hand-built/qwen3-omni-30b-a3b-instruct')) as Cfg;
const read = (c: Cfg) => qwen3OmniMoe(new Fields(c, 'qwen3_omni_moe'), 'qwen3-omni-30b-a3b-instruct');
/** The config with `edit` applied to the sub-config at `path`. */
function edited(path: string[], edit: (sub: Cfg) => void): Cfg {
  const c = omni();
  edit(path.reduce((o, k) => o[k], c));
  return c;
}

/** A GQA attention's q/k/v/o [out, in] without bias, and per-head q_norm/k_norm [d] when `qkNorm`. */
function gqa(t: Tensors, h: number, heads: number, kv: number, d: number, qkNorm: boolean): void {
  t.add([heads * d, h], [kv * d, h], [kv * d, h], [h, heads * d]);
  if (qkNorm) t.add([d], [d]);
}
const swiglu = (h: number, i: number) => [
  [i, h],
  [i, h],
  [h, i],
];

/**
 * thinker.model.embed_tokens [V, h], thinker.lm_head [V, h], thinker.model.norm [h]; per layer
 * input_layernorm and post_attention_layernorm [h], q/k/v/o_proj, q_norm and k_norm [d], mlp.gate [E, h]
 * and E experts' gate/up [I, h] and down [h, I].
 */
function thinkerText(c: Cfg): Tensors {
  const x = c.thinker_config.text_config;
  const h = x.hidden_size;
  const t = new Tensors();
  t.add([x.vocab_size, h], [x.vocab_size, h], [h]);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [x.num_experts, h]);
    gqa(t, h, x.num_attention_heads, x.num_key_value_heads, x.head_dim, true);
    t.experts(x.num_experts, x.num_experts_per_tok, ...swiglu(h, x.moe_intermediate_size));
  }
  return t;
}

/**
 * thinker.visual: patch_embed.proj [w, 3, 2, 16, 16] and bias, pos_embed [2304, w]; per block norm1 and
 * norm2 (weight, bias), attn.qkv [3w, w] and bias, attn.proj [w, w] and bias, mlp.linear_fc1 [I, w] and
 * bias, linear_fc2 [w, I] and bias; merger (ln_q [w] weight and bias, mlp.0 [m, m], mlp.2 [out, m], with
 * biases) and merger_list.0–2 (the same with ln_q of m = 4w).
 */
function thinkerVision(c: Cfg): number {
  const v = c.thinker_config.vision_config;
  const w = v.hidden_size;
  const m = w * v.spatial_merge_size ** 2;
  const t = new Tensors();
  t.add([w, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size], [w]);
  t.add([v.num_position_embeddings, w]);
  for (let i = 0; i < v.depth; i += 1) {
    t.add([w], [w], [w], [w], [3 * w, w], [3 * w], [w, w], [w]);
    t.add([v.intermediate_size, w], [v.intermediate_size], [w, v.intermediate_size], [w]);
  }
  for (const norm of [w, ...v.deepstack_visual_indexes.map(() => m)]) {
    t.add([norm], [norm], [m, m], [m], [v.out_hidden_size, m], [v.out_hidden_size]);
  }
  return t.total;
}

/**
 * thinker.audio_tower: conv2d1 [480, 1, 3, 3], conv2d2 and conv2d3 [480, 480, 3, 3], with biases;
 * conv_out [d, 480 · 16] (128 mel bins halved three times); per layer self_attn.q/k/v/out_proj [d, d]
 * and biases, self_attn_layer_norm and final_layer_norm (weight, bias), fc1 [ffn, d], fc2 [d, ffn] and
 * biases; ln_post (weight, bias); proj1 [d, d] and proj2 [output_dim, d] with biases.
 */
function thinkerAudio(c: Cfg): number {
  const a = c.thinker_config.audio_config;
  const d = a.d_model;
  const ch = a.downsample_hidden_size;
  const t = new Tensors();
  t.add([ch, 1, 3, 3], [ch], [ch, ch, 3, 3], [ch], [ch, ch, 3, 3], [ch], [d, ch * 16]);
  for (let i = 0; i < a.encoder_layers; i += 1) {
    t.add([d, d], [d], [d, d], [d], [d, d], [d], [d, d], [d], [d], [d], [d], [d]);
    t.add([a.encoder_ffn_dim, d], [a.encoder_ffn_dim], [d, a.encoder_ffn_dim], [d]);
  }
  t.add([d], [d], [d, d], [d], [a.output_dim, d], [a.output_dim]);
  return t.total;
}

/**
 * talker.model: per layer two norms [h], q/k/v/o_proj and q/k norms, mlp.gate [E, h], E experts of
 * moe_intermediate_size, shared_expert of shared_expert_intermediate_size, shared_expert_gate [1, h];
 * model.norm [h], model.codec_embedding [V, h]; codec_head [V, h]; text_projection and hidden_projection
 * (linear_fc1 [I, 2048] and bias, linear_fc2 [h, I] and bias); code_predictor: 5 layers of two norms,
 * attention with q/k norms and a SwiGLU, model.norm, 15 codec_embedding and 15 lm_head [2048, h].
 */
function talker(c: Cfg): { decoder: number; projections: number; codePredictor: number } {
  const x = c.talker_config.text_config;
  const h = x.hidden_size;
  const d = new Tensors();
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    d.add([h], [h], [x.num_experts, h], [1, h], ...swiglu(h, x.shared_expert_intermediate_size));
    gqa(d, h, x.num_attention_heads, x.num_key_value_heads, x.head_dim, true);
    d.experts(x.num_experts, x.num_experts_per_tok, ...swiglu(h, x.moe_intermediate_size));
  }
  d.add([h], [x.vocab_size, h], [x.vocab_size, h]);
  const p = new Tensors();
  const th = c.talker_config.thinker_hidden_size;
  for (let i = 0; i < 2; i += 1)
    p.add([x.intermediate_size, th], [x.intermediate_size], [h, x.intermediate_size], [h]);
  const cp = c.talker_config.code_predictor_config;
  const q = new Tensors();
  for (let i = 0; i < cp.num_hidden_layers; i += 1) {
    q.add([cp.hidden_size], [cp.hidden_size], ...swiglu(cp.hidden_size, cp.intermediate_size));
    gqa(q, cp.hidden_size, cp.num_attention_heads, cp.num_key_value_heads, cp.head_dim, true);
  }
  q.add([cp.hidden_size]);
  for (let g = 1; g < cp.num_code_groups; g += 1)
    q.add([cp.vocab_size, cp.hidden_size], [cp.vocab_size, cp.hidden_size]);
  return { decoder: d.total, projections: p.total, codePredictor: q.total };
}

/**
 * code2wav: code_embedding [16 · 2048, h]; pre_transformer layers (two norms, q/k/v/o [h, h], a SwiGLU,
 * self_attn_layer_scale and mlp_layer_scale [h]) and norm; upsample.0–1 (ConvTranspose1d [h, h, 2] and
 * bias; ConvNeXt dwconv [h, 1, 7] and bias, norm weight and bias, pwconv1 [4h, h], pwconv2 [h, 4h] with
 * biases, gamma); decoder.0 conv [1536, h, 7] and bias; decoder.1–4 (SnakeBeta alpha/beta of the input
 * width, ConvTranspose1d [w, w/2, 2r] and bias, three residual units of two SnakeBetas, conv1 [w/2, w/2,
 * 7], conv2 [w/2, w/2, 1] with biases); decoder.5 SnakeBeta [96] ×2, decoder.6 conv [1, 96, 7] and bias.
 */
function code2wav(c: Cfg): number {
  const x = c.code2wav_config;
  const h = x.hidden_size;
  const t = new Tensors();
  t.add([x.num_quantizers * x.codebook_size, h], [h]);
  for (let i = 0; i < x.num_hidden_layers; i += 1) {
    t.add([h], [h], [h, h], [h, h], [h, h], [h, h], ...swiglu(h, x.intermediate_size), [h], [h]);
  }
  for (const r of x.upsampling_ratios) {
    t.add([h, h, r], [h], [h, 1, 7], [h], [h], [h], [4 * h, h], [4 * h], [h, 4 * h], [h], [h]);
  }
  t.add([x.decoder_dim, h, 7], [x.decoder_dim]);
  let w = x.decoder_dim;
  for (const r of x.upsample_rates) {
    const o = w / 2;
    t.add([w], [w], [w, o, 2 * r], [o]);
    for (let u = 0; u < 3; u += 1) t.add([o], [o], [o], [o], [o, o, 7], [o], [o, o, 1], [o]);
    w = o;
  }
  t.add([w], [w], [1, w, 7], [1]);
  return t.total;
}

describe('qwen3_omni_moe (Qwen3-Omni-30B-A3B-Instruct)', () => {
  it('reads the thinker text model: 48 MoE layers, 32/4 heads of 128 with q/k norms, 128 experts top-8', () => {
    const spec = read(omni());
    expect(spec.modelType).toBe('qwen3_omni_moe');
    expect(spec.layers).toEqual(Array(48).fill({ attention: 'full', mlp: 'moe' }));
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 4,
      headDim: 128,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'per-head',
      sinks: false,
    });
    expect(spec.moe).toMatchObject({
      numExperts: 128,
      topK: 8,
      expertIntermediateSize: 768,
      numSharedExperts: 0,
    });
    expect(spec.hiddenSize).toBe(2048);
    expect(spec.vocabSize).toBe(152_064);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(65_536);
    expect(spec.slidingWindow).toBeNull();
    expect(spec.vision?.description).toBe('ViT 27 × 1152, patch 16, merge 2×2, 3 deepstack mergers');
    expect(spec.audio?.description).toBe(
      'Qwen3-Omni audio encoder (AuT) 32 × 1280, 20 heads, 3 stride-2 convs of 480',
    );
  });

  it('counts the thinker tensors: text 30,532,646,912 (3,353,556,992 active), vision 538,631,408, audio 647,927,168', () => {
    const c = omni();
    const t = thinkerText(c);
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(t.total);
    expect(p.totalParams).toBe(30_532_646_912);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(p.activeParams).toBe(3_353_556_992);
    expect(p.visionParams).toBe(thinkerVision(c));
    expect(p.visionParams).toBe(538_631_408);
    expect(p.audioParams).toBe(thinkerAudio(c));
    expect(p.audioParams).toBe(647_927_168);
    // The thinker alone: what a checkpoint without the talker and code2wav holds.
    expect(p.totalParams + p.visionParams + p.audioParams!).toBe(31_719_205_488);
    // The card's "30B-A3B": the text model's total and active parameters.
    expect(p.totalParams / 1e9).toBeCloseTo(30.5, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(3.35, 2);
    expect(p.breakdown.attention).toBe(48 * (2 * 2048 * 4096 + 2 * 2048 * 512 + 2 * 128));
    expect(p.breakdown.router).toBe(48 * 128 * 2048);
  });

  it('names the talker (3,324,596,480) and code2wav (216,016,577) in a warning; with the thinker, the 35,259,818,545 of the checkpoint', () => {
    const c = omni();
    const hand = talker(c);
    const parts = readQwen3OmniTalker(new Fields(c.talker_config, 'qwen3_omni_moe', ['talker_config']), 2048);
    expect(parts).toMatchObject(hand);
    expect(parts).toMatchObject({
      decoder: 3_170_437_120,
      projections: 12_589_056,
      codePredictor: 141_570_304,
    });
    expect(parts.total).toBe(3_324_596_480);
    const wav = readQwen3OmniCode2Wav(new Fields(c.code2wav_config, 'qwen3_omni_moe', ['code2wav_config']));
    expect(wav).toBe(code2wav(c));
    expect(wav).toBe(216_016_577);
    const spec = read(c);
    expect(spec.warnings).toEqual([
      'qwen3_omni_moe: the talker and code2wav (built with enable_audio_output, run only when speech is output) are not counted in the parameters, FLOPs or KV cache: talker 3,324,596,480 parameters (a 20-layer MoE decoder of 128 experts, top 6, with a shared expert: 3,170,437,120; text_projection and hidden_projection: 12,589,056; code predictor: 141,570,304), code2wav 216,016,577; 3,540,613,057 in all',
    ]);
    const p = paramCount(spec);
    expect(p.totalParams + p.visionParams + p.audioParams! + parts.total + wav).toBe(35_259_818_545);
    // Without enable_audio_output the talker and code2wav are not built: nothing to name.
    expect(read({ ...c, enable_audio_output: false }).warnings).toBeUndefined();
  });

  it('KV cache: K and V of 4 heads × 128 on the 48 thinker layers', () => {
    const spec = read(omni());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(48 * 2 * 4 * 128 * 2);
  });

  it('decode FLOPs: q/k/v/o on 48 layers, 8 routed experts, the router and the head', () => {
    const f = forwardFlopsPerToken(read(omni()), { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(48 * 2 * (2 * 2048 * 4096 + 2 * 2048 * 512));
    expect(f.breakdown.routedExperts).toBe(48 * 2 * 8 * 3 * 2048 * 768);
    expect(f.breakdown.router).toBe(48 * 2 * 128 * 2048);
    expect(f.breakdown.head).toBe(2 * 152_064 * 2048);
  });

  it('follows the Omni classes on omitted keys, not Qwen3-MoE’s', () => {
    // head_dim: getattr(config, "head_dim", hidden_size // num_attention_heads), not 128.
    const noHeadDim = edited(['thinker_config', 'text_config'], (t) => delete t.head_dim);
    expect(read(noHeadDim).attention).toMatchObject({ headDim: 64 });
    // Qwen3OmniMoeThinkerTextAttention never slides, whatever the config says.
    const sliding = edited(['thinker_config', 'text_config'], (t) => {
      t.use_sliding_window = true;
      t.sliding_window = 4096;
    });
    expect(read(sliding).slidingWindow).toBeNull();
    expect(read(sliding).warnings?.[0]).toMatch(
      /use_sliding_window true is ignored: .* sliding_window = None/,
    );
    // Omitted sub-config keys take the class defaults (the released values but out_hidden_size/output_dim).
    const sparse = edited(['thinker_config', 'vision_config'], (v) => {
      for (const k of ['depth', 'num_position_embeddings', 'deepstack_visual_indexes', 'in_channels'])
        delete v[k];
    });
    expect(read(sparse).vision).toEqual(read(omni()).vision);
    const talkerNum = edited(['talker_config', 'text_config'], (t) => {
      t.num_local_experts = t.num_experts;
      delete t.num_experts;
    });
    expect(read(talkerNum).warnings).toEqual(read(omni()).warnings);
    // The thinker alone (`qwen3_omni_moe_thinker`) reads the same, without the speech-output warning.
    const thinker = qwen3OmniMoeThinker(new Fields(omni().thinker_config, 'qwen3_omni_moe'), 'thinker');
    expect(paramCount(thinker)).toEqual(paramCount(read(omni())));
    expect(thinker.warnings).toBeUndefined();
  });

  it('refuses malformed fields, naming their path', () => {
    const { thinker_config: _, ...noThinker } = omni();
    expect(inputErrorOf(() => read(noThinker)).message).toMatch(
      /^thinker_config: 'thinker_config' is required/,
    );
    const badTopK = edited(['thinker_config', 'text_config'], (t) => {
      t.num_experts_per_tok = 129;
    });
    const e = inputErrorOf(() => read(badTopK));
    expect(e.issues[0]?.path).toEqual(['thinker_config', 'text_config', 'num_experts_per_tok']);
    expect(e.message).toMatch(
      /'thinker_config\.text_config\.num_experts_per_tok' \(129\) exceeds the number of experts \(128\)/,
    );
    const wideVision = edited(['thinker_config', 'vision_config'], (v) => delete v.out_hidden_size);
    expect(inputErrorOf(() => read(wideVision)).message).toMatch(
      /'thinker_config\.vision_config\.out_hidden_size' \(3584\) must equal the thinker text_config\.hidden_size \(2048\)/,
    );
    const audioHeads = edited(['thinker_config', 'audio_config'], (a) => {
      a.encoder_attention_heads = 7;
    });
    expect(inputErrorOf(() => read(audioHeads)).message).toMatch(
      /'thinker_config\.audio_config\.encoder_attention_heads' \(7\) must divide d_model \(1280\)/,
    );
    const noShared = edited(
      ['talker_config', 'text_config'],
      (t) => delete t.shared_expert_intermediate_size,
    );
    expect(inputErrorOf(() => read(noShared)).message).toMatch(
      /missing field 'talker_config\.text_config\.shared_expert_intermediate_size'/,
    );
    const narrowTalker = edited(['talker_config'], (t) => {
      t.thinker_hidden_size = 1024;
    });
    expect(inputErrorOf(() => read(narrowTalker)).message).toMatch(
      /'talker_config\.thinker_hidden_size' \(1024\) must equal the thinker text_config\.hidden_size \(2048\): the talker projects/,
    );
    const headless = edited(['thinker_config', 'text_config'], (t) => {
      delete t.head_dim;
      t.num_attention_heads = 24;
      t.num_key_value_heads = 4;
    });
    expect(inputErrorOf(() => read(headless)).message).toMatch(
      /'thinker_config\.text_config\.hidden_size' \(2048\) must be divisible by 'thinker_config\.text_config\.num_attention_heads' \(24\)/,
    );
  });

  it('is registered: qwen3_omni_moe reads through this family, not as a qwen3_moe lookalike', () => {
    const spec = specFromHfConfig(omni(), 'qwen3-omni-30b-a3b-instruct');
    expect(spec).toEqual(read(omni()));
    expect(spec.warnings ?? []).not.toContainEqual(expect.stringMatching(/not supported/));
  });
});
