/**
 * An uploaded config.json in the web app (issue 13 item 6): the layer mix, parameters, KV bytes per
 * token and recurrent state are `llmecon params --json` and `llmecon kv --json` for the same file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseConfigUpload } from '../../web/src/config-upload.js';
import { modelFacts } from '../../web/src/model-facts.js';
import { runCli } from '../run-cli.js';

const fixture = (name: string) => new URL(`../fixtures/hf-configs/${name}`, import.meta.url).pathname;

const cli = async (args: string[]) => {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('uploaded config.json: the layer mix as the CLI reads it', () => {
  for (const file of [
    'qwen3.5-35b-a3b.json',
    'nemotron-h-56b-base-8k.json',
    'qwen3-vl-8b-instruct.json',
    'hand-built/deepseek-v4-flash.json',
    'hand-built/step-3.5-flash.json',
  ]) {
    it(file, async () => {
      const facts = modelFacts(readFileSync(fixture(file), 'utf8'), file);
      const params = await cli(['params', fixture(file), '--json']);
      const kv = await cli(['kv', fixture(file), '--json']);
      expect(facts.totalParams).toBe(params.totalParams);
      expect(facts.activeParams).toBe(params.activeParams);
      expect(facts.description).toBe(params.layerMixDescription);
      const mixers = Object.fromEntries(facts.mixers.map((m) => [m.kind, m.layers]));
      for (const [kind, n] of Object.entries(params.layerMix as Record<string, number>))
        expect(mixers[kind] ?? 0, kind).toBe(n);
      expect(facts.mlps.reduce((sum, m) => sum + m.layers, 0)).toBe(params.layers);
      expect(facts.kvBytesPerToken).toBe(kv.bytesPerToken);
      expect(facts.recurrentStateBytesPerSequence).toBe(kv.recurrentStateBytesPerSequence);
      expect(facts.checkpoint).toEqual(params.checkpointFormat);
    });
  }

  it('Qwen3.5-35B-A3B is a hybrid: 30 Gated DeltaNet and 10 full-attention layers, all MoE', () => {
    const f = modelFacts(readFileSync(fixture('qwen3.5-35b-a3b.json'), 'utf8'), 'q');
    expect(f.mixers.map((m) => [m.kind, m.layers])).toEqual([
      ['full', 10],
      ['linear', 30],
    ]);
    expect(f.mlps.map((m) => [m.kind, m.layers])).toEqual([['moe', 40]]);
    expect(f.recurrentStateBytesPerSequence).toBeGreaterThan(0);
    expect(f.vision?.params).toBeGreaterThan(0);
  });

  it('an audio LLM (Voxtral Mini) shows its audio encoder apart, as `llmecon params` does', () => {
    const f = modelFacts(readFileSync(fixture('hand-built/voxtral-mini-3b-2507.json'), 'utf8'), 'v');
    expect(f.audio?.params).toBe(662_134_784);
    expect(f.audio?.description).toMatch(/^Whisper encoder 32 × 1280/);
    expect(f.vision).toBeNull();
  });

  it("Nemotron-H's bare Infinity is read (as the CLI does); broken JSON is an error naming config.json", () => {
    const f = modelFacts(readFileSync(fixture('nemotron-h-56b-base-8k.json'), 'utf8'), 'n');
    expect(f.mixers.find((m) => m.kind === 'mamba')!.layers).toBeGreaterThan(
      f.mixers.find((m) => m.kind === 'full')!.layers,
    );
    expect(() => parseConfigUpload('{"model_type": "llama", "hidden_size": "big"', 'broken.json')).toThrow(
      InputError,
    );
    try {
      parseConfigUpload('{"model_type"', 'broken.json');
    } catch (e) {
      expect((e as InputError).issues[0]!.path).toEqual(['config.json']);
      expect((e as InputError).issues[0]!.message).toMatch(/'broken\.json' is not valid JSON/);
    }
  });

  it('an unknown model_type read as a known family carries its warning', () => {
    const config = JSON.parse(
      readFileSync(new URL('../../catalog/models/llama-3-8b.json', import.meta.url), 'utf8'),
    ).config;
    const f = modelFacts(JSON.stringify({ ...config, model_type: 'my_new_llama' }), 'x');
    expect(f.warnings.join(' ')).toMatch(/llama-like/);
  });
});
