/**
 * ERNIE 4.5 MoE (`ernie4_5_moe`, ernie45.ts): a config that omits keys is read with
 * Ernie4_5_MoeConfig's defaults, as transformers reads it (configuration_ernie4_5_moe.py `__init__`:
 * max_position_embeddings 131072, tie_word_embeddings True, moe_layer_start_index 1). Trimmed copies
 * of baidu/ERNIE-4.5-21B-A3B's config.json in the wild drop `max_position_embeddings`.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { paramCount } from '../param-count.js';
import { ernie45Moe } from './ernie45.js';
import { Fields, type Json } from './fields.js';

const read = (config: Json) => ernie45Moe(new Fields(config, 'ernie4_5_moe'), 'ernie');
const full = hfFixture('hand-built/ernie-4.5-21b-a3b') as Json;
const without = (...keys: string[]): Json =>
  Object.fromEntries(Object.entries(full).filter(([k]) => !keys.includes(k)));

describe('ERNIE 4.5 MoE defaults', () => {
  it('reads a config without max_position_embeddings, tie_word_embeddings and moe_layer_start_index as the full one', () => {
    const trimmed = read(without('max_position_embeddings', 'tie_word_embeddings', 'moe_layer_start_index'));
    const whole = read(full);
    expect(trimmed.maxContextTokens).toBe(131_072);
    expect(trimmed.tieWordEmbeddings).toBe(true);
    expect(paramCount(trimmed)).toEqual(paramCount(whole));
  });

  it('keeps layer 0 dense by default and follows a stated start index', () => {
    expect(read(without('moe_layer_start_index')).layers[0]?.mlp).toBe('dense');
    expect(read({ ...full, moe_layer_start_index: 0 }).layers[0]?.mlp).toBe('moe');
  });

  it('unties the head where the config says so', () => {
    const untied = read({ ...full, tie_word_embeddings: false });
    expect(untied.tieWordEmbeddings).toBe(false);
    expect(paramCount(untied).totalParams - paramCount(read(full)).totalParams).toBe(
      (full.vocab_size as number) * (full.hidden_size as number),
    );
  });
});
