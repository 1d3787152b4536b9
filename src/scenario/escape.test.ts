/**
 * Escaping wherever output leaves the program: scenario strings in the Markdown report (rendered by
 * marked, as the HTML report and the web app do) stay text, and the terminal gets no control sequences.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { Marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { terminalSafe } from '../cli/format.js';
import { analyseScenario, analysisHtml, analysisMarkdown } from './analyse.js';
import { escapeHtml } from './html.js';
import { parseScenario } from './load.js';
import { mdText } from './report.js';

const ATTACKS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '[click me](javascript:alert(1))',
  '<javascript:alert(1)>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '| a | b |\n# heading\n<iframe srcdoc="<script>alert(1)</script>">',
];
/** The active content in rendered HTML: elements that run or load, event handlers, script links. */
function activeContent(html: string, ignoreSvg = false): string[] {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const found: string[] = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'img', 'iframe', 'object', 'embed'].includes(tag) || (tag === 'svg' && !ignoreSvg))
      found.push(tag);
    for (const attr of el.getAttributeNames())
      if (attr.startsWith('on') || /^\s*javascript:/i.test(el.getAttribute(attr) ?? ''))
        found.push(`${tag}[${attr}]`);
  }
  return found;
}

const example = readFileSync(new URL('../../examples/startup-serving-8b.yaml', import.meta.url), 'utf8');
const withStrings = (attack: string) =>
  example
    .replace('name: Startup serving a fine-tuned 8B model', `name: ${JSON.stringify(attack)}`)
    .replace('name: production serving', `name: ${JSON.stringify(`${attack} serving`)}`)
    .replace('  - plan: team plan', `  - plan: ${JSON.stringify(attack)}`)
    .replace(/^region: us$/m, `region: us\ndescription: ${JSON.stringify(attack)}`);

describe('Markdown and HTML reports escape every echoed string', () => {
  it('mdText keeps the text and removes every Markdown/HTML meaning', () => {
    const md = new Marked();
    for (const attack of ATTACKS) {
      const html = md.parse(`# ${mdText(attack)}\n\n| a |\n|---|\n| ${mdText(attack)} |\n`) as string;
      expect(activeContent(html)).toEqual([]);
    }
    // The detector sees the attacks when they are not escaped.
    for (const attack of ATTACKS.slice(0, 4)) {
      expect(activeContent(new Marked().parse(attack) as string)).not.toEqual([]);
    }
    expect(mdText('Llama 3.1 405B (fine-tuned)')).toBe('Llama 3.1 405B (fine-tuned)');
  });
  it('escapeHtml and mdText drop control characters alike (one helper): ESC, NUL, CR, bidi overrides', () => {
    const evil = '<i>a</i>\u001b[31mred\u001b[0m\r\n\u0000\u202eb';
    expect(escapeHtml(evil)).toBe('&lt;i&gt;a&lt;/i&gt; [31mred [0m b');
    expect(mdText(evil)).toBe('\\<i\\>a\\</i\\> \\[31mred \\[0m b');
    // A line or paragraph separator ends a Markdown table row (marked): the row must stay one row.
    const row = `| ${mdText('A\u2028B\u2029C\u200fD')} | 1 |`;
    expect(row).toBe('| A B C D | 1 |');
    const table = new Marked().parse(`| phase | cost |\n|---|---|\n${row}\n`) as string;
    expect(table).toContain('<td>A B C D</td>');
  });
  it('a scenario whose names and description are attacks renders none of them', () => {
    for (const attack of ATTACKS.slice(0, 4)) {
      const a = analyseScenario(parseScenario(withStrings(attack)), { samples: 0, seed: 1 });
      const markdown = analysisMarkdown(a);
      expect(markdown).toContain(mdText(attack));
      expect(activeContent(new Marked().parse(markdown) as string)).toEqual([]);
      const { document } = parseHTML('<!doctype html><html><body></body></html>');
      // The HTML report's own charts are SVG; nothing else may be active.
      const html = analysisHtml(a, document as unknown as Document);
      expect(activeContent(html.replace(/^[\s\S]*<body[^>]*>|<\/body>[\s\S]*$/g, ''), true)).toEqual([]);
    }
  }, 60_000);
});

describe('terminal output carries no control sequences', () => {
  it('terminalSafe removes CSI, OSC, C0/C1 controls and bidi overrides, keeping newlines and tabs', () => {
    expect(terminalSafe('a\u001b[31mred\u001b[0m\tb\nc\u0007\u001b]0;title\u0007d\u009b\u202ee\r')).toBe(
      'ared\tb\ncde',
    );
    expect(terminalSafe('a\u2028b\u200fc\u061cd')).toBe('a bcd');
  });
  it('a scenario name with escape sequences reaches the terminal without them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmecon-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, withStrings('\u001b[2J\u001b]0;pwned\u0007evil\u0007'));
    const r = await runCli(['run', file]);
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toContain('evil');
  }, 60_000);
});
