/**
 * Phi-4-multimodal (`phi4mm`, `phi4_multimodal`), phi4mm.ts: the release counted tensor by tensor from
 * the modules of transformers' `modeling_phi4_multimodal.py` (whose converter maps the release's
 * `modeling_phi4mm.py` tensors onto them one for one, refusing a leftover one, LoRA aside, or a missing
 * one but the tied lm_head) and PEFT's LoRA layers (the release's vision and speech adapters), written here from
 * config.json and not through the reader, against the Hub's safetensors count of
 * microsoft/Phi-4-multimodal-instruct (5.57B, as the model page shows it; not read from a stored copy
 * here). The text model is Phi-4-mini's (3.8B in its report).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { phi4Multimodal, phi4mm } from './phi4mm.js';

const release = () => structuredClone(hfFixture('hand-built/phi-4-multimodal-instruct')) as Cfg;
const readRelease = (c: Cfg) => phi4mm(new Fields(c, 'phi4mm'), 'phi-4-multimodal-instruct');
const readPort = (c: Cfg) => phi4Multimodal(new Fields(c, 'phi4_multimodal'), 'phi-4-multimodal-instruct');

/**
 * The release's config as convert_phi4_multimodal_weights_to_hf.py's convert_config writes the port's:
 * remote-code keys and the LoRA blocks dropped, `embd_layer` down to `crop_size` and `downsample_rate`,
 * `audio_processor.config` renamed (attention_dim → hidden_size, attention_heads → num_attention_heads,
 * linear_units → intermediate_size, nemo_conv_settings.conv_channels → nemo_conv_channels,
 * relative_attention_bias_args.t5_bias_max_distance → bias_max_distance), the second EOS added.
 */
function toPort(c: Cfg): Cfg {
  const { embd_layer, audio_processor, vision_lora: _v, speech_lora: _s, auto_map: _m, ...rest } = c;
  for (const k of ['architectures', 'transformers_version', '_attn_implementation']) delete rest[k];
  const a = { ...audio_processor.config };
  for (const k of [
    'activation_checkpointing',
    'cnn_layer_norm',
    'input_layer',
    'batch_norm',
    'encoder_embedding_config',
    'ext_pw_kernel_size',
    'bias_in_glu',
    'causal',
  ])
    delete a[k];
  const renames = {
    attention_dim: 'hidden_size',
    attention_heads: 'num_attention_heads',
    linear_units: 'intermediate_size',
  };
  for (const [from, to] of Object.entries(renames)) {
    a[to] = a[from];
    delete a[from];
  }
  a.nemo_conv_channels = a.nemo_conv_settings.conv_channels;
  a.bias_max_distance = a.relative_attention_bias_args.t5_bias_max_distance;
  delete a.nemo_conv_settings;
  delete a.relative_attention_bias_args;
  return {
    ...rest,
    model_type: 'phi4_multimodal',
    eos_token_id: [199_999, 200_020],
    audio_config: { ...a, downsample_rate: embd_layer.audio_embd_layer.downsample_rate },
    vision_config: { crop_size: embd_layer.image_embd_layer.crop_size },
  };
}

/**
 * model: embed_tokens [V, h] (lm_head tied), norm [h]; per layer input_layernorm and
 * post_attention_layernorm [h], self_attn.qkv_proj [(H + 2K)·d, h], o_proj [h, H·d], mlp.gate_up_proj
 * [2I, h], down_proj [h, I], no biases.
 */
function textTensors(c: Cfg): number {
  const h = c.hidden_size;
  const d = h / c.num_attention_heads;
  const q = c.num_attention_heads * d;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h]);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [q + 2 * c.num_key_value_heads * d, h], [h, q]);
    t.add([2 * c.intermediate_size, h], [h, c.intermediate_size]);
  }
  return t.total;
}

/**
 * embed_tokens_extend.image_embed (SigLIP-so400m at 448, patch 14, text width `th`):
 * img_processor.embeddings.patch_embedding [1152, 3, 14, 14] + [1152], position_embedding [1024, 1152];
 * per encoder layer layer_norm1/2 [1152] × 2 each, self_attn q/k/v/out_proj [1152, 1152] + [1152],
 * mlp.fc1 [4304, 1152] + [4304], fc2 [1152, 4304] + [1152]; post_layernorm [1152] × 2; head.probe
 * [1, 1, 1152], head.attention.in_proj_weight [3456, 1152] + in_proj_bias [3456], out_proj [1152, 1152]
 * + [1152], head.layernorm [1152] × 2, head.mlp fc1/fc2; img_projection_up [th, 1152] + [th],
 * img_projection_down [th, th] + [th]; global_img_feature_extensor [1, 1, 1152],
 * sub_img_feature_extensor [1, 1, 1, 1152].
 */
