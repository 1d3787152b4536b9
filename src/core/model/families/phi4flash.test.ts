/**
 * Phi-4-mini-flash-reasoning (`phi4flash`, SambaY), read by calling the family directly: counts tensor by
 * tensor from the modules of the checkpoint's remote `modeling_phi4flash.py` (Phi3Mamba, its GMU form,
 * SambaYFlashAttention2 with FlashDiffCustomAttention, SambaYMLP, SambaYDecoderLayer, Phi4FlashModel,
 * Phi4FlashForCausalLM), the KV cache and Mamba state, Phi4FlashConfig's defaults, and refusals that name
 * the field.
 *
 * Fixture `hand-built/phi-4-mini-flash-reasoning.json`: microsoft/Phi-4-mini-flash-reasoning's config.json,
 * verbatim from a stored copy of the Hub repository (franciskamande-ai/cloned_models,
 * Phi-4-mini-flash-reasoning/config.json). Published size: 3.8B (model card).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { inputErrorOf } from '../../../../test/input-error.js';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { phi4flash } from './phi4flash.js';

const FLASH: Json = hfFixture('hand-built/phi-4-mini-flash-reasoning');

const read = (config: Json) => phi4flash(new Fields(config, 'phi4flash'), 'phi4flash');

/** The released shape (the fixture's numbers; D = 2 × 2560, R = ⌈2560 / 16⌉ = 160 follow from them). */
const SHAPE_FLASH = {
  vocab: 200_064,
  h: 2560,
  layers: 32,
  heads: 40,
  kvHeads: 20,
  inter: 10_240,
  expand: 2,
  dState: 16,
  dConv: 4,
  tied: true,
};
type Shape = typeof SHAPE_FLASH;

/** Phi4FlashForCausalLM's state dict by module kind, layer by layer as SambaYDecoderLayer builds it. */
function flashTensors(s: Shape) {
  const d = s.h / s.heads;
  const inner = s.expand * s.h;
  const rank = Math.ceil(s.h / 16);
  const layerNorm = 2 * s.h; // nn.LayerNorm weight and bias
  // Phi3Mamba: in_proj, conv1d weight + bias, x_proj, dt_proj weight + bias, A_log, D, out_proj.
  const mamba =
    s.h * 2 * inner +
    inner * s.dConv +
    inner +
    inner * (rank + 2 * s.dState) +
    rank * inner +
    inner +
    inner * s.dState +
    inner +
    inner * s.h;
  // Phi3Mamba with yoco_cross (the GMU): in_proj h → D, out_proj D → h, no bias.
  const gmu = 2 * s.h * inner;
  // FlashDiffCustomAttention: lambda_q1, lambda_k1, lambda_q2, lambda_k2 (d each), subln weight (2d).
  const diff = 4 * d + 2 * d;
  const qkv = (s.heads + 2 * s.kvHeads) * d;
  // Wqkv weight + bias, out_proj weight + bias.
  const selfAttention = s.h * qkv + qkv + s.heads * d * s.h + s.h + diff;
  const crossAttention = s.h * s.heads * d + s.heads * d + s.heads * d * s.h + s.h + diff;
  // SambaYMLP fc1 (h → 2I) and fc2, input_layernorm and post_attention_layernorm.
  const common = s.h * 2 * s.inter + s.inter * s.h + 2 * layerNorm;
  let layers = 0;
  const count = { mamba: 0, gmu: 0, self: 0, cross: 0 };
  for (let i = 0; i < s.layers; i++) {
    const useMamba = i % 2 === 0;
    const yocoCross = i >= s.layers / 2 + 2;
    const kind = useMamba ? (yocoCross ? 'gmu' : 'mamba') : yocoCross ? 'cross' : 'self';
    count[kind] += 1;
    layers += common + { mamba, gmu, self: selfAttention, cross: crossAttention }[kind];
  }
  // embed_tokens, final_layernorm, lm_head unless tied.
  const total = s.vocab * s.h + layers + layerNorm + (s.tied ? 0 : s.vocab * s.h);
  return { total, count, mamba, gmu, selfAttention, crossAttention, diff };
}

