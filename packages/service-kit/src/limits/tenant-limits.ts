import { z } from 'zod';
import type { Rate } from './token-bucket.js';

/** What an ingest route counts: one token bucket of items and one of bytes per tenant and kind. */
export const INGEST_SIGNALS = [
  'spans',
  'points',
  'logRecords',
  'costLines',
  'feedbackItems',
] as const;
export type IngestSignal = (typeof INGEST_SIGNALS)[number];

/** A tenant's limits for one kind of item, for the whole deployment (see `IngestLimiter`). */
export interface SignalLimits {
  /** Items per second, sustained. */
  readonly rate: number;
  /** Items a tenant may send at once after being idle. */
  readonly burst: number;
  /** Request-body bytes per second (decompressed), sustained. */
  readonly bytesRate: number;
  readonly bytesBurst: number;
}

const MiB = 1024 * 1024;

/**
 * Defaults sized so that one tenant alone can keep one instance busy on a small (2-core) machine:
 * each rate sits above the best sustained figure measured for that path (docs/limits.md gives the
 * figures), and each burst is two seconds of it, so the limit only bites on a tenant that takes
 * more than an instance can give, which is what it is for. Bytes sit above items × the largest
 * usual item, so items bind first for ordinary senders.
 */
export const DEFAULT_LIMITS: Readonly<Record<IngestSignal, SignalLimits>> = {
  // trace-service: 41k spans/s measured (OTLP/HTTP JSON, idle machine); 668 B a JSON span (the bench).
  spans: { rate: 50_000, burst: 100_000, bytesRate: 64 * MiB, bytesBurst: 128 * MiB },
  // metric-aggregation: 43.9k points/s through /v1/metric-points (series form; single rounds
  // read up to 50k), so twice that: the burst is Mimir's default.
  points: { rate: 100_000, burst: 200_000, bytesRate: 64 * MiB, bytesBurst: 128 * MiB },
  // log-query: 10.4k-14.7k records/s measured.
  logRecords: { rate: 20_000, burst: 40_000, bytesRate: 32 * MiB, bytesBurst: 64 * MiB },
  // cost-telemetry: 1.1k new lines/s, 4.2k resent lines/s measured; batches up to 1,000 lines.
  costLines: { rate: 10_000, burst: 20_000, bytesRate: 8 * MiB, bytesBurst: 16 * MiB },
  // feedback: one item per request (not measured; 50× the REST request limit of 10/s).
  feedbackItems: { rate: 500, burst: 1_000, bytesRate: 4 * MiB, bytesBurst: 8 * MiB },
};

const positive = z.number().positive().finite();
const signalOverride = z
  .object({ rate: positive, burst: positive, bytesRate: positive, bytesBurst: positive })
  .partial()
  .strict();
const perSignal = z
  .object(
    Object.fromEntries(INGEST_SIGNALS.map((signal) => [signal, signalOverride.optional()])) as {
      [K in IngestSignal]: z.ZodOptional<typeof signalOverride>;
    },
  )
  .strict();

/**
 * The limits file (`TENANT_LIMITS_FILE`, JSON): `defaults` replace the built-in defaults for
 * every tenant, `tenants.<tenantId>` override one tenant; each field is optional and falls back
 * to the level above.
 *
 *   { "defaults": { "spans": { "rate": 20000 } },
 *     "tenants": { "acme": { "spans": { "rate": 200000, "burst": 400000 } } } }
 */
export const limitsFileSchema = z
  .object({
    defaults: perSignal.optional(),
    tenants: z.record(z.string().min(1), perSignal).optional(),
  })
  .strict();
export type LimitsFile = z.infer<typeof limitsFileSchema>;

/** Parses a limits file's text; the error names the field (`tenants.acme.spans.rate`). */
export function parseLimitsFile(text: string): LimitsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  const parsed = limitsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(fields);
  }
  return parsed.data;
}

/** A tenant's limits for a signal: the tenant's override, else the file's defaults, else ours. */
export function limitsFor(file: LimitsFile, tenant: string, signal: IngestSignal): SignalLimits {
  return {
    ...DEFAULT_LIMITS[signal],
    ...file.defaults?.[signal],
    ...file.tenants?.[tenant]?.[signal],
  };
}

/** The items and bytes buckets of one replica of `shards`: the rate divided, the burst not. */
export function perReplica(limits: SignalLimits, shards: number): { items: Rate; bytes: Rate } {
  return {
    items: { rate: limits.rate / shards, burst: limits.burst },
    bytes: { rate: limits.bytesRate / shards, burst: limits.bytesBurst },
  };
}
