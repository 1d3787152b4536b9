/**
 * Batch formation of one engine step: continuous batching (Orca, Yu et al. 2022) under a per-step
 * token budget with chunked prefill (Sarathi-Serve, Agrawal et al. 2024). Running sequences decode
 * first, growing their KV blocks, and the newest is preempted by recompute when the cache is full
 * (vLLM, Kwon et al. 2023, Sec. 4.5); then partial prefills continue (preempting the newest too where
 * the engine allocates for chunks as for decodes, vLLM V1), then — unless this step
 * preempted — preempted and waiting requests are admitted (with their prefix-cache hits) while budget,
 * blocks and sequence slots last. A prefill-first engine (SGLang) instead runs a step of prompt chunks
 * alone whenever one forms and decodes only in steps that admit nobody.
 */
import type { EngineProfile } from '../engine.js';
import type { KvPool } from './kv-pool.js';
import type { SimMetrics } from './metrics.js';
import type { Live } from './types.js';
import type { SimRequest } from './workload.js';

/** A request as the scheduler tracks it from its arrival: nothing computed, generated or held yet. */
export function liveRequest(index: number, req: SimRequest, arrival: number): Live {
  return {
    index,
    req,
    arrival,
    promptTarget: req.inputTokens,
    computed: 0,
    generated: 0,
    blocks: 0,
    firstTokenAt: Number.NaN,
    lastTokenAt: Number.NaN,
    hitTokens: 0,
    admitted: false,
  };
}

export interface Chunk {
  readonly s: Live;
  readonly tokens: number;
}

export class Scheduler {
  readonly waiting: Live[] = [];
  waitingHead = 0;
  readonly preempted: Live[] = [];
  readonly running: Live[] = [];
  /** This step's decoding sequences and prompt chunks (set by form()). */
  readonly decoding: Live[] = [];
  readonly chunks: Chunk[] = [];
  private budget = 0;
  /** Prefill-first: a preemption holds admission until a request finishes (or nothing runs). */
  private holdAdmission = false;

  constructor(
    private readonly e: EngineProfile,
    private readonly pool: KvPool,
    private readonly metrics: SimMetrics,
    /** Tokens each decoding sequence adds per step (1 + speculative drafts). */
    private readonly perSeqTokens: number,
    /** Share of each prompt found in the prefix cache when the request has no session. */
    private readonly hitRate: number,
    /** A request that can never be served (its KV exceeds the whole cache). */
    private readonly reject: (s: Live) => void,
    /** The most tokens a prompt chunk at a prefix may carry (dynamic chunk sizes); absent: the budget alone. */
    private readonly chunkTokensAt?: (prefix: number) => number,
  ) {}

  waitingCount(): number {
    return this.waiting.length - this.waitingHead + this.preempted.length;
  }

  idle(): boolean {
    return (
      this.running.length === 0 && this.preempted.length === 0 && this.waitingHead >= this.waiting.length
    );
  }

  /** Recompute preemption of the newest running sequence: its prompt and output so far are prefilled again. */
  preemptLast(): Live | undefined {
    const victim = this.running.pop();
    if (!victim) return undefined;
    this.pool.release(victim);
    victim.computed = 0;
    victim.promptTarget = victim.req.inputTokens + victim.generated;
    this.preempted.push(victim);
    this.metrics.preemptions += 1;
    this.holdAdmission = this.e.prefillFirst;
    return victim;
  }

  /** Tokens of `s`'s prompt to prefill this step, its blocks grown for them; 0 if its engine defers it, −1 if no block is free. */
  private chunkOf(s: Live): number {
    const e = this.e;
    const remaining = s.promptTarget - s.computed;
    // Without chunked prefill a prompt runs whole: within the budget, or alone in its step.
    const alone =
      this.budget === e.maxBatchedTokens && this.decoding.length === 0 && this.chunks.length === 0;
    if (!e.features.chunkedPrefill && remaining > this.budget && !alone) return 0;
    const cap = this.chunkTokensAt ? Math.max(1, Math.round(this.chunkTokensAt(s.computed))) : this.budget;
    const tokens = e.features.chunkedPrefill ? Math.min(this.budget, remaining, cap) : remaining;
    return this.pool.grow(s, s.computed + tokens) ? tokens : -1;
  }

  /** A first admission's prefix-cache hit: a session's previous turn, or the stated rate; whole blocks, ≥ 1 token computed. */
  private applyPrefixHit(s: Live): void {
    const bs = this.pool.blockTokens;
    let hit = 0;
    const id = s.req.prefixId;
    const cached = id === undefined ? 0 : this.pool.takeSession(id, s);
    if (cached > 0) hit = Math.min(cached, s.req.inputTokens - 1);
    else if (this.hitRate > 0 && this.e.features.prefixCaching) hit = s.req.inputTokens * this.hitRate;
    hit = Math.floor(hit / bs) * bs;
    s.computed = hit;
    s.hitTokens = hit;
    if (!this.pool.grow(s, hit)) {
      s.computed = 0;
      s.hitTokens = 0;
    }
  }

