/**
 * The least whole number in [from, most] that meets a condition that, once met, stays met (more replicas
 * never wait longer): `from` itself, else one, two, four … past it until one meets it, then bisection
 * between the last that did not and the first that did. Null when `most` does not meet it either.
 */
export function fewestMeeting(from: number, most: number, meets: (n: number) => boolean): number | null {
  if (meets(from)) return from;
  let lo = from;
  let hi = Math.min(from + 1, most);
  for (let extra = 1; !meets(hi); extra *= 2) {
    if (hi >= most) return null;
    lo = hi;
    hi = Math.min(from + 2 * extra, most);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
