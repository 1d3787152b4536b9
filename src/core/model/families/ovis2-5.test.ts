/**
 * Ovis2.5 (`ovis2_5`), ovis2-5.ts, read by calling the family directly (the qwen3 family from the
 * registry). Counts tensor by tensor from the checkpoint's modeling_ovis2_5.py state dict:
 * llm.model.embed_tokens [V, h]; per layer q_proj [H·d, h], k_proj and v_proj [K·d, h], o_proj
 * [h, H·d], q_norm and k_norm [d], gate/up_proj [I, h], down_proj [h, I], input_layernorm and
 * post_attention_layernorm [h]; llm.model.norm [h]; llm.lm_head [V, h] unless tied.
 * visual_tokenizer.vit.vision_model: patch_embedding [v, 3, p, p] + bias, position_embedding
 * [(512/p)², v]; per layer layer_norm1/2 weight and bias, q/k/v/out_proj [v, v] + bias, fc1 [I, v] +
 * bias, fc2 [v, I] + bias; post_layernorm weight and bias. visual_tokenizer.head.0 [V′ − 4, v·s²],
 * head.1 weight and bias [V′ − 4]; vte [V′, h].
 *
 * Fixtures: `ovis2.5-9b.json` is AIDC-AI/Ovis2.5-9B's config.json as copied in Theo-Yim/VLMs
 * `Ovis/HF_Repo/config.json`, whose model.safetensors.index.json gives total_size 18,349,615,568
 * bytes of bf16 = 9,174,807,784 parameters, the count below. `ovis2.5-2b.json` is not verbatim: the
 * values the transformers converter (`models/ovis2_5/convert_ovis2_5_weights_to_hf.py`,
 * CHECKPOINT_SPECS["2b"], EXPECTED_TEXT_LAYOUT, EXPECTED_VISION_LAYOUT) checks the released 2B
 * config against, with `hidden_size` 2048 as Ovis2_5's assert requires.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import { ovis25Wrapper } from './ovis2-5.js';
import type { Family } from './readers.js';

const ovis25 = ovis25Wrapper((t) => (FAMILIES as Record<string, Family>)[t]);
const load = (file: string): Json => hfFixture(`hand-built/${file}`);
const NINE_B = load('ovis2.5-9b');
const TWO_B = load('ovis2.5-2b');
const read = (c: Json) => ovis25(new Fields(c, 'ovis2_5'), 'ovis2_5');
const nineB = (): Json => structuredClone(NINE_B);
const sub = (c: Json, key: string) => c[key] as Json;

const VOCAB = 151_936;
type Qwen3Shape = Record<'h' | 'layers' | 'heads' | 'kvHeads' | 'inter', number> & { tied: boolean };
/** Qwen3ForCausalLM's state dict: head_dim 128, per-head q/k RMSNorms, no biases, SwiGLU. */
function qwen3Tensors(c: Qwen3Shape): number {
  const d = 128;
  const attention = c.h * c.heads * d + 2 * c.h * c.kvHeads * d + c.heads * d * c.h + 2 * d;
  const layer = attention + 3 * c.h * c.inter + 2 * c.h;
  return VOCAB * c.h + c.layers * layer + c.h + (c.tied ? 0 : VOCAB * c.h);
}

/** The visual tokenizer (SigLIP2-NaViT, head) and vte, tensor by tensor (see the file comment). */
function tokenizerTensors(c: {
  v: number;
  depth: number;
  inter: number;
  patch: number;
  positions: number;
  stride: number;
  visualVocab: number;
  width: number;
}): number {
  const embeddings = c.v * 3 * c.patch * c.patch + c.v + c.positions * c.v;
  const layer = 2 * (2 * c.v) + 4 * (c.v * c.v + c.v) + (c.inter * c.v + c.inter) + (c.v * c.inter + c.v);
  const rows = c.visualVocab - 4;
  const head = rows * c.v * c.stride * c.stride + 2 * rows;
  return embeddings + c.depth * layer + 2 * c.v + head + c.visualVocab * c.width;
}
const SO400M = {
  v: 1152,
  depth: 27,
  inter: 4304,
  patch: 16,
  positions: 32 * 32,
  stride: 2,
  visualVocab: 65_536,
};
const QWEN3_8B = { h: 4096, layers: 36, heads: 32, kvHeads: 8, inter: 12_288, tied: false };
const QWEN3_1_7B = { h: 2048, layers: 28, heads: 16, kvHeads: 8, inter: 6144, tied: true };

