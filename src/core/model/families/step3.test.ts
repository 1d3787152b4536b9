/**
 * StepFun Step3 (step3.ts), counted tensor by tensor from the modules vLLM's `step3_text.py` and
 * `step3_vl.py` build and load (the checkpoint's names: self_attn.q_proj / k_proj / v_proj /
 * inter_norm / wq / o_proj; moe.gate and the packed moe.gate_proj / up_proj / down_proj [E, …];
 * share_expert; vision_model, vit_downsampler, vit_downsampler2, vit_large_projector), against the
 * model card (stepfun-ai/Step3 README: 61 layers of which 5 dense, hidden 7168, MFA with a 2048
 * low-rank query, 64 heads of 256, 48 experts top-3 and one shared, "Total Parameters (LLM) 316B",
 * "Activated Params per Token 38B", "Total Parameters (VLM) 321B").
 *
 * The fixture (hand-built/step3.json) is a reconstruction, not the released bytes (neither
 * stepfun-ai/step3's nor step3-fp8's config.json is in reach):
 * - text_config: the release's values as NetX-lab/Frontier `data/config/models/step3-moe-noquant.json`
 *   copies them ("Frontier-normalized official Step3 text model config", stepfun-ai/step3 revision
 *   e2d67fc9), without the keys Frontier adds (use_mfa, num_key_value_heads, num_experts, …) and
 *   with Step3TextConfig's own `max_position_embedding` key; they equal Step3TextConfig's defaults.
 * - top level: Step3VLConfig's keys; `understand_projector_stride` 2, not the class default 1, since
 *   vLLM's Step3VLProcessor inserts 169 = 13² image tokens per 728-px thumbnail and 81 = 9² per
 *   504-px crop, which the two downsamplers give from 52² and 36² patches only with stride 2;
 *   `projector_bias` left to its default (true; 7,168 parameters either way).
 * - vision_config: Step3VisionEncoderConfig's defaults but `intermediate_size` 15360 for the class's
 *   3072: the EVA2-CLIP-E shape (63 × 1792, 16 heads, patch 14, MLP 15360, as CogVLM's vision_config
 *   writes it); with 3072 the VLM would hold 318.19B, with 15360 320.97B, the card's 321B.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { trainableParams } from '../adapters.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { specFromInput } from '../model-spec-schema.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import type { Family } from './readers.js';
import { step3Text, step3VlWrapper } from './step3.js';

const STEP3: Json = hfFixture('hand-built/step3');
const TEXT = STEP3.text_config as Json;
const familyOf = (t: string): Family | undefined => (t === 'step3_text' ? step3Text : undefined);
const read = (config: Json) => step3VlWrapper(familyOf)(new Fields(config, 'step3_vl'), 'step3');
const readText = (text: Json) => step3Text(new Fields(text, 'step3_text'), 'step3-text');
const withText = (overrides: Json): Json => ({ ...STEP3, text_config: { ...TEXT, ...overrides } });

/** Step3TextForCausalLM's tensors, as load_weights names them. */
function textTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const d = c.head_dim;
  const r = c.share_q_dim;
  const t = new Tensors();
  t.add([c.vocab_size, h], [h], [c.vocab_size, h]);
  const moe = new Set(String(c.moe_layers_enum).split(',').map(Number));
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h]);
    // q_proj, k_proj, v_proj, inter_norm, wq, o_proj.
    t.add([r, h], [d, h], [d, h], [r], [c.num_attention_heads * d, r], [h, c.num_attention_heads * d]);
    if (moe.has(i)) {
      const e = c.moe_intermediate_size;
      t.add([c.moe_num_experts, h]);
      t.experts(c.moe_num_experts, c.moe_top_k, [e, h], [e, h], [h, e]);
      t.add([c.share_expert_dim, h], [c.share_expert_dim, h], [h, c.share_expert_dim]);
    } else {
      t.add([c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
    }
  }
  return t;
}

/** vision_model, vit_downsampler, vit_downsampler2 and vit_large_projector (with its bias). */
function visionTensors(top: Cfg, textHidden: number): number {
  const v = top.vision_config;
  const h = v.hidden_size;
  const o = v.output_hidden_size;
  const grid = v.image_size / v.patch_size;
  const t = new Tensors();
  t.add([1, h], [h, v.num_channels, v.patch_size, v.patch_size], [h], [grid * grid + 1, h]);
  for (let i = 0; i < v.num_hidden_layers; i += 1) {
    t.add([h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h], [h], [h]);
    t.add([v.intermediate_size, h], [v.intermediate_size], [h, v.intermediate_size], [h], [h], [h]);
  }
  t.add([o, h, 2, 2], [o], [2 * o, o, 3, 3], [2 * o], [textHidden, 2 * o], [textHidden]);
  return t.total;
}

