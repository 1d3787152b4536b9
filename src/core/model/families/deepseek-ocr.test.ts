/**
 * DeepSeek-OCR (`deepseek_vl_v2` with `architectures` DeepseekOCRForCausalLM; deepseek-ocr.ts and the
 * deepseek_vl_v2 family in vlm-wrappers.ts). Every tensor is counted here from the modules the
 * checkpoint code builds (vLLM `deepencoder.py` / `deepseek_ocr.py`, not through the reader), and the
 * sum is checked against the released checkpoint's tensor inventory. Fixture provenance:
 * test/fixtures/hf-configs/README.md (hand-built/deepseek-ocr.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Cfg, headAndEmbedding, swiglu, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { InputError } from '../../errors.js';
import { kvElementsPerTokenPerLayer } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';
import { deepseekVl2Family } from './vlm-wrappers.js';

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/deepseek-ocr.json', import.meta.url),
      'utf8',
    ),
  );
const familyOf = (t: string): Family | undefined =>
  Object.hasOwn(FAMILIES, t) ? (FAMILIES as Record<string, Family>)[t] : undefined;
const read = (c: Cfg) => deepseekVl2Family(familyOf)(new Fields(c, 'deepseek_vl_v2'), 'deepseek-ocr');
const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (shapes: number[][]) => shapes.reduce((a, s) => a + prod(s), 0);
/** A Linear [out, in] with its bias [out]. */
const lin = (out: number, inp: number): number[][] => [[out, inp], [out]];
const ln = (w: number): number[][] => [[w], [w]];

/**
 * `model.sam_model.*` (ImageEncoderViT of build_sam_vit_b): patch_embed.proj [768, 3, 16, 16] + bias,
 * pos_embed [1, 64, 64, 768]; per block norm1, attn.qkv [2304, 768] + bias, attn.proj + bias,
 * attn.rel_pos_h and _w [2·14 − 1, 64] (windowed) or [2·64 − 1, 64] (blocks 2, 5, 8, 11), norm2,
 * mlp.lin1 [3072, 768] + bias, lin2 + bias; neck.0 [256, 768, 1, 1], neck.1, neck.2 [256, 256, 3, 3],
 * neck.3; net_2 [512, 256, 3, 3], net_3 [1024, 512, 3, 3].
 */
function sam(): number {
  const h = 768;
  const block = (span: number) =>
    sum([...ln(h), ...lin(3 * h, h), ...lin(h, h), [2 * span - 1, 64], [2 * span - 1, 64], ...ln(h)]) +
    sum([...lin(4 * h, h), ...lin(h, 4 * h)]);
  const blocks = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) =>
    block([2, 5, 8, 11].includes(i) ? 64 : 14),
  );
  return (
    sum([[h, 3, 16, 16], [h], [1, 64, 64, h]]) +
    blocks.reduce((a, b) => a + b, 0) +
    sum([[256, h, 1, 1], [256], [256], [256, 256, 3, 3], [256], [256]]) +
    sum([
      [512, 256, 3, 3],
      [1024, 512, 3, 3],
    ])
  );
}

/**
 * `model.vision_model.*` (DeepCLIPVisionTransformer, CLIPVisionConfig 1024 / 4096 / 24 layers / 224
 * px / patch 14): embeddings.class_embedding [1024], patch_embedding [1024, 3, 14, 14],
 * position_embedding [257, 1024]; pre_layrnorm; per layer layer_norm1, self_attn.qkv_proj [3072,
 * 1024] + bias, out_proj + bias, layer_norm2, mlp.fc1 [4096, 1024] + bias, fc2 + bias.
 */
function clip(): number {
  const w = 1024;
  const layer = sum([...ln(w), ...lin(3 * w, w), ...lin(w, w), ...ln(w), ...lin(4 * w, w), ...lin(w, 4 * w)]);
  return sum([[w], [w, 3, 14, 14], [257, w], ...ln(w)]) + 24 * layer;
}

/** `model.projector.layers` [1280, 2048] + bias; `model.image_newline`, `model.view_seperator` [1280]. */
const projector = () => sum([...lin(1280, 2048), [1280], [1280]]);

/**
 * The language model (DeepseekV2ForCausalLM with use_mla false: LlamaAttention q/k/v/o [1280, 1280],
 * no bias): embed_tokens and an untied lm_head [129280, 1280], norm; per layer input_layernorm,
 * post_attention_layernorm, the attention; layer 0 a SwiGLU of 6848; layers 1–11 the router
 * [64, 1280], 64 experts of gate/up [896, 1280] and down [1280, 896] (6 per token) and
 * shared_experts of 2 × 896.
 */