describe('Ovis2.5', () => {
  it('Ovis2.5-9B: Qwen3-8B (8,190,735,360) + the visual tokenizer and table (984,072,424) = the 9,174,807,784 of its safetensors', () => {
    const spec = read(nineB());
    expect(spec.modelType).toBe('ovis2_5');
    expect(spec.tieWordEmbeddings).toBe(false);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(qwen3Tensors(QWEN3_8B));
    expect(p.totalParams).toBe(8_190_735_360);
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.visionParams).toBe(tokenizerTensors({ ...SO400M, width: 4096 }));
    expect(p.visionParams).toBe(984_072_424);
    // The card says "9B"; the index's total_size is 18,349,615,568 bf16 bytes.
    expect(p.totalParams + p.visionParams).toBe(18_349_615_568 / 2);
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: null, flopsPerImage: null });
    expect(spec.vision?.description).toBe(
      'SigLIP2-NaViT 27 × 1152, patch 16, native resolution, 2×2 patches a visual token, visual vocab 65536',
    );
  });

  it('Ovis2.5-9B layers: 36 full-attention Qwen3 layers, GQA 32/8 of 128 with q/k norms, 40,960 positions', () => {
    const spec = read(nineB());
    expect(spec.layers).toHaveLength(36);
    expect(spec.layers.every((l) => l.attention === 'full' && l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      qkNorm: 'per-head',
    });
    expect(spec.maxContextTokens).toBe(40_960);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(36 * 2 * 8 * 128 * 2);
  });

  it('forward FLOPs per token ≈ 2 × the text parameters + attention', () => {
    const spec = read(nineB());
    const active = paramCount(spec).activeParams;
    const context = 4096;
    const flops = forwardFlopsPerToken(spec, {
      attentionMode: 'causal',
      contextTokens: context,
    }).flopsPerToken;
    // No FLOPs for the input embedding lookup; at most full (non-causal) attention over the context.
    expect(flops).toBeGreaterThan(2 * (active - VOCAB * 4096));
    expect(flops).toBeLessThan(2 * active + 36 * 4 * 32 * 128 * context);
  });

  it('Ovis2.5-2B: tied Qwen3-1.7B (1,720,574,976) + the tokenizer and a 2048-wide table (849,854,696)', () => {
    const spec = read(TWO_B);
    expect(spec.tieWordEmbeddings).toBe(true);
    const p = paramCount(spec);
    expect(p.totalParams).toBe(qwen3Tensors(QWEN3_1_7B));
    expect(p.totalParams).toBe(1_720_574_976);
    expect(p.visionParams).toBe(tokenizerTensors({ ...SO400M, width: 2048 }));
    // 2,570,429,672 in all against the card's "2B" (the text model's size class).
    expect(p.totalParams + p.visionParams).toBe(2_570_429_672);
    expect(kvCacheBytes(spec, 8192, 'bf16').bytesPerToken).toBe(28 * 2 * 8 * 128 * 2);
  });

  it('takes Siglip2NavitConfig and Qwen3Config defaults for omitted keys; Linear patches and no table by the flags', () => {
    const c = nineB();
    c.vit_config = { model_type: 'siglip2_navit' };
    expect(read(c).vision?.params).toBe(
      tokenizerTensors({
        v: 1024,
        depth: 24,
        inter: 4096,
        patch: 16,
        positions: 1024,
        stride: 2,
        visualVocab: 65_536,
        width: 4096,
      }),
    );
    const linear = nineB();
    linear.vit_config = { ...sub(linear, 'vit_config'), num_patches: 256 };
    expect(read(linear).vision?.params).toBe(tokenizerTensors({ ...SO400M, positions: 256, width: 4096 }));
    const noTable = nineB();
    noTable.vit_config = { ...sub(noTable, 'vit_config'), preserve_original_pe: false };
    expect(read(noTable).vision?.params).toBe(tokenizerTensors({ ...SO400M, positions: 0, width: 4096 }));
    const { tie_word_embeddings: _tied, ...untied } = sub(TWO_B, 'llm_config');
    expect(paramCount(read({ ...TWO_B, llm_config: untied })).totalParams).toBe(
      qwen3Tensors({ ...QWEN3_1_7B, tied: false }),
    );
    // The top-level tie_word_embeddings is not the LLM's: Ovis2_5.tie_weights ties by llm_config.
    expect(read({ ...nineB(), tie_word_embeddings: true }).tieWordEmbeddings).toBe(false);
    const { visual_vocab_size: _v, ...defaultVocab } = nineB();
    expect(read(defaultVocab).vision?.params).toBe(984_072_424);
  });

  it('refuses what Ovis2_5 cannot build, naming the field', () => {
    const { llm_config: llm, ...noLlm } = nineB();
    const missing = inputErrorOf(() => read({ ...noLlm, text_config: llm }));
    expect(missing.issues[0]?.path).toEqual(['llm_config']);
    expect(missing.message).toMatch(
      /'llm_config' is required.*text_config\/vision_config layout is not read/,
    );
    const qwen2 = nineB();
    qwen2.llm_config = { ...sub(qwen2, 'llm_config'), model_type: 'qwen2' };
    expect(inputErrorOf(() => read(qwen2)).message).toMatch(
      /'llm_config\.model_type' must be 'qwen3'.*got 'qwen2'/,
    );
    const { vit_config: _vit, ...noVit } = nineB();
    expect(inputErrorOf(() => read(noVit)).issues[0]?.path).toEqual(['vit_config']);
    const width = nineB();
    width.hidden_size = 2048;
    expect(inputErrorOf(() => read(width)).message).toMatch(
      /'hidden_size' \(2048\) must equal llm_config\.hidden_size \(4096\)/,
    );
    const { hidden_size: _h, ...noWidth } = nineB();
    expect(inputErrorOf(() => read(noWidth)).message).toMatch(/'hidden_size' is required/);
    const heads = nineB();
    heads.vit_config = { ...sub(heads, 'vit_config'), num_attention_heads: 7 };
    expect(inputErrorOf(() => read(heads)).message).toMatch(
      /vit_config\.num_attention_heads.*\(7\) must divide/,
    );
    const patches = nineB();
    patches.vit_config = { ...sub(patches, 'vit_config'), num_patches: null };
    expect(inputErrorOf(() => read(patches)).message).toMatch(/'vit_config\.num_patches' must be an integer/);
    expect(inputErrorOf(() => read({ ...nineB(), visual_vocab_size: 4 })).message).toMatch(
      /'visual_vocab_size' \(4\) must exceed the 4 indicator rows/,
    );
  });
});
