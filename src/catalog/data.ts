/**
 * Every catalog data file, imported statically so the catalog works unchanged in Node and in the
 * browser. A lint test checks that this list matches the files in catalog/.
 */

import apis_claude_3_5_sonnet from '../../catalog/apis/claude-3.5-sonnet.json' with { type: 'json' };
import apis_claude_haiku_4_5 from '../../catalog/apis/claude-haiku-4.5.json' with { type: 'json' };
import apis_claude_sonnet_4_6 from '../../catalog/apis/claude-sonnet-4.6.json' with { type: 'json' };
import apis_deepseek_chat from '../../catalog/apis/deepseek-chat.json' with { type: 'json' };
import apis_deepseek_reasoner from '../../catalog/apis/deepseek-reasoner.json' with { type: 'json' };
import apis_deepseek_v4_flash from '../../catalog/apis/deepseek-v4-flash.json' with { type: 'json' };
import apis_deepseek_v4_pro from '../../catalog/apis/deepseek-v4-pro.json' with { type: 'json' };
import apis_gemini_1_5_flash from '../../catalog/apis/gemini-1.5-flash.json' with { type: 'json' };
import apis_glm_3_turbo from '../../catalog/apis/glm-3-turbo.json' with { type: 'json' };
import apis_gpt_4o from '../../catalog/apis/gpt-4o.json' with { type: 'json' };
import apis_gpt_4o_mini from '../../catalog/apis/gpt-4o-mini.json' with { type: 'json' };
import apis_gpt_5_4_mini from '../../catalog/apis/gpt-5.4-mini.json' with { type: 'json' };
import apis_gpt_5_5 from '../../catalog/apis/gpt-5.5.json' with { type: 'json' };
import apis_groq_gpt_oss_120b from '../../catalog/apis/groq-gpt-oss-120b.json' with { type: 'json' };
import apis_groq_llama_3_70b from '../../catalog/apis/groq-llama-3-70b.json' with { type: 'json' };
import assumptions from '../../catalog/assumptions.json' with { type: 'json' };
import clusters_dgx_h100 from '../../catalog/clusters/dgx-h100.json' with { type: 'json' };
import clusters_eleutherai_a100_40gb from '../../catalog/clusters/eleutherai-a100-40gb.json' with {
  type: 'json',
};
import clusters_gb200_nvl72 from '../../catalog/clusters/gb200-nvl72.json' with { type: 'json' };
import clusters_gb300_nvl72 from '../../catalog/clusters/gb300-nvl72.json' with { type: 'json' };
import clusters_hgx_h800_deepseek from '../../catalog/clusters/hgx-h800-deepseek.json' with { type: 'json' };
import clusters_jean_zay_a100 from '../../catalog/clusters/jean-zay-a100.json' with { type: 'json' };
import clusters_selene_a100 from '../../catalog/clusters/selene-a100.json' with { type: 'json' };
import clusters_tpu_v4_pod from '../../catalog/clusters/tpu-v4-pod.json' with { type: 'json' };
import clusters_tpu_v5p_pod from '../../catalog/clusters/tpu-v5p-pod.json' with { type: 'json' };
import efficiency_ampere from '../../catalog/efficiency/ampere.json' with { type: 'json' };
import efficiency_blackwell from '../../catalog/efficiency/blackwell.json' with { type: 'json' };
import efficiency_cdna3 from '../../catalog/efficiency/cdna3.json' with { type: 'json' };
import efficiency_generic from '../../catalog/efficiency/generic.json' with { type: 'json' };
import efficiency_h200 from '../../catalog/efficiency/h200.json' with { type: 'json' };
import efficiency_hopper from '../../catalog/efficiency/hopper.json' with { type: 'json' };
import gpus_a10 from '../../catalog/gpus/a10.json' with { type: 'json' };
import gpus_a100_40gb from '../../catalog/gpus/a100-40gb.json' with { type: 'json' };
import gpus_a100_80gb from '../../catalog/gpus/a100-80gb.json' with { type: 'json' };
import gpus_a100_80gb_pcie from '../../catalog/gpus/a100-80gb-pcie.json' with { type: 'json' };
import gpus_b200 from '../../catalog/gpus/b200.json' with { type: 'json' };
import gpus_b300 from '../../catalog/gpus/b300.json' with { type: 'json' };
import gpus_gaudi3 from '../../catalog/gpus/gaudi3.json' with { type: 'json' };
import gpus_gb200 from '../../catalog/gpus/gb200.json' with { type: 'json' };
import gpus_gb300 from '../../catalog/gpus/gb300.json' with { type: 'json' };
import gpus_h20 from '../../catalog/gpus/h20.json' with { type: 'json' };
import gpus_h100_96gb_500w from '../../catalog/gpus/h100-96gb-500w.json' with { type: 'json' };
import gpus_h100_pcie from '../../catalog/gpus/h100-pcie.json' with { type: 'json' };
import gpus_h100_sxm from '../../catalog/gpus/h100-sxm.json' with { type: 'json' };
import gpus_h200 from '../../catalog/gpus/h200.json' with { type: 'json' };
import gpus_h800 from '../../catalog/gpus/h800.json' with { type: 'json' };
import gpus_l4 from '../../catalog/gpus/l4.json' with { type: 'json' };
import gpus_l40s from '../../catalog/gpus/l40s.json' with { type: 'json' };
import gpus_mi300x from '../../catalog/gpus/mi300x.json' with { type: 'json' };
import gpus_mi325x from '../../catalog/gpus/mi325x.json' with { type: 'json' };
import gpus_mi355x from '../../catalog/gpus/mi355x.json' with { type: 'json' };
import gpus_rtx_4090 from '../../catalog/gpus/rtx-4090.json' with { type: 'json' };
import gpus_rtx_5090 from '../../catalog/gpus/rtx-5090.json' with { type: 'json' };
import gpus_rtx_pro_6000 from '../../catalog/gpus/rtx-pro-6000.json' with { type: 'json' };
import gpus_tpu_v4 from '../../catalog/gpus/tpu-v4.json' with { type: 'json' };
import gpus_tpu_v5e from '../../catalog/gpus/tpu-v5e.json' with { type: 'json' };
import gpus_tpu_v5p from '../../catalog/gpus/tpu-v5p.json' with { type: 'json' };
import gpus_tpu_v6e from '../../catalog/gpus/tpu-v6e.json' with { type: 'json' };
import gpus_tpu7x from '../../catalog/gpus/tpu7x.json' with { type: 'json' };
import gpus_trainium2 from '../../catalog/gpus/trainium2.json' with { type: 'json' };
import grids_china from '../../catalog/grids/china.json' with { type: 'json' };
import grids_eu from '../../catalog/grids/eu.json' with { type: 'json' };
import grids_france from '../../catalog/grids/france.json' with { type: 'json' };
import grids_india from '../../catalog/grids/india.json' with { type: 'json' };
import grids_us from '../../catalog/grids/us.json' with { type: 'json' };
import grids_us_2021_meta from '../../catalog/grids/us-2021-meta.json' with { type: 'json' };
import grids_world from '../../catalog/grids/world.json' with { type: 'json' };
import hosts from '../../catalog/hosts.json' with { type: 'json' };
import kernels_h200_2026_11_29 from '../../catalog/kernels/h200-2026-11-29.json' with { type: 'json' };
import models_deepseek_v2 from '../../catalog/models/deepseek-v2.json' with { type: 'json' };
import models_deepseek_v3_2 from '../../catalog/models/deepseek-v3.2.json' with { type: 'json' };
import models_deepseek_v3 from '../../catalog/models/deepseek-v3.json' with { type: 'json' };
import models_deepseek_v4_flash from '../../catalog/models/deepseek-v4-flash.json' with { type: 'json' };
import models_deepseek_v4_pro from '../../catalog/models/deepseek-v4-pro.json' with { type: 'json' };
import models_falcon_40b from '../../catalog/models/falcon-40b.json' with { type: 'json' };
import models_gemma_2_9b from '../../catalog/models/gemma-2-9b.json' with { type: 'json' };
import models_glm_4_5_air from '../../catalog/models/glm-4.5-air.json' with { type: 'json' };
import models_glm_5 from '../../catalog/models/glm-5.json' with { type: 'json' };
import models_gpt_oss_20b from '../../catalog/models/gpt-oss-20b.json' with { type: 'json' };
import models_gpt_oss_120b from '../../catalog/models/gpt-oss-120b.json' with { type: 'json' };
import models_gpt2 from '../../catalog/models/gpt2.json' with { type: 'json' };
import models_kimi_k2 from '../../catalog/models/kimi-k2.json' with { type: 'json' };
import models_llama_2_7b from '../../catalog/models/llama-2-7b.json' with { type: 'json' };
import models_llama_2_70b from '../../catalog/models/llama-2-70b.json' with { type: 'json' };
import models_llama_3_1_8b from '../../catalog/models/llama-3.1-8b.json' with { type: 'json' };
import models_llama_3_1_70b from '../../catalog/models/llama-3.1-70b.json' with { type: 'json' };
import models_llama_3_1_405b from '../../catalog/models/llama-3.1-405b.json' with { type: 'json' };
import models_llama_3_2_1b from '../../catalog/models/llama-3.2-1b.json' with { type: 'json' };
import models_llama_3_2_3b from '../../catalog/models/llama-3.2-3b.json' with { type: 'json' };
import models_llama_3_3_70b from '../../catalog/models/llama-3.3-70b.json' with { type: 'json' };
import models_llama_3_8b from '../../catalog/models/llama-3-8b.json' with { type: 'json' };
import models_llama_4_maverick from '../../catalog/models/llama-4-maverick.json' with { type: 'json' };
import models_llama_4_scout from '../../catalog/models/llama-4-scout.json' with { type: 'json' };
import models_mimo_v2_flash from '../../catalog/models/mimo-v2-flash.json' with { type: 'json' };
import models_minimax_m2_5 from '../../catalog/models/minimax-m2.5.json' with { type: 'json' };
import models_mistral_7b from '../../catalog/models/mistral-7b.json' with { type: 'json' };
import models_mixtral_8x7b from '../../catalog/models/mixtral-8x7b.json' with { type: 'json' };
import models_mixtral_8x22b from '../../catalog/models/mixtral-8x22b.json' with { type: 'json' };
import models_nemotron_3_nano_30b_a3b from '../../catalog/models/nemotron-3-nano-30b-a3b.json' with {
  type: 'json',
};
import models_nemotron_3_ultra_550b_a55b from '../../catalog/models/nemotron-3-ultra-550b-a55b.json' with {
  type: 'json',
};
import models_olmo_2_7b from '../../catalog/models/olmo-2-7b.json' with { type: 'json' };
import models_phi_3_mini from '../../catalog/models/phi-3-mini.json' with { type: 'json' };
import models_qwen2_5_7b from '../../catalog/models/qwen2.5-7b.json' with { type: 'json' };
import models_qwen2_5_32b from '../../catalog/models/qwen2.5-32b.json' with { type: 'json' };
import models_qwen2_5_72b from '../../catalog/models/qwen2.5-72b.json' with { type: 'json' };
import models_qwen3_5_397b_a17b from '../../catalog/models/qwen3.5-397b-a17b.json' with { type: 'json' };
import models_qwen3_8b from '../../catalog/models/qwen3-8b.json' with { type: 'json' };
import models_qwen3_30b_a3b from '../../catalog/models/qwen3-30b-a3b.json' with { type: 'json' };
import models_qwen3_32b from '../../catalog/models/qwen3-32b.json' with { type: 'json' };
import models_qwen3_235b_a22b from '../../catalog/models/qwen3-235b-a22b.json' with { type: 'json' };
import models_qwen3_coder_480b_a35b from '../../catalog/models/qwen3-coder-480b-a35b.json' with {
  type: 'json',
};
import models_qwen3_vl_235b_a22b from '../../catalog/models/qwen3-vl-235b-a22b.json' with { type: 'json' };
import quality_results from '../../catalog/quality-results.json' with { type: 'json' };
import sources from '../../catalog/sources.json' with { type: 'json' };
import stacks_deepspeed from '../../catalog/stacks/deepspeed.json' with { type: 'json' };
import stacks_hf from '../../catalog/stacks/hf.json' with { type: 'json' };
import stacks_llm_foundry from '../../catalog/stacks/llm-foundry.json' with { type: 'json' };
import stacks_megatron from '../../catalog/stacks/megatron.json' with { type: 'json' };
import stacks_megatron_deepspeed from '../../catalog/stacks/megatron-deepspeed.json' with { type: 'json' };
import stacks_torchtitan from '../../catalog/stacks/torchtitan.json' with { type: 'json' };
import stacks_unsloth from '../../catalog/stacks/unsloth.json' with { type: 'json' };

