/**
 * SmallDoge Doge (`doge`, DogeForCausalLM: SmallDoge/Doge-20M, -60M, -160M, -320M and their -Instruct;
 * the CDMoE checkpoints such as SmallDoge/Doge-40M-MoE-checkpoint). Shapes from transformers
 * `models/doge/modular_doge.py` and the generated `modeling_doge.py` (DogeConfig, DogeAttention,
 * DogeMLP, DogeCDMoE, DogeDecoderLayer, DogeModel, DogeForCausalLM), which SmallDoges/small-doge's
 * pre-training trainer (`src/small_doge/trainer/pt.py`) imports:
 * - embed_tokens [V, h]; lm_head [V, h] without bias, tied per `tie_word_embeddings`; model.norm (RMSNorm h).
 * - Per layer: input_layernorm and post_attention_layernorm (RMSNorm h); input_residual and
 *   post_attention_residual, learned [h] scales of the residual (x = input_residual·x + attn(norm(x))).
 * - DogeAttention: q_proj h → H·d, k_proj and v_proj h → K·d, o_proj H·d → h, bias per `attention_bias`,
 *   d = `head_dim` or h / H; q_norm and k_norm (RMSNorm d) on each head before RoPE (dynamic NTK per
 *   `rope_scaling`: no weights). The dynamic mask: A [K] and dt_proj K·d → K (bias per `attention_bias`)
 *   on each key's value states; exp(A·softplus(dt)) is added to every query's scores for that key, and past
 *   `keep_window_size` keys only each query's top `keep_window_size` are kept (a mask: every cached key is
 *   still scored; transformers also reruns dt_proj over all cached values at each step).
 * - mlp: DogeMLP, gate_proj and up_proj h → I, down_proj I → h, bias per `mlp_bias`, I =
 *   `intermediate_size`; or, when `is_moe`, DogeCDMoE: the same three matrices as a shared expert, plus
 *   router_gate h → 2n without bias (n = floor(√`num_experts`) product keys per half) and down_embed,
 *   up_embed [E, h]: each half's top n keys give n² sums, of which the top `num_experts_per_tok` k pick
 *   the experts; expert i adds act(down_embed[i]·x)·w_i·up_embed[i] (a single-neuron, ungated MLP).
 * Read as GQA with per-head q/k norms and a dense gated MLP; each layer's `extras` hold the residual
 * scales, A and dt_proj and, with CDMoE, router_gate and the expert embeddings (the E − k experts a
 * token is not routed to idle). llmecon's MoE block cannot hold CDMoE (a gated shared expert beside
 * ungated routed experts and a product-key router), which a warning says.
 * SmallDoge's remote modeling_doge.py (small-doge `src/small_doge/models/doge/modeling_doge.py`, the
 * code of the releases' `auto_map`) builds A [H] and dt_proj K·d → H and no q/k norms; a config with
 * that code's `hidden_bias` or `dynamic_mask_ratio` keys gets a warning with the difference.
 * Doge2 (`doge2`, small-doge `src/small_doge/models/doge2/`: Doge2Config, Doge2Attention,
 * Doge2DecoderLayer, the same DogeMLP and DogeCDMoE) is transformers' Doge — A [K], dt_proj K·d → K,
 * q/k norms of d — with bias-free MLPs whatever `mlp_bias` says and its own class defaults.
 */
