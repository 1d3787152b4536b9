/**
 * RWKV-4 (`rwkv`, transformers RwkvForCausalLM) and RWKV-7 (`rwkv7`, fla RWKV7ForCausalLM) read
 * exactly: totals derived here from every module's shape and checked against the published counts
 * (RWKV-4 169M, 14B; RWKV-7 World 1.5B, 2.9B), the state per sequence, layer 0 without v_lora, and
 * bad inputs named by field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InputError } from '../../errors.js';
import { recurrentStateBytes } from '../kv-cache.js';
import { describeLayerMix } from '../layer-mix.js';
import { paramCount } from '../param-count.js';
import { Fields, type Json } from './fields.js';
import { rwkv, rwkv7 } from './rwkv.js';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../../../../test/fixtures/hf-configs/hand-built/${name}.json`, import.meta.url),
      'utf8',
    ),
  );
const pile169m = fixture('rwkv-4-169m-pile');
const world15b = fixture('rwkv7-1.5b-world');

/** RwkvModel: embeddings, per block ln1, ln2, the time mix and channel mix; ln0 (pre_ln) once, ln_out, head. */
function rwkv4Total(V: number, h: number, L: number, I: number): number {
  const attention = 4 * h * h + 2 * h + 3 * h; // key, value, receptance, output; time_decay, time_first; time_mix ×3
  const feedForward = h * I + I * h + h * h + 2 * h; // key, value, receptance; time_mix ×2
  return V * h + L * (attention + feedForward + 2 * 2 * h) + 2 * h + 2 * h + h * V;
}

/** RWKV7ForCausalLM: embeddings, per block attn_norm, ffn_norm, RWKV7Attention, RWKV7FeedForward; pre_norm, norm, lm_head. */
function rwkv7Total(
  V: number,
  h: number,
  L: number,
  I: number,
  r: { w: number; a: number; v: number; g: number },
) {
  const lora = (rank: number, out: number, bias: boolean) => h * rank + rank * out + (bias ? out : 0);
  const attention =
    6 * h + 3 * h + 4 * h * h + lora(r.w, h, true) + lora(r.a, h, true) + lora(r.g, h, false) + 2 * h;
  const feedForward = h + 2 * h * I;
  const valueLora = lora(r.v, h, true); // every layer but 0
  return V * h + L * (attention + feedForward + 2 * 2 * h) + (L - 1) * valueLora + 2 * h + 2 * h + h * V;
}

const issues = (family: typeof rwkv, json: Json, type: string) => {
  try {
    family(new Fields(json, type), 'x');
  } catch (e) {
    return (e as InputError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  return [];
};

describe('rwkv (RWKV-4)', () => {
  it('169M Pile: every module counted, 169,342,464 parameters', () => {
    const spec = rwkv(new Fields(pile169m, 'rwkv'), 'rwkv-4-169m-pile');
    expect(paramCount(spec).totalParams).toBe(rwkv4Total(50_277, 768, 12, 3072));
    expect(paramCount(spec).totalParams).toBe(169_342_464);
    expect(spec.maxContextTokens).toBe(1024);
    expect(describeLayerMix(spec)).toBe('12 layers: 12 linear (RWKV-4 time mix); dense MLP on 12 layers');
    // num, den, max per channel in FP32 and the two token shifts at BF16, per layer.
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(12 * (3 * 768 * 4 + 2 * 768 * 2));
  });

  it('Raven 14B (class defaults: A = h, I = 4·h): 14,148,597,760 parameters', () => {
    const raven = { ...pile169m, hidden_size: 5120, num_hidden_layers: 40 };
    delete raven.attention_hidden_size;
    delete raven.intermediate_size;
    expect(paramCount(rwkv(new Fields(raven, 'rwkv'), 'rwkv-raven-14b')).totalParams).toBe(
      rwkv4Total(50_277, 5120, 40, 20_480),
    );
    expect(rwkv4Total(50_277, 5120, 40, 20_480)).toBe(14_148_597_760);
  });

  it('names the field it refuses', () => {
    expect(issues(rwkv, { ...pile169m, attention_hidden_size: 512 }, 'rwkv')).toEqual([
      "attention_hidden_size: 'attention_hidden_size' (512) must equal hidden_size (768): llmecon sizes the WKV state by it",
    ]);
    expect(issues(rwkv, { ...pile169m, intermediate_size: 0 }, 'rwkv')[0]).toMatch(/^intermediate_size: /);
  });
});

describe('rwkv7 (RWKV-7 Goose)', () => {
  const ranks15 = { w: 96, a: 96, v: 64, g: 256 };
  it('World 1.5B: every module counted, layer 0 without v_lora, 1,527,404,544 parameters', () => {
    const spec = rwkv7(new Fields(world15b, 'rwkv7'), 'rwkv7-1.5b-world');
    expect(paramCount(spec).totalParams).toBe(rwkv7Total(65_536, 2048, 24, 8192, ranks15));
    expect(paramCount(spec).totalParams).toBe(1_527_404_544);
    expect(spec.layers[0]).toMatchObject({ valueFirst: true });
    expect(spec.linearAttention).toMatchObject({ numValueHeads: 32, keyHeadDim: 64, chunkTokens: 16 });
    // 32 heads of 64 × 64 in FP32 and the two token shifts at BF16, per layer.
    expect(recurrentStateBytes(spec).bytesPerSequence).toBe(24 * (32 * 64 * 64 * 4 + 2 * 2048 * 2));
  });

  it('World3 2.9B (h 2560, 32 layers, g_lora 320): 2,947,735,040 parameters', () => {
    const json = {
      ...world15b,
      hidden_size: 2560,
      num_hidden_layers: 32,
      intermediate_size: 10_240,
      gate_low_rank_dim: 320,
    };
    const total = rwkv7Total(65_536, 2560, 32, 10_240, { ...ranks15, g: 320 });
    expect(paramCount(rwkv7(new Fields(json, 'rwkv7'), 'rwkv7-2.9b')).totalParams).toBe(total);
    expect(total).toBe(2_947_735_040);
  });

  it('intermediate_size absent: h · hidden_ratio rounded up to 32; norm_bias false drops the LayerNorms’ biases', () => {
    const { intermediate_size: _i, ...rest } = world15b;
    expect(rwkv7(new Fields({ ...rest, hidden_ratio: 3.5 }, 'rwkv7'), 'x').mlp.intermediateSize).toBe(7168);
    const biasFree = rwkv7(new Fields({ ...world15b, norm_bias: false }, 'rwkv7'), 'x');
    expect(paramCount(biasFree).totalParams).toBe(1_527_404_544 - (2 * 24 + 2) * 2048);
  });

  it('names the field it refuses', () => {
    expect(issues(rwkv7, { ...world15b, attn: { layers: [1], num_heads: 32 } }, 'rwkv7')).toEqual([
      "attn: 'attn' sets hybrid softmax-attention layers, which are not read: leave it null",
    ]);
    expect(issues(rwkv7, { ...world15b, head_dim: 48 }, 'rwkv7')).toEqual([
      "head_dim: 'head_dim' must divide hidden_size (2048) into whole heads",
    ]);
    expect(issues(rwkv7, { ...world15b, value_dim: [2048, 4096] }, 'rwkv7')[0]).toMatch(/^value_dim: /);
    expect(issues(rwkv7, { ...world15b, decay_low_rank_dim: 0 }, 'rwkv7')[0]).toMatch(
      /^decay_low_rank_dim: /,
    );
  });
});
