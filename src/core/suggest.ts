/** Near-match suggestions for unknown ids ("did you mean …"). */

/** Levenshtein edit distance. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j]!;
      previous[j] = Math.min(
        previous[j]! + 1,
        previous[j - 1]! + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * Up to `limit` candidates closest to `input`: substring matches first (unless `substringsFirst` is
 * false: a misspelling, `qwen3moe`, is nearer `qwen3_moe` than `qwen3`), then by edit distance.
 */
export function nearMatches(
  input: string,
  candidates: readonly string[],
  limit = 4,
  substringsFirst = true,
): string[] {
  const needle = input.toLowerCase();
  const scored = candidates.map((c) => {
    const hay = c.toLowerCase();
    const contains = substringsFirst && (hay.includes(needle) || needle.includes(hay));
    return { c, score: (contains ? 0 : 100) + editDistance(needle, hay) };
  });
  const cutoff = Math.max(3, Math.ceil(needle.length / 2));
  return scored
    .filter((s) => s.score < 100 || s.score - 100 <= cutoff)
    .sort((x, y) => x.score - y.score || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((s) => s.c);
}
