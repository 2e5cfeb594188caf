import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  AlertEvaluation,
  alertFingerprint,
  type AlertGroupSnapshot,
  type AlertObservation,
} from './alert-evaluation.js';
import { AlertRule, type CreateAlertRuleInput } from './alert-rule.aggregate.js';
import { alertGroupState, stepAlertState, type AlertGroupState } from './alert-state-machine.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const context = { knownMetrics: new Set(['http.server.duration']), nameTaken: false };
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const MINUTE = 60_000;
/**
 * The lateness grace most of these tests were written for (the default before it became one
 * window, for timeliness): they test the ordering and lateness mechanism within a two-minute grace.
 */
const TWO_MINUTE_GRACE = { latenessGraceMs: 2 * MINUTE } as const;

function ruleWith(forMinutes: number, overrides: Partial<CreateAlertRuleInput> = {}): AlertRule {
  return AlertRule.create(
    {
      alertRuleId: 'rule-1',
      tenantId: 'acme',
      name: 'Payments p95 latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      condition: {
        metric: 'http.server.duration',
        aggregation: 'p95',
        groupBy: ['service'],
        operator: 'gt',
        threshold: 300,
        forMinutes,
      },
      severity: 'high',
      ...overrides,
    },
    context,
  );
}

/** The 1-minute window ending `minute` minutes after T0, for the payments-api group. */
function at(minute: number, value: number, groupKey = 'service=payments-api'): AlertObservation {
  return {
    window: '1m',
    windowStart: new Date(T0 + (minute - 1) * MINUTE).toISOString(),
    windowEnd: new Date(T0 + minute * MINUTE).toISOString(),
    value,
    groupKey,
    group: { service: groupKey.split('=')[1] ?? '' },
  };
}

const HIGH = 310;
const LOW = 100;

