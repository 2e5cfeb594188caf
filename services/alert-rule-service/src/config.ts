import { DEFAULT_ALERT_LATENESS_GRACE_MS } from '@obs/domain';
import { serviceUrl } from '@obs/service-kit';
import { z } from 'zod';

export interface AlertRuleServiceConfig {
  /**
   * How far (event time) behind the newest window of a rule a window may arrive and still be
   * evaluated in its place; older ones are ignored and counted. More tolerates more skew between
   * partitions, but delays an alert whose forMinutes is shorter than the grace minus one window.
   */
  readonly latenessGraceMs: number;
  /**
   * Where rule conditions resolve their metric (GET /v1/metrics/{name}):
   * METRIC_AGGREGATION_SERVICE_URL, else http://127.0.0.1:4103.
   */
  readonly metricServiceUrl: string;
}

const envSchema = z.object({
  ALERT_LATENESS_GRACE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_ALERT_LATENESS_GRACE_MS),
});

/**
 * Reads the service's own settings. The kit's `Env` keeps only the platform-wide variables, so
 * these are read here; a bad value stops the service at start rather than at the first window.
 */
export function alertRuleConfigFrom(source: NodeJS.ProcessEnv): AlertRuleServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid alert-rule-service environment: ${fields}`);
  }
  return {
    latenessGraceMs: env.data.ALERT_LATENESS_GRACE_MS,
    metricServiceUrl: serviceUrl('metric-aggregation-service', source),
  };
}
