/**
 * Configs written by today's transformers name layer types as `remap_legacy_layer_types` renames them
 * on load (mamba → linear_attention, attention → full_attention, deepseek_sparse_attention and
 * qwen_sparse_attention → indexed_attention): every family that lists a legacy name reads the
 * current one the same, and a name neither spelling allows is still refused by its field.
 */
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../../../test/hf-fixtures.js';
import { specFromHfConfig } from '../hf-config.js';
import { kvCacheBytes } from '../kv-cache.js';
import { paramCount } from '../param-count.js';

type Config = Record<string, unknown>;

const CURRENT: Record<string, string> = {
  mamba: 'linear_attention',
  attention: 'full_attention',
  deepseek_sparse_attention: 'indexed_attention',
  qwen_sparse_attention: 'indexed_attention',
};

/** A fixture with a legacy layer list at `key` (in `text_config` when `nested`), and the same list renamed. */
function pair(id: string, key: string, nested: boolean, legacy: (c: Config) => string[]): [Config, Config] {
  const before = structuredClone(hfFixture(id)) as Config;
  const holder = (nested ? before.text_config : before) as Config;
  holder[key] = legacy(holder);
  const after = structuredClone(before);
  const renamed = (nested ? after.text_config : after) as Config;
  renamed[key] = (renamed[key] as string[]).map((t) => CURRENT[t] ?? t);
  expect(renamed[key]).not.toEqual(holder[key]);
  return [before, after];
}

const jambaLegacy = (c: Config) =>
  Array.from({ length: c.num_hidden_layers as number }, (_, i) =>
    i % (c.attn_layer_period as number) === (c.attn_layer_offset as number) ? 'attention' : 'mamba',
  );

const CASES: [string, () => [Config, Config]][] = [
  [
    'Granite 4.0-H (layer_types)',
    () => pair('hand-built/granite-4.0-h-small', 'layer_types', false, (c) => c.layer_types as string[]),
  ],
  [
    'Jamba 1.5 (layers_block_type)',
    () => pair('hand-built/jamba-1.5-mini', 'layers_block_type', false, jambaLegacy),
  ],
  [
    'Zamba-7B (layers_block_type)',
    () => pair('hand-built/zamba-7b', 'layers_block_type', false, (c) => c.layers_block_type as string[]),
  ],
  [
    'GLM-5.3-Flash (layer_types)',
    () =>
      pair('hand-built/glm5-next', 'layer_types', true, (c) =>
        Array.from({ length: c.num_hidden_layers as number }, (_, i) =>
          i % 4 === 3 ? 'deepseek_sparse_attention' : 'linear_attention',
        ),
      ),
  ],
  [
    'Qwen4-Exp (layer_types)',
    () =>
      pair('hand-built/qwen4-exp', 'layer_types', true, (c) =>
        (c.layer_types as string[]).map((t) => (t === 'full_attention' ? 'qwen_sparse_attention' : t)),
      ),
  ],
];

describe('layer types under their current names', () => {
  it.each(CASES)('%s reads the same', (_, make) => {
    const [before, after] = make();
    const a = specFromHfConfig(before, 'a');
    const b = specFromHfConfig(after, 'b');
    expect([paramCount(b).totalParams, paramCount(b).activeParams]).toEqual([
      paramCount(a).totalParams,
      paramCount(a).activeParams,
    ]);
    expect(kvCacheBytes(b, 4096, 'bf16').bytesPerSequence).toBe(
      kvCacheBytes(a, 4096, 'bf16').bytesPerSequence,
    );
  });

  it('a current name the family has no legacy alias for is refused, naming the entry', () => {
    const [, after] = pair('hand-built/jamba-1.5-mini', 'layers_block_type', false, jambaLegacy);
    (after.layers_block_type as string[])[1] = 'indexed_attention';
    expect(() => specFromHfConfig(after, 'x')).toThrowError(/layers_block_type\[1\].*"indexed_attention"/);
  });
});
