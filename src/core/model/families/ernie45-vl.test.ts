/**
 * ERNIE 4.5 VL MoE (ernie45-vl.ts). ERNIE-4.5-VL-28B-A3B and -424B-A47B counted tensor by tensor
 * from the modules of the release's remote code (`modeling_ernie4_5_vl.py`: Ernie4_5_DecoderLayer's
 * gate weight and weight_1, moe_statics [2, E], one expert list of text then vision experts, the
 * shared MLP; DFNRopeVisionTransformerPreTrainedModel; VariableResolutionResamplerModel), written
 * here from config.json and not through the reader, against the cards' "28B total, 3B activated"
 * and "424B total, 47B activated". transformers' native layout (`ernie4_5_vl_moe`) is checked on
 * NVIDIA Megatron-Bridge's toy config (`HF_ERNIE45_VL_MOE_TOY_MODEL_CONFIG`) and on the 28B config
 * nested as transformers' `convert_ernie4_5_vl_moe_to_hf.py` writes it. Fixture provenance: the
 * configs as saved from the Hub by hlky/dinoml_v2 @ 6b8c0acb (`agents/plans/transformers/
 * ernie4_5_vl_moe/_sources/`): the 28B one is ERNIE-4.5-VL-28B-A3B-Thinking's (the same bytes as
 * -Base-PT's), the 424B one ERNIE-4.5-VL-424B-A47B-Paddle's.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { ernie45Moe } from './ernie45.js';
import { ernie45MoeVl, ernie45VlMoe } from './ernie45-vl.js';
import { Fields } from './fields.js';

const vl28b = () => structuredClone(hfFixture('hand-built/ernie-4.5-vl-28b-a3b')) as Cfg;
const vl424b = () => structuredClone(hfFixture('hand-built/ernie-4.5-vl-424b-a47b')) as Cfg;
const read = (c: Cfg) => ernie45MoeVl(new Fields(c, 'ernie4_5_moe_vl'), 'ernie-vl');
const readNative = (c: Cfg) => ernie45VlMoe(new Fields(c, 'ernie4_5_vl_moe'), 'ernie-vl');
const list = (v: number | number[]): number[] => (Array.isArray(v) ? v : [v]);
/** A Linear [out, in] with its bias [out]; a LayerNorm's weight and bias. */
const lin = (out: number, inp: number): number[][] => [[out, inp], [out]];
const ln = (w: number): number[][] => [[w], [w]];

/** The DFNRope ViT (w wide, MLP i) and the resampler (s = w·m², temporal from s·t, out = text width). */
function towerTensors(
  t: Tensors,
  w: number,
  depth: number,
  i: number,
  s: number,
  st: number,
  out: number,
): void {
  t.add([w, 3 * 14 * 14]); // patch_embed.proj, no bias
  for (let b = 0; b < depth; b += 1)
    t.add(...ln(w), ...ln(w), ...lin(3 * w, w), ...lin(w, w), ...lin(i, w), ...lin(w, i));
  t.add(...ln(w)); // ln
  t.add(...lin(s, s), ...lin(s, s), ...ln(s)); // spatial_linear.0, .2, .3
  t.add(...lin(s, st), ...lin(s, s), ...ln(s)); // temporal_linear.0, .2, .3
  t.add(...lin(out, s), [out]); // mlp, after_norm
}

/**
 * The release's tensors, split as the spec counts them: `text` is what the total holds (embed_tokens,
 * lm_head unless tied, norms, q/k/v/o, the dense MLP, the gate's text weight and correction row, the
 * text experts and shared MLP); `apart` the ViT, resampler, gate weight_1, the vision correction row
 * and the vision experts.
 */
