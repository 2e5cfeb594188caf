import { getEvent, type PayloadOf } from '@obs/event-envelope';
import { describe, expect, it } from 'vitest';
import { alertmanagerFingerprint, GO_ZERO_TIME } from './alertmanager-payload.js';
import { sloAlertFingerprint, sloAlertLabels, sloBurnMessage } from './slo-burn-notifications.js';

type Fired = PayloadOf<'SloBurnRateAlertFired'>;
const example = getEvent('SloBurnRateAlertFired', 1).example.payload as Fired;

describe('SLO burn-rate notifications', () => {
  it('labels the alert alertname, slo_id, slo_name, severity and project over the dimensions, which never override them', () => {
    const labels = sloAlertLabels({
      ...example,
      dimensions: { service: 'payments-api', severity: 'low', alertname: 'x' },
    });
    expect(labels).toEqual({
      service: 'payments-api',
      alertname: 'SloBurnRate',
      slo_id: example.sloId,
      slo_name: example.name,
      severity: 'page',
      project: example.projectId,
    });
  });

  it('keeps the labels, fingerprint and group key from firing to resolution; endsAt is the resolution', () => {
    const firing = sloBurnMessage('ops', example);
    const resolved = sloBurnMessage('ops', {
      ...example,
      rules: [{ ...example.rules[0]!, rule: 'page-6h-30m', longWindow: '6h', shortWindow: '30m' }],
      resolvedAt: '2024-05-01T10:40:00.000Z',
    });
    expect(firing).toMatchObject({
      version: '4',
      status: 'firing',
      groupKey: `{}:{alertname="SloBurnRate", slo_id="${example.sloId}"}`,
      alerts: [
        {
          status: 'firing',
          startsAt: example.firedAt,
          endsAt: GO_ZERO_TIME,
          fingerprint: alertmanagerFingerprint(`${example.sloId}:page`),
          annotations: { rules: 'page-1h-5m', burnRate5m: '20.00', burnRate3d: '0.35' },
        },
      ],
    });
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0]).toMatchObject({
      status: 'resolved',
      labels: firing.alerts[0]?.labels,
      fingerprint: firing.alerts[0]?.fingerprint,
      startsAt: example.firedAt,
      endsAt: '2024-05-01T10:40:00.000Z',
      annotations: { rules: 'page-6h-30m' },
    });
    expect(resolved.groupKey).toBe(firing.groupKey);
  });

  it('tells a page from a ticket of the same SLO, and says n/a for a burn rate without a budget', () => {
    expect(sloAlertFingerprint(example)).toBe(`${example.sloId}:page`);
    expect(sloAlertFingerprint({ ...example, severity: 'ticket' })).toBe(`${example.sloId}:ticket`);
    const noBudget = sloBurnMessage('ops', {
      ...example,
      burnRates: { ...example.burnRates, '1h': null },
    });
    expect(noBudget.alerts[0]?.annotations.burnRate1h).toBe('n/a');
  });
});
