/**
 * The LoRA-adapted matrices of a softmax attention (adapters.ts), by attention kind, with the module
 * names PEFT sees: GQA's q/k/v/o (one fused qkv_proj where the family fuses them), MLA's low-rank
 * projections, DeepSeek-V4's compressed attention.
 */
import type { AdapterPart, TargetModule } from './adapters.js';
import { type AttentionSpec, gqaWidths } from './spec.js';

/**
 * The q/k/v/o (GQA) or MLA projections of one attention: q and o as `part`, k and v as `kvPart`; GQA's
 * k_proj and v_proj read `kvIn` (a cross-attention layer's vision width, IDEFICS), h by default.
 */
export function attentionMatrices(
  a: AttentionSpec,
  part: AdapterPart,
  kvPart: AdapterPart,
  h: number,
  wants: (t: TargetModule) => boolean,
  add: (part: AdapterPart, module: string, inFeatures: number, outFeatures: number) => void,
  kvIn: number = h,
): void {
  if (a.kind === 'compressed') {
    // DeepseekV4Attention: q_a/q_b for queries, one kv_proj for keys and values, o_b for the output
    // (o_a_proj is a DeepseekV4GroupedLinear: PEFT's Linear LoRA does not fit its grouped forward).
    if (wants('q')) {
      add(part, 'q_a_proj', h, a.qLoraRank);
      add(part, 'q_b_proj', a.qLoraRank, a.numHeads * a.headDim);
    }
    if (wants('k') || wants('v')) add(kvPart, 'kv_proj', h, a.headDim);
    if (wants('o')) add(part, 'o_b_proj', a.outputGroups * a.outputLoraRank, h);
  } else if (a.kind === 'mla') {
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    if (wants('q')) {
      if (a.qLoraRank === null) add(part, 'q_proj', h, a.numHeads * qHead);
      else {
        add(part, 'q_a_proj', h, a.qLoraRank);
        add(part, 'q_b_proj', a.qLoraRank, a.numHeads * qHead);
      }
    }
    // MLA's keys and values come from one shared down-projection and one up-projection.
    if (wants('k') || wants('v')) {
      add(kvPart, 'kv_a_proj_with_mqa', h, a.kvLoraRank + a.qkRopeHeadDim);
      add(kvPart, 'kv_b_proj', a.kvLoraRank, a.numHeads * (a.qkNopeHeadDim + a.vHeadDim));
    }
    if (wants('o')) add(part, 'o_proj', a.numHeads * a.vHeadDim, h);
  } else {
    const w = gqaWidths(a);
    if (a.fusedQkv) {
      // One fused matrix (query_key_value, qkv_proj, Wqkv, c_attn): naming any of q, k, v adapts it whole.
      if (wants('q') || wants('k') || wants('v')) add(part, 'qkv_proj', h, w.query + w.key + w.value);
      if (wants('o')) add(part, 'o_proj', w.output, h);
      return;
    }
    // Qwen3-Next's gated attention: q_proj also emits the output gate (2 × heads × head_dim); Laguna's
    // gate is its own g_proj, which LoRA on q leaves alone.
    const qWidth = a.outputGate && !a.gateProjection ? w.query + w.output : w.query;
    if (wants('q')) {
      // Step3's low-rank query: LoRA on q adapts both its matrices (target_modules q_proj and wq).
      if (a.queryRank !== undefined) {
        add(part, 'q_proj', h, a.queryRank);
        add(part, 'wq', a.queryRank, qWidth);
      } else add(part, 'q_proj', h, qWidth);
    }
    if (wants('k')) add(kvPart, 'k_proj', kvIn, w.key);
    // Gemma 4 attention_k_eq_v: no v_proj (k_proj's output is the values too).
    if (wants('v') && !a.valueFromKey) add(kvPart, 'v_proj', kvIn, w.value);
    if (wants('o')) add(part, 'o_proj', w.output, h);
  }
}
