/**
 * Deci AI DeciLM (`deci`, DeciLMForCausalLM: Deci/DeciLM-7B, Deci/DeciLM-7B-instruct), read as its
 * Hugging Face remote code builds it. configuration_decilm.py `DeciLMConfig(LlamaConfig)` (model_type
 * "deci") adds one key, `num_key_value_heads_per_layer`; modeling_decilm.py, as optimum-habana's
 * `transformers/models/decilm/modeling_decilm.py` ports it ("Adapted from … Deci/DeciLM-7B/blob/main/
 * modeling_decilm.py"), builds a Llama otherwise:
 * - DeciLMAttention(config, layer_idx): head_dim = hidden_size / num_attention_heads (ValueError
 *   unless exact; no `head_dim` key), `num_key_value_heads = num_key_value_heads_per_layer[layer_idx]`,
 *   q/k/v/o_proj with bias=False whatever `attention_bias` says, RoPE over the whole head;
 * - DeciLMDecoderLayer: LlamaMLP (bias-free SwiGLU of `intermediate_size`), input_layernorm and
 *   post_attention_layernorm (LlamaRMSNorm); DeciLMModel: embed_tokens, the layers, a final norm;
 *   DeciLMForCausalLM: lm_head [V, h], tied only with `tie_word_embeddings`.
 * Tenstorrent tt-forge-models `decilm/causal_lm/pytorch/model_utils.py` rebuilds the release from
 * LlamaDecoderLayer with each layer's KV heads and loads its safetensors with strict=True: no other
 * tensor exists. `num_key_value_heads` (LlamaConfig writes it) is never read; vLLM's old decilm.py
 * served the model as uniform GQA at the largest per-layer count, which is the model-wide count here
 * (layers with fewer carry their own `numKvHeads`, as Nemotron-NAS and OpenELM layers do).
 */
import type { LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, MAX } from './fields.js';
import { baseSpec, type Family, readCommon, readGatedMlp, readGqa, withClassDefaults } from './readers.js';
import { SUB_CONFIG_DEFAULTS } from './sub-config-defaults.js';

/** LlamaConfig.__init__ defaults (transformers 4.35.2, which DeciLM-7B's remote code vendors). */
const DECI_DEFAULTS = { ...SUB_CONFIG_DEFAULTS.llama, hidden_act: 'silu', tie_word_embeddings: false };

/** Each layer's KV heads: one entry per layer, each dividing the query heads (repeat_kv's groups). */
function kvHeadsPerLayer(f: Fields, layers: number, heads: number): number[] {
  const key = 'num_key_value_heads_per_layer';
  if (!f.has(key))
    f.fail(key, `is required: DeciLMAttention reads layer i's KV heads from it (a list of ${layers})`);
  const kv = f.intList(key, MAX.heads);
  if (kv.length !== layers)
    f.fail(key, `must list ${layers} KV head counts (one per layer), got ${kv.length}`);
  const bad = kv.findIndex((k) => k === 0 || heads % k !== 0);
  if (bad >= 0)
    f.fail(key, `(${kv[bad]} at layer ${bad}) must be at least 1 and divide num_attention_heads (${heads})`);
  return kv;
}

/** Keys a Llama config may set that DeciLM's layers never read: bias switches its Linears ignore. */
const UNREAD_BIAS_KEYS = ['attention_bias', 'mlp_bias'] as const;

/** DeciLMForCausalLM (see the file comment). */
export const decilm: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, DECI_DEFAULTS);
  const c = readCommon(f, name);
  const heads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  // DeciLMAttention: head_dim = hidden_size // num_heads, refused unless it divides exactly.
  const headDim = f.divide('hidden_size', 'num_attention_heads', MAX.hidden);
  const kv = kvHeadsPerLayer(f, c.numLayers, heads);
  const widest = Math.max(...kv);
  // q/k/v/o_proj are nn.Linear(..., bias=False) in DeciLMAttention.
  const attention = readGqa(f.with({ num_key_value_heads: widest }), {
    qkvBias: false,
    outputBias: false,
    headDim,
  });
  const layers = kv.map(
    (k): LayerSpec => ({ attention: 'full', mlp: 'dense', ...(k === widest ? {} : { numKvHeads: k }) }),
  );
  const spec = baseSpec(f, c, {
    attention,
    // LlamaMLP (transformers 4.35.2): gate_proj, up_proj, down_proj, all bias=False.
    mlp: readGatedMlp(f),
    layers,
  });
  const unread = UNREAD_BIAS_KEYS.filter((key) => f.bool(key, false));
  return unread.length === 0
    ? spec
    : {
        ...spec,
        warnings: [
          `deci: ${unread.join(' and ')} true is not read: DeciLMAttention and LlamaMLP build their Linears without bias (modeling_decilm.py); bias tensors in the checkpoint are not counted`,
        ],
      };
};
