import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { Silence, silenceMatches, silenceStateAt } from './silence.aggregate.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};

const AT = '2030-01-01T00:00:00.000Z';
const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(Date.parse(AT) + offsetMs).toISOString();
const base = {
  silenceId: '0b6e2c1a-4d5f-4a7b-8c9d-0e1f2a3b4c5d',
  tenantId: 't1',
  matchers: [{ name: 'service', operator: '=', value: 'payments-api' }],
  endsAt: iso(2 * HOUR),
  createdBy: ' alice ',
  comment: ' deploying payments ',
  at: AT,
};

describe('Silence', () => {
  it('starts now when startsAt is absent or past, trims createdBy and comment', () => {
    const past = Silence.create({ ...base, startsAt: iso(-HOUR) }).toSnapshot();
    expect(past).toMatchObject({ startsAt: AT, createdBy: 'alice', comment: 'deploying payments' });
    expect(Silence.create(base).toSnapshot().startsAt).toBe(AT);
  });

  it('is pending, active, then expired; matches labels by its matchers', () => {
    const silence = Silence.create({ ...base, startsAt: iso(HOUR) }).toSnapshot();
    expect(silenceStateAt(silence, Date.parse(AT))).toBe('pending');
    expect(silenceStateAt(silence, Date.parse(iso(HOUR)))).toBe('active');
    expect(silenceStateAt(silence, Date.parse(iso(2 * HOUR)))).toBe('expired');
    expect(silenceMatches(silence, { service: 'payments-api', severity: 'critical' })).toBe(true);
    expect(silenceMatches(silence, { service: 'orders-api' })).toBe(false);
  });

  it('refuses an end in the past or before the start, a silence over 366 days, a blank comment', () => {
    expect(codeOf(() => Silence.create({ ...base, endsAt: iso(-1) }))).toBe('silence.ends_in_past');
    expect(codeOf(() => Silence.create({ ...base, startsAt: iso(3 * HOUR) }))).toBe(
      'silence.invalid_period',
    );
    expect(codeOf(() => Silence.create({ ...base, endsAt: 'tomorrow' }))).toBe(
      'silence.invalid_period',
    );
    expect(codeOf(() => Silence.create({ ...base, endsAt: iso(367 * 24 * HOUR) }))).toBe(
      'silence.too_long',
    );
    expect(codeOf(() => Silence.create({ ...base, comment: '  ' }))).toBe(
      'silence.comment_required',
    );
  });

  it('expires early: endsAt now (a pending one starts now too), once', () => {
    const active = Silence.create(base);
    active.expire(iso(HOUR));
    expect(active.toSnapshot()).toMatchObject({ startsAt: AT, endsAt: iso(HOUR), version: 2 });
    expect(codeOf(() => active.expire(iso(HOUR)))).toBe('silence.already_expired');
    const pending = Silence.create({ ...base, startsAt: iso(HOUR) });
    pending.expire(iso(30 * 60_000));
    expect(pending.toSnapshot()).toMatchObject({
      startsAt: iso(30 * 60_000),
      endsAt: iso(30 * 60_000),
    });
    expect(silenceStateAt(pending.toSnapshot(), Date.parse(iso(30 * 60_000)))).toBe('expired');
  });
});
