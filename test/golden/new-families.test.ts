/**
 * The 14 real 2025–26 configs in test/fixtures/hf-configs (provenance in its README) and the
 * hand-built ones: total and active parameters against an independent tensor-by-tensor enumeration
 * of the Hugging Face modules (test/hf-tensors.ts, written from the modelling code, straight from
 * config.json, not through ModelSpec), against the publishers' figures, and KV bytes per token
 * against hand-derived values.
 */
import { describe, expect, it } from 'vitest';
import { specFromHfConfig } from '../../src/core/model/hf-config.js';
import { kvCacheBytes, recurrentStateBytes } from '../../src/core/model/kv-cache.js';
import { paramCount } from '../../src/core/model/param-count.js';
import { hfFixture } from '../hf-fixtures.js';
import {
  type Cfg,
  dsaTensors,
  gemma3Tensors,
  gqaKv,
  type Kv,
  llama4Tensors,
  minimaxTensors,
  mistralTensors,
  mlaKv,
  nemotronHTensors,
  qwen3VlTensors,
  qwen35Tensors,
  qwenVisionTensors,
  Tensors,
} from '../hf-tensors.js';
import {
  apertusTensors,
  ernie45MoeTensors,
  falconH1Tensors,
  glm4vMoeTextTensors,
  hunyuanTensors,
  kimiLinearTensors,
  lfm2Tensors,
} from '../hf-tensors-2026.js';

const fixture = (name: string): Cfg => hfFixture(name);

interface Case extends Kv {
  readonly enumerate: (c: Cfg) => Tensors;
  /** Published total / active (billions), the source, and the convention for active. */
  readonly published?: {
    readonly total: number;
    readonly active?: number;
    readonly source: string;
    /** What the publisher's figure includes beyond the language model. */
    readonly totalIncludesVision?: boolean;
    /** The figure is the checkpoint's: main model + MTP modules stored with their own embedding and head. */
    readonly totalIsCheckpoint?: boolean;
    /** The publisher counts active parameters without the input embedding and output head. */
    readonly activeWithoutEmbeddings?: boolean;
    /** The figure is only the model's name, looser than rounding (stated per case): the relative tolerance. */
    readonly nominalTotalTolerance?: number;
  };
}

/** The publisher's figure includes the vision tower this config also carries. */
const withVision = { totalIncludesVision: true } as const;
/** The publisher counts active parameters without the input embedding and output head. */
const activeNoEmb = { activeWithoutEmbeddings: true } as const;

