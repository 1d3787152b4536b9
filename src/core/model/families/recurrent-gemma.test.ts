/**
 * RecurrentGemma (`recurrent_gemma`; recurrent-gemma.ts) on google/recurrentgemma-2b's released config:
 * 26 layers cycling recurrent, recurrent, attention (18 RG-LRU blocks, 8 local MQA blocks), totals
 * derived here from the modules of transformers' modeling_recurrent_gemma.py, the RG-LRU block read
 * as a Mamba-1 mixer of the same parameters, matmul FLOPs and state; class defaults; precise errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forwardFlopsPerToken } from '../flops.js';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { recurrentGemma } from './recurrent-gemma.js';

const fixture = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/recurrentgemma-2b.json', import.meta.url),
    'utf8',
  ),
) as Json;
const read = (config: Json) => recurrentGemma(new Fields(config, 'recurrent_gemma'), 'x');
const spec = read(fixture);

interface Shape {
  readonly vocab: number;
  readonly h: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly lru: number;
  readonly conv: number;
  readonly mlp: number;
  readonly recurrentLayers: number;
  readonly attentionLayers: number;
}

/** Each module's parameters, from the shapes RecurrentGemma's modules build. */
function modules(s: Shape) {
  const headDim = s.h / s.heads;
  const block = s.lru / s.heads;
  // RecurrentGemmaRecurrentBlock: linear_y, linear_x (h → lru, bias), conv_1d (depthwise, bias),
  // RecurrentGemmaRglru: recurrent_param (lru), input_gate and recurrent_gate weights (heads × w × w)
  // and biases (heads × w); linear_out (lru → h, bias).
  const recurrent =
    2 * (s.h * s.lru + s.lru) +
    (s.lru * s.conv + s.lru) +
    s.lru +
    2 * (s.heads * block * block + s.heads * block) +
    (s.lru * s.h + s.h);
  // RecurrentGemmaSdpaAttention: q (heads·d), k and v (kv·d) without bias, o_proj with bias.
  const attention = s.h * s.heads * headDim + 2 * s.h * s.kvHeads * headDim + s.heads * headDim * s.h + s.h;
  // RecurrentGemmaMlp: gate_proj, up_proj (h → I, bias), down_proj (I → h, bias).
  const mlp = 3 * s.h * s.mlp + 2 * s.mlp + s.h;
  const layers = s.recurrentLayers + s.attentionLayers;
  // temporal_pre_norm and channel_pre_norm per layer, final_norm; embed_tokens tied to lm_head.
  const norms = 2 * s.h * layers + s.h;
  const total =
    s.vocab * s.h + s.recurrentLayers * recurrent + s.attentionLayers * attention + layers * mlp + norms;
  return { recurrent, attention, mlp, norms, total };
}

// google/recurrentgemma-2b: intermediate_size 15360 → MLP of 7680; 26 layers → 18 recurrent, 8 attention.
const released: Shape = {
  vocab: 256_000,
  h: 2560,
  heads: 10,
  kvHeads: 1,
  lru: 2560,
  conv: 4,
  mlp: 15_360 / 2,
  recurrentLayers: 18,
  attentionLayers: 8,
};

