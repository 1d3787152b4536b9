/**
 * Gemma 4 unified reader (gemma4-unified.ts) on google/gemma-4-12B's released config: Gemma 4's
 * decoder without per-layer inputs or MoE, the encoder-free patch embedder and the raw-frame audio
 * embedder, each total derived from the module shapes of modeling_gemma4_unified.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputErrorOf } from '../../../../test/input-error.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { gemma4Unified, gemma4UnifiedText } from './gemma4-unified.js';

type Json = Record<string, unknown>;

const released = (): Json & { text_config: Json; vision_config: Json; audio_config: Json } =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/gemma-4-12b.json', import.meta.url),
      'utf8',
    ),
  );

const read = (json: Json) => gemma4Unified(new Fields(json, 'gemma4_unified'), 'x');

/** Parameters of a Gemma 4 unified text model, from its module shapes. */
function textParams(c: {
  h: number;
  layers: number;
  slidingLayers: number;
  heads: number;
  kv: number;
  headDim: number;
  globalKv: number;
  globalHeadDim: number;
  kEqV: boolean;
  inter: number;
  vocab: number;
}): number {
  // q, k, v, o and the q/k RMSNorms of head_dim (v_norm has no weight).
  const sliding = 2 * c.h * c.heads * c.headDim + 2 * c.h * c.kv * c.headDim + 2 * c.headDim;
  // The global layers' q and o at global_head_dim, k (and v unless k = v) of their KV heads.
  const globalKvProj = (c.kEqV ? 1 : 2) * c.h * c.globalKv * c.globalHeadDim;
  const global = 2 * c.h * c.heads * c.globalHeadDim + globalKvProj + 2 * c.globalHeadDim;
  // GeGLU gate, up and down; four RMSNorms per layer.
  const common = 3 * c.h * c.inter + 4 * c.h;
  const fullLayers = c.layers - c.slidingLayers;
  // Tied embedding, final norm.
  return c.slidingLayers * (sliding + common) + fullLayers * (global + common) + c.vocab * c.h + c.h;
}

describe('Gemma 4 unified', () => {
  it('gemma-4-12B: 11,907,350,272 in the text model, 49,922,304 in embed_vision, 2,457,600 in embed_audio', () => {
    const spec = read(released());
    const h = 3840;
    const total = textParams({
      h,
      layers: 48,
      slidingLayers: 40,
      heads: 16,
      kv: 8,
      headDim: 256,
      globalKv: 1,
      globalHeadDim: 512,
      kEqV: true,
      inter: 15_360,
      vocab: 262_144,
    });
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(11_907_350_272);
    expect(spec.perLayerInput).toBeUndefined();
    expect(spec.moe).toBeNull();
    expect(spec.fullAttention).toMatchObject({ numKvHeads: 1, headDim: 512, valueFromKey: true });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.warnings ?? []).toEqual([]);

    // LN(6912) → Linear 6912 → 3840 with bias → LN(3840); the 1120 × 2 × 3840 table; LN(3840);
    // the bias-free 3840 → 3840 projection.
    const patchDim = 48 * 48 * 3;
    const vision = 2 * patchDim + patchDim * h + h + 2 * h + 1120 * 2 * h + 2 * h + h * h;
    expect(spec.vision?.params).toBe(vision);
    expect(vision).toBe(49_922_304);
    expect(spec.vision?.patchSize).toBe(48);
    expect(spec.vision?.flopsPerImage).toBe(2 * 280 * (patchDim * h + h * h));
    expect(spec.audio?.params).toBe(640 * h);
  });

  it('KV cache: 40 sliding layers of 8 × 256 within 1,024 tokens, 8 global layers of one 512-wide K and V', () => {
    const spec = read(released());
    const context = 65_536;
    const bf16 = 2;
    const sliding = 40 * 1024 * 2 * 8 * 256 * bf16;
    const global = 8 * context * 2 * 1 * 512 * bf16;
    expect(kvCacheBytes(spec, context, 'bf16').bytesPerSequence).toBe(sliding + global);
  });

  it('a bare gemma4_unified_text config reads as Gemma4UnifiedTextConfig defaults: no per-layer inputs, window 1024', () => {
    const spec = gemma4UnifiedText(
      new Fields({ model_type: 'gemma4_unified_text' }, 'gemma4_unified_text'),
      'bare',
    );
    expect(spec.layers.map((l) => (l.attention === 'full' ? 'F' : 's')).join('')).toBe('sssssF'.repeat(5));
    expect(spec.slidingWindow).toBe(1024);
    expect(spec.perLayerInput).toBeUndefined();
    // Without attention_k_eq_v the global layers keep v_proj and num_key_value_heads.
    expect(paramCount(spec).totalParams).toBe(
      textParams({
        h: 2304,
        layers: 30,
        slidingLayers: 25,
        heads: 8,
        kv: 4,
        headDim: 256,
        globalKv: 4,
        globalHeadDim: 512,
        kEqV: false,
        inter: 9216,
        vocab: 262_144,
      }),
    );
  });

  it('Gemma 4 keys the unified model does not build are ignored with a warning', () => {
    const c = released();
    const spec = read({
      ...c,
      text_config: { ...c.text_config, enable_moe_block: true, hidden_size_per_layer_input: 256 },
    });
    expect(paramCount(spec).totalParams).toBe(paramCount(read(c)).totalParams);
    expect(spec.warnings?.join(' ')).toMatch(/enable_moe_block.*hidden_size_per_layer_input/);
  });

  it('refuses mismatched embedder shapes by name', () => {
    const c = released();
    const patch = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, model_patch_size: 32 } }),
    );
    expect(patch.message).toContain('vision_config.model_patch_size');
    const proj = inputErrorOf(() =>
      read({ ...c, vision_config: { ...c.vision_config, output_proj_dims: 2048 } }),
    );
    expect(proj.message).toContain('vision_config.output_proj_dims');
    const audio = inputErrorOf(() => read({ ...c, audio_config: { ...c.audio_config, hidden_size: 1280 } }));
    expect(audio.message).toContain('audio_config.hidden_size');
  });
});
