/**
 * DeepSeek-V3's MLA shape (DeepSeek-V3 report Sec. 2.1.1; DeepseekV3Config: q_lora_rank 1536,
 * kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128), which many 2025–26
 * families reuse with their own head count: the attention a test expects them to read.
 */
import type { MlaAttention } from '../src/core/model/spec.js';

export const deepseekV3Mla = (numHeads: number, extra: Partial<MlaAttention> = {}): MlaAttention => ({
  kind: 'mla',
  numHeads,
  qLoraRank: 1536,
  kvLoraRank: 512,
  qkNopeHeadDim: 128,
  qkRopeHeadDim: 64,
  vHeadDim: 128,
  ...extra,
});
