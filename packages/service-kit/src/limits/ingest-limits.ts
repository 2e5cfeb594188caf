import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../problem.js';
import type { IngestLimiter } from './ingest-limiter.js';
import type { IngestSignal, SignalLimits } from './tenant-limits.js';

/** A route's ingest limit: what it counts, and how many of them a parsed body holds. */
export interface IngestLimitOption {
  readonly signal: IngestSignal;
  /**
   * Items in the parsed, validated body (lines, points). Without it the handler counts once it
   * has decoded the body (OTLP, remote write) and calls `admitIngest` before storing anything.
   */
  readonly count?: (body: unknown) => number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Limits the route per tenant by items and bytes (token buckets with a burst, see
     * docs/limits.md) instead of the request limit that REST routes keep.
     */
    ingestLimit?: IngestLimitOption;
  }
  interface FastifyInstance {
    ingestLimiter: IngestLimiter | undefined;
  }
}

/** A refused batch: 429 with Retry-After from the bucket; nothing of the request was stored. */
export class IngestLimitError extends HttpProblem {
  constructor(
    readonly signal: IngestSignal,
    readonly retryAfterMs: number,
    exhausted: 'items' | 'bytes',
    limits: SignalLimits,
  ) {
    const what =
      exhausted === 'items'
        ? `${signal} (${limits.rate}/s, burst ${limits.burst})`
        : `${signal} bytes (${limits.bytesRate} B/s, burst ${limits.bytesBurst})`;
    super(
      429,
      'rate_limited',
      'Too Many Requests',
      `the tenant's ingest limit for ${what} is spent; nothing of this request was stored; retry after the Retry-After header`,
      undefined,
      retryAfterSecondsOf(retryAfterMs),
    );
  }
}

/** Whole seconds (Retry-After has no fraction), never 0: a sender retrying at once is refused again. */
export function retryAfterSecondsOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

const admitted = new WeakSet<FastifyRequest>();

/**
 * Spends the tenant's tokens for this request, or throws `IngestLimitError` (spending nothing).
 * Once per request: a handler that falls back to another path does not pay twice. A no-op on a
 * route without `ingestLimit` or an app built without a limiter.
 */
export function admitIngest(request: FastifyRequest, items: number, bytes: number): void {
  const option = request.routeOptions.config.ingestLimit;
  const limiter = request.server.ingestLimiter;
  if (option === undefined || limiter === undefined || admitted.has(request)) return;
  const decision = limiter.admit(request.auth.tenantId, option.signal, items, bytes);
  if (!decision.admitted) {
    request.log.info(
      { signal: option.signal, items, bytes, retryAfterMs: Math.round(decision.retryAfterMs) },
      'ingest refused: tenant limit',
    );
    throw new IngestLimitError(
      option.signal,
      decision.retryAfterMs,
      decision.exhausted,
      decision.limits,
    );
  }
  admitted.add(request);
}

/** The body's size as received (decompressed), for the bytes bucket. */
export function bodyBytesOf(request: FastifyRequest): number {
  if (Buffer.isBuffer(request.body)) return request.body.length;
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length >= 0) return length;
  return request.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(request.body));
}

/**
 * Installs the ingest limits: a route declaring `ingestLimit` leaves the request limit (its
 * `rateLimit` is switched off) and, when it can count its parsed body, is admitted before its
 * handler runs, after auth and validation (a refused body spends nothing). Register before
 * @fastify/rate-limit so its onRoute hook sees the switch.
 */
export function registerIngestLimits(app: FastifyInstance, limiter: IngestLimiter): void {
  app.decorate('ingestLimiter', limiter);
  app.addHook('onRoute', (route) => {
    if (route.config?.ingestLimit === undefined) return;
    route.config = { ...route.config, rateLimit: false };
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const option = request.routeOptions.config.ingestLimit;
    if (option?.count === undefined) return done();
    try {
      admitIngest(request, option.count(request.body), bodyBytesOf(request));
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}
