import { CostSignal, type CostCategory } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { periodOf } from './periods.js';
import { recomputeTargets, signalInputFor, sumsWindow, type PeriodSums } from './signal-inputs.js';

const D = (day: number) => Date.UTC(2030, 2, day);
const M = (month: number) => Date.UTC(2030, month - 1, 1);
const units = (n: number) => Math.round(n * 1_000_000);

/** Period sums from a table: one row per period, amounts in currency units. */
function sums(rows: readonly [number, Partial<Record<CostCategory, number>>][]): PeriodSums {
  return new Map(
    rows.map(([start, amounts]) => [
      start,
      new Map(Object.entries(amounts).map(([c, a]) => [c as CostCategory, units(a)])),
    ]),
  );
}

const scope = { tenantId: 'acme', projectId: 'checkout', currency: 'USD', kind: 'day' as const };
const OPTIONS = { thresholdPct: 50, minBaselinePeriods: 3, minAbsoluteDelta: 10 };

/** The anomalies of the signal of `start`, as [category, baseline, observed, deltaPct]. */
function anomaliesOf(table: PeriodSums, start: number, n = 7, options = OPTIONS) {
  const input = signalInputFor(scope, start, table, n, options);
  if (!input) return undefined;
  return CostSignal.create(input)
    .toSnapshot()
    .anomalies.map((a) => [a.category, a.baselineMicros / 1e6, a.observedMicros / 1e6, a.deltaPct]);
}

describe('anomaly thresholds (hand-computed tables)', () => {
  /*
   * Day   1    2    3    4    5    6    7  | 8 (current)
   * comp 100  120   80  100  300  100  110 | ?
   * Sorted trailing compute: 80 100 100 100 110 120 300 → median 100 (the 300 spike is ignored).
   */
  const history: [number, Partial<Record<CostCategory, number>>][] = [
    [D(1), { compute: 100, storage: 5 }],
    [D(2), { compute: 120, storage: 5 }],
    [D(3), { compute: 80, storage: 5 }],
    [D(4), { compute: 100, storage: 5 }],
    [D(5), { compute: 300, storage: 5 }],
    [D(6), { compute: 100, storage: 5 }],
    [D(7), { compute: 110, storage: 5 }],
  ];

  it.each([
    // observed compute, storage → expected anomalies [category, baseline, observed, deltaPct]
    [149.99, 5, []], // +49.99 %: below the relative threshold
    [150, 5, [['compute', 100, 150, 50]]], // exactly +50 % and +50: both crossed (≥)
    [180, 5, [['compute', 100, 180, 80]]],
    [100, 14.99, []], // storage +199.8 % but only +9.99 units: below the absolute minimum
    [100, 15, [['storage', 5, 15, 200]]], // +200 % and +10 units exactly
    [
      200,
      20,
      [
        ['compute', 100, 200, 100],
        ['storage', 5, 20, 300],
      ],
    ],
    [50, 1, []], // falling cost is never an anomaly
  ])('compute %d, storage %d on day 8 → %j', (compute, storage, expected) => {
    const table = sums([...history, [D(8), { compute, storage }]]);
    expect(anomaliesOf(table, D(8))).toEqual(expected);
  });

  it('needs the minimum number of trailing periods with cost; idle periods are no history', () => {
    // Only days 6 and 7 have cost: two periods < 3, no baseline.
    const two = sums([
      [D(6), { compute: 100 }],
      [D(7), { compute: 100 }],
      [D(8), { compute: 500 }],
    ]);
    expect(anomaliesOf(two, D(8))).toEqual([]);
    // Days 2, 4, 7 (gaps are skipped, not zeros): median 100, +400 %.
    const gaps = sums([
      [D(2), { compute: 90 }],
      [D(4), { compute: 100 }],
      [D(7), { compute: 130 }],
      [D(8), { compute: 500 }],
    ]);
    expect(anomaliesOf(gaps, D(8))).toEqual([['compute', 100, 500, 400]]);
  });

  it('takes only the last N periods: older cost is outside the baseline', () => {
    // N = 3: days 5, 6, 7 → compute 300, 100, 110 → median 110; day 1-4 do not count.
    const table = sums([...history, [D(8), { compute: 170 }]]);
    expect(anomaliesOf(table, D(8), 3)).toEqual([['compute', 110, 170, 54.55]]);
    // N = 7 (median 100): the same day is +70 %.
    expect(anomaliesOf(table, D(8), 7)).toEqual([['compute', 100, 170, 70]]);
  });

  it('counts a category missing from a trailing period as 0 there', () => {
    // network: 0, 0, 0, 0, 10, 10, 10 → median 0 → no percentage, no anomaly.
    const table = sums([
      ...history.map(([d, a], i): [number, Partial<Record<CostCategory, number>>] => [
        d,
        i >= 4 ? { ...a, network: 10 } : a,
      ]),
      [D(8), { compute: 100, network: 100 }],
    ]);
    expect(anomaliesOf(table, D(8))).toEqual([]);
  });

  it('has no signal for a period without cost', () => {
    expect(signalInputFor(scope, D(9), sums(history), 7, OPTIONS)).toBeUndefined();
  });

  it('builds the exact domain input: the period, the breakdown in micro-units, the trailing periods', () => {
    const input = signalInputFor(
      scope,
      D(8),
      sums([
        [D(6), { compute: 0.1 }],
        [D(8), { storage: 0.2, compute: 0.1 }],
      ]),
      7,
      OPTIONS,
    );
    expect(input).toEqual({
      tenantId: 'acme',
      projectId: 'checkout',
      currency: 'USD',
      period: periodOf('day', D(8)),
      breakdown: [
        { category: 'compute', amountMicros: 100_000 },
        { category: 'storage', amountMicros: 200_000 },
      ],
      trailing: [{ breakdown: [{ category: 'compute', amountMicros: 100_000 }] }],
      anomalyOptions: OPTIONS,
    });
  });
});

describe('recomputeTargets and sumsWindow', () => {
  it('recomputes the touched periods and the N after each, once each, in order', () => {
    expect(recomputeTargets('day', [D(10), D(8)], 2)).toEqual([D(8), D(9), D(10), D(11), D(12)]);
    expect(recomputeTargets('month', [M(11)], 3)).toEqual([
      M(11),
      M(12),
      Date.UTC(2031, 0, 1),
      Date.UTC(2031, 1, 1),
    ]);
  });

  it('reads the sums from N periods before the first target to the end of the last', () => {
    expect(sumsWindow('day', [D(8), D(9)], 7)).toEqual({ from: D(1), to: D(10) });
    expect(sumsWindow('month', [M(3)], 3)).toEqual({ from: Date.UTC(2029, 11, 1), to: M(4) });
  });
});
