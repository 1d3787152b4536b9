/**
 * GQA value heads of their own width (GqaAttention.valueHeadDim; MiMo-V2-Flash's v_head_dim 128 beside
 * q/k heads of 192): v_proj and o_proj, the cache's values, the P·V FLOPs and the adapters read the
 * value width; q_proj, k_proj, q/k norms and RoPE the q/k width. Expected values are written from the
 * shapes; the operation list agrees with FLOPs per token at every TP.
 */
import { describe, expect, it } from 'vitest';
import { decodeGemmRatio, layoutFlopsRatio, request } from '../../../test/operation-setup.js';
import { activationBytesPerLayer } from '../memory/activations.js';
import { DEFAULT_LAYOUT } from '../parallelism/layout.js';
import { adaptedMatrices } from './adapters.js';
import { forwardFlopsPerToken } from './flops.js';
import { kvCacheBytes } from './kv-cache.js';
import { specFromInput } from './model-spec-schema.js';
import { paramCount } from './param-count.js';

const [h, heads, kv, qk, v, layers] = [1024, 8, 2, 192, 128, 4];
const input = {
  name: 'mixed-heads',
  vocabSize: 1000,
  hiddenSize: h,
  numLayers: layers,
  maxContextTokens: 8192,
  attention: { kind: 'gqa', numHeads: heads, numKvHeads: kv, headDim: qk, valueHeadDim: v, qkvBias: true },
  mlp: { intermediateSize: 4096, gated: true },
};
const mixed = specFromInput(input);
const { valueHeadDim: _v, ...sameWidth } = input.attention;
const plain = specFromInput({ ...input, attention: sameWidth });

describe('GQA value heads of their own width', () => {
  it('count q/k at 192 a head and v/o at 128, biases included', () => {
    // q_proj h·H·qk + k_proj h·K·qk + v_proj h·K·v + o_proj H·v·h, biases H·qk + K·qk + K·v.
    const perLayer = h * heads * qk + h * kv * qk + h * kv * v + heads * v * h + heads * qk + kv * (qk + v);
    expect(paramCount(mixed).breakdown.attention).toBe(layers * perLayer);
    expect(paramCount(plain).breakdown.attention - paramCount(mixed).breakdown.attention).toBe(
      layers * (h * kv * (qk - v) + heads * (qk - v) * h + kv * (qk - v)),
    );
  });

  it('cache keys of 192 and values of 128 per KV head', () => {
    expect(kvCacheBytes(mixed, 100, 'bf16').bytesPerToken).toBe(layers * kv * (qk + v) * 2);
  });

  it('score 2·heads·(qk + v) FLOPs per key, and the operation list agrees with FLOPs per token', () => {
    const ctx = 2048;
    const f = forwardFlopsPerToken(mixed, { attentionMode: 'decode', contextTokens: ctx }).breakdown;
    expect(f.attentionScores).toBe(layers * 2 * heads * (qk + v) * ctx);
    for (const tp of [1, 2]) expect(layoutFlopsRatio(mixed, request({ tp }))).toBeCloseTo(1, 9);
    // Decode GEMMs against 2 × the matmul weights: equal but for the biases and norms 6N counts (0.03%).
    expect(decodeGemmRatio(mixed)).toBeCloseTo(1, 3);
  });

  it('adapt q/k at the q/k width and v/o at the value width', () => {
    const lora = { method: 'lora', rank: 8, targets: ['q', 'k', 'v', 'o'] } as const;
    expect(adaptedMatrices(mixed, lora).map((m) => [m.module, m.inFeatures, m.outFeatures])).toEqual([
      ['q_proj', h, heads * qk],
      ['k_proj', h, kv * qk],
      ['v_proj', h, kv * v],
      ['o_proj', heads * v, h],
    ]);
  });

  it('save narrower values and attention outputs for the backward pass', () => {
    const layout = { ...DEFAULT_LAYOUT, recompute: 'none' } as const;
    const options = { seqLen: 1024, flashAttention: true, dropout: false };
    const kind = mixed.layers[0]!;
    const saved = (spec: typeof mixed) => activationBytesPerLayer(spec, kind, layout, options);
    expect(saved(mixed)).toBeLessThan(saved(plain));
  });

  it('a spec without valueHeadDim reads as before: values of headDim', () => {
    expect(plain.attention).not.toHaveProperty('valueHeadDim');
    expect(kvCacheBytes(plain, 100, 'bf16').bytesPerToken).toBe(layers * kv * 2 * qk * 2);
  });
});
