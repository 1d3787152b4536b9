/**
 * LiteLLM's `model_prices_and_context_window.json` (github.com/BerriAI/litellm): a map from model
 * key to USD per token. Read from a file the user supplies; never downloaded at run time.
 */
import { z } from 'zod';
import { InputError, inputError } from '../core/errors.js';
import type { ApiPrice } from '../core/inference/api-break-even.js';
import { nearMatches } from '../core/suggest.js';

// At most $0.01 a token ($10,000 per million; the dearest APIs list well under $0.001): beyond, a typo.
const usdPerToken = z
  .number()
  .nonnegative()
  .max(0.01, { message: 'at most 0.01 USD per token ($10,000 per million tokens)' });
const entrySchema = z
  .object({
    input_cost_per_token: usdPerToken,
    output_cost_per_token: usdPerToken,
    cache_read_input_token_cost: usdPerToken.optional(),
    max_input_tokens: z.number().int().positive().optional(),
    litellm_provider: z.string().optional(),
  })
  .passthrough();

export interface LiteLlmPrice extends ApiPrice {
  readonly key: string;
  readonly provider: string | null;
  readonly maxInputTokens: number | null;
}

/** The prices of `key` in a parsed LiteLLM price map (`field` names the flag for errors). */
export function liteLlmPrice(json: unknown, key: string, field = '--api'): LiteLlmPrice {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    inputError('malformed', ['--api-prices'], 'a LiteLLM price file is a JSON object keyed by model name');
  const map = json as Record<string, unknown>;
  if (!(key in map)) {
    const near = nearMatches(
      key,
      Object.keys(map).filter((k) => k !== 'sample_spec'),
    );
    inputError(
      'unknown_id',
      [field],
      `no '${key}' in the price file${near.length > 0 ? `; did you mean ${near.map((k) => `'${k}'`).join(', ')}?` : ''}`,
    );
  }
  const parsed = entrySchema.safeParse(map[key]);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((i) => ({
        code: 'malformed' as const,
        path: ['--api-prices', key, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
        message: i.message,
      })),
    );
  }
  const e = parsed.data;
  return {
    key,
    provider: e.litellm_provider ?? null,
    maxInputTokens: e.max_input_tokens ?? null,
    inputUsdPerMillion: e.input_cost_per_token * 1e6,
    outputUsdPerMillion: e.output_cost_per_token * 1e6,
    cachedInputUsdPerMillion:
      e.cache_read_input_token_cost === undefined ? undefined : e.cache_read_input_token_cost * 1e6,
  };
}
