/** Runs the CLI in-process and captures its output and exit code (for CLI tests). */
import { main } from '../src/cli/main.js';

/** `args` as a list, or as one line split on spaces (for arguments without spaces). */
export async function runCli(args: readonly string[] | string) {
  const argv = typeof args === 'string' ? args.split(/\s+/).filter(Boolean) : args;
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Runs the CLI with `--json` and parses its standard output (for tests of JSON fields). */
export async function runCliJson(args: readonly string[] | string) {
  const r = await runCli(typeof args === 'string' ? `${args} --json` : [...args, '--json']);
  // biome-ignore lint/suspicious/noExplicitAny: tests read whichever fields they check.
  return { ...r, json: JSON.parse(r.stdout) as any };
}

/** The request lengths the serve and compare-api tests share: 1,024 tokens in, 256 out. */
export const SERVE_LENGTHS = ['--input-tokens', '1024', '--output-tokens', '256'] as const;

/** The serve tests' usual deployment: `llmecon serve` of Llama 3 8B on H100s. */
export const SERVE_8B_H100 = ['serve', '--model', 'llama-3-8b', '--gpu', 'h100'] as const;