describe('AlertEvaluation timing', () => {
  it('goes pending at the first breaching window end and fires once forMinutes have passed', () => {
    const evaluation = AlertEvaluation.create(ruleWith(5));
    const statuses = [1, 2, 3, 4, 5, 6, 7].map((m) => evaluation.observe(at(m, HIGH)).status);
    // activeAt = 10:01; 10:06 − 10:01 = 5 min ≥ forMinutes → fires on the sixth window.
    expect(statuses).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'firing',
      'firing',
    ]);
    const events = evaluation.pullEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      eventType: 'AlertTriggered',
      aggregateType: 'AlertRule',
      aggregateId: 'rule-1',
      tenantId: 'acme',
      traceId: null,
      occurredAt: '2024-05-01T10:06:00.000Z',
      payload: {
        alertRuleId: 'rule-1',
        ruleName: 'Payments p95 latency',
        fingerprint: 'rule-1:service=payments-api',
        groupKey: 'service=payments-api',
        group: { service: 'payments-api' },
        severity: 'high',
        metric: 'http.server.duration',
        aggregation: 'p95',
        operator: 'gt',
        threshold: 300,
        observedValue: HIGH,
        forMinutes: 5,
        activeAt: '2024-05-01T10:01:00.000Z',
        firedAt: '2024-05-01T10:06:00.000Z',
        projectId: 'checkout',
        moduleId: 'payments',
        // The rule's actions (none here): incident-service opens an incident only for `incident`.
        actions: [],
      },
    });
  });

  it('fires on the first breaching window when forMinutes is 0, once the window before is final', () => {
    const evaluation = AlertEvaluation.create(ruleWith(0), TWO_MINUTE_GRACE);
    expect(evaluation.observe(at(1, LOW)).status).toBe('inactive');
    // 10:01 could still be joined by a breaching series (grace 2 min): 10:02 may not start it.
    expect(evaluation.observe(at(2, HIGH))).toMatchObject({
      status: 'pending',
      activeAt: '2024-05-01T10:02:00.000Z',
      firedAt: null,
    });
    expect(evaluation.pullEvents()).toEqual([]);
    const state = evaluation.observe(at(3, LOW));
    expect(state.status).toBe('inactive');
    const events = evaluation.pullEvents();
    expect(events.map((e) => [e.payload.activeAt, e.payload.firedAt, e.occurredAt])).toEqual([
      ['2024-05-01T10:02:00.000Z', '2024-05-01T10:02:00.000Z', '2024-05-01T10:02:00.000Z'],
    ]);
    expect(events[0]?.payload.observedValue).toBe(HIGH);
  });

  it('does not re-emit while firing; a recovery ends the episode and the next one fires again', () => {
    const evaluation = AlertEvaluation.create(ruleWith(1));
    for (const m of [1, 2, 3, 4]) evaluation.observe(at(m, HIGH));
    expect(evaluation.pullEvents().map((e) => e.payload.firedAt)).toEqual([
      '2024-05-01T10:02:00.000Z',
    ]);
    expect(evaluation.observe(at(5, LOW)).status).toBe('inactive');
    expect(evaluation.stateOf('service=payments-api')).toBe('inactive');
    expect(evaluation.observe(at(6, HIGH)).status).toBe('pending');
    expect(evaluation.observe(at(7, HIGH)).status).toBe('firing');
    const pulled = evaluation.pullEvents();
    // The recovery resolved the first episode (AlertResolved) before the second one fired.
    expect(pulled.map((e) => [e.eventType, e.payload.activeAt])).toEqual([
      ['AlertResolved', '2024-05-01T10:01:00.000Z'],
      ['AlertTriggered', '2024-05-01T10:06:00.000Z'],
    ]);
    const second = pulled.filter((e) => e.eventType === 'AlertTriggered');
    expect(second[0]?.payload.fingerprint).toBe('rule-1:service=payments-api');
  });

  it('a pending group that recovers never fires', () => {
    const evaluation = AlertEvaluation.create(ruleWith(3));
    for (const m of [1, 2, 3]) evaluation.observe(at(m, HIGH));
    expect(evaluation.observe(at(4, LOW)).status).toBe('inactive');
    expect(evaluation.observe(at(5, HIGH)).status).toBe('pending');
    expect(evaluation.pullEvents()).toEqual([]);
  });

  it('keeps groups apart: each has its own episode and fingerprint', () => {
    const evaluation = AlertEvaluation.create(ruleWith(0));
    evaluation.observe(at(1, HIGH, 'service=a'));
    evaluation.observe(at(1, HIGH, 'service=b'));
    evaluation.observe(at(2, HIGH, 'service=a'));
    expect(evaluation.pullEvents().map((e) => e.payload.fingerprint)).toEqual([
      'rule-1:service=a',
      'rule-1:service=b',
    ]);
    expect(evaluation.stateOf('service=c')).toBe('inactive');
  });

  it('a gap in the windows ends the episode: pending restarts at the next window', () => {
    const evaluation = AlertEvaluation.create(ruleWith(5));
    evaluation.observe(at(1, HIGH));
    // No data for 10:01-10:59; a single breaching window must not fire on the old activeAt.
    expect(evaluation.observe(at(60, HIGH))).toMatchObject({
      status: 'pending',
      activeAt: '2024-05-01T11:00:00.000Z',
    });
    expect(evaluation.pullEvents()).toEqual([]);
  });

  it('without windowStart, the window size still tells a gap from the next window', () => {
    const evaluation = AlertEvaluation.create(ruleWith(5));
    const { windowStart: _a, ...first } = at(1, HIGH);
    const { windowStart: _b, ...next } = at(2, HIGH);
    const { windowStart: _c, ...later } = at(60, HIGH);
    evaluation.observe(first);
    expect(evaluation.observe(next)).toMatchObject({ activeAt: '2024-05-01T10:01:00.000Z' });
    expect(evaluation.observe(later)).toMatchObject({
      status: 'pending',
      activeAt: '2024-05-01T11:00:00.000Z',
    });
  });

  it('a repeated window changes nothing (redelivery)', () => {
    const evaluation = AlertEvaluation.create(ruleWith(0), TWO_MINUTE_GRACE);
    evaluation.observe(at(1, HIGH));
    const fired = evaluation.observe(at(2, HIGH));
    expect(fired.status).toBe('firing');
    const snapshot = evaluation.toSnapshot();
    expect(evaluation.observe(at(2, HIGH))).toEqual(fired);
    expect(evaluation.observe(at(1, HIGH))).toEqual(fired);
    expect(evaluation.toSnapshot()).toEqual(snapshot);
    expect(evaluation.pullEvents()).toHaveLength(1);
  });

  it('property: contiguous windows fire once per run of at least forMinutes + 1 breaching windows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (forMinutes, breaches) => {
          const evaluation = AlertEvaluation.create(ruleWith(forMinutes));
          breaches.forEach((breach, i) => evaluation.observe(at(i + 1, breach ? HIGH : LOW)));
          // A much later quiet window makes every earlier one final, so every episode is decided.
          evaluation.observe(at(breaches.length + 10, LOW));
          let expected = 0;
          let run = 0;
          for (const breach of breaches) {
            run = breach ? run + 1 : 0;
            if (run === forMinutes + 1) expected += 1;
          }
          const pulled = evaluation.pullEvents();
          const events = pulled.filter((e) => e.eventType === 'AlertTriggered');
          expect(events).toHaveLength(expected);
          // Every episode but possibly the last is resolved by the quiet windows after it.
          const resolved = pulled.filter((e) => e.eventType === 'AlertResolved').length;
          expect(resolved === expected || resolved === expected - 1).toBe(true);
          for (const e of events) {
            const waited = Date.parse(e.payload.firedAt) - Date.parse(e.payload.activeAt);
            expect(waited).toBe(forMinutes * MINUTE);
          }
        },
      ),
    );
  });
});

