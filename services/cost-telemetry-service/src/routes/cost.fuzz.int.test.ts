import type { RunningService } from '@obs/service-kit';
import { bearer, fuzzWriteRoutes } from '@obs/service-kit/testing';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_A,
  TRACE_B,
  line,
  signalsOf,
  startCostService,
  uniqueTenant,
} from '../../test/cost-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startCostService();
});
afterAll(async () => {
  await service.close();
});

describe('cost-telemetry-service fuzzing', () => {
  it('answers every random body on every write route with 2xx or 4xx, never 5xx', async () => {
    const headers = bearer(uniqueTenant('fuzz'), ['read', 'ingest']);
    const report = await fuzzWriteRoutes(service.app, { headers, runsPerRoute: 100 });
    expect(report.routes).toEqual(
      expect.arrayContaining(['POST /v1/cost-records', 'POST /v1/cost-signals:export']),
    );
    expect(report.statuses[202] ?? 0).toBeGreaterThan(0);
    expect(report.statuses[400] ?? 0).toBeGreaterThan(0);
  });

  /*
   * The kit's generator does not follow string patterns, so it never builds a valid cost line;
   * this property does: random batches of valid lines (amounts with up to 6 decimals, a few
   * projects and days, line ids drawn from a small pool so duplicates and id conflicts happen).
   * Every answer is 200 or a documented 409; afterwards every signal equals the exact sum of
   * the distinct accepted lines, and each month equals the sum of its days.
   */
  it('keeps every signal equal to the exact sum of the distinct accepted lines, whatever the batches', async () => {
    const tenant = uniqueTenant('fuzz-sum');
    const accepted = new Map<string, { projectId: string; day: string; amount: string }>();
    const amount = fc
      .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 999_999 }))
      .map(([units, micros]) => new Decimal(micros).div(1e6).plus(units).toFixed());
    const lineArb = fc.record({
      lineId: fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `l-${i}`)),
      category: fc.constantFrom<'model_inference' | 'compute' | 'storage' | 'network'>(
        'model_inference',
        'compute',
        'storage',
        'network',
      ),
      amount,
      projectId: fc.constantFrom('p1', 'p2'),
      day: fc.integer({ min: 1, max: 12 }),
      hour: fc.integer({ min: 0, max: 23 }),
      traceId: fc.constantFrom(TRACE_A, TRACE_B, undefined),
    });
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 15 }), async (batch) => {
        const lines = batch.map((l) =>
          line({
            ...l,
            occurredAt: `2030-05-${String(l.day).padStart(2, '0')}T${String(l.hour).padStart(2, '0')}:00:00Z`,
          }),
        );
        const res = await service.app.inject({
          method: 'POST',
          url: '/v1/cost-records',
          headers: bearer(tenant, ['ingest']),
          payload: { lines },
        });
        statuses.push(res.statusCode);
        expect([200, 409], res.body).toContain(res.statusCode);
        if (res.statusCode !== 200) return;
        for (const l of batch) {
          if (!accepted.has(l.lineId))
            accepted.set(l.lineId, {
              projectId: l.projectId,
              day: `2030-05-${String(l.day).padStart(2, '0')}`,
              amount: l.amount,
            });
        }
      }),
      { numRuns: 40 },
    );
    expect(statuses).toContain(200);
    const signals = await signalsOf(service, tenant);
    const expected = new Map<string, Decimal>();
    for (const l of accepted.values()) {
      for (const key of [`${l.projectId} day ${l.day}`, `${l.projectId} month 2030-05-01`]) {
        expected.set(key, (expected.get(key) ?? new Decimal(0)).plus(l.amount));
      }
    }
    const actual = new Map(
      signals.map((s) => [`${s.projectId} ${s.period} ${s.periodStart.slice(0, 10)}`, s]),
    );
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, total] of expected) {
      const signal = actual.get(key)!;
      expect(signal.total, key).toBe(total.toFixed());
      const sum = signal.breakdown.reduce((acc, l) => acc.plus(l.amount), new Decimal(0));
      expect(sum.toFixed(), key).toBe(signal.total);
    }
  });
});
