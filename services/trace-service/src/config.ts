import { z } from 'zod';

export interface TraceServiceConfig {
  /** A trace is assembled once its root is present and no span arrived for this long (clock ms). */
  readonly idleMs: number;
  /** Unpinned traces whose start is older than this many days are deleted. */
  readonly retentionDays: number;
  /** How often the assembly job runs; 0 turns its timer off (tests call runOnce()). */
  readonly assemblyIntervalMs: number;
  /** How often the retention job runs; 0 turns its timer off. */
  readonly retentionIntervalMs: number;
  /**
   * Traces waiting for assembly beyond which ingest answers 503 with Retry-After: the assembly
   * job is behind, and taking more would only grow the backlog.
   */
  readonly maxPendingTraces: number;
  /**
   * Set (TRACE_SPAN_READER=app-insights) when GET /v1/traces/{traceId} reads the spans from a
   * workspace-based Application Insights resource, through its Log Analytics workspace.
   */
  readonly appInsights: AppInsightsReaderConfig | undefined;
}

export interface AppInsightsReaderConfig {
  readonly workspaceId: string;
  /** The query API with its version (sovereign clouds have their own host). */
  readonly endpoint: string;
  readonly lookbackDays: number;
}

export const DEFAULT_APP_INSIGHTS_QUERY_ENDPOINT = 'https://api.loganalytics.io/v1';

const envSchema = z.object({
  TRACE_IDLE_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
  TRACE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  TRACE_ASSEMBLY_INTERVAL_MS: z.coerce.number().int().min(0).default(1_000),
  TRACE_RETENTION_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  TRACE_MAX_PENDING_TRACES: z.coerce.number().int().min(1).default(200_000),
  TRACE_SPAN_READER: z.enum(['postgres', 'app-insights']).default('postgres'),
  TRACE_APP_INSIGHTS_WORKSPACE_ID: z.string().trim().min(1).optional(),
  TRACE_APP_INSIGHTS_ENDPOINT: z.url().default(DEFAULT_APP_INSIGHTS_QUERY_ENDPOINT),
  TRACE_APP_INSIGHTS_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(730).default(30),
});

/** Reads the service's own settings; a bad value stops the service at start, naming it. */
export function traceConfigFrom(source: NodeJS.ProcessEnv): TraceServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid trace-service environment: ${fields}`);
  }
  const e = env.data;
  if (e.TRACE_SPAN_READER === 'app-insights' && e.TRACE_APP_INSIGHTS_WORKSPACE_ID === undefined) {
    throw new Error(
      'invalid trace-service environment: TRACE_SPAN_READER=app-insights needs TRACE_APP_INSIGHTS_WORKSPACE_ID',
    );
  }
  return {
    idleMs: env.data.TRACE_IDLE_MS,
    retentionDays: env.data.TRACE_RETENTION_DAYS,
    assemblyIntervalMs: env.data.TRACE_ASSEMBLY_INTERVAL_MS,
    retentionIntervalMs: env.data.TRACE_RETENTION_INTERVAL_MS,
    maxPendingTraces: env.data.TRACE_MAX_PENDING_TRACES,
    appInsights:
      e.TRACE_SPAN_READER === 'app-insights' && e.TRACE_APP_INSIGHTS_WORKSPACE_ID !== undefined
        ? {
            workspaceId: e.TRACE_APP_INSIGHTS_WORKSPACE_ID,
            endpoint: e.TRACE_APP_INSIGHTS_ENDPOINT,
            lookbackDays: e.TRACE_APP_INSIGHTS_LOOKBACK_DAYS,
          }
        : undefined,
  };
}
