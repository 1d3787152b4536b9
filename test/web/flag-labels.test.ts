/** The web's names for the CLI flags the engine's messages name (web/src/flag-labels.ts). */
import { describe, expect, it } from 'vitest';
import { webText } from '../../web/src/flag-labels.js';
import { runCli } from '../run-cli.js';

describe('webText', () => {
  it("names each flag by its field, a flag's value by its choice, and leaves the engines' flags", () => {
    expect(webText('a length spread needs --padding longest (and --no-packing), or --packing-mask')).toBe(
      'a length spread needs “Dataset examples: each micro-batch padded to its longest” (and a padded choice of “Dataset examples”), or “Dataset examples: packed, each attending only within itself”',
    );
    expect(webText("SGLang's --enable-mixed-chunk; llmecon's --mixed-chunk")).toBe(
      "SGLang's --enable-mixed-chunk; llmecon's “Mixed prompt chunks”",
    );
    expect(webText('--global-batch-tokens, --tokens-per-day, --tp 8')).toBe(
      '--global-batch-tokens, --tokens-per-day, --tp 8',
    );
    expect(webText('documentTokensP99 spreads the mean document length: give documentTokens too')).toBe(
      '“Document tokens P99” spreads the mean document length: give “Document tokens” too',
    );
  });
  it("the CLI's message for padding without an example count reads with the Adapt view's fields", async () => {
    const r = await runCli('finetune --model llama-3-8b --gpu h100 --gpus 8 --tokens 100M --no-packing');
    expect(r.code).toBe(2);
    expect(webText(r.stderr)).not.toMatch(/--(packing|examples|seq-len)\b/);
  });
});
