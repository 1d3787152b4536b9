/**
 * A 1F1B pipeline timeline (Narayanan et al. 2021, PipeDream-Flush): each stage runs warm-up forwards,
 * then one forward and one backward in turn, then the remaining backwards; a forward waits for the
 * stage before it, a backward for the stage after it. Backward = 2 × forward. A schematic of the
 * schedule's shape and bubble, not of measured kernel times.
 */
export interface Slot {
  readonly stage: number;
  readonly microbatch: number;
  readonly pass: 'forward' | 'backward';
  readonly start: number;
  readonly end: number;
}

export function oneFOneB(stages: number, microbatches: number): Slot[] {
  const order: { pass: 'forward' | 'backward'; mb: number }[][] = [];
  for (let s = 0; s < stages; s += 1) {
    const warmup = Math.min(stages - s - 1, microbatches);
    const ops: { pass: 'forward' | 'backward'; mb: number }[] = [];
    for (let i = 0; i < warmup; i += 1) ops.push({ pass: 'forward', mb: i });
    for (let i = warmup; i < microbatches; i += 1) {
      ops.push({ pass: 'forward', mb: i });
      ops.push({ pass: 'backward', mb: i - warmup });
    }
    for (let i = microbatches - warmup; i < microbatches; i += 1) ops.push({ pass: 'backward', mb: i });
    order.push(ops);
  }
  const end = new Map<string, number>();
  const key = (pass: string, s: number, mb: number) => `${pass}:${s}:${mb}`;
  const next = new Array<number>(stages).fill(0);
  const free = new Array<number>(stages).fill(0);
  const slots: Slot[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (let s = 0; s < stages; s += 1) {
      while (next[s]! < order[s]!.length) {
        const op = order[s]![next[s]!]!;
        const dep =
          op.pass === 'forward'
            ? s === 0
              ? 0
              : end.get(key('forward', s - 1, op.mb))
            : s === stages - 1
              ? end.get(key('forward', s, op.mb))
              : end.get(key('backward', s + 1, op.mb));
        if (dep === undefined) break;
        const start = Math.max(free[s]!, dep);
        const finish = start + (op.pass === 'forward' ? 1 : 2);
        end.set(key(op.pass, s, op.mb), finish);
        slots.push({ stage: s, microbatch: op.mb, pass: op.pass, start, end: finish });
        free[s] = finish;
        next[s]! += 1;
        progress = true;
      }
    }
  }
  return slots;
}
