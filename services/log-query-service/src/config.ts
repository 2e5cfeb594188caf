import { z } from 'zod';

/** Where log bodies live: the service's own Postgres schema, or a Log Analytics workspace. */
export const LOG_STORE_KINDS = ['postgres', 'log-analytics'] as const;
export type LogStoreKind = (typeof LOG_STORE_KINDS)[number];

export const DEFAULT_MAX_IN_FLIGHT_BATCHES = 8;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** The query API with its version (LogsQueryClient's `endpoint` option); tests point it at a local server. */
export const DEFAULT_LOG_ANALYTICS_ENDPOINT = 'https://api.loganalytics.io/v1';

export interface LogAnalyticsConfig {
  readonly workspaceId: string;
  readonly endpoint: string;
  /** Seconds Log Analytics may spend on one query (its own limit is 600). */
  readonly serverTimeoutSeconds: number;
}

export interface LogQueryServiceConfig {
  /** Which store POST /v1/logs writes to; references of either kind are always readable. */
  readonly store: LogStoreKind;
  /**
   * Ingest batches written at once. Past this the store is "full": OTLP senders get 503 with
   * Retry-After and back off, instead of piling connections onto the database.
   */
  readonly maxInFlightBatches: number;
  readonly retryAfterSeconds: number;
  /** Set when references may point at Log Analytics (LOG_STORE=log-analytics needs it). */
  readonly logAnalytics: LogAnalyticsConfig | undefined;
}

const envSchema = z.object({
  LOG_STORE: z.enum(LOG_STORE_KINDS).default('postgres'),
  LOG_INGEST_MAX_IN_FLIGHT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000)
    .default(DEFAULT_MAX_IN_FLIGHT_BATCHES),
  LOG_INGEST_RETRY_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3_600)
    .default(DEFAULT_RETRY_AFTER_SECONDS),
  LOG_ANALYTICS_WORKSPACE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/)
    .optional(),
  LOG_ANALYTICS_ENDPOINT: z.url().default(DEFAULT_LOG_ANALYTICS_ENDPOINT),
  LOG_ANALYTICS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
});

/** Reads the service's own settings; a bad or missing value stops the service at start. */
export function logQueryConfigFrom(source: NodeJS.ProcessEnv): LogQueryServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid log-query-service environment: ${fields}`);
  }
  const e = env.data;
  if (e.LOG_STORE === 'log-analytics' && e.LOG_ANALYTICS_WORKSPACE_ID === undefined) {
    throw new Error(
      'invalid log-query-service environment: LOG_STORE=log-analytics needs LOG_ANALYTICS_WORKSPACE_ID',
    );
  }
  return {
    store: e.LOG_STORE,
    maxInFlightBatches: e.LOG_INGEST_MAX_IN_FLIGHT,
    retryAfterSeconds: e.LOG_INGEST_RETRY_AFTER_SECONDS,
    logAnalytics:
      e.LOG_ANALYTICS_WORKSPACE_ID === undefined
        ? undefined
        : {
            workspaceId: e.LOG_ANALYTICS_WORKSPACE_ID,
            endpoint: e.LOG_ANALYTICS_ENDPOINT,
            serverTimeoutSeconds: e.LOG_ANALYTICS_TIMEOUT_SECONDS,
          },
  };
}
