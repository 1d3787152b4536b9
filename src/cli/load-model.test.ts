import { closeSync, ftruncateSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
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
});
