/**
 * DeepSeek-VL (`deepseek_vl`, `deepseek_vl_hybrid`), deepseek-vl.ts: the Llama text model by its own
 * family, and the SigLIP tower, SAM ViT-B with its necks and proj, and the aligners counted here
 * module by module (modeling_deepseek_vl.py, modeling_deepseek_vl_hybrid.py, modeling_sam.py) on the
 * configs the conversion scripts write for deepseek-community/deepseek-vl-1.3b-chat and -7b-chat.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { deepseekVlHybridWrapper, deepseekVlWrapper } from './deepseek-vl.js';
import { Fields, type Json } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';

const familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t];
const plain = deepseekVlWrapper(familyOf);
const hybrid = deepseekVlHybridWrapper(familyOf);
const fixture = (name: string): Json =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );
const SMALL = fixture('deepseek-vl-1.3b-chat');
const LARGE = fixture('deepseek-vl-7b-chat');
const readPlain = (c: Json) => plain(new Fields(c, 'deepseek_vl'), 'deepseek_vl');
const readHybrid = (c: Json) => hybrid(new Fields(c, 'deepseek_vl_hybrid'), 'deepseek_vl_hybrid');
/** `base` with `part` merged into its sub-config `key`. */
const merge = (base: Json, key: string, part: Json): Json => ({
  ...base,
  [key]: { ...(base[key] as Json), ...part },
});

const vocab = 102_400;
/** LlamaForCausalLM's weights: embed_tokens, untied lm_head, q/k/v/o, gate/up/down, two RMSNorms a layer, the final norm. */
const llama = (h: number, layers: number, inter: number) =>
  2 * vocab * h + layers * (4 * h * h + 3 * h * inter + 2 * h) + h;

const linear = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);
const layerNorm = (c: number) => 2 * c;
/** A k×k Conv2d without bias. */
const conv = (i: number, o: number, k: number) => i * o * k * k;

/** SiglipVisionModel without head at 384 px, patch 16 (576 patches), 24 layers of 1024, MLP 4096. */
const [vh, vLayers, vInter, patches] = [1024, 24, 4096, 576];
const siglip =
  linear(3 * 16 * 16, vh) +
  patches * vh +
  vLayers * (2 * layerNorm(vh) + 4 * linear(vh, vh) + linear(vh, vInter) + linear(vInter, vh)) +
  layerNorm(vh);

/** SamVisionModel ViT-B: 1024 px, patch 16 (64 × 64 grid), 12 × 768, 12 heads of 64, MLP 3072, neck to 256. */
const [sh, sLayers, sMlp, grid, headDim, out] = [768, 12, 3072, 64, 64, 256];
const samBlock = (side: number) =>
  2 * layerNorm(sh) +
  linear(sh, 3 * sh) +
  linear(sh, sh) +
  linear(sh, sMlp) +
  linear(sMlp, sh) +
  2 * (2 * side - 1) * headDim;
const neck = conv(sh, out, 1) + layerNorm(out) + conv(out, out, 3) + layerNorm(out);
// Blocks 2, 5, 8 and 11 attend globally (relative tables over the 64 grid), the other 8 in 14 × 14 windows.
const sam = linear(3 * 16 * 16, sh) + grid * grid * sh + 8 * samBlock(14) + 4 * samBlock(grid) + neck;
/** high_res_vision_neck, high_res_vision_proj (256 → 512 → 1024) and high_res_vision_alpha. */
const highResExtras = neck + conv(out, 2 * out, 3) + conv(2 * out, 4 * out, 3) + 1;

