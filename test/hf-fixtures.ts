/** Test helper: a real config.json from test/fixtures/hf-configs (provenance in its README). */
import { readFileSync } from 'node:fs';
import { parseConfigJson } from '../src/core/model/config-text.js';

export const HF_FIXTURES = [
  'qwen3.5-397b-a17b',
  'qwen3.5-122b-a10b',
  'qwen3.5-35b-a3b',
  'qwen3.5-27b',
  'qwen3-vl-235b-a22b-instruct',
  'qwen3-vl-30b-a3b-instruct',
  'qwen3-vl-8b-instruct',
  'llama-4-scout-17b-16e-instruct',
  'llama-4-maverick-17b-128e-instruct',
  'deepseek-v3.2',
  'glm-5',
  'minimax-m2.5',
  'nemotron-3-nano-30b-a3b',
  'nemotron-h-56b-base-8k',
  'llama-3.3-nemotron-super-49b-v1',
  'minimax-m3',
  'minimax-m3-nvfp4-trimmed',
  'kimi-k3',
  'gemma-4-26b-a4b',
  'gemma-4-31b-it-nvfp4',
] as const;

/** Hand-built configs (test/fixtures/hf-configs/hand-built, provenance in the README there). */
export const HAND_BUILT_FIXTURES = [
  'hand-built/glm-4.7-flash',
  'hand-built/gemma-3-27b-it',
  'hand-built/gemma-3-4b-it',
  'hand-built/mistral-small-3.1-24b-instruct-2503',
  'hand-built/qwen3-next-80b-a3b-instruct',
  'hand-built/granite-4.0-h-small',
  'hand-built/kimi-linear-48b-a3b-instruct',
  'hand-built/falcon-h1-0.5b-instruct',
  'hand-built/lfm2-350m',
  'hand-built/glm-4.5v',
  'hand-built/apertus-8b',
  'hand-built/ernie-4.5-21b-a3b',
  'hand-built/hunyuan-a13b',
  'hand-built/nemotron-nas-variants',
  'hand-built/gemma-4-e2b-it',
  'hand-built/gemma-3n-e2b-it',
  'hand-built/gemma-3n-e4b-it',
  'hand-built/llama-3.2-11b-vision',
  'hand-built/llama-3.2-90b-vision',
  'hand-built/lfm2-8b-a1b',
  'hand-built/falcon-mamba-7b',
  'hand-built/jamba-1.5-mini',
  'hand-built/mamba-130m-hf',
  'hand-built/mamba-codestral-7b',
  'hand-built/bloom',
  'hand-built/opt-125m',
  'hand-built/opt-350m',
  'hand-built/dbrx-base',
  'hand-built/llava-1.5-7b-hf',
  'hand-built/llava-v1.6-mistral-7b-hf',
  'hand-built/llava-onevision-qwen2-7b-ov-hf',
  'hand-built/minimax-text-01-hf',
  'hand-built/bamba-9b',
  'hand-built/granitemoeshared-test-shape',
  'hand-built/trinity-mini',
  'hand-built/trinity-large',
  'hand-built/longcat-flash-chat',
  'hand-built/flexolmo-7x7b-1t',
  'hand-built/vaultgemma-1b',
  'hand-built/bitnet-b1.58-2b4t',
  'hand-built/cwm',
  'hand-built/helium-1-preview-2b',
] as const;

export function hfFixture(name: string): Record<string, unknown> {
  const path = new URL(`./fixtures/hf-configs/${name}.json`, import.meta.url);
  return parseConfigJson(readFileSync(path, 'utf8'), name) as Record<string, unknown>;
}
