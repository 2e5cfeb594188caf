import { serviceUrl } from '@obs/service-kit';
import { z } from 'zod';

/** How long one upstream read may take before the owning service counts as unavailable. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;

/**
 * What a 503 tells the client to wait (Retry-After, seconds) when an owning service cannot be
 * reached to resolve a panel reference: long enough for a restart, short enough for a person.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export interface DashboardServiceConfig {
  /** metric-aggregation-service: GET /v1/metrics/{name} and GET /v1/metric-series. */
  readonly metricServiceUrl: string;
  /** slo-service: GET /v1/slos/{id}. */
  readonly sloServiceUrl: string;
  readonly upstreamTimeoutMs: number;
  readonly retryAfterSeconds: number;
  /**
   * The platform's Prometheus HTTP API as Grafana reaches it, written into the data source
   * provisioning file: GRAFANA_DATASOURCE_URL, else `<metric-aggregation-service>/prometheus`.
   */
  readonly grafanaDatasourceUrl: string;
}

/** Checked here so a typo stops the start; '' means unset, as the kit's serviceUrl reads it. */
const upstreamUrl = z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional();

const envSchema = z.object({
  METRIC_AGGREGATION_SERVICE_URL: upstreamUrl,
  SLO_SERVICE_URL: upstreamUrl,
  GRAFANA_DATASOURCE_URL: upstreamUrl,
  DASHBOARD_UPSTREAM_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  DASHBOARD_RETRY_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(DEFAULT_RETRY_AFTER_SECONDS),
});

/**
 * Reads the service's own settings. The kit's `Env` keeps only the platform-wide variables, so
 * these are read here; a bad value stops the service at start rather than at the first request.
 * The upstream URLs follow the kit's `serviceUrl`: `<NAME>_URL` when set, else the owning
 * service's default port on this host (what `pnpm start` runs).
 */
export function dashboardConfigFrom(source: NodeJS.ProcessEnv): DashboardServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid dashboard-service environment: ${fields}`);
  }
  const metricServiceUrl = serviceUrl('metric-aggregation-service', source);
  const grafanaUrl = env.data.GRAFANA_DATASOURCE_URL?.trim().replace(/\/+$/, '') ?? '';
  return {
    metricServiceUrl,
    sloServiceUrl: serviceUrl('slo-service', source),
    upstreamTimeoutMs: env.data.DASHBOARD_UPSTREAM_TIMEOUT_MS,
    retryAfterSeconds: env.data.DASHBOARD_RETRY_AFTER_SECONDS,
    grafanaDatasourceUrl: grafanaUrl === '' ? `${metricServiceUrl}/prometheus` : grafanaUrl,
  };
}
