import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  AlertRule,
  type AlertRuleContext,
  type AlertRuleSnapshot,
  type CreateAlertRuleInput,
} from './alert-rule.aggregate.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const input: CreateAlertRuleInput = {
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
    forMinutes: 5,
  },
  severity: 'high',
  actions: [{ type: 'incident', target: 'payments-oncall' }],
};

const context: AlertRuleContext = {
  knownMetrics: new Set(['http.server.duration', 'http.server.requests']),
  nameTaken: false,
};

describe('AlertRule.create', () => {
  it('creates an enabled rule at version 1 and publishes nothing', () => {
    const rule = AlertRule.create(input, context);
    expect(rule.toSnapshot()).toEqual({
      alertRuleId: 'rule-1',
      tenantId: 'acme',
      name: 'Payments p95 latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      // The window defaults to 1m: rules written before they named one evaluated 1m windows.
      condition: { ...input.condition, window: '1m' },
      severity: 'high',
      actions: [{ type: 'incident', target: 'payments-oncall' }],
      enabled: true,
      version: 1,
    });
    expect(rule.id).toBe('rule-1');
    expect(rule.tenantId).toBe('acme');
    expect(rule.enabled).toBe(true);
    expect(rule.pullEvents()).toEqual([]);
  });

  it('refuses a condition over a metric the tenant does not have', () => {
    const unknown = { ...input, condition: { ...input.condition, metric: 'queue.depth' } };
    expect(codeOf(() => AlertRule.create(unknown, context))).toBe('alert_rule.unresolvable_metric');
  });

  it('refuses a name already used in the tenant and scope', () => {
    expect(codeOf(() => AlertRule.create(input, { ...context, nameTaken: true }))).toBe(
      'alert_rule.name_not_unique',
    );
  });

  it('refuses forMinutes < 0 and accepts 0', () => {
    const at = (forMinutes: number) => ({
      ...input,
      condition: { ...input.condition, forMinutes },
    });
    expect(codeOf(() => AlertRule.create(at(-5), context))).toBe('alert_rule.invalid_for_minutes');
    expect(AlertRule.create(at(0), context).toSnapshot().condition.forMinutes).toBe(0);
  });

  it.each([
    [{ alertRuleId: '' }, 'alert_rule.invalid_id'],
    [{ tenantId: 'not a tenant' }, 'tenant.invalid_id'],
    [{ name: ' ' }, 'alert_rule.name_required'],
    [{ severity: 'urgent' }, 'severity.invalid'],
    [{ scope: { projectId: '' } }, 'alert_rule.project_required'],
  ] as const)('refuses %j with %s', (overrides, code) => {
    expect(codeOf(() => AlertRule.create({ ...input, ...overrides }, context))).toBe(code);
  });

  it('trims the name, defaults actions to none and may start disabled', () => {
    const { actions: _none, ...rest } = input;
    const rule = AlertRule.create({ ...rest, name: '  Latency ', enabled: false }, context);
    expect(rule.toSnapshot()).toMatchObject({ name: 'Latency', actions: [], enabled: false });
  });
});

describe('AlertRule.rehydrate', () => {
  const snapshot: AlertRuleSnapshot = AlertRule.create(input, context).toSnapshot();

  it('round-trips a snapshot', () => {
    expect(AlertRule.rehydrate(snapshot).toSnapshot()).toEqual(snapshot);
  });

  it('loads a rule whose metric has since disappeared (no resolvability check on load)', () => {
    const gone = { ...snapshot, condition: { ...snapshot.condition, metric: 'gone.metric' } };
    expect(AlertRule.rehydrate(gone).toSnapshot().condition.metric).toBe('gone.metric');
  });

  it.each([
    [{ version: 0 }, 'alert_rule.invalid_version'],
    [{ version: 1.5 }, 'alert_rule.invalid_version'],
    [{ enabled: 'yes' as unknown as boolean }, 'alert_rule.invalid_enabled'],
    [{ condition: { ...snapshot.condition, forMinutes: -1 } }, 'alert_rule.invalid_for_minutes'],
  ])('refuses a stored %j', (overrides, code) => {
    expect(codeOf(() => AlertRule.rehydrate({ ...snapshot, ...overrides }))).toBe(code);
  });
});

describe('AlertRule changes', () => {
  it('update replaces the given parts and increments the version', () => {
    const rule = AlertRule.create(input, context);
    rule.update(
      {
        name: 'Payments latency',
        severity: 'critical',
        condition: { ...input.condition, threshold: 500 },
        actions: [],
        scope: { projectId: 'checkout' },
      },
      context,
    );
    expect(rule.toSnapshot()).toMatchObject({
      name: 'Payments latency',
      severity: 'critical',
      condition: { threshold: 500 },
      actions: [],
      scope: { projectId: 'checkout', moduleId: null },
      version: 2,
    });
  });

  it('an update that changes nothing keeps the version', () => {
    const rule = AlertRule.create(input, context);
    rule.update({ name: input.name, severity: 'high' }, context);
    expect(rule.version).toBe(1);
  });

  it('checks uniqueness only when the name or scope changes', () => {
    const rule = AlertRule.create(input, context);
    const taken = { ...context, nameTaken: true };
    rule.update({ severity: 'critical' }, taken);
    expect(rule.version).toBe(2);
    expect(codeOf(() => rule.update({ name: 'Other' }, taken))).toBe('alert_rule.name_not_unique');
    expect(codeOf(() => rule.update({ scope: { projectId: 'billing' } }, taken))).toBe(
      'alert_rule.name_not_unique',
    );
    rule.update({ name: 'Other' }, context);
    expect(rule.toSnapshot().name).toBe('Other');
  });

  it('refuses a new condition over an unresolvable metric and leaves the rule unchanged', () => {
    const rule = AlertRule.create(input, context);
    const before = rule.toSnapshot();
    expect(
      codeOf(() => rule.update({ condition: { ...input.condition, metric: 'nope' } }, context)),
    ).toBe('alert_rule.unresolvable_metric');
    expect(
      codeOf(() => rule.update({ condition: { ...input.condition, forMinutes: -1 } }, context)),
    ).toBe('alert_rule.invalid_for_minutes');
    expect(rule.toSnapshot()).toEqual(before);
  });

  it('enable and disable change the version only when they change something', () => {
    const rule = AlertRule.create(input, context);
    rule.enable();
    expect(rule.version).toBe(1);
    rule.disable();
    expect(rule.toSnapshot()).toMatchObject({ enabled: false, version: 2 });
    rule.disable();
    expect(rule.version).toBe(2);
    rule.enable();
    expect(rule.toSnapshot()).toMatchObject({ enabled: true, version: 3 });
  });

  it('hands out copies: mutating a snapshot does not reach the rule', () => {
    const rule = AlertRule.create(input, context);
    const snap = rule.toSnapshot() as unknown as { condition: { groupBy: string[] } };
    snap.condition.groupBy.push('region');
    expect(rule.toSnapshot().condition.groupBy).toEqual(['service']);
  });
});
