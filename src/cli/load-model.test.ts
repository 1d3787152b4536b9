import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hfFixture } from '../../test/hf-fixtures.js';
import { InputError } from '../core/errors.js';
import { checkpointFormat } from '../core/model/checkpoint-format.js';
import { loadModel } from './load-model.js';

describe('loadModel', () => {
  it('refuses a file over the size limit before reading it, naming the flag', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'huge.json');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 200 * 2 ** 20); // sparse: nothing is written
    closeSync(fd);
    expect(() => loadModel(path)).toThrow(InputError);
    expect(() => loadModel(path)).toThrow(/model: '.*huge\.json' is too large: 209,715,200 bytes/);
  });
  it("reads a ModelOpt export's hf_quant_config.json beside a config.json without quantization_config, as vLLM does", () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-'));
    // Apertus 8B's config (no quantization of its own).
    const config = hfFixture('hand-built/apertus-8b');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expect(checkpointFormat(loadModel(dir).config)).toBeNull();
    const quant = {
      producer: { name: 'modelopt' },
      quantization: { quant_algo: 'NVFP4', kv_cache_quant_algo: 'FP8' },
    };
    writeFileSync(join(dir, 'hf_quant_config.json'), JSON.stringify(quant));
    for (const ref of [dir, join(dir, 'config.json')]) {
      const format = checkpointFormat(loadModel(ref).config);
      expect(format).toMatchObject({ weights: 'nvfp4', kv: 'fp8' });
    }
    // A config that states its own quantization keeps it.
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ...config, quantization_config: { quant_method: 'fp8' } }),
    );
    expect(checkpointFormat(loadModel(dir).config)?.weights).toBe('fp8');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    // Only a config.json takes it: an llmecon spec or another JSON beside it is read as written.
    writeFileSync(join(dir, 'other.json'), JSON.stringify(config));
    expect(checkpointFormat(loadModel(join(dir, 'other.json')).config)).toBeNull();
    writeFileSync(join(dir, 'hf_quant_config.json'), '{"producer": {}}');
    expect(() => loadModel(dir)).toThrow(/hf_quant_config\.json' has no 'quantization' object/);
  });
});
