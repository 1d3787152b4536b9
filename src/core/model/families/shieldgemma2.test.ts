/**
 * ShieldGemma 2 (`shieldgemma2`, shieldgemma2.ts): Gemma3ForConditionalGeneration of the released
 * 4B config, its gemma3_text decoder (5 sliding layers to 1 global), SigLIP-so400m tower and
 * projector from the module shapes; the yes/no token rows refused by name when out of the vocabulary.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { FAMILIES } from './index.js';
import type { Family } from './readers.js';
import { shieldGemma2Wrapper } from './shieldgemma2.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/shieldgemma-2-4b-it.json', import.meta.url),
      'utf8',
    ),
  ) as Cfg;

const read = (json: Cfg, familyOf = (t: string) => (FAMILIES as Record<string, Family>)[t]) =>
  shieldGemma2Wrapper(familyOf)(new Fields(json, 'shieldgemma2'), 'x');

// Gemma 3 4B: 262,208 tokens, width 2560, MLP 10240, 34 layers of 8 query and 4 KV heads of 256.
const [V, H, I, L, heads, kvHeads, d] = [262_208, 2560, 10_240, 34, 8, 4, 256];
// SigLIP so400m at 896 px, patch 14: 64 × 64 patches, no class token.
const [h, inter, depth, patch, patches] = [1152, 4304, 27, 14, 64 * 64];

/** Tied embedding; q/k/v/o, gate/up/down, q and k norms of head_dim, four RMSNorms a layer; final norm. */
const layer = H * (heads + 2 * kvHeads) * d + heads * d * H + 3 * H * I + 2 * d + 4 * H;
const text = V * H + L * layer + H;
/** SiglipVisionModel: biased patch conv, position table, blocks, post-LayerNorm; projector RMSNorm and h → H. */
const block = 2 * 2 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h);
const vision = 3 * patch * patch * h + h + patches * h + depth * block + 2 * h + (h + h * H);

describe('shieldgemma2 (ShieldGemma 2 4B)', () => {
  it('text 3,880,263,168 + SigLIP and projector 419,816,304 = 4,300,079,472', () => {
    const spec = read(fixture());
    expect(spec.modelType).toBe('shieldgemma2');
    expect(paramCount(spec).totalParams).toBe(text);
    expect(text).toBe(3_880_263_168);
    expect(spec.vision?.params).toBe(vision);
    expect(text + vision).toBe(4_300_079_472);
    expect(spec.tieWordEmbeddings).toBe(true);
    expect(spec.vision?.description).toBe('SigLIP 27 × 1152, 896px, patch 14 (4096 patches → 256 tokens)');
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('KV cache: 29 sliding layers keep 1,024 tokens, the 5 global layers (every sixth) the whole context', () => {
    const spec = read(fixture());
    const context = 8192;
    const perTokenLayer = 2 * kvHeads * d * 2;
    const kv = kvCacheBytes(spec, context, 'bf16');
    expect(kv.slidingLayers).toBe(29);
    expect(kv.fullLayers).toBe(5);
    expect(kv.bytesPerSequence).toBe(29 * 1024 * perTokenLayer + 5 * context * perTokenLayer);
  });

  it('refuses a yes/no token past the vocabulary, naming the field', () => {
    expect(() => read({ ...fixture(), yes_token_index: V })).toThrowError(
      /'yes_token_index' \(262208\) exceeds/,
    );
    expect(() => read({ ...fixture(), no_token_index: -1 })).toThrowError(/'no_token_index'/);
  });

  it("refuses when the registry has no 'gemma3' family to read it as", () => {
    expect(() => read(fixture(), () => undefined)).toThrowError(/'model_type' reads as 'gemma3'/);
  });
});