function visionTensors(th: number): number {
  const h = 1152;
  const i = 4304;
  const t = new Tensors();
  const mlp = () => t.add([i, h], [i], [h, i], [h]);
  t.add([h, 3, 14, 14], [h], [1024, h]);
  for (let l = 0; l < 27; l += 1) {
    t.add([h], [h], [h], [h]);
    for (let p = 0; p < 4; p += 1) t.add([h, h], [h]);
    mlp();
  }
  t.add([h], [h], [1, 1, h], [3 * h, h], [3 * h], [h, h], [h], [h], [h]);
  mlp();
  t.add([th, h], [th], [th, th], [th], [1, 1, h], [1, 1, 1, h]);
  return t.total;
}

/**
 * embed_tokens_extend.audio_embed (Conformer 24 × 1024, FFN 1536, 16 heads, 80 mels, 8× subsampling of
 * 1024 channels, bias distance `distance`): encoder.encoder_embedding.global_mean and global_invstd [80]
 * (buffers); encoder.embed.conv.0 [1024, 1, 3, 3] + [1024], conv.2 and conv.5 [1024, 1, 3, 3] + [1024],
 * conv.3 and conv.6 [1024, 1024, 1, 1] + [1024], embed.out [1024, 1024·10] + [1024] (80 mels → 40 → 20
 * → 10); relative_attention_bias_layer.bias_values [2·distance, 16]; per block feed_forward_in and _out
 * (layer_norm [1024] × 2, gate_up_proj [3072, 1024] + [3072], down_proj [1024, 1536] + [1024]),
 * self_attn q/k/v/o_proj [1024, 1024] + [1024], conv (layer_norm, glu.ext_pw_conv_1d [2048, 1024, 1] +
 * [2048], glu.b1 and b2 [1, 1024, 1], dw_sep_conv_1d.dw_conv [1024, 1, 3] + [1024], pw_conv
 * [1024, 1024, 1] + [1024], ext_pw_conv_1d [1024, 1024, 1] + [1024]), layer_norm_att and layer_norm;
 * up_proj_for_speech / _for_vision_speech [th, 1024] + [th], down_proj_for_* [th, th] + [th].
 */
function audioTensors(th: number, distance: number): number {
  const h = 1024;
  const t = new Tensors();
  t.add([80], [80], [h, 1, 3, 3], [h]);
  for (let s = 0; s < 2; s += 1) t.add([h, 1, 3, 3], [h], [h, h, 1, 1], [h]);
  t.add([h, h * 10], [h], [2 * distance, 16]);
  const ffn = () => t.add([h], [h], [2 * 1536, h], [2 * 1536], [h, 1536], [h]);
  for (let b = 0; b < 24; b += 1) {
    ffn();
    for (let p = 0; p < 4; p += 1) t.add([h, h], [h]);
    t.add([h], [h], [2 * h, h, 1], [2 * h], [1, h, 1], [1, h, 1]);
    t.add([h, 1, 3], [h], [h, h, 1], [h], [h, h, 1], [h]);
    ffn();
    t.add([h], [h], [h], [h]);
  }
  for (let p = 0; p < 2; p += 1) t.add([th, h], [th], [th, th], [th]);
  return t.total;
}

/**
 * One PEFT adapter of rank r: per decoder layer lora_A [r, in] and lora_B [out, r] on qkv_proj
 * (3072 → 5120), o_proj (3072 → 3072), gate_up_proj (3072 → 16384) and down_proj (8192 → 3072).
 */
function loraTensors(r: number): number {
  const t = new Tensors();
  for (let l = 0; l < 32; l += 1) {
    for (const [inputs, outputs] of [
      [3072, 5120],
      [3072, 3072],
      [3072, 16_384],
      [8192, 3072],
    ] as const)
      t.add([r, inputs], [outputs, r]);
  }
  return t.total;
}

