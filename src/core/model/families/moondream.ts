/**
 * Moondream 2 (`moondream1`: vikhyatk/moondream2) and Moondream 3 (`moondream3`:
 * moondream/moondream3-preview). Both load remote code (hf_moondream.py `HfConfig`/`HfMoondream`)
 * that builds `MoondreamModel(MoondreamConfig.from_dict(config.config))` from config.py's dataclasses:
 * `text`, `vision` and `region` dicts of their own key names. The released config.json holds an empty
 * `config` (Moondream 2; HfConfig resets it to `{}`, Moondream 3's to `{"skills": …}`), so every value
 * is a dataclass default; a config that gives them (under `config`, as vLLM's Moondream3Config reads
 * it, or at the top as vikhyat/moondream `moondream/config/config_md2.json` does) is read as from_dict
 * reads it. Moondream 2: vikhyat/moondream `moondream/torch/` (the remote code of the 2025-06-21
 * release): config.py, text.py, vision.py, moondream.py, layers.py, rope.py. Moondream 3: its remote
 * text.py/layers.py (moe_mlp, tau) and config.py (TextMoeConfig) as m87-labs/kestrel
 * `kestrel/moondream/config.py` adapts them, and vLLM `model_executor/models/moondream3.py`.
 * - Text (text.py build_text_model): wte [V, dim] and an untied lm_head Linear(dim, V) with a bias;
 *   per block one LayerNorm `ln` feeding attention and MLP in parallel (x + attn(ln x) + mlp(ln x),
 *   Phi-1.5's block), `attn.qkv` one Linear dim → (n_heads + 2·n_kv_heads)·64 and `attn.proj`, both
 *   biased; rope.py rotates a fixed 32 of each head's dims and asserts dim / n_heads = 64; the dense
 *   `mlp` is fc1/fc2 with bias around tanh-GELU; `post_ln` after the last block.
 * - Moondream 3 adds per block `attn.tau` (wq and wv [n_heads, qkv width], alpha [n_heads]): tanh of
 *   GELU(qkv) · wqᵀ / wvᵀ plus a position term scales each head's q and v — held in the layer's
 *   extras with its two matmuls; blocks from `moe.start_layer` hold build_moe_mlp: a biased router
 *   (dim → num_experts), fc1 [E, 2·expert_inner_dim, dim] and fc2 [E, dim, expert_inner_dim] without
 *   bias, gelu(h)·(g + 1) per expert, a softmax over the top experts_per_token logits.
 * - Vision (vision.py build_vision_model), counted apart: patch_emb Linear(3·p², enc_dim) with bias,
 *   pos_emb of (crop_size/p)² rows, enc_n_layers SigLIP blocks (ln1, qkv, proj, ln2, fc1, fc2, all
 *   biased), post_ln; proj_mlp fc1 (2·enc_dim → proj_inner_dim) and fc2 (→ proj_out_dim), biased,
 *   over the global crop's patches joined to the local tiles pooled to enc_n_layers². With it the
 *   region head (moondream.py): coord/size_features, coord/size_encoder Linears and, in Moondream 2,
 *   coord/size_decoder MLPs of inner_dim; in Moondream 3 (vLLM Moondream3RegionModule) one LayerNorm
 *   and single-Linear decoders. It runs on detect/point steps only: no FLOPs per image.
 * The first 730 tokens (BOS and the image) attend bidirectionally (`prefix_attn`); `group_size`
 * stores the same weights as int4 (QuantizedLinear).
 */
import { layerNormParams, linearParams as linear } from '../mixer-params.js';
import type { LayerExtrasSpec, ModelSpec, VisionTowerSpec } from '../spec.js';
import { type Fields, type Json, MAX } from './fields.js';
import { fused } from './fused-projections.js';
import { decoder, type Family, readMoe, readPlainMlp } from './readers.js';
import { fixedVitTower } from './vision.js';

type Version = 2 | 3;

/** config.py TextConfig defaults (Moondream 2: max_context 2048; Moondream 3: 4096). */
const TEXT: Json = { dim: 2048, ff_dim: 8192, n_layers: 24, vocab_size: 51_200, n_heads: 32, n_kv_heads: 32 };

/** Moondream 3 config.py TextMoeConfig defaults. */
const MOE: Json = { num_experts: 64, start_layer: 4, experts_per_token: 8, expert_inner_dim: 1024 };