export const SOURCES: unknown = sources;
export const ASSUMPTIONS: unknown = assumptions;
/** GPU servers' host side: link, host memory bandwidth and capacity (offload). */
export const HOSTS: unknown = hosts;
/** Published quality results the levers' caveats quote (benchmark scores with their sources). */
export const QUALITY_RESULTS: unknown = quality_results;
export const GPUS_FILES: Readonly<Record<string, unknown>> = {
  a10: gpus_a10,
  'a100-40gb': gpus_a100_40gb,
  'a100-80gb-pcie': gpus_a100_80gb_pcie,
  'a100-80gb': gpus_a100_80gb,
  b200: gpus_b200,
  b300: gpus_b300,
  gaudi3: gpus_gaudi3,
  gb200: gpus_gb200,
  gb300: gpus_gb300,
  'h100-pcie': gpus_h100_pcie,
  'h100-96gb-500w': gpus_h100_96gb_500w,
  'h100-sxm': gpus_h100_sxm,
  h20: gpus_h20,
  h200: gpus_h200,
  h800: gpus_h800,
  l4: gpus_l4,
  l40s: gpus_l40s,
  mi300x: gpus_mi300x,
  mi325x: gpus_mi325x,
  mi355x: gpus_mi355x,
  'rtx-4090': gpus_rtx_4090,
  'rtx-5090': gpus_rtx_5090,
  'rtx-pro-6000': gpus_rtx_pro_6000,
  'tpu-v4': gpus_tpu_v4,
  'tpu-v5e': gpus_tpu_v5e,
  'tpu-v5p': gpus_tpu_v5p,
  'tpu-v6e': gpus_tpu_v6e,
  tpu7x: gpus_tpu7x,
  trainium2: gpus_trainium2,
};
export const MODELS_FILES: Readonly<Record<string, unknown>> = {
  'deepseek-v2': models_deepseek_v2,
  'deepseek-v3': models_deepseek_v3,
  'falcon-40b': models_falcon_40b,
  'gemma-2-9b': models_gemma_2_9b,
  'glm-4.5-air': models_glm_4_5_air,
  'gpt-oss-120b': models_gpt_oss_120b,
  'gpt-oss-20b': models_gpt_oss_20b,
  gpt2: models_gpt2,
  'kimi-k2': models_kimi_k2,
  'llama-2-70b': models_llama_2_70b,
  'llama-2-7b': models_llama_2_7b,
  'llama-3-8b': models_llama_3_8b,
  'llama-3.1-405b': models_llama_3_1_405b,
  'llama-3.1-8b': models_llama_3_1_8b,
  'llama-3.2-1b': models_llama_3_2_1b,
  'llama-3.2-3b': models_llama_3_2_3b,
  'llama-3.1-70b': models_llama_3_1_70b,
  'mistral-7b': models_mistral_7b,
  'mixtral-8x7b': models_mixtral_8x7b,
  'olmo-2-7b': models_olmo_2_7b,
  'phi-3-mini': models_phi_3_mini,
  'qwen2.5-32b': models_qwen2_5_32b,
  'qwen2.5-72b': models_qwen2_5_72b,
  'qwen2.5-7b': models_qwen2_5_7b,
  'qwen3-8b': models_qwen3_8b,
  'qwen3-30b-a3b': models_qwen3_30b_a3b,
  'qwen3-32b': models_qwen3_32b,
  'qwen3-235b-a22b': models_qwen3_235b_a22b,
  'qwen3.5-397b-a17b': models_qwen3_5_397b_a17b,
  'qwen3-vl-235b-a22b': models_qwen3_vl_235b_a22b,
  'llama-4-scout': models_llama_4_scout,
  'llama-4-maverick': models_llama_4_maverick,
  'deepseek-v3.2': models_deepseek_v3_2,
  'deepseek-v4-flash': models_deepseek_v4_flash,
  'deepseek-v4-pro': models_deepseek_v4_pro,
  'glm-5': models_glm_5,
  'minimax-m2.5': models_minimax_m2_5,
  'nemotron-3-nano-30b-a3b': models_nemotron_3_nano_30b_a3b,
  'llama-3.3-70b': models_llama_3_3_70b,
  'qwen3-coder-480b-a35b': models_qwen3_coder_480b_a35b,
  'mixtral-8x22b': models_mixtral_8x22b,
  'mimo-v2-flash': models_mimo_v2_flash,
  'nemotron-3-ultra-550b-a55b': models_nemotron_3_ultra_550b_a55b,
};
export const CLUSTERS_FILES: Readonly<Record<string, unknown>> = {
  'dgx-h100': clusters_dgx_h100,
  'eleutherai-a100-40gb': clusters_eleutherai_a100_40gb,
  'gb200-nvl72': clusters_gb200_nvl72,
  'gb300-nvl72': clusters_gb300_nvl72,
  'hgx-h800-deepseek': clusters_hgx_h800_deepseek,
  'jean-zay-a100': clusters_jean_zay_a100,
  'selene-a100': clusters_selene_a100,
  'tpu-v4-pod': clusters_tpu_v4_pod,
  'tpu-v5p-pod': clusters_tpu_v5p_pod,
};
export const EFFICIENCY_FILES: Readonly<Record<string, unknown>> = {
  ampere: efficiency_ampere,
  blackwell: efficiency_blackwell,
  cdna3: efficiency_cdna3,
  generic: efficiency_generic,
  h200: efficiency_h200,
  hopper: efficiency_hopper,
};
export const KERNELS_FILES: Readonly<Record<string, unknown>> = {
  'h200-2026-11-29': kernels_h200_2026_11_29,
};
export const GRIDS_FILES: Readonly<Record<string, unknown>> = {
  china: grids_china,
  eu: grids_eu,
  france: grids_france,
  india: grids_india,
  'us-2021-meta': grids_us_2021_meta,
  us: grids_us,
  world: grids_world,
};
export const APIS_FILES: Readonly<Record<string, unknown>> = {
  'claude-3.5-sonnet': apis_claude_3_5_sonnet,
  'claude-haiku-4.5': apis_claude_haiku_4_5,
  'claude-sonnet-4.6': apis_claude_sonnet_4_6,
  'deepseek-chat': apis_deepseek_chat,
  'deepseek-reasoner': apis_deepseek_reasoner,
  'deepseek-v4-flash': apis_deepseek_v4_flash,
  'deepseek-v4-pro': apis_deepseek_v4_pro,
  'gemini-1.5-flash': apis_gemini_1_5_flash,
  'gpt-4o-mini': apis_gpt_4o_mini,
  'gpt-4o': apis_gpt_4o,
  'gpt-5.4-mini': apis_gpt_5_4_mini,
  'gpt-5.5': apis_gpt_5_5,
  'glm-3-turbo': apis_glm_3_turbo,
  'groq-gpt-oss-120b': apis_groq_gpt_oss_120b,
  'groq-llama-3-70b': apis_groq_llama_3_70b,
};
export const STACKS_FILES: Readonly<Record<string, unknown>> = {
  deepspeed: stacks_deepspeed,
  hf: stacks_hf,
  'llm-foundry': stacks_llm_foundry,
  megatron: stacks_megatron,
  'megatron-deepspeed': stacks_megatron_deepspeed,
  torchtitan: stacks_torchtitan,
  unsloth: stacks_unsloth,
};
