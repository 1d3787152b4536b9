/** The page's side of the worker: one task at a time, with progress and cancel. */
import type { Task } from './worker.js';

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export class TaskError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
  }
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<
  number,
  {
    resolve: (v: unknown) => void;
    reject: (e: Error) => void;
    progress?: (done: number, total: number) => void;
  }
>();

function start(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (event: MessageEvent) => {
    const m = event.data as {
      id: number;
      type: string;
      value?: unknown;
      issues?: Issue[];
      done?: number;
      total?: number;
    };
    const p = pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.progress?.(m.done!, m.total!);
    else {
      pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.value);
      else p.reject(new TaskError(m.issues ?? []));
    }
  };
  return w;
}

export function compute<T>(task: Task, progress?: (done: number, total: number) => void): Promise<T> {
  worker ??= start();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
    worker!.postMessage({ id, ...task });
  });
}

/** Stops whatever runs: the worker is replaced, pending tasks reject as cancelled. */
export function cancel(): void {
  worker?.terminate();
  worker = null;
  for (const [id, p] of pending) {
    pending.delete(id);
    p.reject(new TaskError([{ path: '', message: 'cancelled' }]));
  }
}

/** The latest result of one kind of task in a view, keyed by its inputs. */
export interface TaskSlot<T> {
  last: { key: string; value: T | null; issues: Issue[] | null; ms: number } | null;
  running: string;
}

export const taskSlot = <T>(): TaskSlot<T> => ({ last: null, running: '' });

/**
 * Starts `task` when `key` changed since the last run (one at a time per slot), re-renders when it
 * ends, and returns the result for `key` — null while it runs.
 */
export function runOnce<T>(
  slot: TaskSlot<T>,
  key: string,
  task: Task,
  rerender: () => void,
): TaskSlot<T>['last'] {
  if (slot.last?.key !== key && slot.running !== key) {
    slot.running = key;
    const started = performance.now();
    compute<T>(task)
      .then((value) => {
        slot.last = { key, value, issues: null, ms: performance.now() - started };
      })
      .catch((e: Error) => {
        slot.last = {
          key,
          value: null,
          issues: e instanceof TaskError ? [...e.issues] : [{ path: '', message: e.message }],
          ms: 0,
        };
      })
      .finally(() => {
        slot.running = '';
        rerender();
      });
  }
  return slot.last?.key === key ? slot.last : null;
}
