/**
 * 2023–24 families still trained on and served (transformers modelling files of qwen2_moe, olmoe,
 * gpt_neox, phi, stablelm, starcoder2, nemotron, gemma, cohere, cohere2): Qwen1.5/Qwen2 MoE (gated
 * shared expert), OLMoE (q/k norms over all heads, no shared expert), StableLM 2 (LayerNorms with
 * bias), the plain-MLP decoders GPT-NeoX (Pythia), Phi-1/1.5/2, StarCoder2 and Nemotron-4, and Gemma 1
 * and Command R/R+/R7B/A with their tied embeddings. Read as llama-like they were mis-sized: a SwiGLU MLP where theirs has two matrices (+50% MLP parameters),
 * no shared expert (Qwen2-57B-A14B has a 20,480-wide one on every layer), a dense MLP of the expert
 * width (OLMoE), or an untied 256K-vocabulary head (+2.1B for Command R).
 */

import { type Fields, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { readQwenSparseLayers } from './qwen3.js';
import {
  decoder,
  type Family,
  readAllSliding,
  readGatedMlp,
  readPatternSliding,
  readPlainMlp,
  readQwenSliding,
} from './readers.js';

/**
 * Qwen2MoeForCausalLM: Qwen2 attention (bias on q, k, v; `qkv_bias`, default true), sparse layers as
 * Qwen3-MoE places them, Qwen2MoeSparseMoeBlock: router (h → E), experts of moe_intermediate_size,
 * one shared expert of shared_expert_intermediate_size and its sigmoid gate (h → 1).
 */
export const qwen2Moe: Family = (f, name) => {
  const bias = f.bool('qkv_bias', true);
  return decoder(f, name, {
    attention: { qkvBias: bias, outputBias: false },
    layout: readQwenSliding,
    layerMlp: readQwenSparseLayers(f),
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'shared_expert_intermediate_size', count: 1 },
      sharedExpertGate: true,
    },
  });
};

/**
 * OlmoeForCausalLM: OlmoeAttention with RMSNorms over all query heads (hidden_size) and all key heads
 * (q_norm, k_norm), every layer an OlmoeSparseMoeBlock of `num_experts` SwiGLU experts of
 * intermediate_size, top num_experts_per_tok, no shared expert.
 */
export const olmoe: Family = (f, name) =>
  decoder(f, name, {
    attention: { qkNorm: 'full' },
    layerMlp: 'moe',
    moe: { experts: 'num_experts', expertSize: 'intermediate_size' },
  });

/**
 * GPTNeoXForCausalLM (Pythia, GPT-NeoX-20B): fused query_key_value and dense with bias
 * (`attention_bias`, default true), dense_h_to_4h / dense_4h_to_h with bias, two LayerNorms per layer
 * (parallel residual or not), partial rotary (`rotary_pct`, no parameters), embed_in and embed_out
 * untied by default.
 */
export const gptNeox: Family = (f, name) => {
  const bias = f.bool('attention_bias', true);
  return {
    ...fused(
      decoder(f, name, {
        attention: { qkvBias: bias, outputBias: bias },
        mlp: readPlainMlp(f, true),
      }),
      { qkv: true },
    ),
    norm: { kind: 'layernorm', perLayer: 2 },
    activation: f.string('hidden_act', 'gelu'),
  };
};

/**
 * PersimmonForCausalLM (Persimmon-8B; Fuyu-8B's language model): GPT-NeoX's block — fused
 * query_key_value and dense with bias, dense_h_to_4h / dense_4h_to_h with bias, two LayerNorms, partial
 * rotary — with per-head q/k LayerNorms (`qk_layernorm`, default true) and ReLU²; lm_head untied.
 */
export const persimmon: Family = (f, name) => ({
  ...fused(
    decoder(f, name, {
      attention: {
        qkvBias: true,
        outputBias: true,
        qkNorm: f.bool('qk_layernorm', true) ? 'per-head' : 'none',
      },
      mlp: readPlainMlp(f, true),
    }),
    { qkv: true },
  ),
  norm: { kind: 'layernorm', perLayer: 2 },
  activation: f.string('hidden_act', 'relu2'),
});

/**
 * PhiForCausalLM (Phi-1, Phi-1.5, Phi-2): q/k/v and dense with bias, fc1/fc2 with bias, one LayerNorm
 * per layer (attention and MLP in parallel on its output), lm_head with a bias (`headBias`), untied
 * embeddings by default.
 */
