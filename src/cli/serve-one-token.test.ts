/** One output token per request: no time between tokens, said alike in the headline, the table and the JSON. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const oneToken = [
  'serve',
  '--model',
  'llama-3-8b',
  '--gpu',
  'h100',
  '--input-tokens',
  '1',
  '--output-tokens',
  '1',
];

describe('serve with one output token', () => {
  it('reports no TPOT: — in the text, 0 with a 0–0 band in the JSON', async () => {
    const text = await runCli(oneToken);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('TPOT — (every output is one token)');
    const rows = text.stdout.split('\n').filter((l) => /^h100-sxm TP\d/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/\s{2,}/)[4]).toBe('—');
    const json = JSON.parse((await runCli([...oneToken, '--json'])).stdout);
    expect(json.tpotSeconds).toBe(0);
    expect(json.range.tpotSeconds).toEqual({ p10: 0, p90: 0 });
  }, 60_000);
  it('its frontier measures a user by the first token, finite', async () => {
    const json = JSON.parse((await runCli([...oneToken, '--pareto', '--json'])).stdout);
    expect(json.frontier.length).toBeGreaterThan(0);
    for (const f of json.frontier) {
      expect(f.tpotSeconds).toBe(0);
      expect(f.tokensPerSecondPerUser).toBeCloseTo(1 / f.ttftSeconds, 9);
    }
  }, 60_000);
});
