/**
 * Batch formation on a nearly full KV pool: the newest running sequence is preempted for the others'
 * growth, and a step that preempted admits nobody (vLLM V1: waiting requests only `if not preempted_reqs`);
 * a partial prefill's next chunk preempts too where the engine allocates for chunks as for decodes.
 * A prefill-first engine (SGLang) runs a step of prompt chunks alone whenever one forms, decodes only
 * in steps that admit nobody, and after a preemption admits nobody until a request finishes.
 */
import { describe, expect, it } from 'vitest';
import { GENERIC_ENGINE } from '../engine.js';
import { KvPool } from './kv-pool.js';
import { SimMetrics } from './metrics.js';
import { liveRequest, Scheduler } from './scheduler.js';
import type { Live } from './types.js';

const live = (index: number, inputTokens: number, outputTokens: number): Live => ({
  ...liveRequest(index, { arrivalSeconds: 0, inputTokens, outputTokens }, 0),
  admitted: true,
});

/** Two sequences decoding, each holding exactly its 32 tokens in 16-token blocks; `free` blocks spare. */
function setup(free: number, prefillFirst = false) {
  const pool = new KvPool(4 + free, 16);
  const metrics = new SimMetrics({}, 0);
  const sched = new Scheduler({ ...GENERIC_ENGINE, prefillFirst }, pool, metrics, 1, 0, () => {});
  for (const i of [0, 1]) {
    const s = live(i, 32, 100);
    pool.grow(s, 32);
    s.computed = 32;
    sched.running.push(s);
  }
  const newcomer = live(2, 16, 10);
  newcomer.admitted = false;
  sched.waiting.push(newcomer);
  return { sched, metrics, newcomer, pool };
}

describe('scheduler', () => {
  it('with a block to spare the newcomer is admitted beside the decoding sequences', () => {
    const { sched, metrics, newcomer } = setup(3);
    sched.form();
    expect(metrics.preemptions).toBe(0);
    expect(sched.decoding).toHaveLength(2);
    expect(sched.chunks.map((c) => c.s)).toEqual([newcomer]);
  });

  it('a step that preempts for growth admits nobody, neither the newcomer nor the one preempted', () => {
    const { sched, metrics, newcomer } = setup(1);
    sched.form();
    // The first sequence takes the spare block; the second needs one more, so it (the newest) is preempted.
    expect(metrics.preemptions).toBe(1);
    expect(sched.decoding.map((s) => s.index)).toEqual([0]);
    expect(sched.preempted.map((s) => s.index)).toEqual([1]);
    expect(sched.chunks).toEqual([]);
    expect(sched.running).not.toContain(newcomer);
    // The next step, with no preemption, admits the preempted sequence first.
    sched.form();
    expect(sched.chunks[0]?.s.index).toBe(1);
  });

  /**
   * One sequence decoding (32 tokens, 2 blocks), then a partial prefill that holds 16 of its 32 prompt
   * tokens (1 block), then a newer one holding 16 of 48: 4 blocks in use, one spare.
   */
  function partialPrefills(chunkPreempts: boolean) {
    const pool = new KvPool(5, 16);
    const metrics = new SimMetrics({}, 0);
    const sched = new Scheduler({ ...GENERIC_ENGINE, chunkPreempts }, pool, metrics, 1, 0, () => {});
    const decoder = live(0, 32, 100);
    pool.grow(decoder, 32);
    decoder.computed = 32;
    const older = live(1, 32, 10);
    pool.grow(older, 16);
    older.computed = 16;
    const newer = live(2, 48, 10);
    pool.grow(newer, 16);
    newer.computed = 16;
    sched.running.push(decoder, older, newer);
    return { sched, metrics, older, newer };
  }

  it('a chunk without blocks preempts the newest running request where the engine says so (vLLM V1)', () => {
    const { sched, metrics, older, newer } = partialPrefills(true);
    sched.form();
    // The decoder takes the spare block; the older prefill needs one more for its last 16 tokens:
    // the newest request is evicted (its block back), recomputed later.
    expect(metrics.preemptions).toBe(1);
    expect(sched.preempted).toEqual([newer]);
    expect(newer.computed).toBe(0);
    expect(sched.chunks).toEqual([{ s: older, tokens: 16 }]);
  });

  it('otherwise the chunk waits for blocks and nothing is evicted for it', () => {
    const { sched, metrics, older, newer } = partialPrefills(false);
    sched.form();
    expect(metrics.preemptions).toBe(0);
    expect(sched.chunks).toEqual([]);
    expect(older.computed).toBe(16);
    expect(sched.running).toContain(newer);
  });

  it('prefill-first: a step that can admit a prompt prefills it alone, the next decodes everyone', () => {
    const { sched, metrics, newcomer } = setup(5, true);
    sched.form();
    expect(sched.decoding).toEqual([]);
    expect(sched.chunks.map((c) => c.s)).toEqual([newcomer]);
    newcomer.computed = newcomer.promptTarget;
    sched.form();
    expect(sched.chunks).toEqual([]);
    expect(sched.decoding.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(metrics.preemptions).toBe(0);
  });

  it('prefill-first: after a preemption nobody is admitted until a request finishes', () => {
    const { sched, metrics, newcomer, pool } = setup(0, true);
    // No block for the newcomer: the step decodes; the second sequence's growth preempts the newest.
    sched.form();
    expect(sched.chunks).toEqual([]);
    expect(metrics.preemptions).toBe(1);
    expect(sched.decoding.map((s) => s.index)).toEqual([0]);
    // Its freed blocks would hold the preempted sequence, yet the engine keeps decoding.
    sched.form();
    expect(sched.chunks).toEqual([]);
    expect(sched.decoding.map((s) => s.index)).toEqual([0]);
    // The first sequence finishes and gives its blocks back: admission resumes, the preempted first.
    const [first] = sched.running.splice(0, 1);
    pool.release(first!);
    sched.finished();
    sched.form();
    expect(sched.decoding).toEqual([]);
    expect(sched.chunks.map((c) => c.s.index)).toEqual([1, newcomer.index]);
  });
});
