/** The shipped example scenarios, as text (the same files `llmecon run` reads). */
const files = import.meta.glob('../../examples/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export const EXAMPLES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.split('/').pop()!, text]),
);
