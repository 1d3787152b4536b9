/**
 * The README's command transcripts still match the CLI: every ``` block line starting `$ llmecon` runs
 * through main() and its output is compared with the lines that follow it (whitespace runs collapsed).
 * A line `...` in a transcript marks output the README leaves out (its command may say "(first lines)"):
 * the parts around it must appear in order; nothing else may differ.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

interface Transcript {
  readonly line: number;
  readonly command: string;
  readonly expected: readonly string[];
}

/** Every `$ llmecon …` command in the README's fenced blocks, with the output lines printed after it. */
function readmeTranscripts(markdown: string): Transcript[] {
  const lines = markdown.split('\n');
  const out: Transcript[] = [];
  let inBlock = false;
  let current: { line: number; command: string; expected: string[] } | null = null;
  for (const [i, text] of lines.entries()) {
    if (text.startsWith('```')) {
      if (current) out.push(current);
      current = null;
      inBlock = !inBlock;
      continue;
    }
    if (!inBlock) continue;
    if (text.startsWith('$ llmecon ')) {
      if (current) out.push(current);
      // A note after two or more spaces, in parentheses, is the README's, not the command's.
      const command = text.slice(2).replace(/\s{2,}\(.*\)\s*$/, '');
      current = { line: i + 1, command, expected: [] };
    } else if (current) current.expected.push(text);
  }
  return out;
}

const normalise = (lines: readonly string[]) => {
  const kept = lines.map((l) => l.replace(/\s+/g, ' ').trim());
  while (kept.length > 0 && kept.at(-1) === '') kept.pop();
  while (kept.length > 0 && kept[0] === '') kept.shift();
  return kept;
};

/** The expected parts (split at `...`) in order in the actual lines; the first part at the start. */
function matches(actual: readonly string[], expected: readonly string[]): boolean {
  const parts: string[][] = [[]];
  for (const l of expected)
    if (l === '...') parts.push([]);
    else parts.at(-1)!.push(l);
  const segments = parts.map(normalise);
  if (segments.length === 1) return JSON.stringify(actual) === JSON.stringify(segments[0]);
  let at = 0;
  for (const [k, seg] of segments.entries()) {
    if (seg.length === 0) continue;
    let found = -1;
    for (let i = at; i + seg.length <= actual.length; i += 1) {
      if (seg.every((l, j) => actual[i + j] === l)) {
        found = i;
        break;
      }
      if (k === 0) break;
    }
    if (found < 0) return false;
    at = found + seg.length;
  }
  return true;
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const transcripts = readmeTranscripts(readme);

describe('README transcripts', () => {
  it('finds the transcripts, abbreviated ones marked', () => {
    expect(transcripts.length).toBeGreaterThan(10);
    const abbreviated = transcripts.filter((t) => t.expected.includes('...'));
    for (const t of abbreviated) expect(t.expected.filter((l) => l !== '...').length).toBeGreaterThan(0);
  });

  it('compares around a `...` line only', () => {
    expect(matches(['a', 'b', 'c'], ['a', '...'])).toBe(true);
    expect(matches(['a', 'b', 'c'], ['b', '...'])).toBe(false);
    expect(matches(['a', 'b', 'c'], ['a', 'b'])).toBe(false);
    expect(matches(['a', 'b', 'c', 'd'], ['a', '...', 'c', '...'])).toBe(true);
  });

  for (const t of transcripts) {
    it(`README.md:${t.line} $ ${t.command}`, { timeout: 180_000 }, async () => {
      const args = t.command.split(/\s+/).slice(1);
      const r = await runCli(args);
      const actual = normalise(r.stdout.split('\n'));
      if (!matches(actual, t.expected)) expect(actual.join('\n')).toBe(normalise(t.expected).join('\n'));
    });
  }
});
