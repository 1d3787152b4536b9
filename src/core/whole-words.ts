/** Replacing whole words in text: a flag not inside a longer one (`--packing` in `--packing-mask`). */

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that replaces each key of `table` where it stands as a whole word (no letter, digit or dash either side). */
export function wholeWordReplacer(table: ReadonlyMap<string, string>): (text: string) => string {
  const pattern = new RegExp(`(?<![\\w-])(${[...table.keys()].map(escaped).join('|')})(?![\\w-])`, 'g');
  return (text) => text.replace(pattern, (word) => table.get(word)!);
}