describe('DeepSeek-VL', () => {
  it('deepseek-vl-1.3b-chat: the Llama decoder 1,652,656,128 (untied head) and SigLIP + aligner 309,984,256', () => {
    const spec = readPlain(SMALL);
    const text = llama(2048, 24, 5632);
    expect(text).toBe(1_652_656_128);
    expect(paramCount(spec).totalParams).toBe(text);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.modelType).toBe('deepseek_vl');
    expect(spec.attention).toMatchObject({ numHeads: 16, numKvHeads: 16, headDim: 128 });
    expect(kvCacheBytes(spec, 16_384, 'bf16').bytesPerSequence).toBe(24 * 2 * 16 * 128 * 2 * 16_384);
    expect(siglip).toBe(303_688_704);
    const tower = siglip + linear(vh, 2048) + linear(2048, 2048);
    expect(spec.vision?.params).toBe(tower);
    expect(tower).toBe(309_984_256);
    expect(spec.vision).toMatchObject({ patchSize: 16, imageSize: 384 });
    expect(spec.vision?.description).toContain('SigLIP 24 × 1024, 384px, patch 16 (576 tokens)');
    expect(spec.vision?.description).toContain('aligner 1024 → 2048 → 2048');
  });

  it('FLOPs per image: the patch conv, 24 SigLIP layers over 576 patches and the aligner on each', () => {
    const layerMatmuls = 4 * vh * vh + 2 * vh * vInter;
    const perImage =
      2 * patches * 3 * 16 * 16 * vh +
      vLayers * (2 * patches * layerMatmuls + 4 * vh * patches * patches) +
      2 * patches * (vh * 2048 + 2048 * 2048);
    expect(readPlain(SMALL).vision?.flopsPerImage).toBe(perImage);
  });

  it('deepseek-vl-7b-chat: 30 × 4096 Llama 6,910,365,696; SigLIP, SAM ViT-B, necks, proj and the hybrid aligner', () => {
    const spec = readHybrid(LARGE);
    const text = llama(4096, 30, 11_008);
    expect(text).toBe(6_910_365_696);
    expect(paramCount(spec).totalParams).toBe(text);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.modelType).toBe('deepseek_vl_hybrid');
    expect(kvCacheBytes(spec, 16_384, 'bf16').bytesPerSequence).toBe(30 * 2 * 32 * 128 * 2 * 16_384);
    expect(sam).toBe(89_670_912);
    const aligner = linear(vh, 2048) + linear(4 * out, 2048) + linear(4096, 4096);
    const tower = siglip + sam + highResExtras + aligner;
    expect(spec.vision?.params).toBe(tower);
    expect(tower).toBe(421_025_025);
    expect(text + tower).toBe(7_331_390_721);
    for (const part of [
      'SAM ViT 12 × 768, 1024px, patch 16, window 14 (4 global)',
      'proj 256 → 512 → 1024',
      'aligner 1024 + 1024 → 2048 + 2048 → 4096',
    ])
      expect(spec.vision?.description).toContain(part);
  });

  it('hybrid FLOPs per image: SigLIP, SAM (windows padded 64 → 70), two necks, two proj passes and the aligner', () => {
    const sigMatmuls = 4 * vh * vh + 2 * vh * vInter;
    const sigFlops =
      2 * patches * 3 * 16 * 16 * vh + vLayers * (2 * patches * sigMatmuls + 4 * vh * patches * patches);
    const tokens = grid * grid;
    // The decomposed rel-pos einsums add 2·2·h per query and row of the span (64 global, 14 windowed).
    const global =
      2 * tokens * (4 * sh * sh + 2 * sh * sMlp) + 4 * sh * tokens * tokens + 4 * sh * tokens * grid;
    // 25 windows of 14 × 14 over the grid padded to 70 × 70.
    const windowed =
      2 * 4900 * 4 * sh * sh + 4 * sh * 25 * 196 * 196 + 4 * sh * 4900 * 14 + 2 * tokens * 2 * sh * sMlp;
    const samFlops = 2 * tokens * 3 * 16 * 16 * sh + 4 * global + 8 * windowed;
    const necks = 2 * (2 * tokens * (sh * out + 9 * out * out));
    const proj = 2 * (2 * 48 * 48 * 9 * out * 2 * out + 2 * 24 * 24 * 9 * 2 * out * 4 * out);
    const aligner = 2 * patches * (vh * 2048 + 4 * out * 2048 + 4096 * 4096);
    expect(readHybrid(LARGE).vision?.flopsPerImage).toBe(sigFlops + samFlops + necks + proj + aligner);
  });

  it('takes SamVisionConfig and SiglipVisionConfig defaults, the pooling head, and no relative tables without use_rel_pos', () => {
    const high = LARGE.high_res_vision_config as Json;
    // The released SAM sub-config differs from SamVisionConfig() only in intermediate_size, which the encoder does not read.
    const bare: Json = { ...LARGE, high_res_vision_config: { model_type: 'sam_vision_model' } };
    expect(readHybrid(bare).vision?.params).toBe(readHybrid(LARGE).vision?.params);
    expect(high.intermediate_size).toBe(3072);
    const noRel = readHybrid(merge(LARGE, 'high_res_vision_config', { use_rel_pos: false }));
    expect(noRel.vision?.params).toBe(
      (readHybrid(LARGE).vision?.params ?? 0) - 8 * 2 * 27 * headDim - 4 * 2 * 127 * headDim,
    );
    // mlp_dim 4096: lin1 and lin2 each grow by 1024 × 768, lin1 by 1024 biases.
    const wider = readHybrid(merge(LARGE, 'high_res_vision_config', { mlp_dim: 4096 }));
    expect(wider.vision?.params).toBe(
      (readHybrid(LARGE).vision?.params ?? 0) + sLayers * (2 * 1024 * sh + 1024),
    );
    // vision_use_head left to SiglipVisionConfig's default builds the attention-pooling head.
    const headed = merge(SMALL, 'vision_config', {});
    delete (headed.vision_config as Json).vision_use_head;
    const head =
      vh + linear(vh, 3 * vh) + linear(vh, vh) + layerNorm(vh) + linear(vh, vInter) + linear(vInter, vh);
    expect(readPlain(headed).vision?.params).toBe((readPlain(SMALL).vision?.params ?? 0) + head);
  });

  it('reads LlamaConfig() without text_config and ties the head when the config says so', () => {
    const noText: Json = { ...SMALL };
    delete noText.text_config;
    const spec = readPlain(noText);
    expect(paramCount(spec).totalParams).toBe(
      2 * 32_000 * 4096 + 32 * (4 * 4096 ** 2 + 3 * 4096 * 11_008 + 2 * 4096) + 4096,
    );
    const tied = readPlain({ ...SMALL, tie_word_embeddings: true });
    expect(tied.tieWordEmbeddings).toBe(true);
    expect(paramCount(tied).totalParams).toBe(llama(2048, 24, 5632) - vocab * 2048);
  });

  it('refuses towers it cannot build, naming the field', () => {
    expect(() => readPlain(merge(SMALL, 'vision_config', { model_type: 'clip_vision_model' }))).toThrow(
      /vision_config\.model_type/,
    );
    expect(() => readPlain(merge(SMALL, 'vision_config', { num_attention_heads: 3 }))).toThrow(
      /vision_config\.hidden_size/,
    );
    expect(() => readHybrid(merge(LARGE, 'high_res_vision_config', { global_attn_indexes: [] }))).toThrow(
      /high_res_vision_config\.global_attn_indexes/,
    );
    expect(() => readHybrid(merge(LARGE, 'high_res_vision_config', { global_attn_indexes: [12] }))).toThrow(
      /high_res_vision_config\.global_attn_indexes/,
    );
    expect(() =>
      readHybrid(merge(LARGE, 'text_config', { hidden_size: 4095, num_attention_heads: 1 })),
    ).toThrow(/text_config/);
    expect(() => readHybrid(merge(LARGE, 'text_config', { model_type: 'no_such_model' }))).toThrow(
      /text_config\.model_type/,
    );
  });
});
