/**
 * LongCat-Flash (`longcat_flash`, transformers `models/longcat_flash/modular_longcat_flash.py`;
 * Meituan's LongCat-Flash-Chat, 560B): each of the `num_layers` LongcatFlashDecoderLayer holds two
 * LongcatFlashMLA `self_attn` (DeepSeek-V2 MLA that always compresses queries; mla_scale_q_lora and
 * mla_scale_kv_lora are scalars), two SwiGLU LongcatFlashMLP `mlps` of `ffn_hidden_size`, four
 * RMSNorms (input_layernorm[0..1], post_attention_layernorm[0..1]) and one shortcut-connected
 * LongcatFlashMoE `mlp`: it reads post_attention_layernorm[0]'s output beside mlps[0] and is added
 * after mlps[1]. The MoE has `n_routed_experts` SwiGLU experts of `expert_ffn_hidden_size` and
 * `zero_expert_num` zero-computation (identity) experts without weights, routed top-`moe_topk` over
 * both by LongcatFlashTopkRouter (classifier h → n + z without bias, e_score_correction_bias n + z).
 *
 * Each layer is read as two blocks with two RMSNorms each — [MLA; MoE whose always-on shared expert
 * is mlps[0]] and [MLA; mlps[1]] — the same weights and FLOPs; the overlap the shortcut buys (the
 * MoE runs beside the second block) is not timed. What the spec cannot state exactly:
 * - the router's zero-expert columns: the spec's router is h · n + n (classifier and one bias per
 *   routed expert), the checkpoint's (h + 1) · (n + z); (h + 1) · z per layer are not counted
 *   (1,573,120 a layer, 44,047,360 in all for LongCat-Flash-Chat, 0.008% of it);
 * - top-k: the spec's topK is the real experts a token reaches on average under balanced routing,
 *   moe_topk · n / (n + z) (12 · 512 / 768 = 8 for the Chat model: 27.1B active, the model card's
 *   27B average; per token it ranges from max(0, moe_topk − z) to min(moe_topk, n) real experts, the
 *   card's 18.6B-31.3B); when that is not whole it is rounded and the spec warns.
 * Counted as the checkpoint holds the experts (n of them, `mlp.experts.{0..n-1}`): transformers'
 * LongcatFlashExperts allocates gate_up_proj for all n + z experts (only n are used or loaded), so its
 * in-memory model holds z · 2 · I · h more elements per layer. The checkpoint's MTP layer
 * (`model.mtp.*`) is ignored on load by transformers and not counted (numMtpModules 0).
 */
import type { LayerMlp, MlaAttention, MoeSpec } from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, readGatedMlp } from './readers.js';

/** LongcatFlashMLA: DeepSeek's MLA with q_a_proj → q_a_layernorm → q_b_proj always, no biases. */
function readLongcatMla(f: Fields): MlaAttention {
  const attention = readMla(f);
  // LongcatFlashMLA.forward always runs q_a_proj, and mla_scale_q_lora divides by q_lora_rank.
  if (attention.qLoraRank === null)
    f.fail('q_lora_rank', 'is required (LongcatFlashMLA always compresses queries)');
  // LongcatFlashConfig.qk_head_dim (default nope + rope) sizes q_b_proj; the split needs the sum.
  const qkHead = attention.qkNopeHeadDim + attention.qkRopeHeadDim;
  if (f.has('qk_head_dim') && f.positiveInt('qk_head_dim', { max: MAX.headDim }) !== qkHead) {
    f.fail('qk_head_dim', `must equal qk_nope_head_dim + qk_rope_head_dim (${qkHead})`);
  }
  // q_a_proj, kv_a_proj_with_mqa and o_proj carry attention_bias; llmecon's MLA has no biases.
  if (f.bool('attention_bias', false)) f.fail('attention_bias', 'true is not supported (MLA without biases)');
  // LongCat's remote code builds only MLA (`attention_method`); transformers ignores the key.
  const method = f.string('attention_method', 'MLA');
  if (method.toUpperCase() !== 'MLA') f.fail('attention_method', `must be 'MLA', got '${method}'`);
  return attention;
}

/** What the MoE block is read as, and the warnings its reading needs. */
interface LongcatMoe {
  readonly moe: MoeSpec;
  readonly notes: readonly string[];
}

/**
 * LongcatFlashMoE: `n_routed_experts` experts of `expert_ffn_hidden_size`, `zero_expert_num` weightless
 * ones, top-`moe_topk` over both; the first dense MLP (mlps[0], `ffn_hidden_size`) as its shared expert.
 */