describe('phi4mm (microsoft/Phi-4-multimodal-instruct, the release’s remote code)', () => {
  it('reads the Phi-4-mini decoder: 32 layers, 24/8 heads of 128, fused projections, tied', () => {
    const spec = readRelease(release());
    expect(spec.modelType).toBe('phi4mm');
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 24,
      numKvHeads: 8,
      headDim: 128,
      qkvBias: false,
      fusedQkv: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 8192, gated: true, bias: false, fusedGateUp: true });
    expect(spec.hiddenSize).toBe(3072);
    expect(spec.vocabSize).toBe(200_064);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.maxContextTokens).toBe(131_072);
    // sliding_window 262144 (past the context): every layer slides, as Phi-4-mini's.
    expect(spec.slidingWindow).toBe(262_144);
    expect(spec.layers).toEqual(Array(32).fill({ attention: 'sliding', mlp: 'dense' }));
    expect(spec.warnings).toBeUndefined();
    expect(spec.vision?.description).toBe(
      'SigLIP 27 × 1152, patch 14, 448px crops + a global view, each 2×2-pooled to 16×16 with row separators (545 tokens for a 448px image), projector 1152 → 3072 → 3072; with the vision LoRA (r 256, 369,098,752) on the decoder, run for every token of a request with an image (its FLOPs not counted)',
    );
    expect(spec.audio?.description).toBe(
      'Conformer 24 × 1024, 16 heads, 8× conv subsampling; speech and vision-speech projectors 1024 → 3072 → 3072; with the speech LoRA (r 320, 461,373,440) on the decoder, run for every token of an audio-only request (its FLOPs not counted)',
    );
  });

  it('text 3,836,021,760 + vision 810,648,768 + audio 927,789,856 = 5,574,460,384 (the Hub’s 5.57B)', () => {
    const c = release();
    const p = paramCount(readRelease(c));
    expect(p.totalParams).toBe(textTensors(c));
    expect(p.totalParams).toBe(3_836_021_760);
    // Tower 428,565,440 + projector and separators 12,984,576, + the vision LoRA 369,098,752.
    expect(loraTensors(256)).toBe(369_098_752);
    expect(p.visionParams).toBe(visionTensors(3072) + loraTensors(256));
    expect(p.visionParams).toBe(441_550_016 + 369_098_752);
    // Encoder 441,238,304 (160 of them buffers) + projectors 25,178,112, + the speech LoRA 461,373,440.
    expect(loraTensors(320)).toBe(461_373_440);
    expect(p.audioParams).toBe(audioTensors(3072, 500) + loraTensors(320));
    expect(p.audioParams).toBe(466_416_416 + 461_373_440);
    const all = p.totalParams + p.visionParams + p.audioParams!;
    expect(all).toBe(5_574_460_384);
    expect(all / 1e9).toBeCloseTo(5.57, 2);
    // Without the adapters: 4,743,988,192, what the converter writes to the port's model.safetensors.
    expect(all - loraTensors(256) - loraTensors(320)).toBe(4_743_988_192);
  });

  it('FLOPs of a 448px image: the global view and one crop through the tower, 545 tokens projected', () => {
    const [h, i, n] = [1152, 4304, 1024];
    const crop =
      2 * n * 3 * 14 * 14 * h +
      27 * (2 * n * (4 * h * h + 2 * h * i) + 4 * h * n * n) +
      2 * (2 * n + 2) * h * h +
      4 * h * n +
      4 * h * i;
    const spec = readRelease(release());
    expect(spec.vision).toMatchObject({ patchSize: 14, imageSize: 448 });
    expect(spec.vision?.flopsPerImage).toBe(2 * crop + 2 * 545 * (h * 3072 + 3072 * 3072));
    expect(spec.vision?.flopsPerImage).toBe(1_972_513_751_040);
  });

  it('KV cache: K and V of 8 heads × 128 on 32 layers, 128 KiB per token at BF16', () => {
    expect(kvCacheBytes(readRelease(release()), 4096, 'bf16').bytesPerToken).toBe(32 * 2 * 8 * 128 * 2);
  });

  it('reads the adapters’ ranks from vision_lora.r, speech_lora.r; names a pattern not the release’s', () => {
    const c = release();
    c.vision_lora.r = 128;
    c.speech_lora.layer = 'layers.*self_attn\\.qkv_proj';
    const spec = readRelease(c);
    expect(spec.vision?.params).toBe(441_550_016 + loraTensors(128));
    expect(spec.audio?.params).toBe(466_416_416 + loraTensors(320));
    expect(spec.warnings).toEqual([
      "phi4mm: speech_lora.layer (\"layers.*self_attn\\\\.qkv_proj\") is not the release's pattern; llmecon counts the adapter on every decoder layer's qkv_proj, o_proj, gate_up_proj and down_proj, as the release's selects",
    ]);
  });

  it('refuses malformed or unbuilt fields, naming their path', () => {
    const heads = release();
    heads.audio_processor.config.attention_heads = 15;
    const e = inputErrorOf(() => readRelease(heads));
    expect(e.issues[0]?.path).toEqual(['audio_processor', 'config', 'attention_heads']);
    expect(e.message).toMatch(
      /'audio_processor\.config\.attention_heads' \(15\) must divide attention_dim \(1024\)/,
    );
    const rank = release();
    rank.vision_lora.r = 0;
    expect(inputErrorOf(() => readRelease(rank)).issues[0]?.path).toEqual(['vision_lora', 'r']);
    const missing = release();
    delete missing.speech_lora;
    expect(inputErrorOf(() => readRelease(missing)).message).toMatch(
      /'speech_lora' must be an object: Phi4MMForCausalLM asserts it/,
    );
    const projection = release();
    projection.embd_layer.image_embd_layer.projection_cls = 'linear';
    expect(inputErrorOf(() => readRelease(projection)).message).toMatch(
      /'embd_layer\.image_embd_layer\.projection_cls' is "linear"; llmecon counts only the "mlp" build/,
    );
    const glu = release();
    glu.audio_processor.config.ext_pw_out_channel = 512;
    expect(inputErrorOf(() => readRelease(glu)).message).toMatch(
      /'audio_processor\.config\.ext_pw_out_channel' \(512\) must equal attention_dim \(1024\)/,
    );
    const crop = release();
    crop.embd_layer.image_embd_layer.crop_size = 7;
    expect(inputErrorOf(() => readRelease(crop)).issues[0]?.path).toEqual([
      'embd_layer',
      'image_embd_layer',
      'crop_size',
    ]);
    const bias = release();
    bias.audio_processor.config.relative_attention_bias_args.type = 'alibi';
    expect(inputErrorOf(() => readRelease(bias)).issues[0]?.path).toEqual([
      'audio_processor',
      'config',
      'relative_attention_bias_args',
      'type',
    ]);
  });
});

