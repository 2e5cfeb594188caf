import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cumulativeDelta,
  downscale,
  type CumulativePoint,
  type CumulativeState,
} from './cumulative.js';
import {
  exponentialDistribution,
  histogramDistribution,
  summaryDistribution,
} from './otlp-distributions.js';

const sum = (value: number, startNs: bigint, timeNs: bigint): CumulativePoint => ({
  startNs,
  timeNs,
  state: { kind: 'sum', value },
});

describe('cumulativeDelta', () => {
  it('takes the whole first value, then differences', () => {
    expect(cumulativeDelta(undefined, sum(5, 1n, 10n))).toEqual({
      kind: 'delta',
      delta: { kind: 'sum', value: 5 },
      reset: false,
    });
    expect(cumulativeDelta(sum(5, 1n, 10n), sum(8, 1n, 20n))).toMatchObject({
      delta: { value: 3 },
      reset: false,
    });
  });

  it('starts a new baseline on a later start time (a reset), never a negative delta', () => {
    expect(cumulativeDelta(sum(100, 1n, 10n), sum(4, 15n, 20n))).toEqual({
      kind: 'delta',
      delta: { kind: 'sum', value: 4 },
      reset: true,
    });
    // A producer that resets without moving its start time: the drop itself is the reset.
    expect(cumulativeDelta(sum(100, 1n, 10n), sum(4, 1n, 20n))).toMatchObject({
      delta: { value: 4 },
      reset: true,
    });
    expect(cumulativeDelta(sum(100, 0n, 10n), sum(4, 0n, 20n))).toMatchObject({ reset: true });
  });

  it('drops a retransmission and an older incarnation', () => {
    expect(cumulativeDelta(sum(5, 1n, 10n), sum(5, 1n, 10n))).toEqual({
      kind: 'dropped',
      reason: 'duplicate',
    });
    expect(cumulativeDelta(sum(5, 1n, 10n), sum(9, 1n, 9n))).toEqual({
      kind: 'dropped',
      reason: 'duplicate',
    });
    expect(cumulativeDelta(sum(5, 10n, 20n), sum(9, 1n, 30n))).toEqual({
      kind: 'dropped',
      reason: 'stale',
    });
  });

  it('property: over any export sequence with resets, deltas are ≥ 0 and add up to the increments', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ add: fc.nat({ max: 1000 }), reset: fc.boolean(), resend: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        (steps) => {
          let previous: CumulativePoint | undefined;
          let start = 1n;
          let value = 0;
          let time = 10n;
          let counted = 0;
          let truth = 0;
          for (const step of steps) {
            if (step.reset) {
              start = time;
              value = 0;
            }
            value += step.add;
            truth += step.add;
            time += 10n;
            const point = sum(value, start, time);
            for (const p of step.resend ? [point, point] : [point]) {
              const outcome = cumulativeDelta(previous, p);
              if (outcome.kind === 'dropped') continue;
              const delta = (outcome.delta as { value: number }).value;
              expect(delta).toBeGreaterThanOrEqual(0);
              counted += delta;
              previous = p;
            }
          }
          expect(counted).toBe(truth);
        },
      ),
    );
  });

  it('differences histograms bucket by bucket, and resets when the bounds change', () => {
    const h = (count: number, buckets: number[], bounds = [10, 20]): CumulativeState => ({
      kind: 'histogram',
      count,
      sum: count * 10,
      bounds,
      buckets,
    });
    const at = (state: CumulativeState, timeNs: bigint): CumulativePoint => ({
      startNs: 1n,
      timeNs,
      state,
    });
    expect(cumulativeDelta(at(h(3, [1, 1, 1]), 1n), at(h(5, [2, 2, 1]), 2n))).toMatchObject({
      delta: { count: 2, sum: 20, buckets: [1, 1, 0] },
      reset: false,
    });
    expect(
      cumulativeDelta(at(h(3, [1, 1, 1]), 1n), at(h(4, [1, 1, 2], [10, 30]), 2n)),
    ).toMatchObject({
      reset: true,
    });
    expect(cumulativeDelta(at(h(3, [1, 1, 1]), 1n), at(h(3, [0, 2, 1]), 2n))).toMatchObject({
      reset: true,
    });
  });

  it('differences exponential histograms across a scale change', () => {
    const e = (scale: number, count: number, positive: [number, number][]): CumulativePoint => ({
      startNs: 1n,
      timeNs: BigInt(count),
      state: {
        kind: 'exponential_histogram',
        count,
        sum: count,
        scale,
        zero: 0,
        positive,
        negative: [],
      },
    });
    // Scale 1 buckets 2 and 3 are scale 0 bucket 1.
    const outcome = cumulativeDelta(
      e(1, 2, [
        [2, 1],
        [3, 1],
      ]),
      e(0, 5, [
        [1, 4],
        [2, 1],
      ]),
    );
    expect(outcome).toMatchObject({
      kind: 'delta',
      reset: false,
      delta: {
        scale: 0,
        count: 3,
        positive: [
          [1, 2],
          [2, 1],
        ],
      },
    });
    expect([
      ...downscale(
        [
          [-3, 1],
          [-1, 2],
        ],
        1,
      ),
    ]).toEqual([
      [-2, 1],
      [-1, 2],
    ]);
  });
});

describe('OTLP distributions', () => {
  it('gives explicit buckets their midpoints, and the open ends their bound or the extreme', () => {
    const d = histogramDistribution(
      { kind: 'histogram', count: 6, sum: 100, bounds: [10, 20], buckets: [1, 3, 2] },
      {},
      [],
    );
    expect(d.buckets).toEqual([
      [10, 1],
      [15, 3],
      [20, 2],
    ]);
    const exact = histogramDistribution(
      { kind: 'histogram', count: 2, sum: 30, bounds: [10, 20], buckets: [1, 0, 1] },
      { min: 2, max: 28 },
      [],
    );
    expect(exact).toMatchObject({
      min: 2,
      max: 28,
      buckets: [
        [2, 1],
        [28, 1],
      ],
    });
  });

  it('gives exponential buckets their geometric midpoints, with zeros and negatives', () => {
    const d = exponentialDistribution(
      {
        kind: 'exponential_histogram',
        count: 4,
        sum: 0,
        scale: 0,
        zero: 1,
        positive: [[1, 2]],
        negative: [[0, 1]],
      },
      {},
      [],
    );
    expect(d.buckets).toEqual([
      [0, 1],
      [2 ** 1.5, 2],
      [-(2 ** 0.5), 1],
    ]);
  });

  it('weights summary quantiles by their share of the count, in whole numbers', () => {
    const d = summaryDistribution(10, 55, [
      { quantile: 1, value: 20 },
      { quantile: 0, value: 1 },
      { quantile: 0.5, value: 5 },
    ]);
    expect(d).toMatchObject({ count: 10, sum: 55, min: 1, max: 20 });
    expect(d.buckets.map(([, w]) => w).reduce((a, b) => a + b, 0)).toBe(10);
    expect(d.buckets).toEqual([
      [1, 0],
      [5, 5],
      [20, 5],
    ]);
    expect(summaryDistribution(3, 6, []).buckets).toEqual([[2, 3]]);
    expect(summaryDistribution(0, 0, []).buckets).toEqual([]);
  });
});