function readLongcatMoe(f: Fields, ffn: number, layers: number): LongcatMoe {
  const n = f.positiveInt('n_routed_experts', { max: MAX.experts });
  // LongcatFlashExperts: `config.zero_expert_num or 0` (null = none); LongCat's remote code agrees.
  const z = f.raw('zero_expert_num') === null ? 0 : f.int('zero_expert_num', { max: MAX.experts });
  // Meituan's LongcatMoE: 'identity' passes the token through, 'drop' returns zeros; neither has weights.
  const zeroType = f.string('zero_expert_type', 'identity');
  if (z > 0 && zeroType !== 'identity' && zeroType !== 'drop') {
    f.fail('zero_expert_type', `must be 'identity' or 'drop', got '${zeroType}'`);
  }
  const k = f.positiveInt('moe_topk', { max: MAX.experts });
  if (k > n + z) f.fail('moe_topk', `(${k}) exceeds n_routed_experts + zero_expert_num (${n + z})`);
  // LongcatFlashTopkRouter: classifier bias = router_bias; the spec has one per-expert vector only.
  if (f.bool('router_bias', false))
    f.fail('router_bias', 'true is not supported (e_score_correction_bias only)');
  const h = f.positiveInt('hidden_size', { max: MAX.hidden });

  // Under balanced routing a token's moe_topk picks land on real experts n / (n + z) of the time.
  const expected = (k * n) / (n + z);
  const topK = Number.isInteger(expected) ? expected : Math.max(1, Math.round(expected));
  const notes: string[] = [];
  if (z > 0) {
    notes.push(
      `top-${k} over ${n} experts and ${z} zero-computation experts counted as ${topK} real experts per token (${k} × ${n} / ${n + z}, balanced routing; one token reaches ${Math.max(0, k - z)} to ${Math.min(k, n)})`,
      `the router's ${z} zero-expert columns (classifier and e_score_correction_bias, ${((h + 1) * z).toLocaleString('en-US')} parameters a layer, ${((h + 1) * z * layers).toLocaleString('en-US')} in all) are not counted`,
    );
  }
  if (topK !== expected) {
    notes.push(
      `moe_topk × n_routed_experts / (n_routed_experts + zero_expert_num) = ${expected.toFixed(3)} is not whole: rounded to ${topK}, so active parameters and FLOPs are approximate`,
    );
  }
  return {
    moe: {
      numExperts: n,
      topK,
      expertIntermediateSize: f.positiveInt('expert_ffn_hidden_size', { max: MAX.intermediate }),
      gated: true,
      expertBias: false,
      // mlps[0] runs on every token beside the routed experts: one shared expert of ffn_hidden_size.
      numSharedExperts: 1,
      sharedIntermediateSize: ffn,
      // LongcatFlashTopkRouter.e_score_correction_bias (DeepSeek-V3's auxiliary-loss-free bias).
      routerBias: true,
      sharedExpertGate: false,
      routingGroups: null,
      // LongcatFlashExperts: 3D gate_up_proj [n + z, 2I, h] (rows ≥ n unused) and down_proj [n, h, I].
      fusedGateUp: true,
      // The shared expert is the layer's dense MLP (mlps.0.gate_proj, …), named like mlps[1].
      sharedIsDenseMlp: true,
    },
    notes,
  };
}

export const longcatFlash: Family = (top, name) => {
  // LongcatFlashModel builds range(num_layers) layers; it overwrites num_hidden_layers with 2 · num_layers.
  const layers = top.positiveInt('num_layers', { max: MAX.layers / 2 });
  const f = top.with({ num_hidden_layers: 2 * layers });
  const mlp = readGatedMlp(f, 'ffn_hidden_size');
  const spec = decoder(f, name, {
    attention: readLongcatMla,
    mlp,
    // Block 2i: self_attn[0] and the MoE with mlps[0]; block 2i + 1: self_attn[1] and mlps[1].
    layerMlp: (i): LayerMlp => (i % 2 === 0 ? 'moe' : 'dense'),
  });
  const { moe, notes } = readLongcatMoe(f, mlp.intermediateSize, layers);
  return {
    ...spec,
    moe,
    warnings: [
      `longcat_flash: each of the ${layers} layers (two MLA blocks, two SwiGLU MLPs, one shortcut MoE) read as 2 blocks — MLA + the MoE with the first MLP as its shared expert; MLA + the second MLP — same parameters and FLOPs, the MoE's overlap with the second block not timed`,
      ...notes.map((note) => `longcat_flash: ${note}`),
    ],
  };
};
