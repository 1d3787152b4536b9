/**
 * GLM-OCR (`glm_ocr`, `glm_ocr_text`), glm-ocr.ts: totals derived here from the modules of transformers
 * `models/glm_ocr/modeling_glm_ocr.py` (and vLLM `glm_ocr_mtp.py` for the MTP layer); fixture
 * `hand-built/glm-ocr.json`, zai-org/GLM-OCR's released config.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';
import { Fields } from './fields.js';
import { glmOcr, glmOcrText } from './glm-ocr.js';

// biome-ignore lint/suspicious/noExplicitAny: raw config.json values
type Cfg = Record<string, any>;

const base = (): Cfg =>
  JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/hf-configs/hand-built/glm-ocr.json', import.meta.url),
      'utf8',
    ),
  );
const read = (c: Cfg) => glmOcr(new Fields(c, 'glm_ocr'), 'x');

// The released text model.
const [h, vocab, layers, inter] = [1536, 59_392, 16, 4608];
const [heads, kvHeads, headDim] = [16, 8, 128];
// GlmOcrTextAttention: q/k/v/o without bias.
const attention = h * heads * headDim + 2 * h * kvHeads * headDim + heads * headDim * h;
// GlmOcrTextMLP: gate_up_proj h → 2I and down_proj I → h, no bias.
const mlp = h * 2 * inter + inter * h;
// input_layernorm, post_self_attn_layernorm, post_attention_layernorm, post_mlp_layernorm.
const layer = attention + mlp + 4 * h;
// embed_tokens, the layers, norm, an untied lm_head.
const text = vocab * h + layers * layer + h + vocab * h;
// MTP (layers.16): enorm, hnorm, eh_proj 2h → h, one decoder layer, shared_head.norm.
const mtp = 2 * h + 2 * h * h + layer + h;

// The released vision tower.
const [vh, depth, vInter, out, patch, merge, channels, temporal] = [1024, 24, 4096, 1536, 14, 2, 3, 2];
const vHeadDim = vh / 16;
const vAttention = vh * 3 * vh + 3 * vh + (vh * vh + vh) + 2 * vHeadDim; // qkv, proj (bias), q_norm, k_norm
const vMlp = 3 * vh * vInter + 2 * vInter + vh; // gate, up, down with bias
const vBlock = 2 * vh + vAttention + vMlp; // norm1, norm2
const patchEmbed = channels * temporal * patch * patch * vh + vh;
const downsample = vh * out * merge * merge + out;
const context = out * channels;
const merger = out * out + 2 * out + (2 * out * context + context * out); // proj, LayerNorm, SwiGLU
const vision = patchEmbed + depth * vBlock + vh + downsample + merger; // + post_layernorm

describe('GLM-OCR', () => {
  it('counts the released text model, its MTP layer apart, and the vision tower apart', () => {
    const spec = read(base());
    const p = paramCount(spec);
    expect(p.totalParams).toBe(text);
    expect(p.totalParams).toBe(673_285_632);
    expect(p.mtpParams).toBe(mtp);
    expect(p.visionParams).toBe(vision);
    expect(spec.modelType).toBe('glm_ocr');
    expect(spec.numMtpModules).toBe(1);
    expect(spec.norm.perLayer).toBe(4);
    expect(spec.attention).toMatchObject({ qkvBias: false, outputBias: false });
    expect(spec.mlp).toMatchObject({ gated: true, fusedGateUp: true, bias: false });
    expect(spec.vision?.description).toBe('GLM-OCR ViT 24 × 1024, patch 14, merge 2×2');
    expect(spec.warnings ?? []).toHaveLength(0);
  });

  it('caches keys and values of the 8 KV heads on every layer', () => {
    expect(kvCacheBytes(read(base()), 4096, 'bf16').bytesPerToken).toBe(layers * 2 * kvHeads * headDim * 2);
  });

  it('ignores attention_bias on q/k/v, and drops the vision biases with attention_bias false', () => {
    const c = base();
    c.text_config.attention_bias = true;
    c.vision_config.attention_bias = false;
    const p = paramCount(read(c));
    expect(p.totalParams).toBe(text);
    expect(p.visionParams).toBe(vision - depth * (4 * vh + 2 * vInter + vh));
  });

  it('fills omitted keys with the class defaults', () => {
    // GlmOcrTextConfig and GlmOcrVisionConfig defaults: no head_dim (hidden / heads = 64), no MTP.
    const spec = read({ model_type: 'glm_ocr', text_config: {}, vision_config: {} });
    const [dh, dInter, dVocab] = [1024, 4096, 59_392];
    const dAttention = dh * dh + 2 * dh * 8 * 64 + dh * dh;
    const dLayer = dAttention + 3 * dh * dInter + 4 * dh;
    const p = paramCount(spec);
    expect(p.totalParams).toBe(2 * dVocab * dh + 16 * dLayer + dh);
    expect(p.mtpParams).toBe(0);
    expect(p.visionParams).toBe(vision);
    const flat = glmOcrText(new Fields({ ...base().text_config }, 'glm_ocr_text'), 'x');
    expect(paramCount(flat).totalParams).toBe(text);
  });

  it('refuses a vision width not divisible by its heads, naming the field', () => {
    const c = base();
    c.vision_config.num_heads = 7;
    expect(() => read(c)).toThrow(/vision_config\.hidden_size/);
    const t = base();
    t.text_config.num_hidden_layers = 0;
    expect(() => read(t)).toThrow(/text_config\.num_hidden_layers/);
  });
});