function language(c: Cfg): Tensors {
  const h = c.hidden_size;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [h, h], [h, h], [h, h], [h, h]);
    if (i < c.first_k_dense_replace) swiglu(t, h, c.intermediate_size);
    else {
      t.add([c.n_routed_experts, h]);
      const m = c.moe_intermediate_size;
      t.experts(c.n_routed_experts, c.num_experts_per_tok, [m, h], [m, h], [h, m]);
      swiglu(t, h, c.n_shared_experts * m);
    }
  }
  return t;
}

/**
 * Forward FLOPs of one 1024 px view, 2 per multiply-add: SAM's patch conv over 64² patches; per
 * block qkv and proj over its tokens (windowed blocks pad 64 to 70: 25 windows of 14²), Q·Kᵀ and
 * softmax·V within each window, the rel-pos einsums (2·2·768 per query and row) and the MLP over
 * the 64² patches; the neck (1×1, 3×3) over 64², net_2 over 32², net_3 over 16²; CLIP's 24 layers
 * over 16² + 1 tokens; the projector over 16² tokens.
 */
function flopsAt1024(): number {
  const [h, p] = [768, 64 * 64];
  const attention = (tokens: number, span: number) =>
    2 * tokens * 4 * h * h + (tokens / span ** 2) * 4 * h * span ** 4 + 4 * h * tokens * span;
  const mlp = 2 * p * 2 * h * 3072;
  const samFlops =
    2 * p * 768 * h +
    8 * (attention(70 * 70, 14) + mlp) +
    4 * (attention(p, 64) + mlp) +
    2 * p * (h * 256 + 9 * 256 * 256);
  const convs = 2 * 32 * 32 * 9 * 256 * 512 + 2 * 16 * 16 * 9 * 512 * 1024;
  const w = 1024;
  const clipFlops = 24 * (2 * 257 * (4 * w * w + 2 * w * 4 * w) + 4 * w * 257 * 257);
  return samFlops + convs + clipFlops + 2 * 256 * 2048 * 1280;
}

