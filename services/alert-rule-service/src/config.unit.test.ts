import { describe, expect, it } from 'vitest';
import { alertRuleConfigFrom } from './config.js';

describe('alertRuleConfigFrom', () => {
  it('defaults the lateness grace to two minutes of event time', () => {
    expect(alertRuleConfigFrom({})).toEqual({ latenessGraceMs: 120_000 });
  });

  it('reads ALERT_LATENESS_GRACE_MS', () => {
    expect(alertRuleConfigFrom({ ALERT_LATENESS_GRACE_MS: '300000' })).toEqual({
      latenessGraceMs: 300_000,
    });
  });

  it.each(['0', '-1', '1.5', 'soon'])('refuses ALERT_LATENESS_GRACE_MS=%s', (value) => {
    expect(() => alertRuleConfigFrom({ ALERT_LATENESS_GRACE_MS: value })).toThrow(
      /invalid alert-rule-service environment: ALERT_LATENESS_GRACE_MS/,
    );
  });
});