describe('AlertEvaluation and the rule', () => {
  it('a disabled rule never triggers and keeps no state', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })), (values) => {
        const rule = ruleWith(0);
        rule.disable();
        const evaluation = AlertEvaluation.create(rule);
        values.forEach((v, i) => expect(evaluation.observe(at(i + 1, v)).status).toBe('inactive'));
        expect(evaluation.pullEvents()).toEqual([]);
        expect(evaluation.toSnapshot().groups).toEqual([]);
      }),
    );
  });

  it('an enabled rule with the same input does trigger', () => {
    const evaluation = AlertEvaluation.create(ruleWith(0));
    evaluation.observe(at(1, HIGH));
    evaluation.observe(at(2, HIGH));
    expect(evaluation.pullEvents()).toHaveLength(1);
  });

  it('disabling mid-episode drops it; after re-enabling a new episode starts from pending', () => {
    const rule = ruleWith(1);
    const evaluation = AlertEvaluation.create(rule);
    evaluation.observe(at(1, HIGH));
    rule.disable();
    expect(evaluation.observe(at(2, HIGH)).status).toBe('inactive');
    rule.enable();
    expect(evaluation.observe(at(3, HIGH)).status).toBe('pending');
    expect(evaluation.observe(at(4, HIGH)).status).toBe('firing');
    expect(evaluation.pullEvents()).toHaveLength(1);
  });

  it('a changed condition restarts every group', () => {
    const rule = ruleWith(2);
    const evaluation = AlertEvaluation.create(rule);
    evaluation.observe(at(1, HIGH));
    evaluation.observe(at(2, HIGH));
    rule.update(
      {
        condition: {
          metric: 'http.server.duration',
          aggregation: 'p95',
          operator: 'gt',
          threshold: 200,
          forMinutes: 2,
        },
      },
      context,
    );
    expect(evaluation.observe(at(3, HIGH))).toMatchObject({
      status: 'pending',
      activeAt: '2024-05-01T10:03:00.000Z',
    });
  });

  it('a rename does not restart episodes', () => {
    const rule = ruleWith(1);
    const evaluation = AlertEvaluation.create(rule);
    evaluation.observe(at(1, HIGH));
    rule.update({ name: 'Renamed' }, context);
    expect(evaluation.observe(at(2, HIGH)).status).toBe('firing');
    expect(evaluation.pullEvents()[0]?.payload.ruleName).toBe('Renamed');
  });

  it('refuses invalid observations', () => {
    const evaluation = AlertEvaluation.create(ruleWith(0));
    expect(codeOf(() => evaluation.observe({ ...at(1, HIGH), value: Number.NaN }))).toBe(
      'alert_rule.invalid_observation',
    );
    expect(
      codeOf(() => evaluation.observe({ ...at(1, HIGH), windowStart: '2024-05-01T10:01:00.000Z' })),
    ).toBe('alert_rule.invalid_observation');
    expect(codeOf(() => evaluation.observe({ ...at(1, HIGH), windowEnd: 'yesterday' }))).toBe(
      'time.invalid_instant',
    );
    expect(codeOf(() => evaluation.observe({ ...at(1, HIGH), window: '2m' }))).toBe(
      'alert_rule.invalid_observation',
    );
    // A 5-minute window cannot start one minute before its end.
    expect(codeOf(() => evaluation.observe({ ...at(1, HIGH), window: '5m' }))).toBe(
      'alert_rule.invalid_observation',
    );
    expect(evaluation.toSnapshot().groups).toEqual([]);
  });

  it('builds fingerprints as rule id, colon, group key', () => {
    expect(alertFingerprint('rule-1', 'service=api')).toBe('rule-1:service=api');
    expect(alertFingerprint('rule-1', '')).toBe('rule-1:');
  });
});