describe('DeepSeek-OCR (deepseek_vl_v2, DeepseekOCRForCausalLM)', () => {
  it('the DeepEncoder and projector, tensor by tensor: 95,569,152 + 303,177,728 + 2,625,280', () => {
    expect([sam(), clip(), projector()]).toEqual([95_569_152, 303_177_728, 2_625_280]);
    expect(read(fixture()).vision).toEqual({
      description:
        'DeepEncoder: SAM ViT 12 × 768, 1024px, patch 16, window 14 (4 global) + convs 512, 1024 → CLIP 24 × 1024 (4096 patches → 256 tokens)',
      params: sam() + clip() + projector(),
      patchSize: 16,
      imageSize: 1024,
      flopsPerImage: flopsAt1024(),
    });
    expect(flopsAt1024()).toBe(1_139_967_033_344);
  });

  it('the language model: MHA without MLA (10 heads of 128, KV 2·10·128 per layer), dense layer 0, MoE 1–11', () => {
    const c = fixture();
    const spec = read(c);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 10, numKvHeads: 10, headDim: 128 });
    expect(kvElementsPerTokenPerLayer(spec)).toBe(2 * 10 * 128);
    expect(spec.layers.map((l) => l.mlp)).toEqual(['dense', ...Array(11).fill('moe')]);
    const t = language(c.language_config);
    const p = paramCount(spec);
    expect([p.totalParams, p.activeParams]).toEqual([t.total, t.total - t.inactive]);
    expect([p.totalParams, p.activeParams]).toEqual([2_934_734_080, 739_605_760]);
    expect(spec.warnings ?? []).toEqual([]);
  });

  it("3,336,106,240 in all, the checkpoint's tensor inventory; ~570M active without the embedding lookup", () => {
    // The model-info report quoting deepseek-ai/DeepSeek-OCR's config.json lists its one safetensors
    // file: "参数总量: 3,336,106,240". The paper names the decoder DeepSeek3B-MoE-A570M.
    const p = paramCount(read(fixture()));
    expect(p.totalParams + p.visionParams).toBe(3_336_106_240);
    expect(Math.round((p.activeParams - 129_280 * 1280) / 1e7) * 10).toBe(570);
  });

  it('FLOPs follow vision_config.image_size (the global view); parameters do not', () => {
    const c = fixture();
    const small = read({ ...c, vision_config: { ...c.vision_config, image_size: 640 } }).vision;
    expect(small?.params).toBe(read(c).vision?.params);
    expect(small?.imageSize).toBe(640);
    // 40² patches → 20² → 10² tokens; windows pad 40 to 42; CLIP over 10² + 1.
    const [h, p, w] = [768, 40 * 40, 1024];
    const attention = (tokens: number, span: number) =>
      2 * tokens * 4 * h * h + (tokens / span ** 2) * 4 * h * span ** 4 + 4 * h * tokens * span;
    const mlp = 2 * p * 2 * h * 3072;
    expect(small?.flopsPerImage).toBe(
      2 * p * 768 * h +
        8 * (attention(42 * 42, 14) + mlp) +
        4 * (attention(p, 40) + mlp) +
        2 * p * (h * 256 + 9 * 256 * 256) +
        2 * 20 * 20 * 9 * 256 * 512 +
        2 * 10 * 10 * 9 * 512 * 1024 +
        24 * (2 * 101 * (4 * w * w + 8 * w * w) + 4 * w * 101 * 101) +
        2 * 100 * 2048 * 1280,
    );
  });

  it('refuses by name what DeepseekOCRForCausalLM cannot be built from', () => {
    const c = fixture();
    const towers = c.vision_config.width;
    const withTower = (key: string, v: Cfg) => ({
      ...c,
      vision_config: { ...c.vision_config, width: { ...towers, [key]: { ...towers[key], ...v } } },
    });
    const cases: [Cfg, RegExp][] = [
      [
        withTower('sam_vit_b', { downsample_channels: [512, 768] }),
        /'vision_config\.width\.sam_vit_b\.downsample_channels' ends in 768, but CLIP takes/,
      ],
      [withTower('sam_vit_b', { downsample_channels: [512] }), /sam_vit_b\.downsample_channels' must be two/],
      [withTower('sam_vit_b', { heads: 7 }), /'vision_config\.width\.sam_vit_b\.heads' \(7\) must divide/],
      [withTower('clip-l-14-224', { heads: 5 }), /'vision_config\.width\.clip-l-14-224\.heads' \(5\) must/],
      [
        withTower('clip-l-14-224', { patch_size: 300 }),
        /clip-l-14-224\.image_size' \(224\) must be at least/,
      ],
      [
        { ...c, vision_config: { ...c.vision_config, width: 1024 } },
        /'vision_config\.width' must be an object/,
      ],
      [
        { ...c, vision_config: { ...c.vision_config, width: {} } },
        /'vision_config\.width\.sam_vit_b' is required/,
      ],
      [
        { ...c, vision_config: { ...c.vision_config, image_size: 8 } },
        /'vision_config\.image_size' \(8\) must be/,
      ],
      [{ ...c, vision_config: undefined }, /'vision_config' is required: the DeepEncoder/],
      [
        { ...c, projector_config: { ...c.projector_config, input_dim: 1024 } },
        /'projector_config\.input_dim' \(1024\) must equal vision_config's output, 2048 features/,
      ],
      [{ ...c, tile_tag: '1D' }, /'tile_tag' is '1D'/],
    ];
    for (const [config, message] of cases) expect(inputErrorOf(() => read(config)).message).toMatch(message);
  });

  it('every field, nested or not, set to a hostile value reads to safe counts or an InputError naming a field', () => {
    const config = fixture();
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      paths.push(path);
      if (v && typeof v === 'object' && !Array.isArray(v))
        for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    for (const [k, v] of Object.entries(config)) walk(v, [k]);
    const values: unknown[] = [0, -1, 1, 2.5, 7, 1e300, '12', '', null, true, [], [0], {}];
    for (const path of paths)
      for (const value of values) {
        const copy = structuredClone(config);
        const parent = path.slice(0, -1).reduce((o, k) => o[k], copy);
        parent[path.at(-1)!] = value;
        const label = `${path.join('.')} = ${JSON.stringify(value)}`;
        try {
          const p = paramCount(read(copy));
          for (const n of [p.totalParams, p.activeParams, p.visionParams])
            expect(Number.isSafeInteger(n), label).toBe(true);
        } catch (e) {
          expect(e, label).toBeInstanceOf(InputError);
          expect((e as InputError).issues[0]!.path.length, label).toBeGreaterThan(0);
        }
      }
  });
});