describe('recurrent_gemma (google/recurrentgemma-2b)', () => {
  it('cycles recurrent, recurrent, attention over the 26 layers; local MQA, biased GeGLU, tied', () => {
    expect(spec.layers.map((l) => l.attention)).toEqual(
      Array.from({ length: 26 }, (_, i) => (i % 3 === 2 ? 'sliding' : 'mamba')),
    );
    expect(spec.layers.every((l) => l.mlp === 'dense')).toBe(true);
    expect(spec.slidingWindow).toBe(2048);
    expect(spec.attention).toMatchObject({
      kind: 'gqa',
      numHeads: 10,
      numKvHeads: 1,
      headDim: 256,
      qkvBias: false,
      outputBias: true,
    });
    expect(spec.mlp).toEqual({ intermediateSize: 7680, gated: true, bias: true });
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.activation).toBe('gelu_pytorch_tanh');
    expect(spec.stateSpace).toMatchObject({ numHeads: 2560, stateSize: 1, selective: { timeStepRank: 255 } });
    expect(spec.warnings?.[0]).toMatch(/18 RG-LRU recurrent blocks are read as Mamba-1/);
  });

  it('counts every module exactly to the parameter', () => {
    const m = modules(released);
    const p = paramCount(spec);
    expect(p.breakdown.stateSpace).toBe(18 * m.recurrent);
    expect(p.breakdown.attention).toBe(8 * m.attention);
    expect(p.breakdown.denseMlp).toBe(26 * m.mlp);
    expect(p.breakdown.norms).toBe(m.norms);
    expect(p.breakdown.head).toBe(0);
    expect(p.totalParams).toBe(m.total);
    expect(p.totalParams).toBe(2_682_862_080);
  });

  it('runs the RG-LRU matmuls: linear_x, linear_y, the two block-diagonal gates, linear_out', () => {
    const { h, lru, heads } = released;
    const gates = 2 * heads * (lru / heads) ** 2;
    const recurrentWeights = 2 * h * lru + gates + lru * h;
    const attentionWeights = h * 2560 + 2 * h * 256 + 2560 * h;
    const decode = forwardFlopsPerToken(spec, { attentionMode: 'decode', contextTokens: 1 });
    expect(decode.breakdown.attentionProjections).toBe(2 * (18 * recurrentWeights + 8 * attentionWeights));
  });

  it('caches the attention window and a constant conv window + FP32 RG-LRU state per sequence', () => {
    // _setup_cache: key_states and value_states (kv heads × attention_window_size × head_dim).
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(8 * 2 * 1 * 2048 * 256 * 2);
    // conv1d_state (conv1d_width − 1 inputs of lru_width, BF16) and recurrent_states (lru_width, FP32).
    const state = recurrentStateBytes(spec);
    expect(state.mambaLayers).toBe(18);
    expect(state.bytesPerSequence).toBe(18 * ((4 - 1) * 2560 * 2 + 2560 * 4));
  });

  it('fills RecurrentGemmaConfig defaults: intermediate 3·2560 (MLP 3840), KV heads = heads', () => {
    const defaults = read({ model_type: 'recurrent_gemma' });
    const shape: Shape = { ...released, kvHeads: 10, mlp: (3 * 2560) / 2 };
    expect(defaults.layers.filter((l) => l.attention === 'sliding')).toHaveLength(8);
    expect(paramCount(defaults).totalParams).toBe(modules(shape).total);
  });

  it('reads `block_types` as a cycle, and a pattern with no attention as recurrent blocks only', () => {
    const twoKinds = read({ ...fixture, _block_types: undefined, block_types: ['recurrent', 'attention'] });
    expect(twoKinds.layers.filter((l) => l.attention === 'sliding')).toHaveLength(13);
    const hawk = read({ ...fixture, _block_types: ['recurrent'] });
    expect(hawk.slidingWindow).toBeNull();
    expect(paramCount(hawk).totalParams).toBe(
      modules({ ...released, recurrentLayers: 26, attentionLayers: 0 }).total,
    );
  });

  it('names the field a bad config gets wrong', () => {
    expect(() => read({ ...fixture, lru_width: 2555 })).toThrow(
      /lru_width.*divisible by num_attention_heads/,
    );
    expect(() => read({ ...fixture, _block_types: ['recurrent', 'mamba'] })).toThrow(
      /_block_types\[1\].*"mamba"/,
    );
    expect(() => read({ ...fixture, _block_types: [] })).toThrow(/_block_types/);
    expect(() => read({ ...fixture, head_dim: 128 })).toThrow(/head_dim.*must equal hidden_size \(2560\)/);
    expect(() => read({ ...fixture, intermediate_size: 1 })).toThrow(/intermediate_size/);
  });
});
