import { Incident } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { nextEscalationAt } from './next-escalation.js';

const openedAt = '2024-05-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(openedAt) + minutes * 60_000).toISOString();

function incident(steps = [5, 15, 30]) {
  return Incident.create({
    incidentId: 'inc-1',
    tenantId: 'acme',
    projectId: 'checkout',
    title: 'Checkout is slow',
    severity: 'high',
    source: 'manual',
    openedAt,
    escalationSteps: steps.map((delayMinutes, i) => ({
      level: i + 1,
      target: `t${i + 1}`,
      delayMinutes,
    })),
  });
}

describe('nextEscalationAt', () => {
  it('is the first unused step of an open incident', () => {
    const open = incident();
    expect(nextEscalationAt(open.toSnapshot())).toBe(at(5));
    open.escalateDue(at(5));
    expect(nextEscalationAt(open.toSnapshot())).toBe(at(15));
    open.escalateDue(at(40));
    expect(nextEscalationAt(open.toSnapshot())).toBeNull();
  });

  it('is null once acknowledged, resolved, or without steps', () => {
    const acknowledged = incident();
    acknowledged.acknowledge({ actor: 'alice', at: at(1) });
    expect(nextEscalationAt(acknowledged.toSnapshot())).toBeNull();
    const resolved = incident();
    resolved.resolve({ actor: 'alice', at: at(1), rootCause: 'x' });
    expect(nextEscalationAt(resolved.toSnapshot())).toBeNull();
    expect(nextEscalationAt(incident([]).toSnapshot())).toBeNull();
  });

  it("counts from escalationStartsAt, the intake, for a replayed signal's incident", () => {
    const replayed = Incident.fromSloBreach({
      incidentId: 'inc-2',
      tenantId: 'acme',
      severity: 'critical',
      breach: {
        tenantId: 'acme',
        traceId: null,
        payload: {
          sloId: 'slo-1',
          projectId: 'checkout',
          name: 'Availability',
          target: 99.9,
          windowMinutes: 60,
          errorBudget: 0.1,
          budgetRemaining: 0,
          badPct: 1,
          breachedAt: at(-3 * 24 * 60),
        },
      },
      escalationSteps: [{ level: 1, target: 't1', delayMinutes: 5 }],
      intake: { receivedAt: openedAt, replayHorizonMs: 3_600_000 },
    });
    expect(nextEscalationAt(replayed.toSnapshot())).toBe(at(5));
  });

  it('is null rather than an invalid instant for a delay beyond the calendar', () => {
    expect(nextEscalationAt(incident([Number.MAX_SAFE_INTEGER]).toSnapshot())).toBeNull();
  });
});
