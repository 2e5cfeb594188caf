import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { dueSteps, escalationPolicy, MAX_ESCALATION_STEPS } from './escalation-step.js';
import { incidentEvent, NOTE_MAX_LENGTH, optionalNote } from './incident-event.entity.js';
import {
  canTransition,
  INCIDENT_TRANSITIONS,
  isAcknowledged,
  isResolved,
} from './incident-lifecycle.js';
import { INCIDENT_STATUSES, incidentSource, incidentStatus } from './incident-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('incident lifecycle table', () => {
  const allowed = new Set([
    'open>acknowledged',
    'open>resolved',
    'acknowledged>investigating',
    'acknowledged>resolved',
    'investigating>mitigated',
    'investigating>resolved',
    'mitigated>investigating',
    'mitigated>resolved',
  ]);

  for (const from of INCIDENT_STATUSES) {
    for (const to of INCIDENT_STATUSES) {
      const expected = allowed.has(`${from}>${to}`);
      it(`${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(expected);
      });
    }
  }

  it('resolved is terminal', () => {
    expect(INCIDENT_TRANSITIONS.resolved).toEqual([]);
    expect(isResolved('resolved')).toBe(true);
    expect(isResolved('mitigated')).toBe(false);
  });

  it('knows which statuses imply an acknowledgement', () => {
    expect(INCIDENT_STATUSES.filter(isAcknowledged)).toEqual([
      'acknowledged',
      'investigating',
      'mitigated',
    ]);
  });

  it('parses statuses and sources', () => {
    expect(incidentStatus('mitigated')).toBe('mitigated');
    expect(codeOf(() => incidentStatus('closed'))).toBe('incident.invalid_status');
    expect(incidentSource('slo')).toBe('slo');
    expect(codeOf(() => incidentSource('pager'))).toBe('incident.invalid_source');
  });
});

describe('IncidentEvent', () => {
  it('normalises time, actor and note', () => {
    expect(
      incidentEvent({
        timestamp: '2024-05-01T10:00:00Z',
        type: 'opened',
        actor: ' u1 ',
        note: ' ',
      }),
    ).toEqual({ timestamp: '2024-05-01T10:00:00.000Z', type: 'opened', actor: 'u1', note: null });
  });

  it.each([
    [{ type: 'closed' }, 'incident.invalid_event'],
    [{ actor: '' }, 'incident.actor_required'],
    [{ timestamp: 'noon' }, 'time.invalid_instant'],
    [{ note: 'x'.repeat(NOTE_MAX_LENGTH + 1) }, 'incident.invalid_note'],
  ])('refuses %j with %s', (overrides, code) => {
    const valid = { timestamp: '2024-05-01T10:00:00Z', type: 'opened', actor: 'u1' };
    expect(codeOf(() => incidentEvent({ ...valid, ...overrides }))).toBe(code);
  });

  it('keeps a note of the maximum length', () => {
    expect(optionalNote('x'.repeat(NOTE_MAX_LENGTH))).toHaveLength(NOTE_MAX_LENGTH);
  });
});

describe('escalation policy', () => {
  const steps = [
    { level: 1, target: 'primary', delayMinutes: 0 },
    { level: 2, target: 'secondary', delayMinutes: 15 },
    { level: 3, target: 'manager', delayMinutes: 15 },
  ];

  it('accepts levels 1..n with non-decreasing delays', () => {
    expect(escalationPolicy(steps).map((s) => s.at)).toEqual([null, null, null]);
  });

  it.each([
    [[{ level: 2, target: 't', delayMinutes: 0 }]],
    [[{ level: 1, target: 't', delayMinutes: -1 }]],
    [[{ level: 1, target: 't', delayMinutes: 2.5 }]],
    [[{ level: 1, target: ' ', delayMinutes: 0 }]],
    [
      [
        { level: 1, target: 'a', delayMinutes: 10 },
        { level: 2, target: 'b', delayMinutes: 5 },
      ],
    ],
    [
      Array.from({ length: MAX_ESCALATION_STEPS + 1 }, (_, i) => ({
        level: i + 1,
        target: 't',
        delayMinutes: i,
      })),
    ],
  ])('refuses %j with incident.invalid_escalation', (input) => {
    expect(codeOf(() => escalationPolicy(input))).toBe('incident.invalid_escalation');
  });

  it('finds the steps whose delay has elapsed and that have not fired', () => {
    const policy = escalationPolicy(steps);
    const opened = Date.parse('2024-05-01T10:00:00Z');
    const minute = 60_000;
    expect(dueSteps(policy, opened, opened).map((s) => s.level)).toEqual([1]);
    expect(dueSteps(policy, opened, opened + 15 * minute - 1).map((s) => s.level)).toEqual([1]);
    expect(dueSteps(policy, opened, opened + 15 * minute).map((s) => s.level)).toEqual([1, 2, 3]);
    const first = policy.map((s) => (s.level === 1 ? { ...s, at: '2024-05-01T10:00:00.000Z' } : s));
    expect(dueSteps(first, opened, opened + 15 * minute).map((s) => s.level)).toEqual([2, 3]);
  });
});
