/**
 * A prompt cut into chunks and timed: one after another, streamed through a pipeline at the token budget,
 * or at SGLang's dynamic sizes — the one home of how a prompt's chunks follow each other, for the analytic
 * prompt (steady-step.ts, static-batch.ts) and the simulator's dynamic chunk sizes.
 */
import { absorbsPromptChunks, type EngineProfile } from './engine.js';
import type { StepWork } from './serving-step.js';

/**
 * Mean keys a prompt's computed tokens attend to: the prefix served from the cache (a share `cacheHitRate`
 * of the prompt) and, causally, half of themselves — input·(1 + hit)/2 (input/2 without a cache hit).
 */
export const computedPromptContext = (inputTokens: number, cacheHitRate = 0): number =>
  (inputTokens * (1 + cacheHitRate)) / 2;

/**
 * How a prompt's chunks pass a pipeline: one after another (`serial`), streamed in behind each other at the
 * token budget (`fixed`, SGLang's chunked pipeline parallelism), or streamed at sizes that keep each chunk's
 * time near the first's (SGLang --enable-dynamic-chunking, `smoothFactor` its SGLANG_DYNAMIC_CHUNKING_SMOOTH_FACTOR).
 */
export type ChunkStreaming = 'serial' | 'fixed' | { readonly smoothFactor: number };

/**
 * Seconds of one prompt prefilled alone in chunks of up to `chunkTokens`, `step` pricing a step of `base`'s
 * shape. Streamed, the chunks follow each other into the pipeline, each holding it for its slowest stage
 * (s_k), and the first token comes once the last has crossed every stage: Σ s_k + max_k (h_k − s_k), h_k a
 * chunk's whole chain, i.e. Σ s_k + (p − 1)·max s_k on p equal stages, a flow shop whose chunk times grow
 * with their prefix (TeraPipe, Li et al. 2021; the longest chunk sets the bubble, LMSYS 2026-01-15). Fixed
 * chunks are the token budget's, the remainder last, as engines cut them. Dynamic chunks solve
 * s(c, L) = s(c₀, 0) on the streamed step fitted as c·(α + β·(L + c/2)) (linear work plus attention over
 * the prefix L, SGLang's quadratic runtime model), moved from c₀ towards that size by the smooth factor and
 * never below c₀/4 (SGLang's floor). Serial: ⌈P / c₀⌉ equal chunks one after another at `base`'s context.
 * `engine`: the engine whose MLA dispatch runs a chunk at its prefix absorbed (engine.ts absorbsPromptChunks).
 * `cachedTokens`: the prompt's prefix served from the cache, before the first chunk (every chunk attends to it).
 */
export function promptChunksSeconds(
  base: StepWork,
  promptTokens: number,
  chunkTokens: number,
  streaming: ChunkStreaming,
  step: (w: StepWork) => number,
  engine?: Pick<EngineProfile, 'mlaPrefixAbsorbedBelowTokens'>,
  cachedTokens = 0,
): number {
  const absorbs = (prefixTokens: number) => absorbsPromptChunks(engine, cachedTokens + prefixTokens);
  const n = Math.max(1, Math.ceil(promptTokens / chunkTokens));
  // `count` chunks each priced as `w`, the k-th of them cut at prefix k·size: those after the first whose
  // prefix is below the engine's threshold run absorbed.
  const chunksSeconds = (count: number, size: number, w: StepWork) => {
    let a = 0;
    while (a + 1 < count && absorbs((a + 1) * size)) a += 1;
    return (count - a) * step(w) + (a > 0 ? a * step({ ...w, prefillAbsorbed: true }) : 0);
  };
  // Serial: the engine cuts chunks of its budget (the remainder last), whose prefixes decide.
  if (streaming === 'serial')
    return chunksSeconds(n, chunkTokens, { ...base, decodeSequences: 0, prefillTokens: promptTokens / n });
  // A chunk's tokens attend to the cached prefix, the chunks before them and half of themselves.
  const chunk = (tokens: number, prefix: number, streams: boolean): StepWork => ({
    ...base,
    decodeSequences: 0,
    prefillTokens: tokens,
    prefillContext: cachedTokens + prefix + tokens / 2,
    ...(streams ? { prefillStreams: true } : {}),
    ...(absorbs(prefix) ? { prefillAbsorbed: true } : {}),
  });
  if (n === 1) return step(chunk(promptTokens, 0, false));
  /** The streamed step and what the chain adds to it (the drain through the later stages). */
  const timed = (tokens: number, prefix: number) => {
    const streamed = step(chunk(tokens, prefix, true));
    return { streamed, drain: step(chunk(tokens, prefix, false)) - streamed };
  };
  const c0 = chunkTokens;
  if (streaming === 'fixed') {
    const full = Math.floor(promptTokens / c0);
    const rest = promptTokens - full * c0;
    // The full chunks' prefixes average (full − 1)·c₀/2; a step's time is linear in its context.
    const streamed = chunksSeconds(full, c0, {
      ...chunk(c0, 0, true),
      prefillContext: cachedTokens + (full * c0) / 2,
    });
    const lastFull = timed(c0, (full - 1) * c0);
    if (rest === 0) return streamed + lastFull.drain;
    const tail = timed(rest, full * c0);
    return streamed + tail.streamed + Math.max(lastFull.drain, tail.drain);
  }
  const tokensAt = dynamicChunkTokens(
    (tokens, prefix) => step(chunk(tokens, prefix, true)),
    c0,
    promptTokens - c0,
    streaming.smoothFactor,
  );
  let prefix = 0;
  let seconds = 0;
  let drain = 0;
  for (let size = c0; prefix + size < promptTokens; size = tokensAt(prefix)) {
    const t = timed(size, prefix);
    seconds += t.streamed;
    drain = Math.max(drain, t.drain);
    prefix += size;
  }
  const last = timed(promptTokens - prefix, prefix);
  return seconds + last.streamed + Math.max(drain, last.drain);
}

/**
 * SGLang's dynamic chunk sizes (--enable-dynamic-chunking): the streamed step `streamed(tokens, prefix)` fitted
 * as c·(α + β·(L + c/2)) from a chunk of `c0` tokens at prefixes 0 and `fitPrefix`; the chunk at prefix L is
 * the size whose fitted time equals the first chunk's, moved from c₀ towards it by `smoothFactor` and at least
 * c₀/4. One home for `promptChunksSeconds` and the simulator's scheduler.
 */
export function dynamicChunkTokens(
  streamed: (tokens: number, prefix: number) => number,
  c0: number,
  fitPrefix: number,
  smoothFactor: number,
): (prefix: number) => number {
  const t0 = streamed(c0, 0);
  const beta = fitPrefix > 0 ? Math.max(0, (streamed(c0, fitPrefix) - t0) / (c0 * fitPrefix)) : 0;
  const alpha = Math.max(0, t0 / c0 - (beta * c0) / 2);
  return (prefix) => {
    const b = alpha + beta * prefix;
    const ideal = beta > 0 ? (Math.sqrt(b * b + 2 * beta * t0) - b) / beta : c0;
    return Math.max(c0 / 4, c0 + smoothFactor * (ideal - c0));
  };
}
