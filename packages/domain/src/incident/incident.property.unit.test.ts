import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertTriggeredPayload } from '../alert-rule/alert-rule.events.js';
import { DomainError } from '../kernel/domain-error.js';
import type { SloBreachedPayload } from '../slo-definition/slo-definition.events.js';
import { executeIncidentCommand, type IncidentCommand } from './incident-commands.js';
import { canTransition, INCIDENT_TRANSITIONS } from './incident-lifecycle.js';
import { Incident } from './incident.aggregate.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const FINGERPRINT = 'rule-1:service=api';

const payload: AlertTriggeredPayload = {
  alertRuleId: 'rule-1',
  ruleName: 'API errors',
  fingerprint: FINGERPRINT,
  groupKey: 'service=api',
  group: { service: 'api' },
  severity: 'high',
  metric: 'http.errors',
  aggregation: 'count',
  operator: 'gt',
  threshold: 10,
  observedValue: 12,
  forMinutes: 0,
  activeAt: iso(0),
  firedAt: iso(0),
  projectId: 'p',
  moduleId: null,
};

/** Mostly valid arguments, sometimes not, so refusals are exercised too. */
function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: invalid, weight: 1 });
}
const actor = mostly(fc.constantFrom('user-1', 'user-2'), fc.constant(''));
const text = mostly(fc.constantFrom('db pool exhausted', 'note'), fc.constantFrom('', '   '));
/** An optional note: absent, blank, valid (padded, to check trimming) or over the limit. */
const note = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(null, '', '  '),
  fc.constantFrom('on it', '  paging the DBA '),
  fc.constant('x'.repeat(10_001)),
);
const SLO_ID = 'slo-1';
const breach: SloBreachedPayload = {
  sloId: SLO_ID,
  projectId: 'p',
  name: 'API availability',
  target: 99.9,
  windowMinutes: 60,
  errorBudget: 0.1,
  budgetRemaining: 0,
  badPct: 0.5,
  breachedAt: iso(0),
};
const breachAt = fc.record({
  tenantId: mostly(fc.constant('acme'), fc.constant('globex')),
  sloId: mostly(fc.constant(SLO_ID), fc.constant('slo-2')),
});
const alertAt = fc.record({
  tenantId: mostly(fc.constant('acme'), fc.constant('globex')),
  fingerprint: mostly(fc.constant(FINGERPRINT), fc.constant('rule-2:x')),
});

type Draft = (at: string) => IncidentCommand;
/** Weighted so that deep statuses (mitigated, regressions) are reached before a resolve ends it. */
const w = (weight: number, arbitrary: fc.Arbitrary<Draft>) => ({ weight, arbitrary });
const draft: fc.Arbitrary<Draft> = fc.oneof(
  w(
    2,
    fc
      .tuple(actor, note)
      .map(([a, n]): Draft => (at) => ({ type: 'acknowledge', actor: a, at, note: n })),
  ),
  w(
    3,
    fc
      .tuple(actor, note)
      .map(([a, n]): Draft => (at) => ({ type: 'investigate', actor: a, at, note: n })),
  ),
  w(
    4,
    fc
      .tuple(actor, note)
      .map(([a, n]): Draft => (at) => ({ type: 'mitigate', actor: a, at, note: n })),
  ),
  w(
    2,
    fc.tuple(actor, text, note).map(([a, rootCause, n]): Draft => (at) => ({
      type: 'resolve',
      actor: a,
      at,
      rootCause,
      note: n,
    })),
  ),
  w(
    1,
    fc
      .tuple(actor, note)
      .map(([a, n]): Draft => (at) => ({ type: 'escalate', actor: a, at, note: n })),
  ),
  w(
    1,
    fc.constant((now: string): IncidentCommand => ({ type: 'escalateDue', now })),
  ),
  w(
    1,
    fc
      .tuple(actor, text)
      .map(([a, n]): Draft => (at) => ({ type: 'addPostmortemNote', actor: a, at, note: n })),
  ),
  w(
    2,
    alertAt.map(({ tenantId, fingerprint }): Draft => (at) => ({
      type: 'recordRecurrence',
      alert: { tenantId, traceId: null, payload: { ...payload, firedAt: at, fingerprint } },
    })),
  ),
  w(
    2,
    breachAt.map(({ tenantId, sloId }): Draft => (at) => ({
      type: 'recordSloRecurrence',
      breach: { tenantId, traceId: null, payload: { ...breach, breachedAt: at, sloId } },
    })),
  ),
);

/** A clock that mostly moves forward (minutes), sometimes back, so time checks are exercised. */
const commands: fc.Arbitrary<IncidentCommand[]> = fc
  .array(fc.tuple(fc.integer({ min: -3, max: 20 }), draft), { maxLength: 50, size: 'max' })
  .map((steps) => {
    let clock = 0;
    return steps.map(([delta, make]) => {
      clock += delta;
      return make(iso(clock));
    });
  });

const STEPS = [
  { level: 1, target: 'primary', delayMinutes: 5 },
  { level: 2, target: 'secondary', delayMinutes: 30 },
  { level: 3, target: 'manager', delayMinutes: 60 },
];

/** Opened from an alert or an SLO breach, so both kinds of recurrence are accepted somewhere. */
function open(source: 'alert' | 'slo' = 'alert'): Incident {
  if (source === 'slo') {
    return Incident.fromSloBreach({
      incidentId: 'inc-1',
      tenantId: 'acme',
      breach: { tenantId: 'acme', traceId: null, payload: breach },
      severity: 'critical',
      escalationSteps: STEPS,
    });
  }
  return Incident.fromAlert({
    incidentId: 'inc-1',
    tenantId: 'acme',
    alert: { tenantId: 'acme', traceId: null, payload },
    openedAt: iso(0),
    escalationSteps: STEPS,
  });
}

