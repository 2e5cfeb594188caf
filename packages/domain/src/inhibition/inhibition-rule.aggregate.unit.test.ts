import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { InhibitionRule, inhibitingRules } from './inhibition-rule.aggregate.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};

const AT = '2030-01-01T00:00:00.000Z';
const base = {
  inhibitionRuleId: 'c7e1f0a2-4d5f-4a7b-8c9d-0e1f2a3b4c5d',
  tenantId: 't1',
  sourceMatchers: [{ name: 'severity', operator: '=', value: 'critical' }],
  targetMatchers: [{ name: 'severity', operator: '=~', value: 'high|medium' }],
  equal: ['service'],
  at: AT,
};
const rule = (overrides: Partial<typeof base> = {}) =>
  InhibitionRule.create({ ...base, ...overrides }).toSnapshot();

const alert = (fingerprint: string, labels: Record<string, string>) => ({ fingerprint, labels });

describe('InhibitionRule', () => {
  it('keeps matchers, equal (trimmed, once each) and comment; replace bumps the version only on change', () => {
    const created = InhibitionRule.create({ ...base, equal: [' service ', 'service', 'region'] });
    expect(created.toSnapshot()).toMatchObject({
      equal: ['service', 'region'],
      comment: '',
      version: 1,
    });
    created.replace({ ...base, equal: ['service', 'region'] }, '2030-01-01T01:00:00.000Z');
    expect(created.version).toBe(1);
    created.replace({ ...base, comment: 'outage mutes warnings' }, '2030-01-01T01:00:00.000Z');
    expect(created.toSnapshot()).toMatchObject({
      version: 2,
      equal: ['service'],
      comment: 'outage mutes warnings',
      updatedAt: '2030-01-01T01:00:00.000Z',
    });
  });

  it('refuses matchers that match everything, bad operators, unbounded regexes and bad equal names', () => {
    expect(
      codeOf(() => rule({ sourceMatchers: [{ name: 'severity', operator: '=~', value: '.*' }] })),
    ).toBe('silence.matches_everything');
    expect(codeOf(() => rule({ targetMatchers: [] }))).toBe('silence.invalid_matcher');
    expect(
      codeOf(() => rule({ targetMatchers: [{ name: 'a', operator: '==', value: 'x' }] })),
    ).toBe('silence.invalid_matcher');
    expect(
      codeOf(() => rule({ sourceMatchers: [{ name: 'a', operator: '=~', value: '(a+)+' }] })),
    ).toBe('silence.unbounded_regex');
    expect(codeOf(() => rule({ equal: [' '] }))).toBe('inhibition_rule.invalid_equal');
    expect(codeOf(() => rule({ equal: Array.from({ length: 21 }, (_, i) => `l${i}`) }))).toBe(
      'inhibition_rule.invalid_equal',
    );
  });
});

describe('inhibitingRules', () => {
  const critical = alert('r1:svc=pay', { severity: 'critical', service: 'payments' });
  const warning = alert('r2:svc=pay', { severity: 'high', service: 'payments' });

  it('mutes a target when a firing source agrees on the equal labels', () => {
    expect(inhibitingRules([rule()], warning, [critical])).toEqual([base.inhibitionRuleId]);
  });

  it('does not mute when an equal label differs, or is present on one side only', () => {
    const other = alert('r2:svc=orders', { severity: 'high', service: 'orders' });
    expect(inhibitingRules([rule()], other, [critical])).toEqual([]);
    const unlabelled = alert('r2:', { severity: 'high' });
    expect(inhibitingRules([rule()], unlabelled, [critical])).toEqual([]);
  });

  it('treats a label missing on both sides as equal (the empty string)', () => {
    const source = alert('s', { severity: 'critical' });
    const target = alert('t', { severity: 'medium' });
    expect(inhibitingRules([rule()], target, [source])).toEqual([base.inhibitionRuleId]);
  });

  it('with no equal labels, any firing source mutes every target', () => {
    const far = alert('r3', { severity: 'medium', service: 'search' });
    expect(inhibitingRules([rule({ equal: [] })], far, [critical])).toEqual([
      base.inhibitionRuleId,
    ]);
  });

  it('needs a firing source and a target match, with every operator', () => {
    expect(inhibitingRules([rule()], warning, [])).toEqual([]);
    expect(inhibitingRules([rule()], critical, [warning])).toEqual([]);
    const neg = rule({
      sourceMatchers: [
        { name: 'severity', operator: '=', value: 'critical' },
        { name: 'alertname', operator: '!~', value: 'Watchdog|Heartbeat' },
      ],
      targetMatchers: [
        { name: 'severity', operator: '!=', value: 'critical' },
        { name: 'service', operator: '=', value: 'payments' },
      ],
    });
    expect(inhibitingRules([neg], warning, [critical])).toEqual([base.inhibitionRuleId]);
    const watchdog = alert('w', {
      severity: 'critical',
      service: 'payments',
      alertname: 'Watchdog',
    });
    expect(inhibitingRules([neg], warning, [watchdog])).toEqual([]);
  });

  it('an alert never inhibits itself, nor do two alerts matching both sides inhibit each other', () => {
    const both = rule({
      sourceMatchers: [{ name: 'service', operator: '=', value: 'payments' }],
      targetMatchers: [{ name: 'service', operator: '=', value: 'payments' }],
    });
    expect(inhibitingRules([both], warning, [warning])).toEqual([]);
    expect(inhibitingRules([both], warning, [critical])).toEqual([]);
    expect(inhibitingRules([both], critical, [warning])).toEqual([]);
  });

  it('lists every rule that mutes the target', () => {
    const second = rule({ inhibitionRuleId: 'd8e1f0a2-4d5f-4a7b-8c9d-0e1f2a3b4c5d', equal: [] });
    expect(inhibitingRules([rule(), second], warning, [critical])).toEqual([
      base.inhibitionRuleId,
      second.inhibitionRuleId,
    ]);
  });
});
