/**
 * Rewrites the README's `$ llmecon …` transcripts from the CLI's real output (the check is
 * test/readme.test.ts). A transcript with a `...` line keeps as many leading lines as it had before
 * its first `...`, then the `...`. Usage: npx tsx scripts/readme-transcripts.ts [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../test/run-cli.js';

const path = new URL('../README.md', import.meta.url);
const lines = readFileSync(path, 'utf8').split('\n');
const out: string[] = [];
let inBlock = false;
let changed = 0;
for (let i = 0; i < lines.length; i += 1) {
  const text = lines[i]!;
  if (text.startsWith('```')) inBlock = !inBlock;
  out.push(text);
  if (!inBlock || !text.startsWith('$ llmecon ')) continue;
  // The transcript runs to the next command or the end of the block.
  let end = i + 1;
  while (end < lines.length && !lines[end]!.startsWith('```') && !lines[end]!.startsWith('$ llmecon '))
    end += 1;
  const old = lines.slice(i + 1, end);
  const command = text.slice(2).replace(/\s{2,}\(.*\)\s*$/, '');
  const args = command.split(/\s+/).slice(1);
  const r = await runCli(args);
  const actual = (r.stdout.length > 0 ? r.stdout : r.stderr).replace(/\s+$/, '').split('\n');
  const cut = old.indexOf('...');
  // Blank lines that separated this transcript from the next command stay.
  let blanks = 0;
  while (blanks < old.length && old[old.length - 1 - blanks] === '') blanks += 1;
  const next = [...(cut >= 0 ? [...actual.slice(0, cut), '...'] : actual), ...Array<string>(blanks).fill('')];
  if (JSON.stringify(next) !== JSON.stringify(old)) changed += 1;
  out.push(...next);
  i = end - 1;
}
if (process.argv.includes('--write')) writeFileSync(path, out.join('\n'));
console.log(
  `${changed} transcript(s) ${process.argv.includes('--write') ? 'rewritten' : 'differ (pass --write)'}`,
);