describe('executeIncidentCommand', () => {
  it('fails loudly on a command outside the union', () => {
    const unknown = { type: 'reopen' } as unknown as IncidentCommand;
    expect(() => executeIncidentCommand(open(), unknown)).toThrow('unknown incident command');
  });
});

describe('incident lifecycle under random command sequences', () => {
  it('never leaves the allowed lifecycle; refusals change nothing; resolved stays resolved', () => {
    const seen = new Set<string>();
    const regressedBy = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom('alert' as const, 'slo' as const),
        commands,
        (source, sequence) => {
          const incident = open(source);
          incident.pullEvents();
          let wasResolved = false;
          for (const cmd of sequence) {
            const before = incident.toSnapshot();
            let refused = false;
            try {
              executeIncidentCommand(incident, cmd);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              refused = true;
            }
            const after = incident.toSnapshot();
            if (refused) {
              // Invariants are checked before any change: a refusal leaves no trace.
              expect(after).toEqual(before);
              expect(incident.pullEvents()).toEqual([]);
              continue;
            }
            if (after.status !== before.status) {
              seen.add(`${before.status}>${after.status}`);
              expect(canTransition(before.status, after.status)).toBe(true);
              expect(Date.parse(after.statusChangedAt)).toBeGreaterThanOrEqual(
                Date.parse(before.statusChangedAt),
              );
            }
            if (wasResolved) {
              expect(after.status).toBe('resolved');
              // Only post-mortem notes may be added to a resolved incident.
              expect({ ...after, events: [] }).toEqual({ ...before, events: [] });
              const added = after.events.slice(before.events.length);
              expect(added.every((e) => e.type === 'postmortem_note')).toBe(true);
            }
            if (after.status === 'resolved') {
              expect(after.rootCause?.trim()).toBeTruthy();
              expect(after.resolvedAt).not.toBeNull();
            } else {
              expect(after.rootCause).toBeNull();
              expect(after.resolvedAt).toBeNull();
            }
            if (cmd.type === 'recordRecurrence' || cmd.type === 'recordSloRecurrence') {
              // Only this incident's own signal recurs, and only a mitigated incident regresses.
              expect(cmd.type).toBe(
                source === 'alert' ? 'recordRecurrence' : 'recordSloRecurrence',
              );
              expect(after.events[before.events.length]?.type).toBe('recurrence');
              if (after.status !== before.status) {
                expect([before.status, after.status]).toEqual(['mitigated', 'investigating']);
                regressedBy.add(source);
              }
            }
            if ('note' in cmd && cmd.type !== 'addPostmortemNote') {
              // The command's own line carries its note, trimmed; a blank one is stored as none.
              const given = cmd.note?.trim() ? cmd.note.trim() : null;
              let expected = given;
              if (cmd.type === 'escalate') {
                const paged = after.escalationSteps.find(
                  (s, i) => s.at !== before.escalationSteps[i]?.at,
                );
                const level = `level ${paged?.level}: ${paged?.target}`;
                expected = given === null ? level : `${level}: ${given}`;
              }
              expect(after.events[before.events.length]?.note).toBe(expected);
            }
            wasResolved = after.status === 'resolved';
            for (const event of incident.pullEvents()) {
              if (event.eventType === 'IncidentResolved') {
                expect(event.payload.rootCause).toBe(after.rootCause);
                expect(event.payload.durationMs).toBeGreaterThanOrEqual(0);
              }
              if (event.eventType === 'IncidentEscalated')
                expect(before.status).not.toBe('resolved');
            }
            // Every state reached must load again as it is (the stored form is the snapshot).
            expect(Incident.rehydrate(after).toSnapshot()).toEqual(after);
          }
          const levels = incident
            .toSnapshot()
            .events.filter((e) => e.type === 'escalated')
            .map((e) => e.note);
          expect(new Set(levels).size).toBe(levels.length);
        },
      ),
      { numRuns: 500 },
    );
    // Both signals' recurrences must have been seen regressing a mitigated incident.
    expect([...regressedBy].sort()).toEqual(['alert', 'slo']);
    // The generator is only useful if it walks the whole table, regressions included.
    expect([...seen].sort()).toEqual(
      Object.entries(INCIDENT_TRANSITIONS)
        .flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`))
        .sort(),
    );
  });
});

describe('escalation of signals taken in late', () => {
  it('never pages a step before its delay from the escalation start, however late the signal', () => {
    fc.assert(
      fc.property(
        // Lag of the signal at intake (up to five days), the horizon, and tick times after it.
        fc.integer({ min: 0, max: 5 * 24 * 60 }),
        fc.integer({ min: 0, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 20 }),
        (lagMinutes, horizonMinutes, ticks) => {
          const incident = Incident.fromAlert({
            incidentId: 'inc-1',
            tenantId: 'acme',
            alert: { tenantId: 'acme', traceId: null, payload: { ...payload, firedAt: iso(0) } },
            escalationSteps: STEPS,
            intake: { receivedAt: iso(lagMinutes), replayHorizonMs: horizonMinutes * 60_000 },
          });
          const start = Date.parse(incident.toSnapshot().escalationStartsAt);
          // A replay counts from the intake; a live signal keeps event time.
          expect(start).toBe(Date.parse(iso(lagMinutes > horizonMinutes ? lagMinutes : 0)));
          for (const tick of [...ticks].sort((a, b) => a - b)) {
            incident.escalateDue(iso(lagMinutes + tick));
          }
          for (const step of incident.toSnapshot().escalationSteps) {
            if (step.at === null) continue;
            expect(Date.parse(step.at)).toBeGreaterThanOrEqual(start + step.delayMinutes * 60_000);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
