/**
 * The model families llmecon reads, by Hugging Face `model_type`. Each family is one small file
 * over the shared readers (`readers.ts`); a new family is a new file and one line here.
 */
import { deepseek, deepseekV32, glmMoeDsa } from './deepseek.js';
import { falcon } from './falcon.js';
import { gemma2 } from './gemma2.js';
import { glm4Moe } from './glm4-moe.js';
import { gptOss } from './gpt-oss.js';
import { gpt2 } from './gpt2.js';
import { llama, mistral, qwen2 } from './llama.js';
import { mixtral } from './mixtral.js';
import { olmo2 } from './olmo2.js';
import { phi3 } from './phi3.js';
import { qwen3, qwen3Moe } from './qwen3.js';
import type { Family } from './readers.js';

export const FAMILIES = {
  llama,
  mistral,
  mixtral,
  qwen2,
  qwen3,
  qwen3_moe: qwen3Moe,
  gemma2,
  phi3,
  olmo2,
  gpt2,
  falcon,
  deepseek_v2: deepseek,
  deepseek_v3: deepseek,
  kimi_k2: deepseek,
  glm4_moe: glm4Moe,
  gpt_oss: gptOss,
  deepseek_v32: deepseekV32,
  glm_moe_dsa: glmMoeDsa,
} as const satisfies Record<string, Family>;

export type SupportedModelType = keyof typeof FAMILIES;

export const SUPPORTED_MODEL_TYPES = Object.keys(FAMILIES) as readonly SupportedModelType[];
