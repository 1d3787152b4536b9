/**
 * Independent tensor-by-tensor enumeration of Nemotron-NAS (DeciLM) models, written from the
 * modelling code (Hugging Face remote `modeling_decilm.py` DeciLMDecoderLayer, `block_config.py`;
 * vLLM `models/nemotron_nas.py`; NeMo Automodel's DeciLM Block), straight from config.json, not
 * through ModelSpec; for test/golden/nas-params.test.ts.
 */
import { type Cfg, headAndEmbedding, type Kv, Tensors } from './hf-tensors.js';

/** `_ffn_mult_to_intermediate_size`: int(2·ffn_mult·h/3), then up to a multiple of 256. */
function ffnSize(ffnMult: number, h: number): number {
  const n = Math.floor((2 * ffnMult * h) / 3);
  return Math.ceil(n / 256) * 256;
}

/**
 * Per layer: input_layernorm [h] and either self_attn q/k/v/o (k, v of heads / n_heads_in_group
 * heads; biases when attention_bias) or self_attn.linear_attn [h, h] — neither when attention.no_op;
 * post_attention_layernorm [h] and either mlp gate/up/down of the ffn_mult width (biases when
 * mlp_bias) or mlp.linear_mlp [h, h] — neither when ffn.no_op. Then model.norm, embed_tokens and
 * lm_head (headAndEmbedding).
 */
export function nemotronNasTensors(c: Cfg): Tensors {
  const h = c.hidden_size;
  const heads = c.num_attention_heads;
  const d = c.head_dim ?? h / heads;
  const t = new Tensors();
  headAndEmbedding(t, c, c.tie_word_embeddings ?? false);
  for (const block of c.block_configs) {
    const a = block.attention;
    if (!a.no_op) {
      t.add([h]);
      if (a.replace_with_linear) t.add([h, h]);
      else {
        const kv = (heads / a.n_heads_in_group) * d;
        t.add([heads * d, h], [kv, h], [kv, h], [h, heads * d]);
        if (c.attention_bias) t.add([heads * d], [kv], [kv], [h]);
      }
    }
    const f = block.ffn;
    if (!f.no_op) {
      t.add([h]);
      if (f.replace_with_linear) t.add([h, h]);
      else {
        const i = ffnSize(f.ffn_mult, h);
        t.add([i, h], [i, h], [h, i]);
        if (c.mlp_bias) t.add([i], [i], [h]);
      }
    }
  }
  return t;
}

/**
 * KV bytes per token at BF16: the layers with a GQA attention (not no_op, not replace_with_linear)
 * each cache K and V of heads / n_heads_in_group heads of head_dim, 2 B each.
 */
export function nemotronNasKv(c: Cfg): Kv {
  const d = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const groups = new Map<number, number>();
  for (const { attention: a } of c.block_configs) {
    if (a.no_op || a.replace_with_linear) continue;
    const kv = c.num_attention_heads / a.n_heads_in_group;
    groups.set(kv, (groups.get(kv) ?? 0) + 1);
  }
  let bytes = 0;
  const parts: string[] = [];
  for (const [kv, layers] of groups) {
    bytes += layers * 2 * kv * d * 2;
    parts.push(`${layers} layers × K,V × ${kv} × ${d} × 2 B`);
  }
  return { kvBytesPerToken: bytes, kvDerivation: parts.join(' + ') };
}
