import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/run-cli.js';

const example = (f: string) => new URL(`../../examples/${f}`, import.meta.url).pathname;

describe('llmecon run', () => {
  it('prints the Markdown report by default, the same as --format md', async () => {
    const md = await run(['run', example('s1-32b.yaml')]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# s1-32B fine-tuning/);
    expect(md.stdout).toContain('## Assumptions and sources');
    expect((await run(['run', example('s1-32b.yaml'), '--format', 'md'])).stdout).toBe(md.stdout);
  });
  it('--format csv equals --csv; --format json equals --json and is finite JSON', async () => {
    const csv = await run(['run', example('s1-32b.yaml'), '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^month,compute_usd,/);
    expect((await run(['run', example('s1-32b.yaml'), '--csv'])).stdout).toBe(csv.stdout);
    const json = await run(['run', example('s1-32b.yaml'), '--format', 'json', '--samples', '200']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.monteCarlo.samples).toBe(200);
    expect(json.stdout).not.toMatch(/NaN|Infinity/);
    expect((await run(['run', example('s1-32b.yaml'), '--json', '--samples', '200'])).stdout).toBe(
      json.stdout,
    );
  });
  it('--format html --out writes a self-contained report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'report.html');
    const r = await run(['run', example('s1-32b.yaml'), '--format', 'html', '--out', out]);
    expect(r).toMatchObject({ code: 0, stdout: `wrote ${out}` });
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    // A path that cannot be written: exit 2 naming --out and why, in words.
    const dir = join(out, '..');
    for (const [path, why] of [
      [join(dir, 'missing', 'r.md'), 'no such directory'],
      [dir, 'it is a directory; give a file'],
    ]) {
      expect(await run(['run', example('s1-32b.yaml'), '--out', path!])).toMatchObject({
        code: 2,
        stderr: `error: --out: cannot write '${path}': ${why}`,
      });
    }
  });
  it('bad formats, two formats, a missing file and a malformed scenario exit 2 with the field named', async () => {
    expect(await run(['run', example('s1-32b.yaml'), '--format', 'pdf'])).toMatchObject({
      code: 2,
      stderr: "error: --format: one of md, html, csv, json, got 'pdf'",
    });
    expect(await run(['run', example('s1-32b.yaml'), '--format', 'csv', '--json'])).toMatchObject({
      code: 2,
      stderr: 'error: --format: choose one output format, got csv and json',
    });
    const missing = await run(['run', '/nonexistent/scenario.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/scenario: cannot read '\/nonexistent\/scenario.yaml': no such file$/m);
    const folder = await run(['run', tmpdir()]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/scenario: cannot read '.*': it is a directory; give a file$/m);
    const bad = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'bad.yaml');
    writeFileSync(bad, readFileSync(example('s1-32b.yaml'), 'utf8').replace('gpus: 16', 'gpus: -16'));
    const r = await run(['run', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: phases[0].gpus: line 25: must be a whole number ≥ 1 and ≤ 10,000,000 (GPUs), got -16',
    );
  });
  it("an engine's refusal inside a phase names the phase field and its line", async () => {
    const fp8 = join(mkdtempSync(join(tmpdir(), 'llmecon-')), 'fp8.yaml');
    const text = readFileSync(example('deepseek-v3.yaml'), 'utf8');
    writeFileSync(fp8, text.replace('    precision: fp8', '    precision: fp8\n    stack: unsloth'));
    const line = text.split('\n').indexOf('    precision: fp8') + 1;
    const r = await run(['run', fp8]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: phases\\[0\\]\\.precision: line ${line}: Unsloth has no FP8 training recipe`),
    );
  });
});
