/**
 * Sarvam AI's MLA MoE model (`sarvam_mla`, Sarvam-105B: `sarvamai/sarvam-105b`).
 *
 * Modelling code: the checkpoint's remote code `modeling_sarvam_moe.py` (SarvamMLAForCausalLM,
 * SarvamMLAAttention, SarvamMLAMoE, MoEGate; "based on Llama and Deepseek MoE implementations"),
 * as ported to vLLM `vllm/model_executor/models/sarvam.py` (SarvamMLAAttention, SarvamMLAMLP,
 * SarvamMLAMoE, SarvamMLABlock), SGLang `python/sglang/srt/models/sarvam_moe.py`
 * (SarvamMoEMLAAttention, SarvamMoESparseMoeBlock), transformers `models/sarvam_mla/` (SarvamMLAConfig
 * over DeepseekV3Config: "architecturally identical to DeepSeek-V3") and vllm-mlx
 * `vllm_mlx/models/sarvam_mla.py` (mlx-lm's DeepSeek-V3 with Sarvam's key names). Per layer:
 * - DeepSeek-V2 MLA: q_proj (h → heads·(qk_nope + qk_rope), no `q_lora_rank` in the release; with
 *   one, q_a_proj, q_a_layernorm and q_b_proj), kv_a_proj_with_mqa (h → kv_lora_rank + qk_rope),
 *   kv_a_layernorm, kv_b_proj (kv_lora_rank → heads·(qk_nope + v_head_dim)), o_proj; no bias;
 * - layers below `first_k_dense_replace` (default 1): SarvamMLAMLP of `intermediate_size`; the rest
 *   (every `moe_layer_freq`-th from there, vLLM's rule): SarvamMLAMoE — gate (h → `num_experts`, no
 *   bias) with e_score_correction_bias (`moe_router_enable_expert_bias`, default true), sigmoid
 *   scores, routed experts of `moe_intermediate_size`, top `num_experts_per_tok`, and
 *   `num_shared_experts` × (`moe_shared_expert_intermediate_size` or `moe_intermediate_size`) as one
 *   shared SwiGLU MLP;
 * - input_layernorm and post_attention_layernorm; a final norm and an untied lm_head.
 * The config spells DeepSeek's keys its own way (`num_experts`, `num_shared_experts`); transformers'
 * spelling (`n_routed_experts`, `n_shared_experts`) is read too. `n_group`/`topk_group` are absent
 * in the release: the remote gate defaults them to num_experts/8 groups and 2 per token (transformers
 * SarvamMLAConfig: 16 and 2). `head_dim` (kv_lora_rank + qk_rope, for vLLM's MLA cache) and
 * `q_head_dim` (qk_nope + qk_rope) only restate the other keys. No port builds MTP layers.
 */
import type { LayerMlp, ModelSpec } from '../spec.js';
import { readMla } from './deepseek.js';
import { type Fields, MAX } from './fields.js';
import { decoder, type Family, type MoeKeys, readGatedMlp, unbuiltMtp } from './readers.js';

const count = (n: number) => n.toLocaleString('en-US');

/** Sarvam's key, else transformers' DeepSeek-V3 spelling of it; null when neither is set. */
function eitherKey(f: Fields, sarvam: string, deepseek: string): string | null {
  if (f.has(sarvam)) return sarvam;
  return f.has(deepseek) ? deepseek : null;
}

/** SarvamMLABlock: MoE when experts are configured, i ≥ first_k_dense_replace and (i − first) % freq = 0. */
function readMoeLayers(f: Fields, hasMoe: boolean): (i: number) => LayerMlp {
  const first = f.int('first_k_dense_replace', { fallback: 1, max: MAX.layers });
  const freq = f.positiveInt('moe_layer_freq', { fallback: 1, max: MAX.layers });
  return (i) => (hasMoe && i >= first && (i - first) % freq === 0 ? 'moe' : 'dense');
}

/** SarvamMLAMoE's keys: Sarvam's names, a shared-expert size key when given, the bias flag. */
function moeKeys(f: Fields, experts: string): MoeKeys {
  const sharedCount = eitherKey(f, 'num_shared_experts', 'n_shared_experts') ?? 'num_shared_experts';
  const sharedSize = f.has('moe_shared_expert_intermediate_size')
    ? { sizeKey: 'moe_shared_expert_intermediate_size' }
    : {};
  return {
    experts,
    expertSize: 'moe_intermediate_size',
    shared: { countKey: sharedCount, ...sharedSize },
    routerBias: f.bool('moe_router_enable_expert_bias', true),
    groupRouting: true,
  };
}

