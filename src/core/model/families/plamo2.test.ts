/**
 * PLaMo 2 (`plamo2`): Mamba and sliding-window attention layers alternating per `mamba_step`, four
 * RMSNorms a layer, the Mamba mixer as the selective form with Δ per head (plamo2.ts): parameters,
 * KV, state and the operation list, on plamo-2-1b's config.json and on variants of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes, recurrentStateBytes } from '../kv-cache.js';
import { stateSpaceScanFlopsPerToken } from '../layer-kinds.js';
import { layerOperations } from '../operations.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { plamo2 } from './plamo2.js';

const PLAMO2_1B = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/plamo-2-1b.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

const read = (json: Record<string, unknown>) => plamo2(new Fields(json, 'plamo2'), 'x');

interface Shape {
  readonly h: number;
  readonly layers: number;
  readonly heads: number;
  readonly kv: number;
  readonly hd: number;
  readonly mambaHeads: number;
  readonly n: number;
  readonly k: number;
  readonly inter: number;
  readonly vocab: number;
}

const ONE_B: Shape = {
  h: 2048,
  layers: 16,
  heads: 16,
  kv: 1,
  hd: 128,
  mambaHeads: 32,
  n: 64,
  k: 4,
  inter: 8192,
  vocab: 100_000,
};

/** The exact weights of Plamo2ForCausalLM (vLLM plamo2.py) at `s`, mamba_step 2, tied embeddings. */
function plamoShapes(s: Shape) {
  const mamba = s.layers / 2;
  const attentionLayers = s.layers - mamba;
  // Plamo2AttentionMixer: qkv_proj, o_proj, q_weight [heads, hd], k_weight [kv, hd].
  const attention = s.h * (s.heads + 2 * s.kv) * s.hd + s.heads * s.hd * s.h + (s.heads + s.kv) * s.hd;
  // Plamo2MambaMixer: in_proj, conv1d (no bias), bcdt_proj, dt_proj, A_log / D / dt_bias, the dt / B / C
  // norms, out_proj.
  const inner = s.mambaHeads * s.hd;
  const rank = Math.max(64, Math.floor(s.h / 16));
  const bcdt = inner * (rank + 2 * s.n) + rank * s.mambaHeads;
  const mixer = s.h * 2 * inner + inner * s.k + bcdt + 3 * s.mambaHeads + (rank + 2 * s.n) + inner * s.h;
  // DenseMLP gate_up_proj + down_proj; four RMSNorms of h per layer.
  const layer = 3 * s.h * s.inter + 4 * s.h;
  const total = s.layers * layer + attentionLayers * attention + mamba * mixer + s.vocab * s.h + s.h;
  return { total, mamba, attentionLayers, inner, rank };
}

describe('PLaMo 2', () => {
  it('plamo-2-1b: 8 Mamba + 8 sliding attention layers, exactly 1,291,441,920', () => {
    const spec = read(PLAMO2_1B);
    const shapes = plamoShapes(ONE_B);
    expect(shapes.total).toBe(1_291_441_920);
    expect(paramCount(spec).totalParams).toBe(shapes.total);
    expect(spec.layers.map((l) => l.attention)).toEqual(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 1 ? 'sliding' : 'mamba')),
    );
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.attention).toMatchObject({ numKvHeads: 1, headDim: 128, qkNorm: 'full', fusedQkv: true });
    expect(spec.warnings).toHaveLength(1);
    expect(spec.warnings?.[0]).toMatch(/keep the last 2,048 tokens/);
    // 8 attention layers keep at most 2,048 tokens of one KV head of 128 (BF16).
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(8 * 2048 * 2 * 128 * 2);
    // vLLM mamba2_state_shape(n_groups=0): conv (K − 1)·d_in, SSM heads·hd·N.
    const state = recurrentStateBytes(spec);
    expect(state.stateBytesPerSequence).toBe(8 * 32 * 128 * 64 * 2);
    expect(state.convBytesPerSequence).toBe(8 * 3 * shapes.inner * 2);
  });

  it("a Mamba layer's operations: in_proj to 2·d_in, bcdt_proj, dt_proj to the heads, the SSD scan", () => {
    const spec = read(PLAMO2_1B);
    const s = spec.stateSpace!;
    const ops = layerOperations(spec, spec.layers[0]!, {
      phase: 'forward',
      shape: { sequences: 1, tokensPerSequence: 4096, contextTokens: 4096 },
      layout: { tensorParallel: 1, contextParallel: 1, expertParallel: 1, sequenceParallel: false },
      datatype: 'bf16',
      gemmInputBytes: 2,
    });
    const gemms = Object.fromEntries(ops.flatMap((o) => (o.type === 'gemm' ? [[o.name, [o.n, o.k]]] : [])));
    const inner = 32 * 128;
    const rank = 128; // max(64, 2048 / 16)
    expect(gemms).toMatchObject({
      in_proj: [2 * inner, 2048],
      x_proj: [rank + 2 * 64, inner],
      dt_proj: [32, rank],
      out_proj: [2048, inner],
    });
    const scan = ops.find((o) => o.type === 'mixer' && o.kernel !== 'causal-conv1d');
    expect(scan).toMatchObject({ kernel: 'ssd', flops: 4096 * stateSpaceScanFlopsPerToken(s, 'causal') });
    // SSD with one group: the chunked form's FLOPs per token (Dao & Gu 2024 Sec. 6).
    const q = s.chunkTokens;
    expect(stateSpaceScanFlopsPerToken(s, 'causal')).toBe(2 * (32 * (q * 128 + 2 * 64 * 128) + q * 64));
  });

  it('full_attention_idx layers attend to everything; mamba_enabled false makes every layer attend', () => {
    const spec = read({ ...PLAMO2_1B, full_attention_idx: [15] });
    expect(spec.layers[15]?.attention).toBe('full');
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe((7 * 2048 + 32_768) * 2 * 128 * 2);
    const dense = read({ ...PLAMO2_1B, mamba_enabled: false });
    expect(dense.stateSpace).toBeNull();
    expect(dense.layers.every((l) => l.attention === 'sliding')).toBe(true);
  });

  it('reads a config without the keys PlamoConfig defaults at its class defaults', () => {
    const spec = read({ model_type: 'plamo2' });
    const s: Shape = { ...ONE_B, h: 4096, layers: 32, heads: 32, kv: 4, mambaHeads: 64, inter: 13_312 };
    const shapes = plamoShapes({ ...s, vocab: 32_000 });
    expect(paramCount(spec).totalParams).toBe(shapes.total);
    expect(spec.slidingWindow).toBe(2048);
  });

  it('refuses a mamba_step below 2 and a full_attention_idx past the last layer, naming the field', () => {
    expect(() => read({ ...PLAMO2_1B, mamba_step: 1 })).toThrow(/mamba_step/);
    expect(() => read({ ...PLAMO2_1B, full_attention_idx: [16] })).toThrow(/full_attention_idx/);
  });
});