/** config.py VisionConfig defaults (the same in both versions). */
const VISION: Json = {
  enc_dim: 1152,
  enc_patch_size: 14,
  enc_n_layers: 27,
  enc_ff_dim: 4304,
  enc_n_heads: 16,
  proj_out_dim: 2048,
  crop_size: 378,
  in_channels: 3,
  max_crops: 12,
  proj_inner_dim: 8192,
};

/** config.py RegionConfig defaults (`inner_dim` sizes Moondream 2's decoder MLPs). */
const REGION: Json = {
  dim: 2048,
  coord_feat_dim: 256,
  coord_out_dim: 1024,
  size_feat_dim: 512,
  size_out_dim: 2048,
  inner_dim: 8192,
};

/** The dict `key` of `parent` with the dataclass defaults under the keys it omits; an absent dict is all defaults. */
function section(parent: Fields, key: string, defaults: Json): Fields {
  const f = (parent.has(key) ? parent : parent.with({ [key]: {} })).child(key, defaults);
  return f ?? parent.fail(key, 'must be an object');
}

/** Where MoondreamConfig.from_dict's dicts are: `config` (the Hub's config.json), else the top level. */
function moondreamConfig(top: Fields): Fields {
  if (top.has('text_config'))
    top.fail(
      'text_config',
      "is the transformers Moondream3Config layout, which llmecon does not read; the remote code's config nests 'text', 'vision' and 'region' (under 'config')",
    );
  return top.child('config') ?? top;
}

/** The text model of config.text (text.py build_text_model; Moondream 3's tau and MoE blocks). */
function readText(t: Fields, name: string, version: Version): ModelSpec {
  const heads = t.positiveInt('n_heads', { max: MAX.heads });
  const kvHeads = t.positiveInt('n_kv_heads', { max: MAX.heads });
  if (heads % kvHeads !== 0) t.fail('n_kv_heads', `(${kvHeads}) must divide n_heads (${heads})`);
  if (version === 3 && kvHeads !== heads)
    t.fail(
      'n_kv_heads',
      `(${kvHeads}) must equal n_heads (${heads}): Moondream 3 scales v (n_kv_heads heads) by tau_v of n_heads heads (text.py attn)`,
    );
  const headDim = t.divide('dim', 'n_heads', MAX.hidden);
  if (headDim !== 64)
    t.fail('dim', `/ n_heads is ${headDim}; it must be 64: rope.py rotates a fixed 32 dims, half a head`);
  if (version === 2 && t.has('moe'))
    t.fail(
      'moe',
      "is not a field of Moondream 2's TextConfig; the MoE text model is model_type 'moondream3'",
    );
  const m = version === 3 && t.raw('moe') !== null ? section(t, 'moe', MOE) : null;
  const start = m?.int('start_layer', { max: MAX.layers }) ?? 0;
  const layerMlp = (i: number) => (m !== null && i >= start ? 'moe' : 'dense');
  const spec = decoder(t, name, {
    keys: { vocab: 'vocab_size', hidden: 'dim', layers: 'n_layers', positions: 'max_context' },
    attention: { headsKey: 'n_heads', kvHeadsKey: 'n_kv_heads', headDim, qkvBias: true, outputBias: true },
    mlp: readPlainMlp(t, true, 'ff_dim'),
    layerMlp,
  });
  const moe = m !== null && spec.layers.some((l) => l.mlp === 'moe');
  const qkvWidth = (heads + 2 * kvHeads) * headDim;
  const tau: LayerExtrasSpec = {
    modules: 'attn.tau.wq, attn.tau.wv, attn.tau.alpha',
    params: 2 * heads * qkvWidth + heads,
    gemms: [
      { name: 'attn.tau.wq', n: heads, k: qkvWidth },
      { name: 'attn.tau.wv', n: heads, k: qkvWidth },
    ],
  };
  const routed = { experts: 'num_experts', topK: 'experts_per_token', expertSize: 'expert_inner_dim' };
  return {
    ...fused(spec, { qkv: true }),
    tieWordEmbeddings: false,
    headBias: true,
    norm: { kind: 'layernorm', perLayer: 1 },
    activation: 'gelu_pytorch_tanh',
    layers: version === 3 ? spec.layers.map((l) => ({ ...l, extras: tau })) : spec.layers,
    moe: moe && m ? { ...readMoe(m, { ...routed, routerBias: true }), fusedGateUp: true } : null,
  };
}

/** An even width: fourier_features halves it, then concatenates cos and sin (region.py). */
function evenWidth(r: Fields, key: string): number {
  const width = r.positiveInt(key, { max: MAX.hidden });
  if (width % 2 !== 0)
    r.fail(key, `(${width}) must be even: the Fourier features are cos and sin of width / 2`);
  return width;
}

