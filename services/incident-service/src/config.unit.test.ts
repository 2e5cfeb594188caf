import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ESCALATION_INTERVAL_MS,
  DEFAULT_ESCALATION_POLICY,
  incidentConfigFrom,
} from './config.js';

describe('incidentConfigFrom', () => {
  it('defaults to 5 / 15 / 30 minutes, a 15 s tick and critical SLO incidents', () => {
    expect(incidentConfigFrom({})).toEqual({
      escalationPolicy: DEFAULT_ESCALATION_POLICY,
      escalationIntervalMs: DEFAULT_ESCALATION_INTERVAL_MS,
      sloSeverity: 'critical',
    });
    expect(DEFAULT_ESCALATION_POLICY.map((s) => [s.level, s.target, s.delayMinutes])).toEqual([
      [1, 'on-call-primary', 5],
      [2, 'on-call-secondary', 15],
      [3, 'engineering-manager', 30],
    ]);
  });

  it('reads INCIDENT_ESCALATION_POLICY, the interval and the SLO severity', () => {
    const config = incidentConfigFrom({
      INCIDENT_ESCALATION_POLICY: '[{"level":1,"target":"sre","delayMinutes":0}]',
      INCIDENT_ESCALATION_INTERVAL_MS: '0',
      INCIDENT_SLO_SEVERITY: 'high',
    });
    expect(config).toEqual({
      escalationPolicy: [{ level: 1, target: 'sre', delayMinutes: 0 }],
      escalationIntervalMs: 0,
      sloSeverity: 'high',
    });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['not steps', '[{"level":1}]', /INCIDENT_ESCALATION_POLICY is invalid/],
    ['an unknown field', '[{"level":1,"target":"a","delayMinutes":1,"x":1}]', /invalid/],
    ['levels out of order', '[{"level":2,"target":"a","delayMinutes":1}]', /levels/],
    [
      'a shrinking delay',
      '[{"level":1,"target":"a","delayMinutes":9},{"level":2,"target":"b","delayMinutes":1}]',
      /sooner/,
    ],
    ['a delay over a year', '[{"level":1,"target":"a","delayMinutes":600000}]', /invalid/],
  ])('refuses a policy with %s at start', (_name, policy, message) => {
    expect(() => incidentConfigFrom({ INCIDENT_ESCALATION_POLICY: policy })).toThrow(message);
  });

  it('refuses a bad interval or severity', () => {
    expect(() => incidentConfigFrom({ INCIDENT_ESCALATION_INTERVAL_MS: '-1' })).toThrow(
      /INCIDENT_ESCALATION_INTERVAL_MS/,
    );
    expect(() => incidentConfigFrom({ INCIDENT_SLO_SEVERITY: 'huge' })).toThrow(
      /INCIDENT_SLO_SEVERITY/,
    );
  });
});