/** The remote gate's group defaults when the config omits them: num_experts/8 groups, 2 per token. */
function withGroupDefaults(f: Fields, experts: string | null): { f: Fields; note: string | null } {
  if (experts === null || f.raw('n_group') !== undefined) return { f, note: null };
  const numExperts = f.positiveInt(experts, { max: MAX.experts });
  const groups = Math.max(1, Math.floor(numExperts / 8));
  const perToken = f.raw('topk_group') === undefined ? Math.min(2, groups) : undefined;
  const note =
    groups > 1
      ? `n_group is absent: read as the remote MoEGate's default, ${experts}/8 = ${groups} groups with ${perToken ?? 'topk_group'} per token (transformers SarvamMLAConfig defaults n_group 16, topk_group 2); vLLM's port routes without a group limit when the key is absent, which changes no count`
      : null;
  return {
    f: f.with({ n_group: groups, ...(perToken === undefined ? {} : { topk_group: perToken }) }),
    note,
  };
}

/** `q_head_dim` restates qk_nope + qk_rope (every port computes it so): it must agree when given. */
function checkRestatedDims(f: Fields, spec: ModelSpec): void {
  if (spec.attention.kind !== 'mla') return;
  const a = spec.attention;
  const qk = a.qkNopeHeadDim + a.qkRopeHeadDim;
  if (f.has('q_head_dim')) {
    const q = f.positiveInt('q_head_dim', { max: MAX.headDim });
    if (q !== qk) {
      f.fail('q_head_dim', `(${q}) must equal qk_nope_head_dim + qk_rope_head_dim (${qk})`);
    }
  }
}

/** Notes on what the spec reads differently from the config's keys. */
function notes(f: Fields, spec: ModelSpec): string[] {
  const out: string[] = [];
  const mtp = unbuiltMtp(f, spec);
  if (mtp) {
    out.push(
      `num_nextn_predict_layers (${mtp.layers}) is not counted: SarvamMLAForCausalLM (remote code, vLLM, SGLang) builds no MTP layers; as DeepSeek-V3 MTP modules they would hold ${count(mtp.each)} parameters each (${count(mtp.layers * mtp.each)} in all)`,
    );
  }
  if (f.bool('use_qk_norm', false)) {
    out.push(
      'use_qk_norm is true, but SarvamMLAAttention (vLLM, SGLang, transformers) has no q/k norm besides kv_a_layernorm (and q_a_layernorm with a q_lora_rank): none is counted',
    );
  }
  if (f.has('head_dim') && spec.attention.kind === 'mla') {
    const latent = spec.attention.kvLoraRank + spec.attention.qkRopeHeadDim;
    const d = f.positiveInt('head_dim', { max: MAX.headDim });
    if (d !== latent) {
      out.push(
        `head_dim (${d}) is not kv_lora_rank + qk_rope_head_dim (${latent}), the MLA cache width vLLM expects; the cache and counts follow kv_lora_rank and qk_rope_head_dim`,
      );
    }
  }
  return out;
}

/** Sarvam-105B: DeepSeek-V3's MLA and MoE (layer 0 dense), Sarvam's key names, no MTP. */
export const sarvamMla: Family = (config, name) => {
  const experts = eitherKey(config, 'num_experts', 'n_routed_experts');
  const { f, note: groupNote } = withGroupDefaults(config, experts);
  const hasMoe = experts !== null;
  const spec = decoder(f, name, {
    attention: readMla,
    mlp: readGatedMlp(f),
    layerMlp: readMoeLayers(f, hasMoe),
    ...(hasMoe ? { moe: moeKeys(f, experts) } : {}),
  });
  checkRestatedDims(f, spec);
  const warnings = [...(spec.moe && groupNote ? [groupNote] : []), ...notes(f, spec)].map(
    (w) => `sarvam_mla: ${w}`,
  );
  return warnings.length > 0 ? { ...spec, warnings } : spec;
};