const h = 7168;
const layers = 61;

describe('step3_vl (Step3, 321B / 38B active)', () => {
  it('reads 61 MFA layers (64 query heads, one KV head of 256), dense layers 0–3 and 60, MoE 4–59 with one shared expert', () => {
    const spec = read(STEP3);
    expect(spec.modelType).toBe('step3_vl');
    expect(spec.numLayers).toBe(61);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 64,
      numKvHeads: 1,
      headDim: 256,
      qkvBias: false,
      outputBias: false,
      qkNorm: 'none',
      sinks: false,
      queryRank: 2048,
    });
    expect(spec.layers.flatMap((l, i) => (l.mlp === 'dense' ? [i] : []))).toEqual([0, 1, 2, 3, 60]);
    expect(spec.layers.every((l) => l.attention === 'full')).toBe(true);
    expect(spec.mlp).toEqual({ intermediateSize: 18_432, gated: true, bias: false });
    expect(spec.moe).toMatchObject({
      numExperts: 48,
      topK: 3,
      expertIntermediateSize: 5120,
      numSharedExperts: 1,
      sharedIntermediateSize: 5120,
      routerBias: false,
      routingGroups: null,
    });
    expect(spec.vocabSize).toBe(128_815);
    expect(spec.maxContextTokens).toBe(65_536);
    expect(spec.tieWordEmbeddings).toBe(false);
  });

  it('the modelling code holds 316,294,538,240 parameters (the card 316B), 38,841,328,640 active (38B)', () => {
    const t = textTensors(TEXT);
    expect(t.total).toBe(316_294_538_240);
    expect(t.total - t.inactive).toBe(38_841_328_640);
  });

  it('counts MFA exactly with its query rank: q_proj h → 2048, inter_norm, wq 2048 → 64 × 256; no warning', () => {
    const t = textTensors(TEXT);
    const spec = read(STEP3);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(t.total);
    expect(p.activeParams).toBe(t.total - t.inactive);
    expect(spec.warnings ?? []).toEqual([]);
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 1 });
    // q_proj, wq, k and v (one head each) and o.
    expect(f.breakdown.attentionProjections).toBe(
      layers * 2 * (h * 2048 + 2048 * 64 * 256 + 2 * h * 256 + 64 * 256 * h),
    );
  });

  it('caches one K and one V head of 256 a layer: 62,464 B a token at BF16, 3,904 MiB at 65,536 tokens', () => {
    const kv = kvCacheBytes(read(STEP3), 65_536, 'bf16');
    expect(kv.bytesPerSequence).toBe(layers * 2 * 256 * 2 * 65_536);
    expect(kv.bytesPerSequence).toBe(3904 * 2 ** 20);
  });

  it('counts the vision tower apart: 4,675,381,760 parameters, 320,969,920,000 with the LLM (the card 321B)', () => {
    const spec = read(STEP3);
    const vision = visionTensors(STEP3, h);
    expect(vision).toBe(4_675_381_760);
    expect(spec.vision!.params).toBe(vision);
    expect(paramCount(spec).visionParams).toBe(vision);
    expect(textTensors(TEXT).total + vision).toBe(320_969_920_000);
    // With Step3VisionEncoderConfig's default MLP (3072), the VLM would miss the card by 2.8B.
    const small = { ...STEP3, vision_config: { ...(STEP3.vision_config as Json), intermediate_size: 3072 } };
    expect(textTensors(TEXT).total + visionTensors(small, h)).toBe(318_194_613_760);
    expect(read(small).vision!.params).toBe(visionTensors(small, h));
    expect(read({ ...STEP3, projector_bias: false }).vision!.params).toBe(vision - h);
  });

  it('encodes a 728-px image as the processor does: a thumbnail (2,708 ViT tokens → 169) and four 504-px crops (1,300 → 81)', () => {
    const v = read(STEP3).vision!;
    expect(v.imageSize).toBe(728);
    expect(v.description).toBe(
      'Step3 ViT 63 × 1792, 728px, patch 14 (2704 patches → 169 tokens + 4 crops of 504px → 81 tokens each)',
    );
    const vh = 1792;
    const weights = 4 * vh * vh + 2 * vh * 15_360;
    const pass = (grid: number, side1: number, side2: number) => {
      const tokens = grid * grid + 4;
      return (
        2 * grid * grid * 3 * 14 * 14 * vh +
        63 * (2 * tokens * weights + 4 * vh * tokens * tokens) +
        2 * side1 * side1 * vh * 4 * 4096 +
        2 * side2 * side2 * (4096 * 9 * 8192 + 8192 * h)
      );
    };
    expect(v.flopsPerImage).toBe(pass(52, 26, 13) + 4 * pass(36, 18, 9));
    // Below 728 px the patcher takes no crops (determine_window_size returns 0).
    const small = read({ ...STEP3, vision_config: { ...(STEP3.vision_config as Json), image_size: 504 } });
    expect(small.vision!.flopsPerImage).toBe(pass(36, 18, 9));
  });

  it('step3_text reads alone as it does in the wrapper; class defaults fill what a config omits', () => {
    const alone = readText(TEXT);
    const wrapped = read(STEP3);
    expect(paramCount(alone).totalParams).toBe(paramCount(wrapped).totalParams);
    expect(alone.vision).toBeNull();
    expect(
      paramCount(readText({ model_type: 'step3_text', moe_layers_enum: TEXT.moe_layers_enum })).totalParams,
    ).toBe(paramCount(alone).totalParams);
    // Step3VLConfig builds the default Step3TextConfig when text_config is absent.
    const { text_config: _t, ...noText } = STEP3;
    expect(read(noText).layers.filter((l) => l.mlp === 'moe')).toHaveLength(60);
  });

  it('without moe_layers_enum every layer but the first is MoE, said; a list works; share_q_dim null ranks the query at head_dim', () => {
    const spec = read(withText({ moe_layers_enum: null }));
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(60).fill('moe')]);
    expect(spec.warnings!.at(-1)).toMatch(/no moe_layers_enum: every layer but the first is read as MoE/);
    expect(read(withText({ moe_layers_enum: [4, 5] })).layers.filter((l) => l.mlp === 'moe')).toHaveLength(2);
    expect(read(withText({ share_q_dim: null })).attention).toMatchObject({ queryRank: 256 });
  });

  it('names the field of a bad config', () => {
    const message = (config: Json) => inputErrorOf(() => read(config)).message;
    expect(message(withText({ num_attention_groups: 8 }))).toMatch(
      /text_config\.num_attention_groups' must be 1: Step3TextDecoderLayer builds one KV head/,
    );
    expect(message(withText({ moe_layers_enum: '4,61' }))).toMatch(
      /text_config\.moe_layers_enum' must list MoE layer indices from 0 to 60/,
    );
    expect(message(withText({ moe_layers_enum: '4,,5' }))).toMatch(/text_config\.moe_layers_enum/);
    expect(message(withText({ moe_top_k: 49 }))).toMatch(/text_config\.moe_top_k' \(49\) exceeds/);
    expect(message(withText({ share_q_dim: -1 }))).toMatch(/text_config\.share_q_dim/);
    const vision = (overrides: Json) => ({
      ...STEP3,
      vision_config: { ...(STEP3.vision_config as Json), ...overrides },
    });
    expect(message(vision({ num_attention_heads: 5 }))).toMatch(
      /vision_config\.hidden_size' \(1792\) must be divisible by 'vision_config\.num_attention_heads' \(5\)/,
    );
    expect(message(vision({ image_size: 20 }))).toMatch(
      /vision_config\.image_size' \(20\) must give at least 2 × 2/,
    );
    expect(message({ ...STEP3, understand_projector_stride: 0 })).toMatch(/understand_projector_stride/);
    const e = inputErrorOf(() => read(withText({ num_attention_groups: 8 })));
    expect(e.issues[0]!.path).toEqual(['text_config', 'num_attention_groups']);
  });

  it('a hand-written spec offers the query rank: parameters, FLOPs and LoRA on q follow q_proj h → r and wq r → heads·d', () => {
    const input = {
      name: 'mfa',
      vocabSize: 1000,
      hiddenSize: 512,
      numLayers: 4,
      maxContextTokens: 4096,
      attention: { kind: 'gqa', numHeads: 8, numKvHeads: 1, headDim: 64 },
      mlp: { intermediateSize: 1024 },
    };
    const full = specFromInput(input);
    const lowRank = specFromInput({ ...input, attention: { ...input.attention, queryRank: 128 } });
    // h·q against h·r + r (inter_norm) + r·q, per layer.
    expect(paramCount(full).totalParams - paramCount(lowRank).totalParams).toBe(
      4 * (512 * 512 - (512 * 128 + 128 + 128 * 512)),
    );
    const projections = (spec: typeof full) =>
      forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 100 }).breakdown
        .attentionProjections;
    expect(projections(full) - projections(lowRank)).toBe(4 * 2 * (512 * 512 - (512 * 128 + 128 * 512)));
    const lora = (spec: typeof full) => trainableParams(spec, { method: 'lora', rank: 8, targets: ['q'] });
    expect(lora(full)).toBe(4 * 8 * (512 + 512));
    expect(lora(lowRank)).toBe(4 * 8 * (512 + 128 + 128 + 512));
  });
});
