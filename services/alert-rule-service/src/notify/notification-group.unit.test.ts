import { describe, expect, it } from 'vitest';
import { GO_ZERO_TIME, type AlertmanagerAlert } from './alertmanager-payload.js';
import { groupKeyOf, groupLabelsOf, groupMessage, notifyReason } from './notification-group.js';

const labels = {
  service: 'payments-api',
  region: 'eu',
  alertname: 'latency',
  severity: 'critical',
  alertRuleId: 'r1',
  projectId: 'checkout',
  metric: 'http.server.duration',
};
const alert = (service: string, status: 'firing' | 'resolved' = 'firing'): AlertmanagerAlert => ({
  status,
  labels: { ...labels, service },
  annotations: { summary: 'p95 > 500', observedValue: service },
  startsAt: '2030-01-01T00:00:00.000Z',
  endsAt: status === 'firing' ? GO_ZERO_TIME : '2030-01-01T00:05:00.000Z',
  generatorURL: '',
  fingerprint: service.padEnd(16, '0'),
});

describe('group labels and key', () => {
  it('groups the whole rule by default, by the listed labels, or by every label for ...', () => {
    expect(groupLabelsOf(labels, [])).toEqual({ alertname: 'latency', alertRuleId: 'r1' });
    expect(groupLabelsOf(labels, ['service', 'missing'])).toEqual({
      service: 'payments-api',
      alertname: 'latency',
      alertRuleId: 'r1',
    });
    expect(groupLabelsOf(labels, ['...'])).toEqual(labels);
  });

  it('builds the key Alertmanager does: {}:{sorted label="value" pairs}', () => {
    expect(groupKeyOf({ service: 'a"b', alertname: 'latency', alertRuleId: 'r1' })).toBe(
      '{}:{alertRuleId="r1", alertname="latency", service="a\\"b"}',
    );
  });
});

describe('notifyReason (Alertmanager DedupStage.needsUpdate)', () => {
  const never = { lastNotifiedAt: null, lastFiring: [], lastResolved: [] };
  const told = { lastNotifiedAt: 0, lastFiring: ['a', 'b'], lastResolved: [] };
  const HOUR = 3_600_000;

  it('first notification only when something fires', () => {
    expect(notifyReason(never, ['a'], [], false, HOUR, 0)).toBe('first notification');
    expect(notifyReason(never, [], ['a'], true, HOUR, 0)).toBeUndefined();
  });

  it('new firing alerts always; fewer firing ones only with sendResolved', () => {
    expect(notifyReason(told, ['a', 'b', 'c'], [], false, HOUR, 1)).toBe('new alerts in group');
    expect(notifyReason(told, ['a'], ['b'], false, HOUR, 1)).toBeUndefined();
    expect(notifyReason(told, ['a'], ['b'], true, HOUR, 1)).toBe('alerts resolved');
    expect(
      notifyReason({ ...told, lastResolved: ['b'] }, ['a'], ['b'], true, HOUR, 1),
    ).toBeUndefined();
  });

  it('all resolved after some were told: always (the log forgets them)', () => {
    expect(notifyReason(told, [], ['a', 'b'], false, HOUR, 1)).toBe('alerts resolved');
    expect(notifyReason({ ...told, lastFiring: [] }, [], ['a'], true, HOUR, 1)).toBeUndefined();
  });

  it('an unchanged firing group repeats after repeatInterval, not before', () => {
    expect(notifyReason(told, ['a', 'b'], [], true, HOUR, HOUR - 1)).toBeUndefined();
    expect(notifyReason(told, ['a', 'b'], [], true, HOUR, HOUR)).toBe('repeat interval elapsed');
  });
});

describe('groupMessage', () => {
  it('lists firing then resolved alerts, with the labels and annotations they share', () => {
    const message = groupMessage(
      'team hook',
      {
        groupKey: '{}:{alertRuleId="r1", alertname="latency"}',
        groupLabels: { alertname: 'latency' },
      },
      [alert('b', 'resolved'), alert('a'), alert('c')],
      'new alerts in group',
    );
    expect(message).toMatchObject({
      receiver: 'team hook',
      status: 'firing',
      version: '4',
      notification_reason: 'new alerts in group',
      groupKey: '{}:{alertRuleId="r1", alertname="latency"}',
      commonAnnotations: { summary: 'p95 > 500' },
      truncatedAlerts: 0,
    });
    expect(message.alerts.map((a) => a.labels.service)).toEqual(['a', 'c', 'b']);
    const { service: _service, ...shared } = labels;
    expect(message.commonLabels).toEqual(shared);
  });

  it('is resolved when nothing in it fires', () => {
    const message = groupMessage(
      'hook',
      { groupKey: 'k', groupLabels: {} },
      [alert('a', 'resolved')],
      'alerts resolved',
    );
    expect(message.status).toBe('resolved');
    expect(message.commonLabels).toEqual({ ...labels, service: 'a' });
  });
});