describe('AlertEvaluation persistence', () => {
  it('survives a restart mid-pending and fires at the same window as without one', () => {
    const rule = ruleWith(3);
    const first = AlertEvaluation.create(rule);
    first.observe(at(1, HIGH));
    first.observe(at(2, HIGH, 'service=b'));
    first.observe(at(2, HIGH));
    const stored = JSON.parse(JSON.stringify(first.toSnapshot())) as ReturnType<
      AlertEvaluation['toSnapshot']
    >;
    expect(stored.groups.map((g) => g.groupKey)).toEqual(['service=b', 'service=payments-api']);

    const restarted = AlertEvaluation.rehydrate(AlertRule.rehydrate(rule.toSnapshot()), stored);
    expect(restarted.toSnapshot()).toEqual(stored);
    expect(restarted.observe(at(3, HIGH)).status).toBe('pending');
    expect(restarted.observe(at(4, HIGH)).status).toBe('firing');
    expect(restarted.pullEvents().map((e) => e.payload.activeAt)).toEqual([
      '2024-05-01T10:01:00.000Z',
    ]);
  });

  it('a firing group stays firing across a restart without re-emitting', () => {
    const rule = ruleWith(0);
    const first = AlertEvaluation.create(rule);
    first.observe(at(1, HIGH));
    first.observe(at(2, HIGH));
    expect(first.pullEvents()).toHaveLength(1);
    const restarted = AlertEvaluation.rehydrate(rule, first.toSnapshot());
    expect(restarted.observe(at(3, HIGH)).status).toBe('firing');
    expect(restarted.observe(at(4, HIGH)).status).toBe('firing');
    expect(restarted.pullEvents()).toEqual([]);
  });

  it('an episode decided but not yet announced is announced once, after a restart', () => {
    const rule = ruleWith(0);
    const first = AlertEvaluation.create(rule, TWO_MINUTE_GRACE);
    expect(first.observe(at(1, HIGH)).status).toBe('pending');
    const stored = JSON.parse(JSON.stringify(first.toSnapshot())) as ReturnType<
      AlertEvaluation['toSnapshot']
    >;
    const restarted = AlertEvaluation.rehydrate(rule, stored, TWO_MINUTE_GRACE);
    restarted.observe(at(2, HIGH));
    restarted.observe(at(3, HIGH));
    expect(restarted.pullEvents().map((e) => e.payload.firedAt)).toEqual([
      '2024-05-01T10:01:00.000Z',
    ]);
  });

  it('restarts every group when the stored state was built under another condition', () => {
    const rule = ruleWith(0);
    const first = AlertEvaluation.create(rule);
    first.observe(at(1, HIGH));
    const stale = { ...first.toSnapshot(), conditionKey: '["old"]' };
    expect(AlertEvaluation.rehydrate(rule, stale).toSnapshot().groups).toEqual([]);
  });

  it('refuses state of another rule, duplicate groups and inconsistent groups', () => {
    const rule = ruleWith(0);
    const evaluation = AlertEvaluation.create(rule);
    evaluation.observe(at(1, HIGH));
    const snap = evaluation.toSnapshot();
    expect(codeOf(() => AlertEvaluation.rehydrate(rule, { ...snap, alertRuleId: 'rule-2' }))).toBe(
      'alert_rule.evaluation_mismatch',
    );
    const group = snap.groups[0] as AlertGroupSnapshot;
    expect(codeOf(() => AlertEvaluation.rehydrate(rule, { ...snap, groups: [group, group] }))).toBe(
      'alert_rule.invalid_evaluation_state',
    );
  });
});

describe('stepAlertState', () => {
  it('fails loudly on a status outside the union', () => {
    const bogus = {
      groupKey: 'g',
      group: {},
      status: 'resolved',
      activeAt: null,
      firedAt: null,
      lastWindowEnd: '2024-05-01T10:00:00.000Z',
      lastValue: 1,
    } as unknown as AlertGroupState;
    const step = { holds: true, windowStart: null, windowEnd: T0 + MINUTE, forMinutes: 0 };
    expect(() => stepAlertState(bogus, step)).toThrow('unknown alert state');
  });
});

describe('alertGroupState', () => {
  const base = {
    groupKey: 'service=a',
    group: { service: 'a' },
    lastWindowEnd: '2024-05-01T10:05:00Z',
    lastValue: 1,
  };

  it.each([
    [{ status: 'inactive', activeAt: null, firedAt: null }],
    [{ status: 'pending', activeAt: '2024-05-01T10:01:00Z', firedAt: null }],
    [{ status: 'firing', activeAt: '2024-05-01T10:01:00Z', firedAt: '2024-05-01T10:03:00Z' }],
  ])('accepts %j and normalises its times', (fields) => {
    const state = alertGroupState({ ...base, ...fields } as AlertGroupState);
    expect(state.status).toBe(fields.status);
    expect(state.lastWindowEnd).toBe('2024-05-01T10:05:00.000Z');
  });

  it.each([
    [{ status: 'inactive', activeAt: '2024-05-01T10:01:00Z', firedAt: null }],
    [{ status: 'pending', activeAt: null, firedAt: null }],
    [{ status: 'firing', activeAt: '2024-05-01T10:01:00Z', firedAt: null }],
    [{ status: 'resolved', activeAt: null, firedAt: null }],
    [{ status: 'inactive', activeAt: null, firedAt: null, lastValue: Number.NaN }],
    [{ status: 'inactive', activeAt: null, firedAt: null, group: { service: 1 } }],
  ])('refuses %j', (fields) => {
    expect(
      codeOf(() => alertGroupState({ ...base, ...fields } as unknown as AlertGroupState)),
    ).toBe('alert_rule.invalid_evaluation_state');
  });
});
