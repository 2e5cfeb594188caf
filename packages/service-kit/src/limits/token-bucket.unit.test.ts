import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full: an idle sender may spend the whole burst at once, then waits for the rate', () => {
    const bucket = new TokenBucket({ rate: 100, burst: 500 }, 0);
    expect(bucket.waitMs(500, 0)).toBe(0);
    bucket.take(500, 0);
    expect(bucket.waitMs(100, 0)).toBe(1_000);
    expect(bucket.waitMs(100, 999)).toBeCloseTo(1);
    expect(bucket.waitMs(100, 1_000)).toBe(0);
  });

  it('refills at the rate and never beyond the burst', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 20 }, 0);
    bucket.take(20, 0);
    // An hour idle saves up one burst, not 36,000 tokens.
    expect(bucket.waitMs(20, 3_600_000)).toBe(0);
    expect(bucket.waitMs(21, 3_600_000)).toBe(0); // larger than the burst: admitted when full
    bucket.take(21, 3_600_000);
    expect(bucket.waitMs(1, 3_600_000)).toBe(200); // 1 token of debt + 1 needed, at 10/s
  });

  it('admits a cost larger than the burst once full, leaving a debt paid off at the rate', () => {
    const bucket = new TokenBucket({ rate: 100, burst: 100 }, 0);
    expect(bucket.waitMs(300, 0)).toBe(0);
    bucket.take(300, 0);
    // -200 tokens: the next full-size batch waits until the bucket is full again (3 s).
    expect(bucket.waitMs(300, 0)).toBe(3_000);
    expect(bucket.waitMs(300, 2_999)).toBeGreaterThan(0);
    expect(bucket.waitMs(300, 3_000)).toBe(0);
  });

  it('sustains exactly the rate over a long run of refused and retried requests', () => {
    const bucket = new TokenBucket({ rate: 50, burst: 50 }, 0);
    let now = 0;
    let sent = 0;
    while (now <= 60_000) {
      const wait = bucket.waitMs(25, now);
      if (wait === 0) {
        bucket.take(25, now);
        sent += 25;
      } else now += wait;
    }
    // 60 s at 50/s plus the initial burst.
    expect(sent).toBe(60 * 50 + 50);
  });

  it('applies a new limit from now on, keeping what was saved up to the new burst', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 100 }, 0);
    bucket.take(100, 0);
    bucket.reconfigure({ rate: 1_000, burst: 10_000 }, 0);
    expect(bucket.waitMs(1_000, 0)).toBe(1_000);
    expect(bucket.waitMs(1_000, 1_000)).toBe(0);
    bucket.reconfigure({ rate: 1, burst: 10 }, 1_000);
    expect(bucket.current).toEqual({ rate: 1, burst: 10 });
    expect(bucket.waitMs(10, 1_000)).toBe(0);
    expect(bucket.waitMs(11, 1_000)).toBe(0);
  });

  it('adds nothing when the clock steps back', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 10 }, 5_000);
    bucket.take(10, 5_000);
    expect(bucket.waitMs(10, 1_000)).toBe(1_000);
    expect(bucket.isFull(6_000)).toBe(true);
  });
});