/** The region head of config.region (moondream.py MoondreamModel.region; vLLM Moondream3RegionModule). */
function regionParams(r: Fields, textDim: number, version: Version): number {
  const dim = r.positiveInt('dim', { max: MAX.hidden });
  if (dim !== textDim)
    r.fail(
      'dim',
      `(${dim}) must equal text.dim (${textDim}): the region head reads and writes text hidden states`,
    );
  const coordFeat = evenWidth(r, 'coord_feat_dim');
  const sizeFeat = evenWidth(r, 'size_feat_dim');
  const coordOut = r.positiveInt('coord_out_dim', { max: MAX.hidden });
  const sizeOut = r.positiveInt('size_out_dim', { max: MAX.hidden });
  // coord_features [1, coord_feat_dim/2], size_features [2, size_feat_dim/2], and the two encoders.
  const encoders = coordFeat / 2 + sizeFeat + linear(coordFeat, dim) + linear(sizeFeat, dim);
  if (version === 3) return encoders + layerNormParams(dim) + linear(dim, coordOut) + linear(dim, sizeOut);
  const inner = r.positiveInt('inner_dim', { max: MAX.intermediate });
  return encoders + 2 * linear(dim, inner) + linear(inner, coordOut) + linear(inner, sizeOut);
}

/** The vision tower, its projection and the region head (vision.py build_vision_model, config.vision and config.region). */
function readVision(c: Fields, textDim: number, version: Version): VisionTowerSpec {
  const v = section(c, 'vision', VISION);
  const h = v.positiveInt('enc_dim', { max: MAX.hidden });
  const depth = v.positiveInt('enc_n_layers', { max: MAX.layers });
  const heads = v.positiveInt('enc_n_heads', { max: MAX.heads });
  if (h % heads !== 0) v.fail('enc_n_heads', `(${heads}) must divide enc_dim (${h})`);
  const grid = v.divide('crop_size', 'enc_patch_size', 1_000_000);
  if (grid !== depth)
    v.fail(
      'enc_n_layers',
      `(${depth}) must equal crop_size / enc_patch_size (${grid}): vision_projection pools the tiles to an enc_n_layers² grid and joins it to the global crop's ${grid}² patches`,
    );
  const inner = v.positiveInt('proj_inner_dim', { max: MAX.intermediate });
  const out = v.positiveInt('proj_out_dim', { max: MAX.hidden });
  if (out !== textDim)
    v.fail(
      'proj_out_dim',
      `(${out}) must equal text.dim (${textDim}): image tokens take token embeddings' place`,
    );
  const maxCrops = v.positiveInt('max_crops', { max: 10_000 });
  const tower = fixedVitTower(
    v.with({
      hidden_size: h,
      num_hidden_layers: depth,
      intermediate_size: v.positiveInt('enc_ff_dim', { max: MAX.intermediate }),
      patch_size: v.positiveInt('enc_patch_size', { max: 4096 }),
      image_size: v.positiveInt('crop_size', { max: 1_000_000 }),
      num_channels: v.positiveInt('in_channels', { max: 64 }),
    }),
    'siglip',
  );
  const projection = linear(2 * h, inner) + linear(inner, out);
  const region = regionParams(section(c, 'region', REGION), textDim, version);
  return {
    description: `SigLIP ${depth} × ${h}, ${tower.image}px crops, patch ${tower.patch} (global crop + up to ${maxCrops} tiles → ${tower.patches} tokens), with the region head`,
    params: tower.params + projection + region,
    patchSize: tower.patch,
    imageSize: tower.image,
    // An image of crop_size px: the global crop and one tile (image_crops.py select_tiling → (1, 1)).
    flopsPerImage: 2 * tower.flops + 2 * tower.patches * (2 * h * inner + inner * out),
  };
}

/** A Moondream model: the text model of config.text and the vision side counted apart. */
function moondream(version: Version): Family {
  return (top, name) => {
    const c = moondreamConfig(top);
    const text = readText(
      section(c, 'text', { ...TEXT, max_context: version === 2 ? 2048 : 4096 }),
      name,
      version,
    );
    return { ...text, vision: readVision(c, text.hiddenSize, version) };
  };
}

/** `moondream1`: Moondream 2 (vikhyatk/moondream2). */
export const moondream1: Family = moondream(2);

/** `moondream3`: Moondream 3 (moondream/moondream3-preview). */
export const moondream3: Family = moondream(3);