function vlTensors(c: Cfg): { text: Tensors; apart: Tensors } {
  const [h, n, kv] = [c.hidden_size, c.num_attention_heads, c.num_key_value_heads];
  const d = h / n;
  const e: number = list(c.moe_num_experts)[0] ?? 0;
  const [it, iv] = c.moe_intermediate_size;
  const is = it * (c.moe_num_shared_experts ?? 0);
  const start = Math.min(...list(c.moe_layer_start_index));
  const end =
    c.moe_layer_end_index === undefined ? c.num_hidden_layers - 1 : Math.max(...list(c.moe_layer_end_index));
  const [text, apart] = [new Tensors(), new Tensors()];
  text.add([c.vocab_size, h], [h], ...(c.tie_word_embeddings ? [] : [[c.vocab_size, h]]));
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    text.add([h], [h], [n * d, h], [kv * d, h], [kv * d, h], [h, n * d]);
    if ((i + 1) % c.moe_layer_interval !== 0 || i < start || i > end) {
      text.add([c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
      continue;
    }
    text.add([h, e], [e]); // mlp.gate.weight, e_score_correction_bias[0]
    text.experts(e, c.moe_k, [it, h], [it, h], [h, it]);
    if (is > 0) text.add([is, h], [is, h], [h, is]);
    // mlp.gate.weight_1, e_score_correction_bias[1] and the vision experts: held, idle for a text token.
    text.experts(1, 0, [h, e], [e]);
    text.experts(e, 0, [iv, h], [iv, h], [h, iv]);
  }
  const w = c.vision_config.embed_dim;
  towerTensors(apart, w, c.vision_config.depth, w * c.vision_config.mlp_ratio, 4 * w, 8 * w, h);
  return { text, apart };
}

/** The 28B config nested as transformers' convert_ernie4_5_vl_moe_to_hf.py writes it. */
function nativeOf(c: Cfg): Cfg {
  const start = Math.min(...c.moe_layer_start_index);
  const end = Math.max(...c.moe_layer_end_index);
  const types = Array.from({ length: c.num_hidden_layers }, (_, i) =>
    (i + 1) % c.moe_layer_interval === 0 && i >= start && i <= end ? 'sparse' : 'dense',
  );
  const keys = [
    'hidden_size',
    'intermediate_size',
    'max_position_embeddings',
    'moe_intermediate_size',
    'moe_k',
  ];
  const more = ['moe_num_shared_experts', 'num_attention_heads', 'num_hidden_layers', 'num_key_value_heads'];
  const text = Object.fromEntries(
    [...keys, ...more, 'vocab_size', 'tie_word_embeddings', 'use_bias'].map((k) => [k, c[k]]),
  );
  const v = c.vision_config;
  return {
    model_type: 'ernie4_5_vl_moe',
    text_config: {
      ...text,
      moe_num_experts: c.moe_num_experts[0],
      mlp_layer_types: types,
      hidden_act: 'silu',
    },
    vision_config: {
      depth: v.depth,
      hidden_size: v.hidden_size,
      num_heads: v.num_heads,
      in_channels: v.in_channels,
      patch_size: v.patch_size,
      spatial_merge_size: v.spatial_merge_size,
      intermediate_size: v.hidden_size * v.mlp_ratio,
      temporal_merge_size: c.temporal_conv_size,
    },
    image_token_id: c.im_patch_id,
  };
}

/** Megatron-Bridge `tests/functional_tests/test_groups/models/ernie_vl/test_ernie45_vl_conversion.py` @ 9d158678. */
const TOY: Cfg = {
  model_type: 'ernie4_5_vl_moe',
  tie_word_embeddings: true,
  text_config: {
    model_type: 'ernie4_5_vl_moe_text',
    ...{ vocab_size: 2048, hidden_size: 48, intermediate_size: 128, num_hidden_layers: 4 },
    ...{ num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 4096, use_bias: false },
    ...{ moe_intermediate_size: [64, 32], moe_k: 2, moe_num_experts: 4, moe_num_shared_experts: 2 },
    mlp_layer_types: ['dense', 'sparse', 'sparse', 'sparse'],
  },
  vision_config: {
    model_type: 'ernie4_5_vl_moe_vision',
    ...{ depth: 1, hidden_size: 48, num_heads: 4, in_channels: 3, patch_size: 14 },
    ...{ spatial_merge_size: 2, intermediate_size: 128, temporal_merge_size: 2 },
  },
};

describe('ernie4_5_moe_vl (ERNIE-4.5-VL-28B-A3B)', () => {
  it('reads a dense layer 0 then 27 MoE layers: 64 text experts of 1536 top-6 and 2 shared, 20/4 heads of 128, tied', () => {
    const spec = read(vl28b());
    expect(spec.modelType).toBe('ernie4_5_moe_vl');
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(27).fill('moe')]);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 20,
      numKvHeads: 4,
      headDim: 128,
      qkvBias: false,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 12_288, gated: true, bias: false });
    expect(spec.moe).toMatchObject({
      numExperts: 64,
      topK: 6,
      expertIntermediateSize: 1536,
      numSharedExperts: 2,
    });
    expect(spec.moe).toMatchObject({ sharedIntermediateSize: 1536, routerBias: true, expertBias: false });
    expect([spec.vocabSize, spec.tieWordEmbeddings, spec.maxContextTokens, spec.numMtpModules]).toEqual([
      103_424,
      true,
      131_072,
      0,
    ]);
    expect(spec.vision).toEqual({
      description: 'DFNRope ViT 32 × 1280, patch 14; resampler 2×2 and 2 frames → 2560',
      params: 630_433_280 + 144_225_280,
      patchSize: 14,
      imageSize: null,
      flopsPerImage: null,
    });
    expect(spec.moe?.modalityExperts).toEqual({ numExperts: 64, expertIntermediateSize: 512 });
    expect(spec.warnings).toEqual([
      "ernie4_5_moe_vl: active parameters and FLOPs are a text token's (6 of 64 text experts of 1,536, the shared experts); an image or video token runs 6 of the 64 vision experts of 512 instead, which every MoE layer holds beside the text experts (counted in the total, idle for text); LoRA on the experts counts the text experts' adapters",
    ]);
  });

  it('counts the tensors: 29,399,294,336 in all (28.62B decoder with both expert groups), 3,352,150,208 active for a text token', () => {
    const c = vl28b();
    const { text, apart } = vlTensors(c);
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(text.total);
    expect(p.activeParams).toBe(text.total - text.inactive);
    expect(p.visionParams).toBe(apart.total);
    expect(p.totalParams + p.visionParams).toBe(29_399_294_336);
    expect(p.activeParams).toBe(3_352_150_208);
    // The card's 28B is the decoder with both expert groups, without the ViT and resampler.
    expect(p.totalParams).toBe(28_624_635_776);
    expect(Math.round(p.totalParams / 1e9)).toBe(29);
    expect(Math.floor(p.activeParams / 1e9)).toBe(3);
    expect(p.visionParams).toBe(630_433_280 + 144_225_280);
    // The text path is ERNIE-4.5-21B-A3B's decoder (its MTP layer apart); the vision experts beside it:
    // 27 layers × (64 SwiGLU of 512 + weight_1 + the correction row).
    const text21b = ernie45Moe(new Fields(hfFixture('hand-built/ernie-4.5-21b-a3b'), 'ernie4_5_moe'), '21b');
    expect(p.totalParams - paramCount(text21b).totalParams).toBe(27 * (64 * 3 * 2560 * 512 + 2560 * 64 + 64));
    expect(p.activeParams).toBe(paramCount(text21b).activeParams);
  });

  it('KV cache and decode FLOPs of a text token: text gate, 6 text experts and the shared MLP on 27 layers', () => {
    const spec = read(vl28b());
    expect(kvCacheBytes(spec, 4096, 'bf16').bytesPerToken).toBe(28 * 2 * 4 * 128 * 2);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 4096 });
    expect(f.breakdown.attentionProjections).toBe(28 * 2 * (2 * 2560 * 2560 + 2 * 2560 * 512));
    expect(f.breakdown.denseMlp).toBe(2 * 3 * 2560 * 12_288);
    expect(f.breakdown.routedExperts).toBe(27 * 2 * 6 * 3 * 2560 * 1536);
    expect(f.breakdown.sharedExperts).toBe(27 * 2 * 3 * 2560 * 3072);
    expect(f.breakdown.router).toBe(27 * 2 * 64 * 2560);
    expect(f.breakdown.head).toBe(2 * 103_424 * 2560);
  });
});

