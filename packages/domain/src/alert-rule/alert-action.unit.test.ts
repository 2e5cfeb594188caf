import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  alertAction,
  alertActions,
  isReceiverTarget,
  publishedActions,
  receiverIdsOf,
} from './alert-action.js';
import { AlertRule } from './alert-rule.aggregate.js';

const RECEIVER = '6F1C2A8E-3D4B-4C5A-9E7F-0A1B2C3D4E5F';

describe('webhook actions naming receivers', () => {
  it('accepts a receiver id (stored lower-case) and, for compatibility, an http(s) URL', () => {
    const byId = alertAction({ type: 'webhook', target: RECEIVER });
    expect(byId.target).toBe(RECEIVER.toLowerCase());
    expect(isReceiverTarget(byId)).toBe(true);
    const byUrl = alertAction({ type: 'webhook', target: 'https://hooks.example.com/x' });
    expect(isReceiverTarget(byUrl)).toBe(false);
    expect(() => alertAction({ type: 'webhook', target: 'not-a-receiver' })).toThrow(DomainError);
  });

  it('lists each named receiver once and refuses the same receiver twice in any case', () => {
    const actions = alertActions([
      { type: 'webhook', target: RECEIVER },
      { type: 'webhook', target: 'https://hooks.example.com/x' },
      { type: 'incident', target: RECEIVER },
    ]);
    expect(receiverIdsOf(actions)).toEqual([RECEIVER.toLowerCase()]);
    expect(() =>
      alertActions([
        { type: 'webhook', target: RECEIVER },
        { type: 'webhook', target: RECEIVER.toLowerCase() },
      ]),
    ).toThrow(expect.objectContaining({ code: 'alert_rule.duplicate_action' }));
  });

  it('refuses a rule naming a receiver the tenant does not have, when the context knows them', () => {
    const input = {
      alertRuleId: '3f1c2b7a-9d4e-4c1f-8a2b-5e6d7f8a9b0c',
      tenantId: 't1',
      name: 'r',
      scope: { projectId: 'p' },
      condition: {
        metric: 'm',
        aggregation: 'p95',
        operator: 'gt',
        threshold: 1,
        forMinutes: 0,
      },
      severity: 'critical',
      actions: [{ type: 'webhook', target: RECEIVER }],
    };
    const context = { knownMetrics: new Set(['m']), nameTaken: false };
    expect(() => AlertRule.create(input, { ...context, knownReceivers: new Set() })).toThrow(
      expect.objectContaining({ code: 'alert_rule.unknown_receiver' }),
    );
    expect(
      AlertRule.create(input, {
        ...context,
        knownReceivers: new Set([RECEIVER.toLowerCase()]),
      }).toSnapshot().actions,
    ).toEqual([{ type: 'webhook', target: RECEIVER.toLowerCase() }]);
  });
});

describe('publishedActions', () => {
  it('keeps receiver ids, incident targets and addresses, and reduces a legacy webhook URL to its origin', () => {
    const receiver = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
    expect(
      publishedActions(
        alertActions([
          { type: 'incident', target: 'payments-oncall' },
          { type: 'webhook', target: receiver },
          { type: 'webhook', target: 'https://hooks.example.com/services/T0/B0/secret-token?x=1' },
          { type: 'email', target: 'ops@example.com' },
        ]),
      ),
    ).toEqual([
      { type: 'incident', target: 'payments-oncall' },
      { type: 'webhook', target: receiver },
      { type: 'webhook', target: 'https://hooks.example.com' },
      { type: 'email', target: 'ops@example.com' },
    ]);
  });
});
