import { Incident } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { toEventRows, toIncidentRow, toSnapshot } from './incident.repository.js';

const T = (minutes: number) =>
  new Date(Date.parse('2024-05-01T10:00:00.000Z') + minutes * 60_000).toISOString();

function walked(): Incident {
  const incident = Incident.create({
    incidentId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c',
    tenantId: 'acme',
    projectId: 'checkout',
    moduleId: 'payments',
    title: 'Checkout is slow',
    severity: 'critical',
    source: 'alert',
    sourceRef: 'rule-1:service=api',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    openedAt: T(0),
    escalationSteps: [
      { level: 1, target: 'primary', delayMinutes: 5 },
      { level: 2, target: 'secondary', delayMinutes: 15 },
    ],
  });
  incident.escalateDue(T(6));
  incident.acknowledge({ actor: 'alice', at: T(7) });
  incident.investigate({ actor: 'alice', at: T(8), note: 'looking' });
  incident.resolve({ actor: 'alice', at: T(9), rootCause: 'bad deploy' });
  return incident;
}

describe('incident row mapper', () => {
  it('round-trips a snapshot through the row and the timeline rows', () => {
    const snapshot = walked().toSnapshot();
    const row = toIncidentRow(snapshot, 5);
    expect(row).toMatchObject({ version: 5, status: 'resolved', nextEscalationAt: null });
    const events = toEventRows(snapshot, 0);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(toSnapshot(row, events)).toEqual(snapshot);
    expect(Incident.rehydrate(toSnapshot(row, events)).toSnapshot()).toEqual(snapshot);
  });

  it('keeps an escalation start later than openedAt, and derives the schedule from it', () => {
    const incident = Incident.fromAlert({
      incidentId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6d',
      tenantId: 'acme',
      alert: {
        tenantId: 'acme',
        traceId: null,
        payload: {
          alertRuleId: 'rule-1',
          ruleName: 'Errors',
          fingerprint: 'rule-1:',
          groupKey: '',
          group: {},
          severity: 'high',
          metric: 'http.errors',
          aggregation: 'count',
          operator: 'gt',
          threshold: 1,
          observedValue: 2,
          forMinutes: 0,
          activeAt: T(-600),
          firedAt: T(-600),
          projectId: 'checkout',
          moduleId: null,
        },
      },
      escalationSteps: [{ level: 1, target: 'primary', delayMinutes: 5 }],
      intake: { receivedAt: T(0), replayHorizonMs: 3_600_000 },
    });
    const snapshot = incident.toSnapshot();
    const row = toIncidentRow(snapshot, 1);
    expect(row.openedAt.toISOString()).toBe(T(-600));
    expect(row.escalationStartsAt.toISOString()).toBe(T(0));
    expect(row.nextEscalationAt?.toISOString()).toBe(T(5));
    expect(toSnapshot(row, toEventRows(snapshot, 0))).toEqual(snapshot);
  });

  it('appends only the lines after the stored ones', () => {
    const snapshot = walked().toSnapshot();
    const fresh = toEventRows(snapshot, 3);
    expect(fresh.map((e) => [e.seq, e.type])).toEqual([
      [4, 'investigating'],
      [5, 'resolved'],
    ]);
  });

  it('stores when an open incident next escalates', () => {
    const incident = Incident.create({
      incidentId: 'inc-2',
      tenantId: 'acme',
      projectId: 'checkout',
      title: 'x',
      severity: 'info',
      source: 'manual',
      openedAt: T(0),
      escalationSteps: [{ level: 1, target: 'primary', delayMinutes: 5 }],
    });
    expect(toIncidentRow(incident.toSnapshot(), 1).nextEscalationAt?.toISOString()).toBe(T(5));
  });
});
