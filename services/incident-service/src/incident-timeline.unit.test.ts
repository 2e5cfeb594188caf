import { DomainError, Incident } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { appendTimelineLine, withNoteOnLastLine } from './incident-timeline.js';

const T0 = '2024-05-01T10:00:00.000Z';
const T1 = '2024-05-01T10:01:00.000Z';

function open(): Incident {
  const incident = Incident.create({
    incidentId: 'inc-1',
    tenantId: 'acme',
    projectId: 'checkout',
    title: 'Checkout is slow',
    severity: 'high',
    source: 'slo',
    sourceRef: 'slo-1',
    openedAt: T0,
    escalationSteps: [{ level: 1, target: 'primary', delayMinutes: 5 }],
  });
  incident.pullEvents();
  return incident;
}

describe('withNoteOnLastLine', () => {
  it("writes the note on the command's line and keeps the events it recorded", () => {
    const incident = open();
    incident.acknowledge({ actor: 'alice', at: T1 });
    const { incident: annotated, events } = withNoteOnLastLine(incident, '  on it ');
    expect(events.map((e) => e.eventType)).toEqual(['IncidentAcknowledged']);
    expect(annotated.toSnapshot().events.at(-1)).toEqual({
      timestamp: T1,
      type: 'acknowledged',
      actor: 'alice',
      note: 'on it',
    });
    expect(annotated.pullEvents()).toEqual([]);
  });

  it("keeps the domain's own note first", () => {
    const incident = open();
    incident.escalate({ actor: 'alice', at: T1 });
    const { incident: annotated, events } = withNoteOnLastLine(incident, 'need the DBA');
    expect(events.map((e) => e.eventType)).toEqual(['IncidentEscalated']);
    expect(annotated.toSnapshot().events.at(-1)?.note).toBe('level 1: primary: need the DBA');
  });

  it('changes nothing without a note', () => {
    const incident = open();
    incident.acknowledge({ actor: 'alice', at: T1 });
    const before = incident.toSnapshot();
    const { incident: same, events } = withNoteOnLastLine(incident, '   ');
    expect(same).toBe(incident);
    expect(same.toSnapshot()).toEqual(before);
    expect(events).toHaveLength(1);
  });

  it('lets the domain refuse an over-long note', () => {
    const incident = open();
    incident.acknowledge({ actor: 'alice', at: T1 });
    expect(() => withNoteOnLastLine(incident, 'x'.repeat(10_001))).toThrow(DomainError);
  });
});

describe('appendTimelineLine', () => {
  it('appends an SLO recurrence line', () => {
    const line = { timestamp: T1, type: 'recurrence' as const, actor: 'slo-1', note: 'again' };
    const { incident, events } = appendTimelineLine(open(), line);
    expect(events).toEqual([]);
    expect(incident.toSnapshot().events.map((e) => e.type)).toEqual(['opened', 'recurrence']);
    expect(incident.status).toBe('open');
  });
});