describe('phi4flash (microsoft/Phi-4-mini-flash-reasoning)', () => {
  it('reads the SambaY stack: Mamba + sliding self-decoder, memory and KV layers, GMU + KV-shared cross-decoder', () => {
    const spec = read(FLASH);
    const kinds = spec.layers.map((l) =>
      l.attention === 'none' ? 'gmu' : l.kvShared ? 'cross' : l.attention,
    );
    expect(kinds.slice(0, 16)).toEqual(Array(8).fill(['mamba', 'sliding']).flat());
    expect(kinds.slice(16, 18)).toEqual(['mamba', 'full']);
    expect(kinds.slice(18)).toEqual(Array(7).fill(['gmu', 'cross']).flat());
    expect(spec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(spec.attention).toEqual({
      kind: 'gqa',
      numHeads: 40,
      numKvHeads: 20,
      headDim: 64,
      qkvBias: true,
      outputBias: true,
      qkNorm: 'none',
      sinks: false,
      fusedQkv: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 10_240, gated: true, bias: false, fusedGateUp: true });
    expect(spec.norm).toEqual({ kind: 'layernorm', perLayer: 2 });
    expect(spec.stateSpace).toMatchObject({
      numHeads: 5120,
      headDim: 1,
      stateSize: 16,
      convKernel: 4,
      projBias: false,
      convBias: true,
      gatedNorm: false,
      selective: { timeStepRank: 160, innerNorms: false },
    });
    expect(spec.slidingWindow).toBe(512);
    expect(spec.maxContextTokens).toBe(262_144);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings![0]).toMatch(/four flash-attention calls on each of the 16 attention layers.*twice/);
  });

  it('counts every tensor: 3,852,562,944, the checkpoint to the byte; the card says 3.8B', () => {
    const p = paramCount(read(FLASH));
    const t = flashTensors(SHAPE_FLASH);
    expect(t.count).toEqual({ mamba: 9, gmu: 7, self: 9, cross: 7 });
    expect(p.totalParams).toBe(t.total);
    expect(p.totalParams).toBe(3_852_562_944);
    // model.safetensors.index.json total_size 7,706,608,640 bytes: every tensor in BF16 but A_log and the
    // lambdas, stored in FP32 (9 × 5120 × 16 + 16 × 4 × 64 = 741,376 of them, 2 bytes more each).
    expect(2 * p.totalParams + 2 * (9 * 5120 * 16 + 16 * 4 * 64)).toBe(7_706_608_640);
    // The card's "3.8B" is this, rounded (+1.4%). Dense: every tensor runs for every token.
    expect(p.activeParams).toBe(p.totalParams);
    expect(p.breakdown.stateSpace).toBe(9 * t.mamba);
    expect(p.breakdown.layerExtras).toBe(7 * t.gmu + 16 * t.diff);
    expect(p.breakdown.attention).toBe(9 * (t.selfAttention - t.diff) + 7 * (t.crossAttention - t.diff));
    expect(p.embeddingParams).toBe(200_064 * 2560);
  });

  it('KV cache: eight 512-token windows and one full layer of 20 × 64; the cross-decoder holds none', () => {
    const spec = read(FLASH);
    const perLayerToken = 2 * 20 * 64 * 2; // K and V, bf16
    const kv = kvCacheBytes(spec, 32_768, 'bf16');
    expect(kv.bytesPerToken).toBe(9 * perLayerToken);
    expect(kv.bytesPerSequence).toBe((8 * 512 + 32_768) * perLayerToken);
    expect(kv.slidingLayers).toBe(8);
    expect(kv.fullLayers).toBe(1);
    expect(kv.kvSharedLayers).toBe(7);
    expect(kv.layersWithoutKv).toBe(23);
    // Nine Mamba layers (SambaYCache, vLLM num_mamba_layers = L/2/mb_per_layer + 1): conv and SSM state.
    const state = recurrentStateBytes(spec);
    expect(state.mambaLayers).toBe(9);
    expect(state.bytesPerSequence).toBe(9 * (3 * 5120 + 5120 * 16) * 2);
  });

  it('forward FLOPs ≈ 2 × parameters + attention; the GMU GEMMs in the extras, no k/v on cross layers', () => {
    const spec = read(FLASH);
    const context = 32_768;
    const f = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: context });
    expect(f.breakdown.layerExtras).toBe(7 * 2 * 2 * 2560 * 5120);
    // Mamba in_proj, x_proj, dt_proj, out_proj; Wqkv (q, k, v) and out_proj on the 9 self-attention
    // layers; Wqkv (q only) and out_proj on the 7 cross layers.
    const mamba = 2560 * 10_240 + 5120 * (160 + 32) + 160 * 5120 + 5120 * 2560;
    expect(f.breakdown.attentionProjections).toBe(
      2 * (9 * mamba + 9 * (2560 * 5120 + 2560 * 2560) + 7 * 2 * 2560 * 2560),
    );
    // Q·Kᵀ and P·V: 2 · heads · (64 + 64) per key; 8 windows of 512, 8 layers over the whole context;
    // beside them the 9 Mamba layers' selective scan (7 · D · N) and depthwise conv (2 · D · k).
    const softmax = (8 * 512 + 8 * context) * 2 * 40 * 128;
    expect(f.breakdown.attentionScores).toBe(softmax + 9 * (7 * 5120 * 16 + 2 * 5120 * 4));
    const params = paramCount(spec).activeParams;
    const estimate = 2 * params + f.breakdown.attentionScores;
    expect(f.flopsPerToken / estimate).toBeGreaterThan(0.97);
    expect(f.flopsPerToken / estimate).toBeLessThan(1.03);
  });

  it('Phi4FlashConfig defaults: a bare config reads as the class builds it', () => {
    const bare = read({ model_type: 'phi4flash' });
    const shape: Shape = { ...SHAPE_FLASH, vocab: 51_200, kvHeads: 4, inter: 9216 };
    expect(paramCount(bare).totalParams).toBe(flashTensors(shape).total);
    expect(bare.slidingWindow).toBe(2047);
    expect(bare.maxContextTokens).toBe(4096);
    // Keys the remote code does not read, at the values it builds, change nothing.
    const explicit = {
      ...FLASH,
      mamba_dt_rank: 'auto',
      mamba_conv_bias: true,
      mamba_proj_bias: false,
      head_dim: 64,
    };
    expect(read(explicit)).toEqual(read(FLASH));
    const untied = read({ ...FLASH, tie_word_embeddings: false, num_hidden_layers: 16 });
    expect(paramCount(untied).totalParams).toBe(
      flashTensors({ ...SHAPE_FLASH, layers: 16, tied: false }).total,
    );
  });

  it('refuses what the remote code would not build, naming the field', () => {
    const cases: [Json, string, RegExp][] = [
      [{ num_hidden_layers: 30 }, 'num_hidden_layers', /\(30\) must be divisible by 4/],
      [{ mb_per_layer: 3 }, 'mb_per_layer', /must be 2, got 3/],
      [{ num_key_value_heads: 5 }, 'num_key_value_heads', /\(5\) must be even/],
      [{ mamba_dt_rank: 64 }, 'mamba_dt_rank', /must be "auto" or 160/],
      [{ mamba_conv_bias: false }, 'mamba_conv_bias', /must be true or absent: Phi3Mamba/],
      [{ sliding_window: null }, 'sliding_window', /must be a positive integer: SambaYCache/],
    ];
    for (const [change, field, message] of cases) {
      const e = inputErrorOf(() => read({ ...FLASH, ...change }));
      expect(e.issues[0]?.path).toEqual([field]);
      expect(e.message).toMatch(message);
    }
  });
});
