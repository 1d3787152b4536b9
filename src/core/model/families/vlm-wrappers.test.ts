/**
 * Vision-language wrappers (vlm-wrappers.ts): Kimi-VL (`kimi_vl`), DeepSeek-VL2 (`deepseek_vl_v2`),
 * Idefics3 and SmolVLM (`idefics3`, `smolvlm`). Each tower and projector is counted tensor by tensor
 * here from the modules the checkpoint code builds (not through the reader), the text model is what
 * its text config reads to alone, and the totals are checked against the published ones. Provenance
 * of the three fixtures: test/fixtures/hf-configs/README.md.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { type Cfg, headAndEmbedding, swiglu, Tensors } from '../../../../test/hf-tensors.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { InputError } from '../../errors.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';
import { deepseekVl2Family, idefics3Wrapper, kimiVlWrapper } from './vlm-wrappers.js';

const familyOf = (t: string): Family | undefined =>
  Object.hasOwn(FAMILIES, t) ? (FAMILIES as Record<string, Family>)[t] : undefined;
const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sum = (shapes: number[][]) => shapes.reduce((a, s) => a + prod(s), 0);
/** A Linear [out, in] with its bias [out]. */
const lin = (out: number, inp: number): number[][] => [[out, inp], [out]];
const ln = (w: number): number[][] => [[w], [w]];

/**
 * An MLA + MoE decoder (DeepseekV2/V3 modelling code), tensor by tensor: q_proj (no q LoRA) or
 * q_a/q_a_layernorm/q_b, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj, two RMSNorms; a
 * SwiGLU below first_k_dense_replace, else the router (+ e_score_correction_bias for noaux_tc),
 * routed experts and the shared MLP of n_shared × moe_intermediate_size; untied embedding and head.
 */
function mlaMoeTensors(c: Cfg): Tensors {
  const [h, n] = [c.hidden_size, c.num_attention_heads];
  const q = c.qk_nope_head_dim + c.qk_rope_head_dim;
  const t = new Tensors();
  headAndEmbedding(t, c, false);
  for (let i = 0; i < c.num_hidden_layers; i += 1) {
    t.add([h], [h], [c.kv_lora_rank + c.qk_rope_head_dim, h], [c.kv_lora_rank]);
    t.add([n * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank], [h, n * c.v_head_dim]);
    if (c.q_lora_rank) t.add([c.q_lora_rank, h], [c.q_lora_rank], [n * q, c.q_lora_rank]);
    else t.add([n * q, h]);
    if (i < c.first_k_dense_replace) swiglu(t, h, c.intermediate_size);
    else {
      const e = c.n_routed_experts;
      t.add([e, h], ...(c.topk_method === 'noaux_tc' ? [[e]] : []));
      t.experts(e, c.num_experts_per_tok, [c.moe_intermediate_size, h], [c.moe_intermediate_size, h]);
      t.experts(e, c.num_experts_per_tok, [h, c.moe_intermediate_size]);
      swiglu(t, h, c.n_shared_experts * c.moe_intermediate_size);
    }
  }
  return t;
}

/** A tower spec without fixed image size or FLOPs (tiled or native-resolution images). */
const towerSpec = (description: string, params: number, patchSize: number) => ({
  description,
  params,
  patchSize,
  imageSize: null,
  flopsPerImage: null,
});

/** A spec less the fields the wrapper sets. */
function textOnly(spec: ReturnType<Family>) {
  const { vision: _v, modelType: _m, ...rest } = spec;
  return rest;
}

