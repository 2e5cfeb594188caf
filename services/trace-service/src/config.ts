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
}

const envSchema = z.object({
  TRACE_IDLE_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
  TRACE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  TRACE_ASSEMBLY_INTERVAL_MS: z.coerce.number().int().min(0).default(1_000),
  TRACE_RETENTION_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  TRACE_MAX_PENDING_TRACES: z.coerce.number().int().min(1).default(200_000),
});

/** Reads the service's own settings; a bad value stops the service at start, naming it. */
export function traceConfigFrom(source: NodeJS.ProcessEnv): TraceServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid trace-service environment: ${fields}`);
  }
  return {
    idleMs: env.data.TRACE_IDLE_MS,
    retentionDays: env.data.TRACE_RETENTION_DAYS,
    assemblyIntervalMs: env.data.TRACE_ASSEMBLY_INTERVAL_MS,
    retentionIntervalMs: env.data.TRACE_RETENTION_INTERVAL_MS,
    maxPendingTraces: env.data.TRACE_MAX_PENDING_TRACES,
  };
}