describe('ernie4_5_moe_vl (ERNIE-4.5-VL-424B-A47B)', () => {
  it('reads 3 dense then 51 MoE layers (start 3, no end: the last), 64 experts of 3584 top-8, no shared, untied', () => {
    const spec = read(vl424b());
    expect(spec.layers.map((l) => l.mlp)).toEqual([...Array(3).fill('dense'), ...Array(51).fill('moe')]);
    expect(spec.attention).toMatchObject({ numHeads: 64, numKvHeads: 8, headDim: 128 });
    expect(spec.moe).toMatchObject({
      numExperts: 64,
      topK: 8,
      expertIntermediateSize: 3584,
      numSharedExperts: 0,
    });
    expect(spec.tieWordEmbeddings).toBe(false);
  });

  it('counts the tensors: 423,526,285,184 in all, 47,926,586,560 active; the text path is ERNIE-4.5-300B-A47B’s', () => {
    const c = vl424b();
    const { text, apart } = vlTensors({ ...c, moe_num_shared_experts: 0 });
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(text.total);
    expect(p.activeParams).toBe(text.total - text.inactive);
    expect(p.visionParams).toBe(apart.total);
    expect(p.totalParams + p.visionParams).toBe(423_526_285_184);
    expect(Math.round((p.totalParams + p.visionParams) / 1e9)).toBe(424);
    expect(p.activeParams).toBe(47_926_586_560);
    expect(Math.floor(p.activeParams / 1e9)).toBe(47);
    // 300B-A47B's text path (54 layers, 8192 wide, 3 dense of 28672, 51 × 64 experts of 3584, untied;
    // its MTP apart) and 123,238,616,256 of vision experts (64 of 1536 a layer, with their router rows).
    expect(p.totalParams).toBe(299_484_163_264 + 123_238_616_256);
    expect(read(c).warnings?.[0]).toMatch(/8 of the 64 vision experts of 1,536 instead/);
  });
});

