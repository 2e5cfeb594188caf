import {
  DEFAULT_ALERT_LATENESS_GRACE_MS,
  DEFAULT_RESOLVE_AFTER_WINDOWS,
  METRIC_WINDOW_GRACE_MS,
} from '@obs/domain';
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
   * Closed windows without the condition that end a firing episode with AlertResolved
   * (ALERT_RESOLVE_AFTER_WINDOWS, default 1; a missing window counts). Optional: absent means 1.
   */
  readonly resolveAfterWindows?: number;
  /**
   * Where rule conditions resolve their metric (GET /v1/metrics/{name}):
   * METRIC_AGGREGATION_SERVICE_URL, else http://127.0.0.1:4103.
   */
  readonly metricServiceUrl: string;
  /** Webhook delivery (receivers' notifications); see docs/services/alert-rule.md. */
  readonly notify: NotifyConfig;
  /**
   * The `alert-clock` job that moves each rule's event time with the wall clock, so an episode is
   * announced even when its metric goes silent. Optional: absent means the defaults.
   */
  readonly clock?: AlertClockConfig;
}

export interface AlertClockConfig {
  /**
   * The metric service's window grace (METRIC_WINDOW_GRACE_MS, the same variable and default as
   * metric-aggregation-service's, 15 s): a window ending at E is published at E + this grace.
   */
  readonly metricGraceMs: number;
  /** Pause between runs of the job (ALERT_CLOCK_INTERVAL_MS, default 5 s; 0: only `runOnce()`). */
  readonly intervalMs: number;
}

export const DEFAULT_ALERT_CLOCK: AlertClockConfig = {
  metricGraceMs: METRIC_WINDOW_GRACE_MS,
  intervalMs: 5_000,
};

export interface NotifyConfig {
  /** Attempts before a notification is dead (NOTIFY_MAX_ATTEMPTS, default 8). */
  readonly maxAttempts: number;
  /** First retry delay; doubles per attempt, with jitter (NOTIFY_BACKOFF_BASE_MS, default 10 s). */
  readonly backoffBaseMs: number;
  /** Longest delay between attempts, Retry-After included (NOTIFY_BACKOFF_MAX_MS, default 1 h). */
  readonly backoffMaxMs: number;
  /** One attempt's deadline, connect to last byte (NOTIFY_TIMEOUT_MS, default 10 s). */
  readonly timeoutMs: number;
  /** Pause between delivery runs (NOTIFY_INTERVAL_MS, default 1 s). */
  readonly intervalMs: number;
  /**
   * Send to loopback, private, link-local and CGNAT addresses (NOTIFY_ALLOW_PRIVATE_TARGETS, default
   * false: such a target is refused at send time). Development and tests only.
   */
  readonly allowPrivateTargets: boolean;
  /**
   * Where this service is reached (ALERT_RULE_SERVICE_URL, else http://127.0.0.1:4105): slack and
   * email notifications link the rule there, and alerts sent to an Alertmanager carry it as their
   * generatorURL.
   */
  readonly externalUrl: string;
}

const envSchema = z.object({
  ALERT_LATENESS_GRACE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_ALERT_LATENESS_GRACE_MS),
  ALERT_RESOLVE_AFTER_WINDOWS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(DEFAULT_RESOLVE_AFTER_WINDOWS),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  NOTIFY_BACKOFF_BASE_MS: z.coerce.number().int().positive().default(10_000),
  NOTIFY_BACKOFF_MAX_MS: z.coerce.number().int().positive().default(3_600_000),
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(10_000),
  NOTIFY_INTERVAL_MS: z.coerce.number().int().min(0).default(1_000),
  NOTIFY_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false'),
  METRIC_WINDOW_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(DEFAULT_ALERT_CLOCK.metricGraceMs),
  ALERT_CLOCK_INTERVAL_MS: z.coerce.number().int().min(0).default(DEFAULT_ALERT_CLOCK.intervalMs),
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
    resolveAfterWindows: env.data.ALERT_RESOLVE_AFTER_WINDOWS,
    metricServiceUrl: serviceUrl('metric-aggregation-service', source),
    notify: {
      maxAttempts: env.data.NOTIFY_MAX_ATTEMPTS,
      backoffBaseMs: env.data.NOTIFY_BACKOFF_BASE_MS,
      backoffMaxMs: env.data.NOTIFY_BACKOFF_MAX_MS,
      timeoutMs: env.data.NOTIFY_TIMEOUT_MS,
      intervalMs: env.data.NOTIFY_INTERVAL_MS,
      allowPrivateTargets: env.data.NOTIFY_ALLOW_PRIVATE_TARGETS === 'true',
      externalUrl: serviceUrl('alert-rule-service', source),
    },
    clock: {
      metricGraceMs: env.data.METRIC_WINDOW_GRACE_MS,
      intervalMs: env.data.ALERT_CLOCK_INTERVAL_MS,
    },
  };
}
