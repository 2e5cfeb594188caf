import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  alertRuleOf,
  escalationMessage,
  NIL_UUID,
  notificationIdOf,
} from './escalation-notifications.js';

const RULE = '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c';

describe('escalation notifications', () => {
  it('derives one stable uuid per (event, receiver)', () => {
    const a = notificationIdOf('event-1', 'receiver-1');
    expect(a).toBe(notificationIdOf('event-1', 'receiver-1'));
    expect(a).not.toBe(notificationIdOf('event-1', 'receiver-2'));
    expect(a).not.toBe(notificationIdOf('event-2', 'receiver-1'));
    for (let i = 0; i < 200; i += 1) {
      const id = notificationIdOf(`e${i}`, `r${i}`);
      expect(z.uuid().safeParse(id).success, id).toBe(true);
      expect(id[14]).toBe('8');
    }
  });

  it('takes the rule from an alert fingerprint, the nil uuid otherwise', () => {
    expect(alertRuleOf(`${RULE.toUpperCase()}:service=api`)).toBe(RULE);
    expect(alertRuleOf(`${RULE}:`)).toBe(RULE);
    expect(alertRuleOf('slo-7')).toBe(NIL_UUID);
    expect(alertRuleOf(null)).toBe(NIL_UUID);
    expect(alertRuleOf(undefined)).toBe(NIL_UUID);
  });

  it('writes an Alertmanager v4 message even for an event with the bare fields', () => {
    const message = escalationMessage('ops', {
      incidentId: 'inc-1',
      level: 1,
      target: 'on-call-primary',
      escalatedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(message).toMatchObject({
      receiver: 'ops',
      version: '4',
      status: 'firing',
      groupKey: '{}:{incidentId="inc-1"}',
      alerts: [
        {
          labels: { alertname: 'incident inc-1', incidentId: 'inc-1', escalationLevel: '1' },
          annotations: {
            summary: 'Incident escalated to level 1 (on-call-primary): incident inc-1',
            escalatedAt: '2030-01-01T00:00:00.000Z',
          },
          startsAt: '2030-01-01T00:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
    });
    expect(message.alerts[0]?.annotations).not.toHaveProperty('onCall');
    expect(message.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