const CASES: Record<string, Case> = {
  'qwen3.5-397b-a17b': {
    enumerate: qwen35Tensors,
    ...gqaKv(15, 2, 256, 'full layers'),
    published: { total: 397, active: 17, source: 'Qwen/Qwen3.5-397B-A17B model name', ...withVision },
  },
  'qwen3.5-122b-a10b': {
    enumerate: qwen35Tensors,
    ...gqaKv(12, 2, 256, 'full layers'),
    published: { total: 122, active: 10, source: 'Qwen/Qwen3.5-122B-A10B model name', ...withVision },
  },
  'qwen3.5-35b-a3b': {
    enumerate: qwen35Tensors,
    ...gqaKv(10, 2, 256, 'full layers'),
    published: { total: 35, active: 3, source: 'Qwen/Qwen3.5-35B-A3B model name', ...withVision },
  },
  'qwen3.5-27b': {
    enumerate: qwen35Tensors,
    ...gqaKv(16, 4, 256, 'full layers'),
    published: { total: 27, source: 'Qwen/Qwen3.5-27B model name', ...withVision },
  },
  'qwen3-vl-235b-a22b-instruct': {
    enumerate: qwen3VlTensors,
    ...gqaKv(94, 4, 128),
    published: { total: 235, active: 22, source: 'Qwen/Qwen3-VL-235B-A22B model name' },
  },
  'qwen3-vl-30b-a3b-instruct': {
    enumerate: qwen3VlTensors,
    ...gqaKv(48, 4, 128),
    // The text model is Qwen3-30B-A3B's shape; its card: 30.5B total, 3.3B activated.
    published: { total: 30.5, active: 3.3, source: 'Qwen3-30B-A3B model card (same text model)' },
  },
  'qwen3-vl-8b-instruct': {
    enumerate: qwen3VlTensors,
    ...gqaKv(36, 8, 128),
    published: { total: 8, source: 'Qwen/Qwen3-VL-8B model name' },
  },
  'llama-4-scout-17b-16e-instruct': {
    enumerate: llama4Tensors,
    ...gqaKv(48, 8, 128, 'layers', '36 of them capped at the 8192-token chunk'),
    published: {
      total: 109,
      active: 17,
      source: 'Llama 4 model card: 17B active, 109B total (with the vision encoder, not in this config)',
    },
  },
  'llama-4-maverick-17b-128e-instruct': {
    enumerate: llama4Tensors,
    ...gqaKv(48, 8, 128, 'layers', '36 capped at the chunk'),
    published: { total: 400, active: 17, source: 'Llama 4 model card: 17B active, 400B total' },
  },
  'deepseek-v3.2': {
    enumerate: dsaTensors,
    ...mlaKv(61, 128),
    published: {
      total: 685,
      source:
        'DeepSeek-V3.2 Hugging Face card: 685B in the checkpoint (main model + MTP module with its own embedding and head copies)',
      totalIsCheckpoint: true,
    },
  },
  'glm-5': {
    enumerate: dsaTensors,
    ...mlaKv(78, 128),
    published: { total: 744, active: 40, source: 'GLM-5 model card: 744B total, 40B active', ...activeNoEmb },
  },
  'hand-built/glm-4.7-flash': {
    enumerate: dsaTensors,
    ...mlaKv(47),
    published: {
      total: 30,
      active: 3,
      source: 'GLM-4.7-Flash model card: a 30B-A3B MoE model',
      ...activeNoEmb,
    },
  },
  'hand-built/qwen3-next-80b-a3b-instruct': {
    enumerate: qwen35Tensors,
    ...gqaKv(12, 2, 256, 'full layers (every 4th of 48)'),
    published: { total: 80, active: 3, source: 'Qwen3-Next-80B-A3B model card: 80B total, 3B activated' },
  },
  'hand-built/gemma-3-27b-it': {
    enumerate: gemma3Tensors,
    ...gqaKv(62, 16, 128, 'layers', '52 sliding ones capped at the 1024-token window'),
    published: {
      total: 27,
      source: 'Gemma 3 model card: 27B (with the 417M SigLIP encoder, Gemma 3 report Table 1)',
      ...withVision,
    },
  },
  'hand-built/gemma-3-4b-it': {
    enumerate: gemma3Tensors,
    ...gqaKv(34, 4, 256, 'layers', 'KV heads and head size are Gemma3TextConfig defaults'),
    published: { total: 4, source: 'Gemma 3 model card: 4B', ...withVision },
  },
  'hand-built/mistral-small-3.1-24b-instruct-2503': {
    enumerate: mistralTensors,
    ...gqaKv(40, 8, 128),
    published: { total: 24, source: 'Mistral Small 3.1 model card: 24B', ...withVision },
  },
  'hand-built/kimi-linear-48b-a3b-instruct': {
    enumerate: kimiLinearTensors,
    ...mlaKv(7),
    kvDerivation: '7 MLA layers × (latent 512 + RoPE key 64) × 2 B; 20 KDA layers hold no KV',
    published: {
      total: 48,
      active: 3,
      source: 'Kimi Linear model card (MoonshotAI/Kimi-Linear README): 48B total, 3B activated',
      // "48B" is the name: the tensors sum to 49.12B (the 26 × 256 routed experts alone are 47.1B).
      nominalTotalTolerance: 0.025,
    },
  },
  'hand-built/falcon-h1-0.5b-instruct': {
    enumerate: falconH1Tensors,
    ...gqaKv(36, 2, 64, 'layers', 'attention beside Mamba-2 in each'),
    published: { total: 0.5, source: 'Falcon-H1-0.5B model name (tiiuae/Falcon-H1-0.5B-Instruct)' },
  },
  'hand-built/lfm2-350m': {
    enumerate: lfm2Tensors,
    ...gqaKv(6, 8, 64, 'attention blocks', '10 short-conv blocks hold no KV'),
    published: { total: 0.35, source: 'LFM2-350M model name (LiquidAI/LFM2-350M)' },
  },
  'hand-built/glm-4.5v': {
    enumerate: glm4vMoeTextTensors,
    ...gqaKv(46, 8, 128),
    published: {
      total: 106,
      active: 12,
      source: 'GLM-4.5V model card: built on GLM-4.5-Air, 106B total / 12B active (language model)',
      ...activeNoEmb,
    },
  },
  'hand-built/apertus-8b': {
    enumerate: apertusTensors,
    ...gqaKv(32, 8, 128),
    published: { total: 8, source: 'Apertus-8B model name (swiss-ai/Apertus-8B-2509)' },
  },
  'hand-built/ernie-4.5-21b-a3b': {
    enumerate: ernie45MoeTensors,
    ...gqaKv(28, 4, 128),
    // "21B" is the name: the tensors sum to 21.8B.
    published: {
      total: 21,
      active: 3,
      source: 'ERNIE-4.5-21B-A3B model card: 21B total, 3B activated',
      nominalTotalTolerance: 0.04,
    },
  },
  'hand-built/hunyuan-a13b': {
    enumerate: hunyuanTensors,
    ...gqaKv(32, 8, 128),
    published: { total: 80, active: 13, source: 'Hunyuan-A13B model card: 80B total, 13B active' },
  },
  'minimax-m2.5': {
    enumerate: minimaxTensors,
    ...gqaKv(62, 8, 128),
    published: {
      total: 229,
      active: 10,
      source: 'MiniMax-M2.5 model card: 229B total, 10B activated',
      ...activeNoEmb,
    },
  },
  'nemotron-3-nano-30b-a3b': {
    enumerate: nemotronHTensors,
    ...gqaKv(6, 2, 128, 'attention blocks'),
    published: {
      total: 31.6,
      active: 3.6,
      source: 'NVIDIA Nemotron 3 Nano model card: 31.6B total, 3.6B active including embeddings',
    },
  },
  'nemotron-h-56b-base-8k': {
    enumerate: nemotronHTensors,
    ...gqaKv(10, 8, 128, 'attention blocks'),
    published: { total: 56, source: 'Nemotron-H-56B model name (Nemotron-H report, arXiv:2504.03624)' },
  },
};