describe('Kimi-VL (kimi_vl)', () => {
  const kimi = () => hfFixture('hand-built/kimi-vl-a3b-instruct') as Cfg;
  const read = (c: Cfg) => kimiVlWrapper(familyOf)(new Fields(c, 'kimi_vl'), 'kimi-vl');
  const withVision = (v: Cfg) => ({ ...kimi(), vision_config: { ...kimi().vision_config, ...v } });

  /**
   * `vision_tower.*` (MoonVitPretrainedModel): patch_embed.proj [h, 3, p, p] + bias,
   * patch_embed.pos_emb.weight [H, W, h]; per MoonVitEncoderLayer norm0, wqkv [3h, h] + bias, wo
   * [h, h] + bias, norm1, mlp.fc0 [I, h] + bias, mlp.fc1 [h, I] + bias; encoder.final_layernorm.
   */
  const tower = (v: Cfg) => {
    const [h, i] = [v.hidden_size, v.intermediate_size];
    const block = [...ln(h), ...lin(3 * h, h), ...lin(h, h), ...ln(h), ...lin(i, h), ...lin(h, i)];
    return (
      sum([[h, 3, v.patch_size, v.patch_size], [h], [v.init_pos_emb_height, v.init_pos_emb_width, h]]) +
      v.num_hidden_layers * sum(block) +
      sum(ln(h))
    );
  };
  /** `multi_modal_projector.*`: pre_norm [h] ×2, linear_1 [m, m] + bias, linear_2 [text, m] + bias. */
  const projector = (v: Cfg, text: number) => {
    const m = v.hidden_size * v.merge_kernel_size[0] * v.merge_kernel_size[1];
    return sum([...ln(v.hidden_size), ...lin(m, m), ...lin(text, m)]);
  };

  it('MoonViT and the projector, exact against the modules: 416,866,032 + 30,679,808', () => {
    const c = kimi();
    const spec = read(c);
    expect(tower(c.vision_config)).toBe(416_866_032);
    expect(projector(c.vision_config, 2048)).toBe(30_679_808);
    expect(spec.vision).toEqual(towerSpec('MoonViT 27 × 1152, patch 14, merge 2×2', 447_545_840, 14));
  });

  it('the text model is its text_config read alone, and a DeepSeek-V3 tensor enumeration', () => {
    const c = kimi();
    const spec = read(c);
    expect(textOnly(spec)).toEqual(textOnly(specFromHfConfig(c.text_config, 'kimi-vl')));
    expect(spec.modelType).toBe('kimi_vl');
    const t = mlaMoeTensors(c.text_config);
    const p = paramCount(spec);
    expect([p.totalParams, p.activeParams]).toEqual([t.total, t.total - t.inactive]);
    expect([p.totalParams, p.activeParams]).toEqual([15_960_110_208, 2_914_776_192]);
    expect(spec.warnings ?? []).toEqual([]);
  });

  it('16.41B in all: the README\'s "16B total" (A3B); the text model\'s active share is 2.91B', () => {
    // Kimi-VL README (as reproduced in nosana-ci/pipeline-templates and zsxkib/cog-kimi-vl-a3b-thinking):
    // "activating only 2.8B parameters in its language decoder", "~3B parameters out of 16B total".
    const p = paramCount(read(kimi()));
    expect(p.totalParams + p.visionParams).toBe(16_407_656_048);
    expect(Math.round((p.totalParams + p.visionParams) / 1e9)).toBe(16);
    // 2.91B with the embedding and head (2.24B without): "A3B"; the README's 2.8B is neither.
    expect(Math.round(p.activeParams / 1e9)).toBe(3);
    expect(p.activeParams - 2 * 163_840 * 2048).toBe(2_243_687_552);
  });

  it("MoonViTConfig's defaults fill an omitted key; text_config without model_type is DeepSeek-V3", () => {
    const c = kimi();
    const { init_pos_emb_height: _h, merge_kernel_size: _m, ...v } = c.vision_config;
    const { model_type: _t, ...text } = c.text_config;
    expect(paramCount(read({ ...c, vision_config: v, text_config: text }))).toEqual(paramCount(read(c)));
  });

  it('refuses by name what the tower cannot be built from', () => {
    const cases: [Cfg, RegExp][] = [
      [{ merge_kernel_size: [2] }, /vision_config\.merge_kernel_size' must be two positive integers/],
      [{ num_attention_heads: 7 }, /vision_config\.num_attention_heads' \(7\) must divide hidden_size/],
      [{ hidden_size: 0 }, /vision_config\.hidden_size' must be at least 1/],
    ];
    for (const [v, message] of cases)
      expect(inputErrorOf(() => read(withVision(v))).message).toMatch(message);
    expect(read({ ...kimi(), vision_config: undefined }).vision).toBeNull();
  });
});

describe('DeepSeek-VL2 (deepseek_vl_v2)', () => {
  const dsv = () => hfFixture('hand-built/deepseek-vl2') as Cfg;
  const read = (c: Cfg) => deepseekVl2Family(familyOf)(new Fields(c, 'deepseek_vl_v2'), 'deepseek-vl2');
  /** DeepseekV2Config's defaults in DeepSeek-VL2's configuration_deepseek.py, for the keys the file omits. */
  const LANGUAGE_DEFAULTS = {
    num_hidden_layers: 30,
    num_attention_heads: 32,
    num_key_value_heads: 32,
    kv_lora_rank: 512,
    qk_rope_head_dim: 64,
    v_head_dim: 128,
    qk_nope_head_dim: 128,
    moe_layer_freq: 1,
  };
  const language = (c: Cfg) => ({ ...LANGUAGE_DEFAULTS, ...c.language_config });

  /**
   * `vision.*` (siglip_vit.py VisionTransformer, vision_config with VisionEncoderConfig's image_size
   * 384 and global_pool "map"): patch_embed.proj [w, 3, p, p] + bias, pos_embed [1, 27², w]; per
   * Block norm1, attn.qkv [3w, w] + bias, attn.proj [w, w] + bias, norm2, mlp.fc1 [I, w] + bias,
   * mlp.fc2 [w, I] + bias (I = int(w × mlp_ratio) = 4304); norm; attn_pool.latent [1, 1, w], q, kv
   * [2w, w], proj (all biased), norm, mlp.fc1, mlp.fc2 (the names MindSpeed-MM's converter maps).
   */
  const tower = (v: Cfg) => {
    const w = v.width;
    const i = Math.floor(w * v.mlp_ratio);
    const mlp = [...lin(i, w), ...lin(w, i)];
    const block = [...ln(w), ...lin(3 * w, w), ...lin(w, w), ...ln(w), ...mlp];
    const pool = [[1, 1, w], ...lin(w, w), ...lin(2 * w, w), ...lin(w, w), ...ln(w), ...mlp];
    const side = Math.floor(384 / v.patch_size);
    return (
      sum([[w, 3, v.patch_size, v.patch_size], [w], [1, side * side, w]]) +
      v.layers * sum(block) +
      sum([...ln(w), ...pool])
    );
  };
  /** projector.layers.0 [n, 4·1152] + bias, layers.2 [n, n] + bias; image_newline [n], view_seperator [n]. */
  const projector = (n: number) => sum([...lin(n, 4 * 1152), ...lin(n, n), [n], [n]]);

  it('the SigLIP tower (with its stored MAP head) and the projector, exact: 428,225,600 + 18,360,320', () => {
    const c = dsv();
    expect(tower(c.vision_config)).toBe(428_225_600);
    expect(projector(2560)).toBe(18_360_320);
    expect(read(c).vision).toEqual(towerSpec('SigLIP 27 × 1152, 384px tiles, patch 14', 446_585_920, 14));
  });

  it('the language model is its language_config with the remote-code defaults, read alone', () => {
    const c = dsv();
    const spec = read(c);
    const alone = (FAMILIES.deepseek_v2 as Family)(new Fields(language(c), 'deepseek_v2'), 'deepseek-vl2');
    expect(textOnly(spec)).toEqual(textOnly(alone));
    const t = mlaMoeTensors(language(c));
    const p = paramCount(spec);
    expect([p.totalParams, p.activeParams]).toEqual([t.total, t.total - t.inactive]);
    expect([p.totalParams, p.activeParams]).toEqual([27_033_548_328, 4_455_085_608]);
    expect(spec.warnings ?? []).toEqual([]);
  });

  it('27.48B in all, the README\'s "27.5B-MoE in total"; 4.46B active, its "4.5B activated"', () => {
    // deepseek-ai/DeepSeek-VL2 README: "DeepSeek-VL2-Tiny, DeepSeek-VL2-Small and DeepSeek-VL2, with
    // 1.0B, 2.8B and 4.5B activated parameters"; its inference example: "27.5-MoE in total".
    const p = paramCount(read(dsv()));
    expect(p.totalParams + p.visionParams).toBe(27_480_134_248);
    expect(Math.round((p.totalParams + p.visionParams) / 1e8) / 10).toBe(27.5);
    expect(Math.round(p.activeParams / 1e8) / 10).toBe(4.5);
  });

  it('use_mla false (DeepSeek-VL2-Tiny): LlamaAttention q/k/v/o of hidden / heads, same MoE', () => {
    const c = dsv();
    const mha = { ...c, language_config: { ...c.language_config, use_mla: false, num_key_value_heads: 8 } };
    const spec = read(mha);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numHeads: 32, numKvHeads: 8, headDim: 80 });
    const mla = mlaMoeTensors(language(c)).total;
    const [h, n] = [2560, 32];
    const mlaAttention = sum([[n * 192, h], [576, h], [512], [n * 256, 512], [h, n * 128]]);
    const gqa = 2 * prod([n * 80, h]) + 2 * prod([8 * 80, h]);
    expect(paramCount(spec).totalParams).toBe(mla + 30 * (gqa - mlaAttention));
    expect(spec.moe).toEqual(read(c).moe);
  });

  it('the other projector types MlpProjector builds, and token_pooling', () => {
    const c = dsv();
    const base = tower(c.vision_config) + 2 * 2560;
    const withProjector = (p: Cfg) => read({ ...c, projector_config: { ...c.projector_config, ...p } });
    expect(withProjector({ projector_type: 'linear' }).vision?.params).toBe(base + sum(lin(2560, 1152)));
    expect(withProjector({ projector_type: 'mlp_gelu', depth: 3 }).vision?.params).toBe(
      base + sum([...lin(2560, 1152), ...lin(2560, 2560), ...lin(2560, 2560)]),
    );
    expect(withProjector({ depth: 3, mlp_ratio: 2 }).vision?.params).toBe(
      base + sum([...lin(5120, 4608), ...lin(5120, 5120), ...lin(2560, 5120)]),
    );
    expect(withProjector({ projector_type: 'identity', token_pooling: true }).vision?.params).toBe(
      base + sum(lin(1152, 4608)),
    );
  });

  it('refuses by name what DeepseekVLV2ForCausalLM does not build', () => {
    const c = dsv();
    const cases: [Cfg, RegExp][] = [
      [{ tile_tag: '1D' }, /'tile_tag' is '1D'/],
      [{ tile_tag: undefined }, /'tile_tag' is absent/],
      [{ projector_config: undefined }, /projector_config\.n_embed' \(2048\) must equal/],
      [
        { architectures: ['DeepseekOCR2ForCausalLM'] },
        /'architectures' \["DeepseekOCR2ForCausalLM"\] is not/,
      ],
      [{ architectures: ['DeepseekOCRForCausalLM'] }, /'vision_config\.width' must be an object/],
      [
        { projector_config: { n_embed: 2048 } },
        /n_embed' \(2048\) must equal the language model's hidden_size/,
      ],
      [{ projector_config: { n_embed: 2560, projector_type: 'q' } }, /projector_type' 'q' is not supported/],
      [
        { projector_config: { n_embed: 2560, input_dim: 1024 } },
        /input_dim' \(1024\) must equal vision_config/,
      ],
      [{ vision_config: { ...c.vision_config, model_name: 'deeplip_b_l' } }, /'deeplip_b_l' is not a SigLIP/],
      [{ vision_config: { ...c.vision_config, heads: 7 } }, /vision_config\.heads' \(7\) must divide width/],
      [{ language_config: undefined }, /'language_config' is required/],
      [{ language_config: { ...c.language_config, model_type: 'x' } }, /unsupported model_type 'x'/],
    ];
    for (const [patch, message] of cases)
      expect(inputErrorOf(() => read({ ...c, ...patch })).message).toMatch(message);
  });
});

describe('SmolVLM and Idefics3 (smolvlm, idefics3)', () => {
  const smol = () => hfFixture('hand-built/smolvlm2-500m-video-instruct') as Cfg;
  const read = (c: Cfg, type = 'smolvlm') =>
    idefics3Wrapper(familyOf, `${type}_vision`)(new Fields(c, type), 'smolvlm2-500m');

  /**
   * `model.vision_model.*` (Idefics3VisionTransformer; num_hidden_layers 12 and intermediate_size
   * 3072 are SmolVLMVisionConfig's defaults, the file omits them): embeddings.patch_embedding
   * [h, 3, p, p] + bias, embeddings.position_embedding [(512/16)², h]; per encoder layer
   * layer_norm1, q/k/v/out_proj [h, h] + bias, layer_norm2, mlp.fc1 [I, h] + bias, mlp.fc2 [h, I] +
   * bias; post_layernorm. `model.connector.modality_projection.proj` [text, h·s²], no bias.
   */
  const tower = (h: number, patch: number, image: number, layers: number, i: number) => {
    const qkvo = [...lin(h, h), ...lin(h, h), ...lin(h, h), ...lin(h, h)];
    const block = [...ln(h), ...qkvo, ...ln(h), ...lin(i, h), ...lin(h, i)];
    return sum([[h, 3, patch, patch], [h], [(image / patch) ** 2, h]]) + layers * sum(block) + sum(ln(h));
  };

  it('the SigLIP tower and the connector, exact: 86,433,024 + 11,796,480', () => {
    const c = smol();
    expect(tower(768, 16, 512, 12, 3072)).toBe(86_433_024);
    expect(prod([960, 768 * 4 * 4])).toBe(11_796_480);
    const description = 'SigLIP 12 × 768, 512px tiles, patch 16 (1024 patches → 64 tokens)';
    expect(read(c).vision).toEqual(towerSpec(description, 86_433_024 + 11_796_480, 16));
  });

  it('the text model is its text_config read alone (SmolLM2-360M shape, untied), and its tensors', () => {
    const c = smol();
    const spec = read(c);
    expect(textOnly(spec)).toEqual(textOnly(specFromHfConfig(c.text_config, 'smolvlm2-500m')));
    // Llama: embed_tokens and lm_head [49280, 960]; per layer q [960, 960], k and v [320, 960], o,
    // gate/up [2560, 960], down, two RMSNorms; the final norm.
    const layer = sum([
      [960, 960],
      [320, 960],
      [320, 960],
      [960, 960],
      [2560, 960],
      [2560, 960],
      [960, 2560],
      [960],
      [960],
    ]);
    expect(paramCount(spec).totalParams).toBe(2 * 49_280 * 960 + 32 * layer + 960);
    expect(paramCount(spec).totalParams).toBe(409_252_800);
    expect(spec.tieWordEmbeddings).toBe(false);
  });

  it('507.5M in all: the card\'s "500M"', () => {
    const p = paramCount(read(smol()));
    expect(p.totalParams + p.visionParams).toBe(507_482_304);
    expect(Math.round((p.totalParams + p.visionParams) / 1e8) * 100).toBe(500);
  });

  it('idefics3 (SmolVLM v1, Idefics3-8B) is the same modules under its own model_type', () => {
    const c = {
      ...smol(),
      model_type: 'idefics3',
      vision_config: { ...smol().vision_config, model_type: 'idefics3_vision' },
    };
    expect(paramCount(read(c, 'idefics3'))).toEqual(paramCount(read(smol())));
    expect(read(c, 'idefics3').modelType).toBe('idefics3');
  });

  it("Idefics3VisionConfig's defaults (SigLIP 12 × 1152, patch 32) and scale_factor 2 fill omitted keys", () => {
    // The default 224 px gives a 7 × 7 grid, which the default pixel shuffle (2) cannot regroup.
    const c = { ...smol(), scale_factor: undefined, vision_config: { image_size: 256 } };
    expect(read(c).vision?.params).toBe(tower(1152, 32, 256, 12, 3072) + prod([960, 1152 * 4]));
    expect(inputErrorOf(() => read({ ...c, vision_config: {} })).message).toMatch(/7 × 7 patch grid/);
  });

  it('refuses a scale_factor that does not divide the patch grid, by name', () => {
    expect(inputErrorOf(() => read({ ...smol(), scale_factor: 3 })).message).toMatch(
      /'scale_factor' \(3\) must divide the 32 × 32 patch grid/,
    );
    expect(inputErrorOf(() => read({ ...smol(), vision_config: { patch_size: 1024 } })).message).toMatch(
      /vision_config\.image_size' \(224\) must be at least patch_size/,
    );
  });
});

describe('hostile fields', () => {
  const HOSTILE: readonly unknown[] = [0, -1, 1, 2.5, 3, 1e300, Number.MAX_SAFE_INTEGER, '12', 'auto'];
  const ALSO_HOSTILE: readonly unknown[] = ['', null, true, false, [], [0], {}];
  const cases: [string, string, Family][] = [
    ['hand-built/kimi-vl-a3b-instruct', 'kimi_vl', kimiVlWrapper(familyOf)],
    ['hand-built/deepseek-vl2', 'deepseek_vl_v2', deepseekVl2Family(familyOf)],
    ['hand-built/smolvlm2-500m-video-instruct', 'smolvlm', idefics3Wrapper(familyOf, 'smolvlm_vision')],
  ];

  it('every field set to a hostile value reads to safe-integer counts or an InputError naming a field', () => {
    for (const [id, type, family] of cases) {
      const config = hfFixture(id) as Cfg;
      const paths = Object.entries(config).flatMap(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v) ? [[k], ...Object.keys(v).map((c) => [k, c])] : [[k]],
      );
      for (const path of paths)
        for (const value of [...HOSTILE, ...ALSO_HOSTILE]) {
          const copy = structuredClone(config);
          if (path.length === 1) copy[path[0]!] = value;
          else copy[path[0]!][path[1]!] = value;
          let counts: ReturnType<typeof paramCount>;
          try {
            counts = paramCount(family(new Fields(copy, type), id));
          } catch (e) {
            expect(e, `${id} ${path.join('.')} = ${JSON.stringify(value)}`).toBeInstanceOf(InputError);
            expect((e as InputError).issues[0]!.path.length).toBeGreaterThan(0);
            continue;
          }
          for (const n of [counts.totalParams, counts.activeParams, counts.visionParams])
            expect(Number.isSafeInteger(n), `${id} ${path.join('.')} = ${JSON.stringify(value)}`).toBe(true);
        }
    }
  });
});
