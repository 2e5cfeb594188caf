import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { alertActions, alertAction } from './alert-action.js';
import {
  alertCondition,
  conditionHolds,
  conditionKey,
  ensureResolvableMetric,
  legacyConditionKey,
  MAX_GROUP_BY,
  type AlertConditionInput,
} from './alert-condition.js';
import { alertScope } from './alert-scope.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const valid: AlertConditionInput = {
  metric: 'http.server.duration',
  aggregation: 'p95',
  groupBy: ['service'],
  operator: 'gt',
  threshold: 300,
  forMinutes: 5,
};

describe('AlertCondition', () => {
  it('accepts a valid condition and trims the metric', () => {
    expect(alertCondition({ ...valid, metric: ' http.server.duration ' })).toEqual({
      ...valid,
      metric: 'http.server.duration',
      window: '1m',
    });
  });

  it('names the window size it evaluates, 1m unless told', () => {
    expect(alertCondition(valid).window).toBe('1m');
    for (const window of ['1m', '5m', '1h', '1d']) {
      expect(alertCondition({ ...valid, window }).window).toBe(window);
    }
  });

  it('defaults groupBy to no grouping', () => {
    const { groupBy: _ignored, ...rest } = valid;
    expect(alertCondition(rest).groupBy).toEqual([]);
  });

  it.each([
    [{ forMinutes: -1 }, 'alert_rule.invalid_for_minutes'],
    [{ forMinutes: 1.5 }, 'alert_rule.invalid_for_minutes'],
    [{ forMinutes: Number.NaN }, 'alert_rule.invalid_for_minutes'],
    [{ metric: '  ' }, 'alert_rule.metric_required'],
    [{ metric: 'm'.repeat(257) }, 'alert_rule.metric_required'],
    [{ aggregation: 'median' }, 'alert_rule.invalid_aggregation'],
    [{ operator: 'ge' }, 'alert_rule.invalid_operator'],
    [{ threshold: Number.POSITIVE_INFINITY }, 'alert_rule.invalid_threshold'],
    [{ groupBy: ['service', 'service'] }, 'alert_rule.invalid_group_by'],
    [{ groupBy: [''] }, 'alert_rule.invalid_group_by'],
    [{ window: '2m' }, 'alert_rule.invalid_window'],
    [{ window: '' }, 'alert_rule.invalid_window'],
    [
      { groupBy: Array.from({ length: MAX_GROUP_BY + 1 }, (_, i) => `d${i}`) },
      'alert_rule.invalid_group_by',
    ],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => alertCondition({ ...valid, ...overrides }))).toBe(code);
  });

  it('accepts forMinutes 0 (fire on the first breaching window)', () => {
    expect(alertCondition({ ...valid, forMinutes: 0 }).forMinutes).toBe(0);
  });

  it('resolves the metric only against the names the application knows', () => {
    const condition = alertCondition(valid);
    expect(codeOf(() => ensureResolvableMetric(condition, new Set(['http.server.requests'])))).toBe(
      'alert_rule.unresolvable_metric',
    );
    expect(() =>
      ensureResolvableMetric(condition, new Set(['http.server.duration'])),
    ).not.toThrow();
  });

  it.each([
    ['gt', 10, 11, true],
    ['gt', 10, 10, false],
    ['gte', 10, 10, true],
    ['gte', 10, 9, false],
    ['lt', 10, 9, true],
    ['lt', 10, 10, false],
    ['lte', 10, 10, true],
    ['lte', 10, 11, false],
    ['eq', 0, 0, true],
    ['eq', 0, 1, false],
    ['neq', 0, 1, true],
    ['neq', 0, 0, false],
  ] as const)('%s %s holds for %s: %s', (operator, threshold, observed, holds) => {
    const condition = alertCondition({ ...valid, operator, threshold });
    expect(conditionHolds(condition, observed)).toBe(holds);
  });

  it('fails loudly on an operator outside the union (data that bypassed the parser)', () => {
    const condition = { ...alertCondition(valid), operator: 'between' as 'gt' };
    expect(() => conditionHolds(condition, 1)).toThrow('unknown operator between');
  });

  it('keys a condition by everything that decides firing', () => {
    const a = alertCondition(valid);
    expect(conditionKey(a)).toBe(conditionKey(alertCondition({ ...valid })));
    expect(conditionKey(a)).not.toBe(conditionKey(alertCondition({ ...valid, threshold: 301 })));
    expect(conditionKey(a)).not.toBe(conditionKey(alertCondition({ ...valid, forMinutes: 4 })));
    expect(conditionKey(a)).not.toBe(conditionKey(alertCondition({ ...valid, window: '5m' })));
  });

  it('knows the key a 1m condition had before conditions named their window', () => {
    const a = alertCondition(valid);
    expect(legacyConditionKey(a)).toBe('["http.server.duration","p95",["service"],"gt",300,5]');
    expect(legacyConditionKey(a)).not.toBe(conditionKey(a));
    expect(legacyConditionKey(alertCondition({ ...valid, window: '5m' }))).toBeUndefined();
  });
});

describe('AlertAction', () => {
  it.each([
    [{ type: 'incident', target: 'payments-oncall' }],
    [{ type: 'webhook', target: 'https://hooks.example.com/alerts?x=1' }],
    [{ type: 'email', target: 'ops@example.com' }],
  ])('accepts %j', (input) => {
    expect(alertAction(input)).toEqual(input);
  });

  it.each([
    [{ type: 'sms', target: '+123' }],
    [{ type: 'incident', target: ' ' }],
    [{ type: 'webhook', target: 'ftp://example.com' }],
    [{ type: 'webhook', target: 'https://' }],
    [{ type: 'email', target: 'not-an-address' }],
  ])('refuses %j with alert_rule.invalid_action', (input) => {
    expect(codeOf(() => alertAction(input))).toBe('alert_rule.invalid_action');
  });

  it('refuses the same action twice and more than the maximum', () => {
    const a = { type: 'email', target: 'ops@example.com' };
    expect(codeOf(() => alertActions([a, a]))).toBe('alert_rule.duplicate_action');
    const many = Array.from({ length: 21 }, (_, i) => ({
      type: 'email',
      target: `ops${i}@example.com`,
    }));
    expect(codeOf(() => alertActions(many))).toBe('alert_rule.too_many_actions');
    expect(alertActions(many.slice(0, 20))).toHaveLength(20);
  });
});

describe('AlertScope', () => {
  it('requires a project and allows a module or none', () => {
    expect(alertScope({ projectId: 'checkout' })).toEqual({
      projectId: 'checkout',
      moduleId: null,
    });
    expect(alertScope({ projectId: 'checkout', moduleId: 'payments' }).moduleId).toBe('payments');
    expect(codeOf(() => alertScope({ projectId: '' }))).toBe('alert_rule.project_required');
    expect(codeOf(() => alertScope({ projectId: 'p', moduleId: ' ' }))).toBe(
      'alert_rule.invalid_module',
    );
  });
});
