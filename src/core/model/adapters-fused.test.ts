/**
 * LoRA on fused projections: where the modelling code builds q/k/v (query_key_value, qkv_proj, Wqkv,
 * c_attn) or gate/up (gate_up_proj, dense_h_to_4h) as one matrix, PEFT targets the fused module and
 * the adapter is r·(in + fused out), once. Expected counts are PEFT's printed trainable parameters.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/hf-fixtures.js';
import { findModel } from '../../catalog/catalog.js';
import { adaptedMatrices, parseTargets, trainableParams } from './adapters.js';
import { specFromHfConfig } from './hf-config.js';
import { modelSpecFrom } from './resolve-model.js';

const lora = (r: number, targets: string) => ({
  method: 'lora' as const,
  rank: r,
  targets: parseTargets(targets),
});

describe('LoRA on fused projections', () => {
  it("Phi-3-mini, r 16 on every linear: qkv_proj and gate_up_proj once each, PEFT's 25,165,824", () => {
    const phi3 = modelSpecFrom(findModel('phi-3-mini').config, 'phi-3-mini');
    const adapter = lora(16, 'all');
    expect(trainableParams(phi3, adapter)).toBe(25_165_824);
    expect(adaptedMatrices(phi3, adapter).map((m) => m.module)).toEqual([
      'qkv_proj',
      'o_proj',
      'mlp.gate_up_proj',
      'mlp.down_proj',
    ]);
    // Naming only q (or only up) still adapts the fused module whole.
    expect(trainableParams(phi3, lora(16, 'q'))).toBe(32 * 16 * (3072 + 3 * 3072));
    expect(trainableParams(phi3, lora(16, 'up'))).toBe(32 * 16 * (3072 + 2 * 8192));
  });

  it("GPT-NeoX-20B, r 8 on query_key_value: PEFT's int8 example, 8,650,752", () => {
    const neox = specFromHfConfig(
      {
        model_type: 'gpt_neox',
        vocab_size: 50_432,
        hidden_size: 6144,
        num_hidden_layers: 44,
        num_attention_heads: 64,
        intermediate_size: 24_576,
        max_position_embeddings: 2048,
      },
      'gpt-neox-20b',
    );
    expect(trainableParams(neox, lora(8, 'q,k,v'))).toBe(8_650_752);
  });

  it('BLOOM-7b1, r 16 on query_key_value: 7,864,320; the same width as separate q, k, v would be 1.5× that', () => {
    const bloom = specFromHfConfig(
      { ...hfFixture('hand-built/bloom'), n_embed: 4096, n_layer: 30, num_attention_heads: 32 },
      'bloom-7b1',
    );
    expect(trainableParams(bloom, lora(16, 'attn')) - 30 * 16 * 2 * 4096).toBe(7_864_320);
    const separate = { ...bloom, attention: { ...bloom.attention, fusedQkv: false } };
    expect(trainableParams(separate, lora(16, 'q,k,v'))).toBe(1.5 * 7_864_320);
  });
});
