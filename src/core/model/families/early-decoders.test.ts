/**
 * BLOOM (`bloom`), OPT (`opt`), DBRX (`dbrx`) and LLaVA (`llava`, `llava_next`, `llava_onevision`): totals against the published
 * counts, the parts their keys name (OPT-350M's projected embeddings), and the shapes refused rather than guessed.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { forwardFlopsPerToken, trainingFlopsPerToken } from '../flops.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const fixture = (name: string): Cfg => structuredClone(hfFixture(`hand-built/${name}`)) as Cfg;

describe('BLOOM, OPT and DBRX', () => {
  it('BLOOM-176B counts to its published 176,247,271,424: 12h² + 13h per layer, embedding and its LayerNorm', () => {
    const spec = specFromHfConfig(fixture('bloom'), 'b');
    const h = 14_336;
    const layer = 12 * h * h + 13 * h;
    const p = paramCount(spec);
    expect(p.totalParams).toBe(70 * layer + 250_880 * h + 2 * (2 * h));
    expect(p.totalParams).toBe(176_247_271_424);
    expect(spec.learnedPositionEmbeddings).toBe(0);
    expect(spec.maxContextTokens).toBe(2048);
  });

  it('OPT-125M counts to 125,239,296 (positions 2,050 × 768); OPT-6.7B to 6.66B', () => {
    expect(paramCount(specFromHfConfig(fixture('opt-125m'), 'o')).totalParams).toBe(125_239_296);
    const big = {
      ...fixture('opt-125m'),
      hidden_size: 4096,
      ffn_dim: 16_384,
      num_attention_heads: 32,
      num_hidden_layers: 32,
      word_embed_proj_dim: 4096,
    };
    expect(paramCount(specFromHfConfig(big, 'o')).totalParams / 1e9).toBeCloseTo(6.66, 2);
  });

  it('OPT-350M counts to its published 331,196,416: a 512-wide table and head, project_in/out, no final norm', () => {
    // facebook/opt-350m config.json: hidden 1024, word_embed_proj_dim 512, 24 layers, 16 heads, FFN
    // 4096, post-norm (do_layer_norm_before false).
    const c = {
      ...fixture('opt-125m'),
      hidden_size: 1024,
      word_embed_proj_dim: 512,
      num_attention_heads: 16,
      num_hidden_layers: 24,
      ffn_dim: 4096,
      do_layer_norm_before: false,
    };
    const spec = specFromHfConfig(c, 'o');
    const p = paramCount(spec);
    const h = 1024;
    expect(p.breakdown.embedding).toBe(50_272 * 512);
    // Tied head: only project_in (512 → 1024) and project_out (1024 → 512).
    expect(p.breakdown.head).toBe(2 * 512 * h);
    expect(p.totalParams).toBe(331_196_416);
    // The head multiplies at 512 wide; the projections run on every token.
    const f = forwardFlopsPerToken(spec, { attentionMode: 'causal', contextTokens: 2048 });
    expect(f.breakdown.head).toBe(2 * 50_272 * 512 + 2 * 2 * 512 * h);
    expect(trainingFlopsPerToken(spec, 2048).sixN / 6).toBe(
      p.activeParams - p.breakdown.embedding - p.breakdown.positionEmbedding + 50_272 * 512,
    );
  });

  it('DBRX: 132B total, 36B active, GQA 48/8 heads from attn_config, 16 GLU experts top-4', () => {
    const spec = specFromHfConfig(fixture('dbrx-base'), 'd');
    const p = paramCount(spec);
    expect(p.totalParams / 1e9).toBeCloseTo(131.6, 1);
    expect(p.activeParams / 1e9).toBeCloseTo(36.5, 1);
    expect(kvCacheBytes(spec, 1000, 'bf16').bytesPerToken).toBe(40 * 2 * 8 * 128 * 2);
    expect(spec.moe).toMatchObject({ numExperts: 16, topK: 4, expertIntermediateSize: 10_752 });
    const { ffn_config: _ffn, ...bare } = fixture('dbrx-base');
    expect(() => specFromHfConfig(bare, 'd')).toThrowError(/ffn_config.*is required/);
    const tooMany = {
      ...fixture('dbrx-base'),
      ffn_config: { ...fixture('dbrx-base').ffn_config, moe_top_k: 20 },
    };
    expect(() => specFromHfConfig(tooMany, 'd')).toThrowError(/ffn_config.moe_top_k/);
  });

  it("LLaVA 1.5 7B: a text_config of LlamaConfig defaults (6.74B) and a CLIP ViT-L/14-336 tower with its projector (324.5M): the card's 7.06B", () => {
    const spec = specFromHfConfig(fixture('llava-1.5-7b-hf'), 'l');
    expect(paramCount(spec).totalParams).toBe(6_738_939_904);
    const h = 1024;
    const clip =
      3 * 14 * 14 * h + h + 577 * h + 2 * h + 24 * (4 * h + 4 * h * h + 2 * h * 4096 + 4096 + 5 * h) + 2 * h;
    const projector = h * 4096 + 4096 + 4096 * 4096 + 4096;
    expect(spec.vision?.params).toBe(clip + projector);
    expect(paramCount(spec).totalParams + (spec.vision?.params ?? 0)).toBe(7_063_427_072);
    expect(spec.vision?.description).toMatch(/CLIP 24 × 1024, 336px, patch 14 \(576 tokens\)/);
  });

  it('LLaVA-NeXT (CLIP, anyres, image_newline) 7.57B and LLaVA-OneVision (SigLIP at 384 px: 27 × 27 patches) 8.03B', () => {
    const next = specFromHfConfig(fixture('llava-v1.6-mistral-7b-hf'), 'n');
    expect(paramCount(next).totalParams).toBe(7_242_256_384);
    expect(next.vision?.params).toBe(324_487_168 + 4096);
    expect(next.vision?.flopsPerImage).toBeNull();
    const ov = specFromHfConfig(fixture('llava-onevision-qwen2-7b-ov-hf'), 'o');
    const h = 1152;
    const block = 4 * h + 4 * h * h + 2 * h * 4304 + 4 * h + 4304 + h;
    const tower = 3 * 14 * 14 * h + h + 729 * h + 26 * block + 2 * h;
    const projector = h * 3584 + 3584 + 3584 * 3584 + 3584;
    expect(ov.vision?.params).toBe(tower + projector + 3584);
    expect((paramCount(ov).totalParams + ov.vision!.params) / 1e9).toBeCloseTo(8.03, 2);
    expect(ov.vision?.description).toMatch(
      /^SigLIP 26 × 1152, 384px, patch 14 \(anyres tiles of 729 tokens\)/,
    );
  });
});
