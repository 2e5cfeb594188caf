import { describe, expect, it } from 'vitest';
import { alertRuleConfigFrom } from './config.js';

describe('alertRuleConfigFrom', () => {
  it('defaults the lateness grace to two minutes of event time, the catalogue to port 4103', () => {
    // The name predates the timeliness defaults: the lateness grace is one minute of event time.
    expect(alertRuleConfigFrom({})).toEqual({
      latenessGraceMs: 60_000,
      resolveAfterWindows: 1,
      metricServiceUrl: 'http://127.0.0.1:4103',
      notify: {
        maxAttempts: 8,
        backoffBaseMs: 10_000,
        backoffMaxMs: 3_600_000,
        timeoutMs: 10_000,
        intervalMs: 1_000,
        allowPrivateTargets: false,
        externalUrl: 'http://127.0.0.1:4105',
      },
      // The alert clock: the metric service's grace (same variable), a run every 5 s.
      clock: { metricGraceMs: 15_000, intervalMs: 5_000 },
    });
  });

  it('reads ALERT_LATENESS_GRACE_MS and METRIC_AGGREGATION_SERVICE_URL', () => {
    expect(
      alertRuleConfigFrom({
        ALERT_LATENESS_GRACE_MS: '300000',
        METRIC_AGGREGATION_SERVICE_URL: 'http://metrics.internal:8080/',
      }),
    ).toEqual({
      latenessGraceMs: 300_000,
      resolveAfterWindows: 1,
      metricServiceUrl: 'http://metrics.internal:8080',
      notify: alertRuleConfigFrom({}).notify,
      clock: alertRuleConfigFrom({}).clock,
    });
  });

  it('reads METRIC_WINDOW_GRACE_MS, ALERT_CLOCK_INTERVAL_MS and ALERT_RESOLVE_AFTER_WINDOWS', () => {
    expect(
      alertRuleConfigFrom({
        METRIC_WINDOW_GRACE_MS: '10000',
        ALERT_CLOCK_INTERVAL_MS: '0',
        ALERT_RESOLVE_AFTER_WINDOWS: '3',
      }),
    ).toMatchObject({ resolveAfterWindows: 3, clock: { metricGraceMs: 10_000, intervalMs: 0 } });
    expect(() => alertRuleConfigFrom({ ALERT_RESOLVE_AFTER_WINDOWS: '0' })).toThrow(
      /ALERT_RESOLVE_AFTER_WINDOWS/,
    );
  });

  it.each(['0', '-1', '1.5', 'soon'])('refuses ALERT_LATENESS_GRACE_MS=%s', (value) => {
    expect(() => alertRuleConfigFrom({ ALERT_LATENESS_GRACE_MS: value })).toThrow(
      /invalid alert-rule-service environment: ALERT_LATENESS_GRACE_MS/,
    );
  });

  it('reads the NOTIFY_* delivery settings; private targets stay refused unless exactly true', () => {
    const { notify } = alertRuleConfigFrom({
      NOTIFY_MAX_ATTEMPTS: '3',
      NOTIFY_BACKOFF_BASE_MS: '500',
      NOTIFY_BACKOFF_MAX_MS: '60000',
      NOTIFY_TIMEOUT_MS: '2000',
      NOTIFY_INTERVAL_MS: '0',
      NOTIFY_ALLOW_PRIVATE_TARGETS: 'true',
    });
    expect(notify).toEqual({
      maxAttempts: 3,
      backoffBaseMs: 500,
      backoffMaxMs: 60_000,
      timeoutMs: 2_000,
      intervalMs: 0,
      allowPrivateTargets: true,
      externalUrl: 'http://127.0.0.1:4105',
    });
    expect(() => alertRuleConfigFrom({ NOTIFY_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow(
      /NOTIFY_ALLOW_PRIVATE_TARGETS/,
    );
    expect(() => alertRuleConfigFrom({ NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(/NOTIFY_MAX_ATTEMPTS/);
  });
});
