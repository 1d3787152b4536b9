/**
 * The paged KV cache of one replica (vLLM, Kwon et al. 2023, Sec. 4): fixed-size blocks handed to
 * requests as their tokens grow, and a prefix cache of finished sessions' blocks, evicted oldest
 * first when a request needs blocks (LRU; newest entries last in the map).
 */
import type { Live } from './types.js';

interface CachedPrefix {
  readonly tokens: number;
  readonly blocks: number;
}

export class KvPool {
  usedBlocks = 0;
  cachedBlocks = 0;
  private readonly prefixes = new Map<string, CachedPrefix>();

  constructor(
    readonly totalBlocks: number,
    readonly blockTokens: number,
  ) {}

  free(): number {
    return this.totalBlocks - this.usedBlocks - this.cachedBlocks;
  }

  usedFraction(): number {
    return (this.usedBlocks + this.cachedBlocks) / this.totalBlocks;
  }

  /** Blocks for `tokens` tokens of a request held whole? */
  fitsAlone(tokens: number): boolean {
    return Math.ceil(tokens / this.blockTokens) <= this.totalBlocks;
  }

  private evictUntil(need: number): void {
    for (const [id, entry] of this.prefixes) {
      if (this.free() >= need) return;
      this.prefixes.delete(id);
      this.cachedBlocks -= entry.blocks;
    }
  }

  /** Grows a request's blocks to hold `tokens`, evicting cached prefixes if needed; false when full. */
  grow(s: Live, tokens: number): boolean {
    const need = Math.ceil(tokens / this.blockTokens) - s.blocks;
    if (need <= 0) return true;
    if (this.free() < need) this.evictUntil(need);
    if (this.free() < need) return false;
    s.blocks += need;
    this.usedBlocks += need;
    return true;
  }

  release(s: Live): void {
    this.usedBlocks -= s.blocks;
    s.blocks = 0;
  }

  /** A finished turn's blocks stay cached for the session's next turn (newest last). */
  keepSession(id: string, tokens: number, s: Live): void {
    const old = this.prefixes.get(id);
    if (old) {
      this.prefixes.delete(id);
      this.cachedBlocks -= old.blocks;
    }
    this.usedBlocks -= s.blocks;
    this.prefixes.set(id, { tokens, blocks: s.blocks });
    this.cachedBlocks += s.blocks;
    s.blocks = 0;
  }

  /** The session's cached blocks handed to its next turn; the cached token count, or 0 on a miss. */
  takeSession(id: string, s: Live): number {
    const entry = this.prefixes.get(id);
    if (!entry) return 0;
    this.prefixes.delete(id);
    this.cachedBlocks -= entry.blocks;
    this.usedBlocks += entry.blocks;
    s.blocks = entry.blocks;
    return entry.tokens;
  }
}
