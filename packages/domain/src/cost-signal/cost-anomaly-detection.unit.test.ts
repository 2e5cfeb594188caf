import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import { money } from '../kernel/money.js';
import { detectAnomalies } from './cost-anomaly-detection.js';
import { costLinesFromInput, type CostBreakdownLine } from './cost-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

function usd(lines: Record<string, number>): readonly CostBreakdownLine[] {
  return costLinesFromInput(
    Object.entries(lines).map(([category, amount]) => ({ category, amount })),
    'USD',
  );
}

const trailing = [
  usd({ model_inference: 50, compute: 100, storage: 10 }),
  usd({ compute: 120, storage: 10 }),
  usd({ model_inference: 60, compute: 80, storage: 10, network: 0 }),
];
const current = usd({ model_inference: 75, compute: 180, storage: 14, network: 5 });

describe('detectAnomalies', () => {
  it('worked example: median baselines, 50 % threshold included, zero baseline ignored', () => {
    const anomalies = detectAnomalies(current, trailing);
    expect(
      anomalies.map((a) => ({
        category: a.category,
        observed: a.observed.micros / 1e6,
        baseline: a.baseline.micros / 1e6,
        deltaPct: a.deltaPct,
      })),
    ).toEqual([
      { category: 'model_inference', observed: 75, baseline: 50, deltaPct: 50 },
      { category: 'compute', observed: 180, baseline: 100, deltaPct: 80 },
    ]);
  });

  it('finds nothing with fewer trailing periods than minBaselinePeriods', () => {
    expect(detectAnomalies(current, trailing.slice(0, 2))).toEqual([]);
    expect(
      detectAnomalies(current, trailing.slice(0, 2), { minBaselinePeriods: 2 }).map(
        (a) => a.category,
      ),
    ).toEqual(['model_inference', 'compute']);
  });

  it('takes the mean of the middle two for an even number of periods', () => {
    const four = [...trailing, usd({ compute: 200 })];
    const [compute] = detectAnomalies(usd({ compute: 180 }), four);
    expect(compute?.baseline.micros).toBe(110_000_000);
    expect(compute?.deltaPct).toBe(63.64);
  });

  it('honours thresholdPct and minAbsoluteDelta', () => {
    expect(detectAnomalies(current, trailing, { thresholdPct: 90 })).toEqual([]);
    expect(detectAnomalies(current, trailing, { thresholdPct: 40 }).map((a) => a.category)).toEqual(
      ['model_inference', 'compute', 'storage'],
    );
    expect(
      detectAnomalies(current, trailing, { minAbsoluteDelta: 30 }).map((a) => a.category),
    ).toEqual(['compute']);
  });

  it('finds nothing for an empty breakdown or a falling cost', () => {
    expect(detectAnomalies([], trailing)).toEqual([]);
    expect(detectAnomalies(usd({ compute: 10 }), trailing)).toEqual([]);
  });

  it.each([
    [{ thresholdPct: 0 }],
    [{ thresholdPct: Number.NaN }],
    [{ minBaselinePeriods: 0 }],
    [{ minBaselinePeriods: 1.5 }],
    [{ minAbsoluteDelta: -1 }],
  ])('refuses options %j', (options) => {
    expect(codeOf(() => detectAnomalies(current, trailing, options))).toBe(
      'cost.invalid_anomaly_options',
    );
  });

  it('refuses a baseline in another currency', () => {
    const eur = [[{ category: 'compute' as const, amount: money(1, 'EUR') }]];
    expect(codeOf(() => detectAnomalies(current, [...trailing, ...eur]))).toBe(
      'money.currency_mismatch',
    );
  });

  it('property: the result does not depend on the order of the trailing periods', () => {
    const amount = fc.integer({ min: 0, max: 1_000_000 }).map((cents) => cents / 100);
    const period = fc.record({ compute: amount, storage: amount, network: amount });
    fc.assert(
      fc.property(period, fc.array(period, { minLength: 3, maxLength: 8 }), (now, history) => {
        const lines = history.map(usd);
        expect(detectAnomalies(usd(now), [...lines].reverse())).toEqual(
          detectAnomalies(usd(now), lines),
        );
      }),
    );
  });
});
