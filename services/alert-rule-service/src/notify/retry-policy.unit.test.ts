import { describe, expect, it } from 'vitest';
import { backoffMs, isFinalStatus, retryAfterMs } from './retry-policy.js';

const policy = { maxAttempts: 8, backoffBaseMs: 1_000, backoffMaxMs: 60_000 };

describe('retry policy', () => {
  it('doubles per attempt with jitter between half and all of the delay, capped', () => {
    expect(backoffMs(policy, 1, () => 0)).toBe(500);
    expect(backoffMs(policy, 1, () => 1)).toBe(1_000);
    expect(backoffMs(policy, 3, () => 0)).toBe(2_000);
    expect(backoffMs(policy, 3, () => 1)).toBe(4_000);
    expect(backoffMs(policy, 50, () => 1)).toBe(60_000);
    for (let attempts = 1; attempts < 12; attempts += 1) {
      const delay = backoffMs(policy, attempts, Math.random);
      const full = Math.min(60_000, 1_000 * 2 ** (attempts - 1));
      expect(delay).toBeGreaterThanOrEqual(full / 2);
      expect(delay).toBeLessThanOrEqual(full);
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('treats a 4xx other than 408 and 429 as final', () => {
    expect([400, 401, 403, 404, 410, 422].every(isFinalStatus)).toBe(true);
    expect([408, 429, 500, 502, 503, 504, 302].some(isFinalStatus)).toBe(false);
  });
});