export const phi: Family = (f, name) => ({
  headBias: true,
  ...decoder(f, name, {
    attention: {
      qkvBias: true,
      outputBias: true,
      qkNorm: f.bool('qk_layernorm', false) ? 'per-head' : 'none',
    },
    mlp: readPlainMlp(f, true),
  }),
  norm: { kind: 'layernorm', perLayer: 1 },
  activation: f.string('hidden_act', 'gelu_new'),
});

/**
 * StableLmForCausalLM (StableLM 2, StableLM-3B-4E1T): Llama's SwiGLU MLP without bias, q/k/v bias per
 * `use_qkv_bias`, two LayerNorms with bias per layer, partial rotary (no parameters). `qk_layernorm`
 * adds a bias-free LayerNorm of head_dim per query and per key head (StableLmLayerNormPerHead:
 * num_heads × head_dim and num_kv_heads × head_dim weights), counted as the model's norms are, with a
 * bias: 2 × (q + kv width) per layer where the checkpoint has 1 × (0.004% of stablelm-2-12b).
 */
export const stablelm: Family = (f, name) => ({
  ...decoder(f, name, {
    attention: {
      qkvBias: f.bool('use_qkv_bias', false),
      outputBias: false,
      qkNorm: f.bool('qk_layernorm', false) ? 'full' : 'none',
    },
    mlp: readGatedMlp(f),
  }),
  norm: { kind: 'layernorm', perLayer: 2 },
});

/**
 * Starcoder2ForCausalLM: q/k/v/o and c_fc/c_proj with bias (`use_bias`, default true), two LayerNorms
 * per layer, sliding-window attention on every layer (`sliding_window`), embeddings tied unless the
 * config unties them (PretrainedConfig's default).
 */
export const starcoder2: Family = (f, name) => {
  const bias = f.bool('use_bias', true);
  return {
    ...decoder(f, name, {
      attention: { qkvBias: bias, outputBias: bias },
      layout: readAllSliding,
      mlp: readPlainMlp(f, bias),
    }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    norm: { kind: 'layernorm', perLayer: 2 },
    activation: f.string('hidden_act', 'gelu_pytorch_tanh'),
  };
};

/**
 * NemotronForCausalLM (Nemotron-4 15B/340B, Minitron): q/k/v/o (bias per `attention_bias`), an
 * ungated MLP up_proj / down_proj (bias per `mlp_bias`) with squared ReLU, two LayerNorm1P per layer
 * (LayerNorm with bias), partial rotary (no parameters), embeddings untied. Read as llama-like it had
 * a SwiGLU MLP: +50% MLP parameters (Nemotron-4-340B 341B, not 450B).
 */
export const nemotron: Family = (f, name) => ({
  ...decoder(f, name, { mlp: readPlainMlp(f, f.bool('mlp_bias', false)) }),
  norm: { kind: 'layernorm', perLayer: 2 },
  activation: f.string('hidden_act', 'relu2'),
});

/**
 * GemmaForCausalLM (Gemma 1): Llama's layer with head_dim 256 by default, a GeGLU MLP and
 * embeddings tied (GemmaConfig's default; its released configs omit the key).
 */
export const gemma: Family = (f, name) => ({
  ...decoder(f, name, { attention: { defaultHeadDim: 256 } }),
  tieWordEmbeddings: f.bool('tie_word_embeddings', true),
  activation: f.string('hidden_activation', f.string('hidden_act', 'gelu_pytorch_tanh')),
});

/**
 * CohereForCausalLM (Command R, R+) and Cohere2ForCausalLM (R7B, A): one LayerNorm per layer feeding
 * attention and the SwiGLU MLP in parallel, embeddings tied by default (CohereConfig); Command R+
 * normalises q and k with weights per head (`use_qk_norm`: num_heads × head_dim and num_kv_heads ×
 * head_dim, counted as over all heads). Cohere2 slides every layer but each `sliding_window_pattern`-th
 * (default 4) unless `layer_types` lists them.
 */
function cohereFamily(slidingPattern: boolean): Family {
  return (f, name) => ({
    ...decoder(f, name, {
      attention: { qkNorm: f.bool('use_qk_norm', false) ? 'full' : 'none' },
      ...(slidingPattern && {
        layout: (g: Fields, n: number) => {
          const pattern = g.positiveInt('sliding_window_pattern', { fallback: 4, max: MAX.layers });
          return readPatternSliding(g, n, (i) => (i + 1) % pattern !== 0, 4096);
        },
      }),
    }),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    // CohereLayerNorm: mean-centred, weight only (no bias).
    norm: { kind: 'layernorm', perLayer: 1, bias: false },
  });
}
export const cohere = cohereFamily(false);
export const cohere2 = cohereFamily(true);
