import { describe, expect, it } from 'vitest';
import { alertRuleConfigFrom } from './config.js';

describe('alertRuleConfigFrom', () => {
  it('defaults the lateness grace to two minutes of event time, the catalogue to port 4103', () => {
    expect(alertRuleConfigFrom({})).toEqual({
      latenessGraceMs: 120_000,
      metricServiceUrl: 'http://127.0.0.1:4103',
    });
  });

  it('reads ALERT_LATENESS_GRACE_MS and METRIC_AGGREGATION_SERVICE_URL', () => {
    expect(
      alertRuleConfigFrom({
        ALERT_LATENESS_GRACE_MS: '300000',
        METRIC_AGGREGATION_SERVICE_URL: 'http://metrics.internal:8080/',
      }),
    ).toEqual({ latenessGraceMs: 300_000, metricServiceUrl: 'http://metrics.internal:8080' });
  });

  it.each(['0', '-1', '1.5', 'soon'])('refuses ALERT_LATENESS_GRACE_MS=%s', (value) => {
    expect(() => alertRuleConfigFrom({ ALERT_LATENESS_GRACE_MS: value })).toThrow(
      /invalid alert-rule-service environment: ALERT_LATENESS_GRACE_MS/,
    );
  });
});