import type { GqaAttention, LayerExtraGemm, LayerExtrasSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import {
  decoder,
  type Family,
  readAllSliding,
  readGatedMlp,
  readTopK,
  withClassDefaults,
} from './readers.js';

/** DogeConfig's class defaults (the Doge-320M shape but untied, 16384 experts top-64 when `is_moe`). */
const DOGE_DEFAULTS: Json = {
  vocab_size: 32_768,
  hidden_size: 1024,
  intermediate_size: 2048,
  num_hidden_layers: 32,
  num_attention_heads: 8,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  max_position_embeddings: 2048,
  attention_bias: false,
  mlp_bias: false,
  keep_window_size: 2048,
  is_moe: false,
  num_experts: 16_384,
  num_experts_per_tok: 64,
};

/** Doge2Config's class defaults (MLP 4096; 4096 experts top-64 when `is_moe`); it has no `mlp_bias`. */
const DOGE2_DEFAULTS: Json = {
  ...DOGE_DEFAULTS,
  intermediate_size: 4096,
  num_experts: 4096,
  mlp_bias: false,
};

/** Keys of SmallDoge's remote DogeConfig that transformers' DogeConfig does not have. */
const REMOTE_CODE_KEYS = ['hidden_bias', 'dynamic_mask_ratio'] as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** The dynamic mask of `maskHeads` heads over K·d values: A, dt_proj's weight and its bias. */
const maskParams = (a: GqaAttention, maskHeads: number): number =>
  maskHeads + a.numKvHeads * a.headDim * maskHeads + (a.qkvBias ? maskHeads : 0);

/** DogeCDMoE's retrieval experts and product-key router as extras: params, idle params and matmuls. */
function cdmoeExtras(
  f: Fields,
  h: number,
): {
  experts: number;
  expertParams: number;
  params: number;
  idle: number;
  gemms: LayerExtraGemm[];
} {
  const experts = f.positiveInt('num_experts', { max: MAX.experts });
  const topK = readTopK(f, 'num_experts_per_tok', experts);
  // num_keys = floor(sqrt(num_experts)); the n × n key sums are the candidates the top-k is drawn from.
  const keys = Math.floor(Math.sqrt(experts));
  if (topK > keys * keys)
    f.fail(
      'num_experts_per_tok',
      `(${topK}) exceeds the ${keys * keys} product-key candidates (floor(√num_experts)² = ${keys}²)`,
    );
  // down_embed and up_embed: one h-row each per expert.
  const expert = 2 * h;
  return {
    experts,
    expertParams: experts * expert,
    params: h * 2 * keys + experts * expert,
    idle: (experts - topK) * expert,
    gemms: [
      { name: 'mlp.router_gate', n: 2 * keys, k: h },
      // A token's k down_embed rows against its hidden state, then its k weights against k up_embed rows.
      { name: 'mlp.down_embed', n: topK, k: h },
      { name: 'mlp.up_embed', n: h, k: topK },
    ],
  };
}

/** The warning for a config written for SmallDoge's remote code (A and dt_proj over all H heads, no q/k norms). */
function remoteCodeWarning(f: Fields, a: GqaAttention): string[] {
  const key = REMOTE_CODE_KEYS.find((k) => f.raw(k) !== undefined);
  if (key === undefined) return [];
  const remote = maskParams(a, a.numHeads);
  const here = maskParams(a, a.numKvHeads) + 2 * a.headDim;
  return [
    `doge: '${key}' is a key of SmallDoge's remote DogeConfig: a checkpoint saved by its modeling_doge.py holds A [${a.numHeads}] and dt_proj ${a.numKvHeads * a.headDim} → ${a.numHeads} and no q_norm/k_norm, ${fmt(remote)} parameters a layer where transformers' DogeAttention (counted here) holds ${fmt(here)}`,
  ];
}

/** DogeForCausalLM and Doge2ForCausalLM (see the file comment). */
const dogeFamily =
  (variant: 'doge' | 'doge2'): Family =>
  (top, name): ModelSpec => {
    // Doge2's DogeMLP and shared expert are bias-free whatever the config says.
    const f =
      variant === 'doge'
        ? withClassDefaults(top, DOGE_DEFAULTS)
        : withClassDefaults(top, DOGE2_DEFAULTS).with({ mlp_bias: false });
    const spec = decoder(f, name, {
      attention: { qkNorm: 'per-head' },
      layout: readAllSliding,
      mlp: readGatedMlp(f, 'intermediate_size', f.bool('mlp_bias', false)),
    });
    const a = spec.attention as GqaAttention;
    const h = spec.hiddenSize;
    const window = f.positiveInt('keep_window_size', { max: MAX.positions });
    const valueWidth = a.numKvHeads * a.headDim;
    const dtProj: LayerExtraGemm = { name: 'self_attn.dt_proj', n: a.numKvHeads, k: valueWidth };
    // input_residual and post_attention_residual (h each), then A and dt_proj over the K KV heads.
    const own = 2 * h + maskParams(a, a.numKvHeads);
    const moe = f.bool('is_moe', false) ? cdmoeExtras(f, h) : null;
    const extras: LayerExtrasSpec = {
      modules: `input_residual, post_attention_residual, self_attn.A, self_attn.dt_proj${moe ? ', mlp.router_gate, mlp.down_embed, mlp.up_embed' : ''}`,
      params: own + (moe?.params ?? 0),
      ...(moe ? { idleParams: moe.idle } : {}),
      gemms: [dtProj, ...(moe?.gemms ?? [])],
    };
    const warnings = [
      `${variant}: dynamic mask attention adds exp(A·softplus(dt_proj(v))) to every query's score of each key and, past ${fmt(window)} keys, keeps each query's ${fmt(window)} highest: transformers still scores every cached key (counted here as full attention with a full KV cache) and reruns dt_proj over all cached values at each step (2 × ${a.numKvHeads} × ${valueWidth} FLOPs a cached token a layer, counted here once a token)`,
      ...(moe
        ? [
            `${variant}: CDMoE is not llmecon's MoE block (its shared gate/up/down MLP is gated, its ${fmt(moe.experts)} experts single-neuron and ungated, its router product keys): router_gate and the experts (down_embed, up_embed: ${fmt(moe.expertParams)} weights a layer) are layer extras, exact in total and active parameters and FLOPs, but held whole on every tensor-parallel rank, with no expert parallelism or all-to-all`,
          ]
        : []),
      // Doge2Config carries dynamic_mask_ratio too; its code is transformers' Doge.
      ...(variant === 'doge' ? remoteCodeWarning(f, a) : []),
    ];
    return {
      ...spec,
      layers: spec.layers.map((layer) => ({ ...layer, extras })),
      warnings,
    };
  };

export const doge = dogeFamily('doge');
export const doge2 = dogeFamily('doge2');
