import {
  limitsFor,
  perReplica,
  type IngestSignal,
  type LimitsFile,
  type SignalLimits,
} from './tenant-limits.js';
import { TokenBucket } from './token-bucket.js';

export type IngestDecision =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      /** When the same request would be admitted, if nothing else is spent meanwhile. */
      readonly retryAfterMs: number;
      /** Which bucket refused: 'items' or 'bytes'. */
      readonly exhausted: 'items' | 'bytes';
      /** The tenant's deployment-wide limits for the signal, for the refusal's text. */
      readonly limits: SignalLimits;
    };

interface Buckets {
  readonly items: TokenBucket;
  readonly bytes: TokenBucket;
  limits: SignalLimits;
}

export interface IngestLimiterOptions {
  /** The current limits file (re-read on change by its owner); `{}` for the built-in defaults. */
  readonly limits: () => LimitsFile;
  /**
   * Replicas sharing the deployment's limit (INGEST_LIMIT_SHARDS): each admits rate / shards,
   * as Mimir's global strategy does, so the documented rate holds for the deployment when the
   * load balancer spreads a tenant's requests evenly.
   */
  readonly shards: number;
  /** Milliseconds on any steady clock (performance.now in a service). */
  readonly clock: () => number;
}

/**
 * Per-tenant token buckets for ingest, two per tenant and signal (items and bytes). A request is
 * admitted whole or refused whole: both buckets must have room, and only then are both spent.
 */
export class IngestLimiter {
  private readonly buckets = new Map<string, Buckets>();
  private sweptAt = 0;

  constructor(private readonly options: IngestLimiterOptions) {}

  admit(tenant: string, signal: IngestSignal, items: number, bytes: number): IngestDecision {
    const now = this.options.clock();
    this.sweep(now);
    const buckets = this.bucketsOf(tenant, signal, now);
    const itemsWait = buckets.items.waitMs(items, now);
    const bytesWait = buckets.bytes.waitMs(bytes, now);
    if (itemsWait > 0 || bytesWait > 0) {
      return {
        admitted: false,
        retryAfterMs: Math.max(itemsWait, bytesWait),
        exhausted: itemsWait >= bytesWait ? 'items' : 'bytes',
        limits: buckets.limits,
      };
    }
    buckets.items.take(items, now);
    buckets.bytes.take(bytes, now);
    return { admitted: true };
  }

  /** The limits in force for a tenant (deployment-wide, before dividing by the shards). */
  limitsOf(tenant: string, signal: IngestSignal): SignalLimits {
    return limitsFor(this.options.limits(), tenant, signal);
  }

  private bucketsOf(tenant: string, signal: IngestSignal, now: number): Buckets {
    const key = `${signal}\u0000${tenant}`;
    const limits = this.limitsOf(tenant, signal);
    const replica = perReplica(limits, this.options.shards);
    const existing = this.buckets.get(key);
    if (existing === undefined) {
      const created = {
        items: new TokenBucket(replica.items, now),
        bytes: new TokenBucket(replica.bytes, now),
        limits,
      };
      this.buckets.set(key, created);
      return created;
    }
    if (!sameLimits(existing.limits, limits)) {
      // An override took effect: the new rate applies from now on, without a restart.
      existing.items.reconfigure(replica.items, now);
      existing.bytes.reconfigure(replica.bytes, now);
      existing.limits = limits;
    }
    return existing;
  }

  /** Drops full buckets once a minute, so tenants that stopped sending cost no memory. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, buckets] of this.buckets) {
      if (buckets.items.isFull(now) && buckets.bytes.isFull(now)) this.buckets.delete(key);
    }
  }
}

function sameLimits(a: SignalLimits, b: SignalLimits): boolean {
  return (
    a.rate === b.rate &&
    a.burst === b.burst &&
    a.bytesRate === b.bytesRate &&
    a.bytesBurst === b.bytesBurst
  );
}
