/**
 * HunyuanOCR (`hunyuan_vl`): the Hunyuan dense text model, nested in `text_config` or flat at the top
 * as Tencent's released configs keep it, and the HunYuanVL ViT with its perceive merger counted apart
 * (counts written from modular_hunyuan_vl.py's modules, not through the reader).
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;
const ocr = (): Cfg => structuredClone(hfFixture('hand-built/hunyuan-ocr')) as Cfg;

describe('hunyuan_vl (HunyuanOCR)', () => {
  it('the text model: Hunyuan dense with q/k RMSNorms of head_dim, tied: 539,010,048', () => {
    const spec = specFromHfConfig(ocr(), 'hunyuan-ocr');
    const h = 1024;
    const attention = h * 16 * 128 + 2 * h * 8 * 128 + 16 * 128 * h + 2 * 128;
    const layer = attention + 3 * h * 3584 + 2 * h;
    expect(paramCount(spec).totalParams).toBe(24 * layer + 120_818 * h + h);
    expect(paramCount(spec).totalParams).toBe(539_010_048);
    expect(spec.attention).toMatchObject({ kind: 'gqa', numKvHeads: 8, headDim: 128, qkNorm: 'per-head' });
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('the ViT and perceive merger: 457,198,064, about 1B with the text model (the card)', () => {
    const spec = specFromHfConfig(ocr(), 'hunyuan-ocr');
    const [h, I, t] = [1152, 4304, 1024];
    const embedding = 3 * 16 * 16 * h + h + (128 * 128 + 1) * h;
    const block = 4 * (h * h + h) + 2 * h * I + I + h + 4 * h;
    const merger = h + (h * 2 * h * 4 + 2 * h) + (2 * h * 4 * h + 4 * h) + 4 * h + (4 * h * t + t) + 4 * t;
    expect(spec.vision?.params).toBe(embedding + 27 * block + merger);
    expect(spec.vision?.params).toBe(457_198_064);
    expect(spec.vision?.flopsPerImage).toBeNull();
    expect((paramCount(spec).totalParams + (spec.vision?.params ?? 0)) / 1e9).toBeCloseTo(1.0, 2);
  });

  it("reads Tencent's flat layout (text keys at the top, as HunYuanVLConfig folds them) as the nested one", () => {
    const nested = ocr();
    const { text_config: text, ...rest } = nested;
    const flat = { ...rest, ...text, model_type: 'hunyuan_vl' };
    const a = specFromHfConfig(nested, 'n');
    const b = specFromHfConfig(flat, 'f');
    expect(paramCount(b)).toEqual(paramCount(a));
    expect(b.vision).toEqual(a.vision);
  });
});
