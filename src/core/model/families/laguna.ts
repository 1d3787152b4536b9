/**
 * poolside Laguna (`laguna`: Laguna-XS.2, Laguna-S-2.1; remote code `modeling_laguna.py`,
 * LagunaForCausalLM), read from the modules its ports build (mlx-lm/OptiQ `laguna.py`, validated
 * there against poolside's reference code and safetensors index; SGLang's and TensorRT-LLM's
 * LagunaAttention and LagunaMoE):
 * - `layer_types`: full_attention or sliding_attention (window `sliding_window`, default 512); without
 *   the list every fourth layer from the first is full. Each layer has its own query heads
 *   (`num_attention_heads_per_layer`, default `num_attention_heads`: 48 full and 64 or 72 sliding in
 *   the releases), `num_key_value_heads` KV heads of `head_dim`; q, k, v, o without bias, an RMSNorm of
 *   head_dim on q and on k.
 * - A softplus output gate g_proj (no bias) per `gating_types[i]`, else `gating`: "per-head" h → heads,
 *   "per-element" (or true) h → heads·head_dim, none when false.
 * - MLP per `mlp_layer_types` (dense or sparse), else dense on `mlp_only_layers` (default [0]) and
 *   sparse where (i + 1) % `decoder_sparse_step` is 0: a SwiGLU of `intermediate_size`, or a sigmoid
 *   router (h → `num_experts`, no bias) with its selection bias e_score_correction_bias, top
 *   `num_experts_per_tok` SwiGLU experts of `moe_intermediate_size` and one ungated shared expert of
 *   `shared_expert_intermediate_size`.
 * - Two RMSNorms per layer, a final one, an untied lm_head by default. Partial rotary and per-kind RoPE
 *   have no parameters.
 */
import type { GqaAttention, LayerMixer } from '../spec.js';
import { type Fields, MAX, shown } from './fields.js';
import { decoder, type Family, readKvHeads, readLayerTypes, readMlpLayerTypes } from './readers.js';

type Gate = 'head' | 'element' | 'none';

/** A gating value (`gating` or one `gating_types` entry) as the gate it builds. */
function readGate(f: Fields, key: string, v: unknown): Gate {
  if (v === false || v === null || v === 'none') return 'none';
  if (v === 'per-head' || v === 'per_head') return 'head';
  if (v === true || v === 'per-element' || v === 'per_element') return 'element';
  return f.fail(key, `must be "per-head", "per-element", true or false, got ${shown(v)}`);
}

/** One value per layer from the list `key` (its length checked), else `fallback` for every layer. */
function perLayer<T>(f: Fields, key: string, n: number, fallback: T): unknown[] {
  const raw = f.raw(key);
  if (raw === undefined || raw === null) return Array(n).fill(fallback);
  if (!Array.isArray(raw) || raw.length !== n)
    return f.fail(key, `must list one entry per layer (${n}), got ${shown(raw).slice(0, 80)}`);
  return raw;
}

/**
 * The attention of every layer of one kind: its heads and gate, which llmecon holds once per kind,
 * so the layers of a kind must agree.
 */
function kindAttention(
  f: Fields,
  kinds: readonly LayerMixer[],
  kind: LayerMixer,
  heads: readonly unknown[],
  gates: readonly Gate[],
): GqaAttention | null {
  const layers = kinds.flatMap((k, i) => (k === kind ? [i] : []));
  if (layers.length === 0) return null;
  const first = layers[0]!;
  const numHeads = heads[first];
  if (typeof numHeads !== 'number' || !Number.isInteger(numHeads) || numHeads < 1 || numHeads > MAX.heads)
    return f.fail(
      'num_attention_heads_per_layer',
      `[${first}] must be a whole number of heads, got ${shown(numHeads)}`,
    );
  for (const i of layers) {
    if (heads[i] !== numHeads)
      f.fail(
        'num_attention_heads_per_layer',
        `[${i}] (${shown(heads[i])}) differs from the other ${kind} layers' ${numHeads}: llmecon holds one head count per attention kind`,
      );
    if (gates[i] !== gates[first])
      f.fail(
        'gating_types',
        `[${i}] differs from the other ${kind} layers' gate: llmecon holds one gate per attention kind`,
      );
  }
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: readKvHeads(f.with({ num_attention_heads: numHeads }), numHeads),
    headDim: f.positiveInt('head_dim', { max: MAX.headDim }),
    qkvBias: false,
    outputBias: false,
    qkNorm: 'per-head',
    sinks: false,
    ...(gates[first] === 'head' ? { headGate: true } : {}),
    ...(gates[first] === 'element' ? { outputGate: true, gateProjection: true } : {}),
  };
}

/** Laguna: hybrid full/sliding GQA with per-kind heads and softplus output gates, sigmoid-routed MoE with a shared expert. */
export const laguna: Family = (f, name) => {
  const n = f.positiveInt('num_hidden_layers', { max: MAX.layers });
  const kinds: LayerMixer[] =
    readLayerTypes(f, n) ?? Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'full' : 'sliding'));
  const heads = perLayer(
    f,
    'num_attention_heads_per_layer',
    n,
    f.positiveInt('num_attention_heads', { max: MAX.heads }),
  );
  const gating = readGate(f, 'gating', f.raw('gating') ?? 'per-element');
  const gates = perLayer(f, 'gating_types', n, null).map((g) =>
    g === null ? gating : readGate(f, 'gating_types', g),
  );
  const full = kindAttention(f, kinds, 'full', heads, gates);
  const sliding = kindAttention(f, kinds, 'sliding', heads, gates);
  const window = sliding ? f.positiveInt('sliding_window', { fallback: 512, max: 1 << 24 }) : null;
  const mlpTypes = readMlpLayerTypes(f, n);
  const dense = new Set(f.has('mlp_only_layers') ? f.intList('mlp_only_layers', MAX.layers) : [0]);
  const step = f.positiveInt('decoder_sparse_step', { fallback: 1, max: MAX.layers });
  const sparse = (i: number) => (mlpTypes ? mlpTypes[i] === 'moe' : !dense.has(i) && (i + 1) % step === 0);
  const spec = decoder(f, name, {
    // Sliding layers take the model-wide attention; full layers their own when it differs (as Step-3.5).
    attention: () => (sliding ?? full)!,
    layout: () => ({ window, kinds }),
    layerMlp: (i) => (sparse(i) ? 'moe' : 'dense'),
    moe: {
      experts: 'num_experts',
      expertSize: 'moe_intermediate_size',
      shared: { sizeKey: 'shared_expert_intermediate_size', count: 1 },
      routerBias: true,
    },
  });
  const differs =
    full !== null &&
    sliding !== null &&
    (full.numHeads !== sliding.numHeads ||
      full.headGate !== sliding.headGate ||
      full.outputGate !== sliding.outputGate);
  return {
    ...spec,
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    ...(differs ? { fullAttention: full } : {}),
  };
};
