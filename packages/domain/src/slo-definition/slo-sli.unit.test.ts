import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/domain-error.js';
import {
  MAX_WINDOW_EVENTS,
  sli,
  sliContributions,
  sliMatchesGroup,
  sliMetrics,
  type Sli,
} from './slo-values.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const ratio: Sli = {
  kind: 'ratio',
  goodMetric: 'checkout.requests.good',
  totalMetric: 'checkout.requests',
  filter: { service: 'payments-api' },
};
const latency: Sli = {
  kind: 'latency',
  metric: 'http.server.duration',
  percentile: 'p95',
  threshold: 300,
  filter: {},
};
const values = (over: Partial<Record<'count' | 'sum' | 'p50' | 'p95' | 'p99', number>> = {}) => ({
  count: 120,
  sum: 60,
  p50: 100,
  p95: 250,
  p99: 400,
  ...over,
});

describe('sli', () => {
  it('normalises names and sorts the filter', () => {
    expect(
      sli({ ...ratio, goodMetric: ' a ', totalMetric: 'b', filter: { z: '1', a: '2' } }),
    ).toEqual({ kind: 'ratio', goodMetric: 'a', totalMetric: 'b', filter: { a: '2', z: '1' } });
    expect(Object.keys(sli({ ...ratio, filter: { z: '1', a: '2' } }).filter)).toEqual(['a', 'z']);
  });

  it.each([
    [{ ...ratio, goodMetric: 'x', totalMetric: 'x' }, 'same metric twice'],
    [{ ...ratio, goodMetric: 'a'.repeat(257) }, 'too long a name'],
    [{ ...latency, threshold: 0 }, 'zero threshold'],
    [{ ...latency, threshold: Number.NaN }, 'NaN threshold'],
    [{ ...latency, percentile: 'p90' }, 'unknown percentile'],
    [{ ...latency, filter: { '': 'x' } }, 'blank filter key'],
    [
      { ...latency, filter: Object.fromEntries([...Array(21).keys()].map((i) => [`k${i}`, 'v'])) },
      'too many filter entries',
    ],
    [{ kind: 'selector', metric: 'x' }, 'unknown kind'],
  ] as [unknown, string][])('refuses %j (%s)', (input) => {
    expect(codeOf(() => sli(input as Sli))).toBe('slo.invalid_indicator');
  });

  it('lists the metrics an indicator reads', () => {
    expect(sliMetrics(ratio)).toEqual(['checkout.requests', 'checkout.requests.good']);
    expect(sliMetrics(latency)).toEqual(['http.server.duration']);
  });

  it('matches a group that carries every filter value', () => {
    expect(sliMatchesGroup(ratio, { service: 'payments-api', region: 'eu' })).toBe(true);
    expect(sliMatchesGroup(ratio, { service: 'cart' })).toBe(false);
    expect(sliMatchesGroup(ratio, {})).toBe(false);
    expect(sliMatchesGroup(latency, {})).toBe(true);
  });
});

describe('sliContributions', () => {
  it('ratio: the window sum of the good and of the total metric, rounded', () => {
    expect(sliContributions(ratio, 'checkout.requests.good', values({ sum: 97.4 }))).toEqual([
      { role: 'good', events: 97 },
    ]);
    expect(sliContributions(ratio, 'checkout.requests', values({ sum: 100 }))).toEqual([
      { role: 'total', events: 100 },
    ]);
    expect(sliContributions(ratio, 'other', values())).toEqual([]);
  });

  it('ratio: a negative or huge sum counts as 0 or the cap', () => {
    expect(sliContributions(ratio, 'checkout.requests', values({ sum: -5 }))).toEqual([
      { role: 'total', events: 0 },
    ]);
    expect(sliContributions(ratio, 'checkout.requests', values({ sum: 1e300 }))).toEqual([
      { role: 'total', events: MAX_WINDOW_EVENTS },
    ]);
  });

  it.each([
    [250, 120, 120],
    [300, 120, 120],
    [300.5, 0, 120],
    [900, 0, 120],
  ])('latency p95 %s vs threshold 300 → %s good of %s', (p95, good, total) => {
    expect(sliContributions(latency, 'http.server.duration', values({ p95 }))).toEqual([
      { role: 'good', events: good },
      { role: 'total', events: total },
    ]);
  });

  it('latency: another metric contributes nothing; an empty window contributes zeros', () => {
    expect(sliContributions(latency, 'x', values())).toEqual([]);
    expect(sliContributions(latency, 'http.server.duration', values({ count: 0 }))).toEqual([
      { role: 'good', events: 0 },
      { role: 'total', events: 0 },
    ]);
  });
});