describe('ernie4_5_vl_moe (transformers native layout)', () => {
  it('reads the 28B config as the converter nests it to the same model and counts', () => {
    const remote = read(vl28b());
    const native = readNative(nativeOf(vl28b()));
    expect(native.modelType).toBe('ernie4_5_vl_moe');
    expect({ ...native, modelType: '', warnings: [] }).toEqual({ ...remote, modelType: '', warnings: [] });
    expect(native.warnings?.[0]).toBe(remote.warnings?.[0]?.replace('ernie4_5_moe_vl', 'ernie4_5_vl_moe'));
  });

  it('counts the Megatron-Bridge toy tensor by tensor (text_moe and vision_moe gates, moe_statics [1, E] each)', () => {
    const t = TOY.text_config;
    const [h, d, e] = [48, 12, 4];
    const [text, apart] = [new Tensors(), new Tensors()];
    text.add([2048, h], [h]); // embed_tokens (lm_head tied), norm
    for (const type of t.mlp_layer_types) {
      text.add([h], [h], [4 * d, h], [2 * d, h], [2 * d, h], [h, 4 * d]);
      if (type === 'dense') text.add([128, h], [128, h], [h, 128]);
      else {
        text.add([e, h], [1, e], [128, h], [128, h], [h, 128]); // text_moe.gate, moe_statics; shared 2 × 64
        text.experts(e, 2, [2 * 64, h], [h, 64]); // gate_up_proj, down_proj
        text.experts(1, 0, [e, h], [1, e]);
        text.experts(e, 0, [2 * 32, h], [h, 32]);
      }
    }
    towerTensors(apart, 48, 1, 128, 4 * 48, 8 * 48, h);
    const p = paramCount(readNative(TOY));
    expect([p.totalParams, p.activeParams, p.visionParams]).toEqual([
      text.total,
      text.total - text.inactive,
      apart.total,
    ]);
    // No vision_config: Ernie4_5_VLMoeVisionConfig's defaults (32 × 1280).
    expect(readNative({ ...TOY, vision_config: undefined }).vision?.description).toMatch(
      /^DFNRope ViT 32 × 1280/,
    );
  });
});

