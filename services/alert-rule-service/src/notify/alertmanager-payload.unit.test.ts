import type { AlertTriggeredPayload } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { firingMessage, GO_ZERO_TIME, resolvedMessage } from './alertmanager-payload.js';

/** expect.stringMatching, typed: an asymmetric matcher where a string is expected. */
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

const RULE = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';
const alert: AlertTriggeredPayload = {
  alertRuleId: RULE,
  ruleName: 'checkout p95 latency',
  fingerprint: `${RULE}:service=payments-api`,
  groupKey: 'service=payments-api',
  group: { service: 'payments-api', alertname: 'spoofed' },
  severity: 'critical',
  metric: 'http.server.duration',
  aggregation: 'p95',
  operator: 'gt',
  threshold: 500,
  observedValue: 712.5,
  forMinutes: 3,
  activeAt: '2030-01-01T00:01:00.000Z',
  firedAt: '2030-01-01T00:04:00.000Z',
  projectId: 'checkout',
  moduleId: null,
};

describe('firingMessage (Alertmanager webhook version 4)', () => {
  it("has exactly the fields of Alertmanager's Message and Alert", () => {
    const message = firingMessage('ops hook', alert);
    expect(Object.keys(message).sort()).toEqual(
      [
        'receiver',
        'status',
        'alerts',
        'notification_reason',
        'groupLabels',
        'commonLabels',
        'commonAnnotations',
        'routeLabels',
        'externalURL',
        'version',
        'groupKey',
        'truncatedAlerts',
      ].sort(),
    );
    expect(message).toMatchObject({ version: '4', status: 'firing', receiver: 'ops hook' });
    const [first] = message.alerts;
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        'status',
        'labels',
        'annotations',
        'startsAt',
        'endsAt',
        'generatorURL',
        'fingerprint',
      ].sort(),
    );
    expect(first).toMatchObject({
      status: 'firing',
      startsAt: alert.activeAt,
      endsAt: GO_ZERO_TIME,
      fingerprint: matching(/^[0-9a-f]{16}$/),
    });
  });

  it("labels the alert with the rule's name, severity and group; a group dimension cannot spoof ours", () => {
    const labels = firingMessage('ops hook', alert).alerts[0]?.labels;
    expect(labels).toEqual({
      alertname: 'checkout p95 latency',
      severity: 'critical',
      alertRuleId: RULE,
      projectId: 'checkout',
      metric: 'http.server.duration',
      service: 'payments-api',
    });
  });

  it('gives one alert of one rule the same fingerprint every time', () => {
    expect(firingMessage('a', alert).alerts[0]?.fingerprint).toBe(
      firingMessage('b', alert).alerts[0]?.fingerprint,
    );
  });
});

describe('resolvedMessage (send_resolved)', () => {
  it('is the firing message with status resolved, endsAt the resolution, same fingerprint and group key', () => {
    const firing = firingMessage('ops hook', alert);
    const resolved = resolvedMessage('ops hook', {
      ...alert,
      observedValue: null,
      resolveAfterWindows: 1,
      resolvedAt: '2030-01-01T00:06:00.000Z',
    });
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0]).toMatchObject({
      status: 'resolved',
      startsAt: alert.activeAt,
      endsAt: '2030-01-01T00:06:00.000Z',
      fingerprint: firing.alerts[0]?.fingerprint,
      labels: firing.alerts[0]?.labels,
    });
    expect(resolved.alerts[0]?.annotations.observedValue).toBe('no data');
    expect(resolved.groupKey).toBe(firing.groupKey);
    expect(Object.keys(resolved).sort()).toEqual(Object.keys(firing).sort());
  });
});
