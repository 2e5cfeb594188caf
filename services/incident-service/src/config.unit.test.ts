import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ESCALATION_INTERVAL_MS,
  DEFAULT_ESCALATION_POLICY,
  DEFAULT_REPLAY_HORIZON_MS,
  incidentConfigFrom,
} from './config.js';

describe('incidentConfigFrom', () => {
  it('defaults to 5 / 15 / 30 minutes, a 15 s tick, critical SLO incidents and a 1 h replay horizon', () => {
    expect(incidentConfigFrom({})).toEqual({
      escalationPolicy: DEFAULT_ESCALATION_POLICY,
      escalationIntervalMs: DEFAULT_ESCALATION_INTERVAL_MS,
      sloSeverity: 'critical',
      replayHorizonMs: 3_600_000,
    });
    expect(DEFAULT_REPLAY_HORIZON_MS).toBe(3_600_000);
    expect(DEFAULT_ESCALATION_POLICY.map((s) => [s.level, s.target, s.delayMinutes])).toEqual([
      [1, 'on-call-primary', 5],
      [2, 'on-call-secondary', 15],
      [3, 'engineering-manager', 30],
    ]);
  });

  it('reads INCIDENT_ESCALATION_POLICY, the interval, the SLO severity and the replay horizon', () => {
    const config = incidentConfigFrom({
      INCIDENT_ESCALATION_POLICY: '[{"level":1,"target":"sre","delayMinutes":0}]',
      INCIDENT_ESCALATION_INTERVAL_MS: '0',
      INCIDENT_SLO_SEVERITY: 'high',
      INCIDENT_REPLAY_HORIZON_MS: '900000',
    });
    expect(config).toEqual({
      escalationPolicy: [{ level: 1, target: 'sre', delayMinutes: 0 }],
      escalationIntervalMs: 0,
      sloSeverity: 'high',
      replayHorizonMs: 900_000,
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

  it.each(['-1', '1.5', 'an hour'])('refuses a replay horizon of %j', (value) => {
    expect(() => incidentConfigFrom({ INCIDENT_REPLAY_HORIZON_MS: value })).toThrow(
      /INCIDENT_REPLAY_HORIZON_MS/,
    );
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