describe('defaults and malformed fields', () => {
  it('follows Ernie4_5_VLMoEConfig’s defaults and the remote layer test', () => {
    const c = vl28b();
    for (const k of ['moe_layer_interval', 'moe_layer_end_index', 'moe_num_shared_experts']) delete c[k];
    const spec = read(c);
    // moe_layer_interval 2: odd layers; no shared experts; no end: the last layer.
    expect(spec.layers.map((l) => l.mlp)).toEqual(
      Array.from({ length: 28 }, (_, i) => (i % 2 ? 'moe' : 'dense')),
    );
    expect(spec.moe?.numSharedExperts).toBe(0);
    // One index, or one per modality: the smallest start, the largest end.
    const ranged = read({ ...vl28b(), moe_layer_start_index: [5, 2], moe_layer_end_index: [10, 20] });
    expect(ranged.layers.filter((l) => l.mlp === 'moe')).toHaveLength(19);
    expect(read({ ...vl28b(), moe_num_experts: 64 }).moe).toEqual(read(vl28b()).moe);
    // No temporal_linear: 52,433,920 + 26,219,520 + 10,240 fewer.
    const noTemporal = read({ ...vl28b(), use_temporal_conv: false }).vision?.params;
    expect(noTemporal).toBe(630_433_280 + 144_225_280 - 78_663_680);
    // num_nextn_predict_layers: not built, named.
    expect(read({ ...vl28b(), num_nextn_predict_layers: 1 }).warnings?.[1]).toMatch(
      /^ernie4_5_moe_vl: num_nextn_predict_layers \(1\) is not counted: Ernie4_5_VLMoeForConditionalGeneration builds no MTP layer/,
    );
    const dense = read({ ...vl28b(), moe_num_experts: [0, 0] });
    expect([dense.moe, dense.warnings, dense.vision?.params]).toEqual([
      null,
      undefined,
      630_433_280 + 144_225_280,
    ]);
  });

  it('refuses malformed fields, naming them', () => {
    const message = (c: Cfg) => inputErrorOf(() => read(c)).message;
    expect(message({ ...vl28b(), moe_intermediate_size: 1536 })).toMatch(
      /'moe_intermediate_size' must list two positive sizes \[text experts, vision experts\], got 1536/,
    );
    expect(message({ ...vl28b(), moe_num_experts: [64, 32] })).toMatch(
      /'moe_num_experts' \(\[64, 32\]\) must give both groups the same count/,
    );
    expect(message({ ...vl28b(), moe_num_experts: [64, 64, 64] })).toMatch(
      /'moe_num_experts' must be one count or a \[text, vision\] pair/,
    );
    expect(message({ ...vl28b(), moe_k: 65 })).toMatch(/'moe_k' \(65\) exceeds the number of experts \(64\)/);
    expect(message({ ...vl28b(), moe_layer_start_index: [] })).toMatch(
      /'moe_layer_start_index' must not be an empty list/,
    );
    expect(message({ ...vl28b(), pixel_hidden_size: 1152 })).toMatch(
      /'pixel_hidden_size' \(1152\) must equal the ViT width/,
    );
    expect(message({ ...vl28b(), use_bias: true })).toMatch(
      /'use_bias' true with shared experts is not supported/,
    );
    const { vision_config: _, ...noVision } = vl28b();
    expect(message(noVision)).toMatch(/'vision_config' is required/);
    const tower = inputErrorOf(() =>
      read({ ...vl28b(), vision_config: { ...vl28b().vision_config, hidden_size: 3584 } }),
    );
    expect(tower.issues[0]?.path).toEqual(['vision_config', 'hidden_size']);
    expect(tower.message).toMatch(/'vision_config.hidden_size' \(3584\) must equal embed_dim \(1280\)/);
    const types = inputErrorOf(() =>
      readNative({ ...TOY, text_config: { ...TOY.text_config, mlp_layer_types: ['dense'] } }),
    );
    expect(types.issues[0]?.path).toEqual(['text_config', 'mlp_layer_types']);
    const sizes = inputErrorOf(() =>
      readNative({ ...TOY, text_config: { ...TOY.text_config, moe_intermediate_size: [64] } }),
    );
    expect(sizes.message).toMatch(/'text_config.moe_intermediate_size' must list two positive sizes/);
  });
});