describe('real 2025-26 configs: counts against an independent tensor enumeration', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: total and active exact`, () => {
      const config = fixture(name);
      const p = paramCount(specFromHfConfig(config, name));
      const t = c.enumerate(config);
      expect(p.totalParams).toBe(t.total);
      expect(p.activeParams).toBe(t.total - t.inactive);
    });

    it(`${name}: KV per token = ${c.kvDerivation}`, () => {
      const spec = specFromHfConfig(fixture(name), name);
      expect(kvCacheBytes(spec, 1, 'bf16').bytesPerToken).toBe(c.kvBytesPerToken);
    });

    const pub = c.published;
    if (pub) {
      it(`${name}: published ${pub.total}B total${pub.active ? ` / ${pub.active}B active` : ''} (${pub.source})`, () => {
        const spec = specFromHfConfig(fixture(name), name);
        const p = paramCount(spec);
        const mtpCheckpoint = p.mtpParams + spec.numMtpModules * 2 * spec.vocabSize * spec.hiddenSize;
        const total =
          (p.totalParams +
            (pub.totalIncludesVision ? p.visionParams : 0) +
            (pub.totalIsCheckpoint ? mtpCheckpoint : 0)) /
          1e9;
        // Publishers round to their last digit; a nominal size ("109B" with a vision encoder this
        // config lacks) is checked to 1.5%.
        const unit = Number.isInteger(pub.total) ? 1 : 0.1;
        expect(Math.abs(total - pub.total)).toBeLessThanOrEqual(
          Math.max(unit / 2, (pub.nominalTotalTolerance ?? 0.015) * pub.total),
        );
        if (pub.active) {
          const active =
            (pub.activeWithoutEmbeddings ? p.activeParams - p.embeddingParams : p.activeParams) / 1e9;
          const activeUnit = Number.isInteger(pub.active) ? 1 : 0.1;
          // "A3B", "17B": truncated or rounded to the unit.
          expect(active).toBeGreaterThanOrEqual(pub.active - activeUnit / 2);
          expect(active).toBeLessThan(pub.active + activeUnit);
        }
      });
    }
  }

  it('vision towers of the Qwen wrappers equal their tensor enumeration', () => {
    for (const name of ['qwen3.5-397b-a17b', 'qwen3-vl-8b-instruct', 'qwen3-vl-235b-a22b-instruct']) {
      const config = fixture(name);
      expect(paramCount(specFromHfConfig(config, name)).visionParams).toBe(
        qwenVisionTensors(config.vision_config),
      );
    }
  });

  it('recurrent state per sequence: Qwen3.5-397B and Nemotron 3 Nano, derived by hand', () => {
    const qwen = specFromHfConfig(fixture('qwen3.5-397b-a17b'), 'q');
    // 45 GDN layers × (conv 3 × (2·16·128 + 64·128) × 2 B + state 64 × 128 × 128 × 4 B (float32)).
    expect(recurrentStateBytes(qwen).bytesPerSequence).toBe(
      45 * (3 * (4096 + 8192) * 2 + 64 * 128 * 128 * 4),
    );
    const nano = specFromHfConfig(fixture('nemotron-3-nano-30b-a3b'), 'n');
    // 23 Mamba-2 layers × (conv 3 × (64·64 + 2·8·128) × 2 B + SSM 64 × 64 × 128 × 4 B (float32)).
    expect(recurrentStateBytes(nano).bytesPerSequence).toBe(23 * (3 * (4096 + 2048) * 2 + 64 * 64 * 128 * 4));
  });

  it('Gemma 3 report Table 1: non-embedding and vision-encoder parameters of 4B and 27B', () => {
    // Gemma 3 Technical Report (arXiv:2503.19786) Table 1: vision encoder 417M; non-embedding
    // 3,209M (4B) and 25,600M (27B), in millions.
    for (const [name, nonEmbedding] of [
      ['hand-built/gemma-3-4b-it', 3209],
      ['hand-built/gemma-3-27b-it', 25_600],
    ] as const) {
      const spec = specFromHfConfig(fixture(name), name);
      const p = paramCount(spec);
      expect(Math.round((p.totalParams - p.embeddingParams) / 1e6)).toBe(nonEmbedding);
      // The SigLIP encoder without Gemma3MultiModalProjector (RMSNorm(1152) + 1152 × text hidden).
      const projector = 1152 + 1152 * spec.hiddenSize;
      expect(Math.round((p.visionParams - projector) / 1e6)).toBe(417);
    }
  });

  it("Llama 4 Scout with its vision_config: the tower counted apart, text + vision = the card's 109B", () => {
    const top = fixture('llama-4-scout-17b-16e-instruct');
    // Hand-built from Llama4VisionConfig as released with Scout (hidden 1408, 34 layers, 336 px,
    // patch 14, shuffle 0.5, projector 4096): the fixture's source dropped vision_config.
    const v = {
      hidden_size: 1408,
      image_size: 336,
      intermediate_size: 5632,
      model_type: 'llama4_vision_model',
      num_attention_heads: 16,
      num_hidden_layers: 34,
      patch_size: 14,
      pixel_shuffle_ratio: 0.5,
      projector_input_dim: 4096,
      projector_output_dim: 4096,
      vision_output_dim: 4096,
    };
    const spec = specFromHfConfig({ ...top, vision_config: v }, 'scout');
    const p = paramCount(spec);
    // Independent enumeration of Llama4VisionModel + Llama4MultiModalProjector.
    const t = new Tensors();
    const h = v.hidden_size;
    const patches = (v.image_size / v.patch_size) ** 2;
    t.add([h, 3 * v.patch_size ** 2], [h], [patches + 1, h], [h], [h], [h], [h]);
    for (let i = 0; i < v.num_hidden_layers; i += 1) {
      t.add([h, h], [h], [h, h], [h], [h, h], [h], [h, h], [h]);
      t.add([v.intermediate_size, h], [v.intermediate_size], [h, v.intermediate_size], [h]);
      t.add([h], [h], [h], [h]);
    }
    t.add([v.projector_input_dim, v.intermediate_size], [v.projector_output_dim, v.projector_output_dim]);
    t.add([top.text_config.hidden_size, v.vision_output_dim]);
    expect(p.visionParams).toBe(t.total);
    expect(spec.vision?.description).toMatch(/Llama 4 ViT 34 × 1408/);
    expect(spec.vision?.flopsPerImage).toBeGreaterThan(0);
    expect(Math.abs((p.totalParams + p.visionParams) / 1e9 - 109)).toBeLessThan(0.5);
    expect(p.totalParams).toBe(paramCount(specFromHfConfig(top, 'scout')).totalParams);
  });

  it('MiniMax-M2.5: its 3 MTP modules (use_mtp) counted apart, DeepSeek-V3-style, one MoE decoder layer each', () => {
    const config = fixture('minimax-m2.5');
    const p = paramCount(specFromHfConfig(config, 'm'));
    const h = config.hidden_size;
    const t = minimaxTensors(config);
    const perLayer = (t.total - 2 * config.vocab_size * h - h) / config.num_hidden_layers;
    // Per module: enorm, hnorm, eh_proj (2h → h), the decoder layer, and the shared head's norm.
    expect(p.mtpParams).toBe(3 * (3 * h + 2 * h * h + perLayer));
    expect(paramCount(specFromHfConfig({ ...config, use_mtp: false }, 'm')).mtpParams).toBe(0);
  });
});
