/**
 * InternLM3 (`internlm3`): Llama's layer with separate q/k/v/o, biases per `qkv_bias` (q, k, v) and
 * `bias` (o and the SwiGLU MLP), untied lm_head (remote modeling_internlm3.py), on the released
 * internlm3-8b-instruct config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { internlm3 } from './internlm3.js';

const released = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/hf-configs/hand-built/internlm3-8b-instruct.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;
const read = (json: Record<string, unknown>) => internlm3(new Fields(json, 'internlm3'), 'x');

describe('InternLM3', () => {
  const h = 4096;
  const vocab = 128_512;
  const q = 32 * 128;
  const kv = 2 * 128;
  const inter = 10_240;

  it('internlm3-8b-instruct: 8,804,241,408 parameters, 48 layers of 2 KV heads × 128 in the cache', () => {
    const spec = read(released);
    // q and o of the query width, k and v of two heads, the SwiGLU MLP, two RMSNorms; no biases.
    const layer = 2 * h * q + 2 * h * kv + 3 * h * inter + 2 * h;
    const total = 48 * layer + h + 2 * vocab * h;
    expect(paramCount(spec).totalParams).toBe(total);
    expect(total).toBe(8_804_241_408);
    expect(spec.tieWordEmbeddings).toBe(false);
    expect(spec.maxContextTokens).toBe(32_768);
    // K and V, 2 heads × 128, bf16, on every layer.
    expect(kvCacheBytes(spec, 32_768, 'bf16').bytesPerSequence).toBe(48 * 2 * kv * 2 * 32_768);
  });

  it('qkv_bias biases q, k and v; bias biases o, gate, up and down', () => {
    const base = paramCount(read(released)).totalParams;
    expect(paramCount(read({ ...released, qkv_bias: true })).totalParams).toBe(base + 48 * (q + 2 * kv));
    expect(paramCount(read({ ...released, bias: true })).totalParams).toBe(base + 48 * (h + 2 * inter + h));
    // Llama's attention_bias does not apply.
    expect(paramCount(read({ ...released, attention_bias: true })).totalParams).toBe(base);
  });

  it('reads a bare config with InternLM3Config defaults', () => {
    const spec = read({ model_type: 'internlm3' });
    const layer = 4 * h * h + 3 * h * 11_008 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(32 * layer + h + 2 * vocab * h);
    expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(32 * 2 * h * 2);
  });

  it('names the field on bad input', () => {
    expect(() => read({ ...released, qkv_bias: 'yes' })).toThrow(/'qkv_bias' must be true or false/);
    expect(() => read({ ...released, num_key_value_heads: 3 })).toThrow(/num_key_value_heads/);
  });
});
