import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  alertAction,
  alertActions,
  isReceiverTarget,
  notificationGrouping,
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

describe('grouping settings of a receiver action', () => {
  const codeOf = (run: () => unknown): string | undefined => {
    try {
      run();
      return undefined;
    } catch (err) {
      return err instanceof DomainError ? err.code : 'not a DomainError';
    }
  };

  it("takes Alertmanager's defaults when absent and keeps the given ones", () => {
    expect(notificationGrouping(alertAction({ type: 'webhook', target: RECEIVER }))).toEqual({
      groupBy: [],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
      repeatIntervalSeconds: 14_400,
    });
    const action = alertAction({
      type: 'webhook',
      target: RECEIVER,
      groupBy: [' service ', 'service', 'region'],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 60,
      repeatIntervalSeconds: 3600,
    });
    expect(action).toEqual({
      type: 'webhook',
      target: RECEIVER.toLowerCase(),
      groupBy: ['service', 'region'],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 60,
      repeatIntervalSeconds: 3600,
    });
    // The event carries type and target only.
    expect(publishedActions([action])).toEqual([
      { type: 'webhook', target: RECEIVER.toLowerCase() },
    ]);
  });

  it('refuses grouping on other actions, bad intervals, and ... with other labels', () => {
    const bad = (extra: Record<string, unknown>, type = 'webhook', target = RECEIVER) =>
      codeOf(() => alertAction({ type, target, ...extra }));
    expect(bad({ groupWaitSeconds: 10 }, 'incident', 'oncall')).toBe('alert_rule.invalid_grouping');
    expect(bad({ groupBy: ['service'] }, 'webhook', 'https://hooks.example.com/x')).toBe(
      'alert_rule.invalid_grouping',
    );
    expect(bad({ groupWaitSeconds: -1 })).toBe('alert_rule.invalid_grouping');
    expect(bad({ groupIntervalSeconds: 0 })).toBe('alert_rule.invalid_grouping');
    expect(bad({ repeatIntervalSeconds: 1.5 })).toBe('alert_rule.invalid_grouping');
    expect(bad({ groupBy: ['...', 'service'] })).toBe('alert_rule.invalid_grouping');
    expect(bad({ groupBy: [''] })).toBe('alert_rule.invalid_grouping');
    expect(bad({ groupBy: ['...'] })).toBeUndefined();
  });
});
