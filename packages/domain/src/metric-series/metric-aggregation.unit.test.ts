import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { AGGREGATION_KINDS, aggregatedValue, aggregationKind } from './aggregation-kind.js';
import { aggregate, nearestRank } from './metric-aggregation.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

describe('aggregate', () => {
  it('computes count, sum, avg and nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(aggregate(values)).toEqual({
      count: 100,
      sum: 5050,
      avg: 50.5,
      p50: 50,
      p95: 95,
      p99: 99,
    });
  });

  it('uses the observed value at rank ceil(p/100 × n) for small windows', () => {
    expect(aggregate([3, 1, 2])).toEqual({ count: 3, sum: 6, avg: 2, p50: 2, p95: 3, p99: 3 });
    expect(aggregate([7])).toMatchObject({ p50: 7, p95: 7, p99: 7 });
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0)).toBe(1);
  });

  it('aggregates an empty window to zeros with count 0', () => {
    expect(aggregate([])).toEqual({ count: 0, sum: 0, avg: 0, p50: 0, p95: 0, p99: 0 });
  });

  it('refuses non-finite values: metric.invalid_value', () => {
    expect(codeOf(() => aggregate([1, Number.NaN]))).toBe('metric.invalid_value');
    expect(codeOf(() => aggregate([Infinity]))).toBe('metric.invalid_value');
  });

  it('folds -0 into 0 so results compare equal with Object.is', () => {
    expect(Object.is(aggregate([-0]).p50, 0)).toBe(true);
    expect(Object.is(aggregate([-0, 0]).sum, 0)).toBe(true);
  });

  it('is identical whatever the input order (property)', () => {
    fc.assert(
      fc.property(
        fc
          .array(finite, { maxLength: 200 })
          .chain((values) =>
            fc.tuple(
              fc.constant(values),
              fc.shuffledSubarray(values, { minLength: values.length }),
            ),
          ),
        ([values, shuffled]) => {
          expect(aggregate(shuffled)).toStrictEqual(aggregate(values));
        },
      ),
    );
  });

  it('yields percentiles that are observed values, in order p50 ≤ p95 ≤ p99 (property)', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), (values) => {
        const r = aggregate(values);
        expect(r.count).toBe(values.length);
        const normalised = values.map((v) => (v === 0 ? 0 : v));
        for (const p of [r.p50, r.p95, r.p99]) expect(normalised).toContain(p);
        expect(r.p50).toBeLessThanOrEqual(r.p95);
        expect(r.p95).toBeLessThanOrEqual(r.p99);
        expect(r.p99).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
  });

  it('does not reorder the caller array', () => {
    const values = [3, 1, 2];
    aggregate(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('AggregationKind', () => {
  it('picks each kind out of the values', () => {
    const values = aggregate([1, 2, 3, 4]);
    expect(AGGREGATION_KINDS.map((k) => aggregatedValue(values, aggregationKind(k)))).toEqual([
      4, 10, 2.5, 2, 4, 4,
    ]);
  });

  it('refuses unknown kinds: metric.invalid_aggregation', () => {
    expect(codeOf(() => aggregationKind('max'))).toBe('metric.invalid_aggregation');
  });
});
