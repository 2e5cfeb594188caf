import { describe, expect, it } from 'vitest';
import { IngestLimiter } from './ingest-limiter.js';
import { DEFAULT_LIMITS, parseLimitsFile, type LimitsFile } from './tenant-limits.js';

function limiter(file: LimitsFile = {}, shards = 1) {
  const clock = { now: 0 };
  let limits = file;
  const subject = new IngestLimiter({ limits: () => limits, shards, clock: () => clock.now });
  return {
    subject,
    clock,
    setLimits: (next: LimitsFile) => {
      limits = next;
    },
  };
}

const SPANS_100 = {
  defaults: { spans: { rate: 100, burst: 100, bytesRate: 1e6, bytesBurst: 1e6 } },
};

describe('IngestLimiter', () => {
  it('refuses a batch over the items rate with the wait the bucket computes', () => {
    const { subject, clock } = limiter(SPANS_100);
    expect(subject.admit('acme', 'spans', 100, 1_000)).toEqual({ admitted: true });
    const refused = subject.admit('acme', 'spans', 50, 1_000);
    expect(refused).toMatchObject({ admitted: false, exhausted: 'items', retryAfterMs: 500 });
    clock.now = 500;
    expect(subject.admit('acme', 'spans', 50, 1_000).admitted).toBe(true);
  });

  it('refuses on bytes too, and spends neither bucket when one refuses (the batch is whole)', () => {
    const { subject, clock } = limiter({
      defaults: { spans: { rate: 1_000, burst: 1_000, bytesRate: 10_000, bytesBurst: 10_000 } },
    });
    expect(subject.admit('acme', 'spans', 10, 10_000).admitted).toBe(true);
    expect(subject.admit('acme', 'spans', 10, 5_000)).toMatchObject({
      admitted: false,
      exhausted: 'bytes',
      retryAfterMs: 500,
    });
    // The refused request took no items: 990 are still there.
    clock.now = 500;
    expect(subject.admit('acme', 'spans', 990, 5_000).admitted).toBe(true);
  });

  it('keeps tenants and signals apart: one tenant over its limit does not slow another', () => {
    const { subject } = limiter(SPANS_100);
    expect(subject.admit('noisy', 'spans', 100, 0).admitted).toBe(true);
    expect(subject.admit('noisy', 'spans', 1, 0).admitted).toBe(false);
    expect(subject.admit('quiet', 'spans', 100, 0).admitted).toBe(true);
    expect(subject.admit('noisy', 'logRecords', 100, 0).admitted).toBe(true);
  });

  it('raises one tenant by an override, taking effect on the next request', () => {
    const { subject, clock, setLimits } = limiter(SPANS_100);
    subject.admit('acme', 'spans', 100, 0);
    expect(subject.admit('acme', 'spans', 100, 0).admitted).toBe(false);
    setLimits({ ...SPANS_100, tenants: { acme: { spans: { rate: 10_000, burst: 20_000 } } } });
    // The next request sees the new rate: 900 spans are 90 ms away, not 9 s.
    expect(subject.admit('acme', 'spans', 900, 0)).toMatchObject({
      admitted: false,
      retryAfterMs: 90,
    });
    clock.now = 90;
    expect(subject.admit('acme', 'spans', 900, 0).admitted).toBe(true);
    expect(subject.limitsOf('acme', 'spans')).toMatchObject({ rate: 10_000, burst: 20_000 });
    expect(subject.limitsOf('other', 'spans')).toMatchObject({ rate: 100, burst: 100 });
  });

  it('divides the rate by the shards (the deployment-wide limit), not the burst', () => {
    const { subject, clock } = limiter(SPANS_100, 4);
    expect(subject.admit('acme', 'spans', 100, 0).admitted).toBe(true);
    expect(subject.admit('acme', 'spans', 25, 0)).toMatchObject({
      admitted: false,
      retryAfterMs: 1_000, // 25 tokens at 100/4 = 25 per second
    });
    clock.now = 1_000;
    expect(subject.admit('acme', 'spans', 25, 0).admitted).toBe(true);
  });

  it('uses the built-in defaults without a file', () => {
    const { subject } = limiter();
    expect(subject.limitsOf('acme', 'spans')).toEqual(DEFAULT_LIMITS.spans);
    expect(subject.admit('acme', 'spans', DEFAULT_LIMITS.spans.burst, 0).admitted).toBe(true);
    expect(subject.admit('acme', 'spans', 1, 0).admitted).toBe(false);
  });

  it('forgets a tenant whose buckets refilled, and starts it full again', () => {
    const { subject, clock } = limiter(SPANS_100);
    subject.admit('acme', 'spans', 100, 0);
    clock.now = 120_000;
    expect(subject.admit('acme', 'spans', 100, 0).admitted).toBe(true);
  });
});

describe('parseLimitsFile', () => {
  it('takes defaults and per-tenant overrides, each field optional', () => {
    const file = parseLimitsFile(
      JSON.stringify({
        defaults: { points: { rate: 20_000 } },
        tenants: { acme: { spans: { rate: 200_000, burst: 400_000 } } },
      }),
    );
    expect(file.tenants?.acme?.spans).toEqual({ rate: 200_000, burst: 400_000 });
  });

  it('names the field that is wrong', () => {
    expect(() =>
      parseLimitsFile(JSON.stringify({ tenants: { acme: { spans: { rate: -1 } } } })),
    ).toThrow(/tenants\.acme\.spans\.rate/);
    expect(() => parseLimitsFile(JSON.stringify({ tenants: { acme: { span: {} } } }))).toThrow(
      /tenants\.acme/,
    );
    expect(() => parseLimitsFile('{ rate: 1 }')).toThrow(/not JSON/);
  });
});
