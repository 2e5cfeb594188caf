import { serviceUrl } from '@obs/service-kit';
import { z } from 'zod';

/** The services whose records a correlation links to, read at `?expand=true`. */
export const LINKED_SERVICES = [
  'trace-service',
  'log-query-service',
  'metric-aggregation-service',
  'incident-service',
  'feedback-service',
  'cost-telemetry-service',
] as const;

export type LinkedService = (typeof LINKED_SERVICES)[number];

/** A linked service slower than this is reported missing rather than holding up the answer. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2_000;

export interface CorrelationServiceConfig {
  /** Base URL of each linked service (`<NAME>_URL`, else its default port on this host). */
  readonly upstreams: Readonly<Record<LinkedService, string>>;
  readonly upstreamTimeoutMs: number;
}

const envSchema = z.object({
  CORRELATION_UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(DEFAULT_UPSTREAM_TIMEOUT_MS),
});

/**
 * Reads the service's own settings (the kit's Env only carries platform-wide ones); a bad value
 * stops the service at start rather than at the first expanded read.
 */
export function correlationConfigFrom(source: NodeJS.ProcessEnv): CorrelationServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid telemetry-correlation-service environment: ${fields}`);
  }
  const upstreams = Object.fromEntries(
    LINKED_SERVICES.map((name) => [name, serviceUrl(name, source)]),
  ) as Record<LinkedService, string>;
  return { upstreams, upstreamTimeoutMs: env.data.CORRELATION_UPSTREAM_TIMEOUT_MS };
}
