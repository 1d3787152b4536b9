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
] as const;

export function hfFixture(name: string): Record<string, unknown> {
  const path = new URL(`./fixtures/hf-configs/${name}.json`, import.meta.url);
  return parseConfigJson(readFileSync(path, 'utf8'), name) as Record<string, unknown>;
}
