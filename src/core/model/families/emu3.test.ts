/**
 * BAAI Emu3 (`emu3`): Llama's decoder over a vocabulary with visual tokens, and the VQ-VAE image
 * tokenizer counted apart as the vision tower (emu3.ts, modeling_emu3.py), on Emu3Config's defaults
 * (the shape convert_emu3_weights_to_hf.py builds Emu3-Chat-hf from).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { emu3, emu3Text } from './emu3.js';
import { Fields } from './fields.js';

const config = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/hf-configs/hand-built/emu3.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

// 32 layers of width 4096: q and o of 32 heads × 128, k and v of 8, a SwiGLU of 14,336, two RMSNorms.
const h = 4096;
const textParams = 32 * (2 * h * h + 2 * h * 1024 + 3 * h * 14_336 + 2 * h) + h + 2 * 184_622 * h;

/** The default VQ-VAE, module by module: widths 256, 512, 512, 1024, attention (1,024 wide) on the last stage. */
function vqParams(): number {
  const conv = (i: number, o: number, taps: number) => i * o * taps + o;
  const gn = (c: number) => 2 * c;
  const sn = (c: number) => 2 * c + 2 * conv(4, c, 1);
  const res = (i: number, o: number, norm: (c: number) => number) =>
    norm(i) + norm(o) + conv(i, o, 9) + conv(o, o, 9) + (i === o ? 0 : conv(i, o, 1));
  const attn = 4 * (1024 * 1024 + 1024);
  const temporalRes = 2 * 2 * 4 + 2 * conv(4, 4, 27);
  const encoder =
    conv(3, 256, 9) +
    2 * res(256, 256, gn) +
    conv(256, 256, 9) +
    res(256, 512, gn) +
    res(512, 512, gn) +
    conv(512, 512, 9) +
    2 * res(512, 512, gn) +
    conv(512, 512, 9) +
    res(512, 1024, gn) +
    res(1024, 1024, gn) +
    2 * (attn + gn(1024)) +
    (2 * res(1024, 1024, gn) + attn + gn(1024)) +
    gn(1024) +
    conv(1024, 4, 9) +
    2 * conv(4, 4, 4 * 3 * 3) +
    2 * temporalRes;
  const decoder =
    2 * temporalRes +
    2 * conv(4, 4, 27) +
    conv(4, 1024, 9) +
    (2 * res(1024, 1024, sn) + attn + sn(1024)) +
    3 * (res(1024, 1024, sn) + attn + sn(1024)) +
    conv(1024, 1024, 9) +
    res(1024, 512, sn) +
    2 * res(512, 512, sn) +
    conv(512, 512, 9) +
    3 * res(512, 512, sn) +
    conv(512, 512, 9) +
    res(512, 256, sn) +
    2 * res(256, 256, sn) +
    sn(256) +
    conv(256, 3, 9);
  return encoder + decoder + 32_768 * 4 + 2 * conv(4, 4, 3);
}

describe('Emu3', () => {
  it('Emu3-Chat-hf: 8,492,011,520 in the text model and 270,740,287 in the VQ-VAE', () => {
    const spec = emu3(new Fields(config, 'emu3'), 'emu3');
    expect(paramCount(spec).totalParams).toBe(textParams);
    expect(paramCount(spec).totalParams).toBe(8_492_011_520);
    expect(spec.vision?.params).toBe(vqParams());
    expect(spec.vision?.params).toBe(270_740_287);
    expect(spec.vision?.patchSize).toBe(8);
    expect(spec.tieWordEmbeddings).toBe(false);
    // Every layer attends to the whole context: 8 KV heads of 128 on 32 layers.
    expect(kvCacheBytes(spec, 9216, 'bf16').bytesPerSequence).toBe(32 * 2 * 8 * 128 * 2 * 9216);
  });

  it('reads bare configs with the class defaults', () => {
    expect(paramCount(emu3Text(new Fields({}, 'emu3_text_model'), 'bare')).totalParams).toBe(textParams);
    const bare = emu3(new Fields({ model_type: 'emu3' }, 'emu3'), 'bare');
    expect(paramCount(bare).totalParams).toBe(textParams);
    expect(bare.vision?.params).toBe(270_740_287);
  });

  it("refuses a VQ attention width that is not its stage's", () => {
    const vq = config.vq_config as Record<string, unknown>;
    const bad = { ...config, vq_config: { ...vq, hidden_size: 512 } };
    expect(() => emu3(new Fields(bad, 'emu3'), 'x')).toThrow(
      /vq_config\.hidden_size.*\(512\) must be the width of stage 3 its attention runs on \(base_channels × 4 = 1024\)/,
    );
  });
});