describe('phi4_multimodal (transformers’ port of the same release)', () => {
  it('the converter’s config reads as the release’s, adapters at the release’s ranks', () => {
    const port = readPort(toPort(release()));
    const remote = readRelease(release());
    expect(port.modelType).toBe('phi4_multimodal');
    expect({ ...port, modelType: 'phi4mm' }).toEqual(remote);
    expect(paramCount(port).audioParams).toBe(audioTensors(3072, 500) + loraTensors(320));
  });

  it('follows the configuration classes on omitted keys', () => {
    // No vision_config: Phi4MultimodalVisionConfig() is the release's tower at 448px crops.
    const { vision_config: _v, ...noVision } = toPort(release());
    expect(readPort(noVision).vision).toEqual(readPort(toPort(release())).vision);
    // No audio_config: bias_max_distance 1000, twice the release's 500 rows.
    const { audio_config: _a, ...noAudio } = toPort(release());
    expect(readPort(noAudio).audio?.params).toBe(audioTensors(3072, 1000) + loraTensors(320));
    // num_attention_heads omitted: Phi4MultimodalConfig's 32 (head_dim 96).
    const sparse = toPort(release());
    delete sparse.num_attention_heads;
    expect(readPort(sparse).attention).toMatchObject({ numHeads: 32, numKvHeads: 8, headDim: 96 });
    // The correctly spelt depthwise key of newer configuration classes is read too.
    const spelt = toPort(release());
    spelt.audio_config.depthwise_separable_out_channel = 512;
    delete spelt.audio_config.depthwise_seperable_out_channel;
    expect(inputErrorOf(() => readPort(spelt)).message).toMatch(
      /'audio_config\.depthwise_seperable_out_channel' \(512\) must equal hidden_size \(1024\)/,
    );
  });

  it('refuses malformed fields, naming their path', () => {
    const reduction = toPort(release());
    reduction.audio_config.time_reduction = 6;
    const e = inputErrorOf(() => readPort(reduction));
    expect(e.issues[0]?.path).toEqual(['audio_config', 'time_reduction']);
    expect(e.message).toMatch(/'audio_config\.time_reduction' \(6\) must be a power of 2/);
    const heads = toPort(release());
    heads.vision_config.num_attention_heads = 7;
    expect(inputErrorOf(() => readPort(heads)).message).toMatch(
      /'vision_config\.num_attention_heads' \(7\) must divide hidden_size \(1152\)/,
    );
    const notObject = toPort(release());
    notObject.audio_config = 'conformer';
    expect(inputErrorOf(() => readPort(notObject)).message).toMatch(/'audio_config' must be an object/);
  });

  it('both spellings are registered: each model_type reads through its family, no fallback', () => {
    for (const [config, read] of [
      [release(), readRelease],
      [toPort(release()), readPort],
    ] as const) {
      const spec = specFromHfConfig(config, 'registered');
      expect(spec.warnings ?? []).not.toContainEqual(expect.stringMatching(/not supported/));
      const [p, q] = [paramCount(spec), paramCount(read(config))];
      expect([p.totalParams, p.visionParams, p.audioParams]).toEqual([
        q.totalParams,
        q.visionParams,
        q.audioParams,
      ]);
    }
  });
});
