/** A sustained rate per second and the most that may be spent at once. */
export interface Rate {
  /** Tokens added per second. */
  readonly rate: number;
  /** The bucket's size: what an idle sender may spend in one go. */
  readonly burst: number;
}

/**
 * A token bucket on an injected clock (epoch ms passed to every call, never read here), so it is
 * tested by moving time by hand. A cost larger than the burst is admitted once the bucket is
 * full and leaves it in debt (the tokens go negative), so a batch bigger than the burst is slowed
 * to the rate instead of being refused forever: the sustained rate holds either way.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private limit: Rate,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.at = now;
  }

  get current(): Rate {
    return this.limit;
  }

  /** Milliseconds until `cost` can be taken (0: now). */
  waitMs(cost: number, now: number): number {
    this.refill(now);
    const needed = Math.min(cost, this.limit.burst);
    if (this.tokens >= needed) return 0;
    return ((needed - this.tokens) / this.limit.rate) * 1000;
  }

  /** Spends `cost`; call after `waitMs` answered 0 (the caller decides, so two buckets agree). */
  take(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= cost;
  }

  /** A changed limit applies from now on; what was saved up is kept, up to the new burst. */
  reconfigure(limit: Rate, now: number): void {
    this.refill(now);
    this.limit = limit;
    this.tokens = Math.min(this.tokens, limit.burst);
  }

  /** True when the bucket is full again: nothing of it needs keeping. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }

  private refill(now: number): void {
    // A clock that steps back adds nothing (never a negative refill).
    const elapsedMs = Math.max(0, now - this.at);
    this.at = Math.max(this.at, now);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs / 1000) * this.limit.rate);
  }
}