  /** Forms this step's batch into `decoding` and `chunks`. */
  form(): void {
    const { e, decoding, chunks } = this;
    this.budget = e.maxBatchedTokens;
    decoding.length = 0;
    chunks.length = 0;
    if (e.prefillFirst) {
      // A step that can prefill only prefills (SGLang: a new prefill batch runs first whenever one
      // forms); otherwise every running sequence decodes. Admission waits after a preemption until a
      // request finishes (SGLang raises its reservation ratio on a retraction), or until nothing runs:
      // then no completion would lift the hold, and an idle engine admits.
      if (this.running.length === 0) this.holdAdmission = false;
      this.prefill();
      if (chunks.length === 0) this.decode();
      return;
    }
    const preemptionsBefore = this.metrics.preemptions;
    this.decode();
    this.prefill(preemptionsBefore);
  }

  /** A request finished: a prefill-first engine admits again. */
  finished(): void {
    this.holdAdmission = false;
  }

  /** Decodes every running sequence past its prompt, growing its blocks; preempts the newest when full. */
  private decode(): void {
    const { pool, running, decoding, perSeqTokens } = this;
    for (let k = 0; k < running.length; k += 1) {
      const s = running[k]!;
      if (s.computed < s.promptTarget) continue;
      if (this.budget < perSeqTokens) break;
      let ok = pool.grow(s, s.computed + perSeqTokens);
      while (!ok) {
        const victim = this.preemptLast();
        if (victim === s || victim === undefined) break;
        ok = pool.grow(s, s.computed + perSeqTokens);
      }
      if (!ok) break;
      decoding.push(s);
      this.budget -= perSeqTokens;
    }
  }

  /**
   * Continues partial prefills, then admits preempted and waiting requests while budget and blocks last:
   * unless the step preempted since `preemptionsBefore` (the step's start), or — prefill-first — since
   * the last completion.
   */
  private prefill(preemptionsBefore?: number): void {
    const { e, pool, running, chunks } = this;
    for (let k = 0; k < running.length; k += 1) {
      const s = running[k]!;
      if (this.budget <= 0) break;
      if (s.computed >= s.promptTarget) continue;
      let tokens = this.chunkOf(s);
      // An engine that allocates for every running request in turn preempts for a chunk as for a
      // decode (vLLM V1); the victims come off the end of `running`, behind this request.
      while (tokens < 0 && e.chunkPreempts) {
        const victim = this.preemptLast();
        if (victim === s || victim === undefined) break;
        tokens = this.chunkOf(s);
      }
      if (tokens > 0) {
        chunks.push({ s, tokens });
        this.budget -= tokens;
      }
    }
    // A step that had to preempt admits nobody, the preempted included: the pool is oversubscribed
    // (vLLM V1's scheduler.py schedules waiting requests only `if not preempted_reqs`).
    const admit =
      preemptionsBefore === undefined ? !this.holdAdmission : this.metrics.preemptions === preemptionsBefore;
    while (admit && this.budget > 0 && running.length < e.maxRunningSequences) {
      const fromPreempted = this.preempted.length > 0;
      const s = fromPreempted ? this.preempted[this.preempted.length - 1]! : this.waiting[this.waitingHead];
      if (!s) break;
      if (!s.admitted && s.computed === 0 && s.blocks === 0) this.applyPrefixHit(s);
      const reserveFinal = e.kvAdmission === 'reserve-final';
      const mustFit = reserveFinal ? s.req.inputTokens + s.req.outputTokens : s.promptTarget;
      if (!pool.fitsAlone(mustFit)) {
        // Never fits, even alone: reject it rather than stall the queue.
        this.dequeue(fromPreempted);
        this.reject(s);
        continue;
      }
      // Guaranteed no-evict admission: the prompt and every output token must fit now.
      if (reserveFinal && !pool.grow(s, s.req.inputTokens + s.req.outputTokens)) break;
      const tokens = this.chunkOf(s);
      if (tokens <= 0 && s.computed < s.promptTarget) break;
      this.dequeue(fromPreempted);
      if (!s.admitted) {
        s.admitted = true;
        this.metrics.promptTokens += s.req.inputTokens;
        this.metrics.hitTokens += s.hitTokens;
      }
      running.push(s);
      if (tokens > 0) {
        chunks.push({ s, tokens });
        this.budget -= tokens;
      }
    }
    if (this.waitingHead > 4096 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private dequeue(fromPreempted: boolean): void {
    if (fromPreempted) this.preempted.pop();
    else this.waitingHead += 1;
  }
}
