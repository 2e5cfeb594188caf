import { describe, expect, it } from 'vitest';
import { evaluate, type QueryResult } from './engine.js';
import { PromError } from './errors.js';
import { parsePromQL } from './parse.js';
import { load, memoryQuerier } from './test-querier.js';
import type { SeriesData } from './values.js';

const M = 60_000;
const LIMITS = { maxSamples: 1_000_000, maxSeries: 1_000 };

async function instant(data: SeriesData[], query: string, at: number): Promise<QueryResult> {
  return evaluate(parsePromQL(query), memoryQuerier(data), {
    start: at,
    end: at,
    step: 0,
    lookbackMs: 5 * M,
    limits: LIMITS,
    deadline: Number.MAX_SAFE_INTEGER,
  });
}

/** The instant vector as `{labels} value` lines, sorted, like promql/testdata's expectations. */
async function vector(
  data: SeriesData[],
  query: string,
  at: number,
): Promise<Record<string, number>> {
  const result = await instant(data, query, at);
  if (result.resultType !== 'vector') throw new Error(`not a vector: ${result.resultType}`);
  return Object.fromEntries(
    result.result.map((s) => [
      `{${Object.keys(s.labels)
        .sort()
        .map((k) => `${k}="${s.labels[k] as string}"`)
        .join(',')}}`,
      s.value,
    ]),
  );
}

async function refusal(data: SeriesData[], query: string): Promise<PromError> {
  try {
    await instant(data, query, 0);
  } catch (error) {
    if (error instanceof PromError) return error;
    throw error;
  }
  throw new Error(`${query} was evaluated`);
}

// promql/testdata/functions.test: the http_requests_total counters of the increase() tests.
const requests = load(
  5 * M,
  `
http_requests_total{path="/foo"} 0+10x10
http_requests_total{path="/bar"} 0+10x5 0+10x5
http_requests_total{path="/dings"} 10+10x10
http_requests_total{path="/bumms"} 1+10x10
`,
);

describe('rate, increase, delta, irate (extrapolatedRate)', () => {
  it('increase over 50m at 50m: samples in (0, 50m], extrapolated to the range start, bounded by the zero point', async () => {
    const out = await vector(requests, 'increase(http_requests_total[50m])', 50 * M);
    expect(out['{path="/foo"}']).toBeCloseTo(100, 12);
    expect(out['{path="/dings"}']).toBeCloseTo(100, 12);
    expect(out['{path="/bumms"}']).toBeCloseTo(100, 12);
    // 10..50, reset, 0..40: 30 + 50 = 80, extrapolated by (2700 + 300) / 2700.
    expect(out['{path="/bar"}']).toBeCloseTo((80 * 3000) / 2700, 12);
  });

  it('rate is increase per second of the range; the metric name is dropped', async () => {
    const out = await vector(requests, 'rate(http_requests_total{path="/foo"}[50m])', 50 * M);
    expect(Object.keys(out)).toEqual(['{path="/foo"}']);
    expect(out['{path="/foo"}']).toBeCloseTo(100 / 3000, 15);
  });

  it('a counter that starts inside the range extrapolates only to its zero point', async () => {
    const data = load(M, 'c 5 10 15');
    // samples at 0, 1m, 2m; range (−8m, 2m]: durationToStart capped at half an interval (30s),
    // then at the zero point: 120 s × 5 / 10 = 60 s is not shorter, so 30 s.
    const out = await vector(data, 'increase(c[10m])', 2 * M);
    expect(out['{}']).toBeCloseTo((10 * (120 + 30)) / 120, 12);
  });

  it('delta is not reset-corrected and irate reads the last two samples', async () => {
    const data = load(M, 'g 10 4 7');
    // Range (−1m, 2m]: the first sample is 60 s from the start, under 1.1 intervals: extrapolated.
    expect((await vector(data, 'delta(g[3m])', 2 * M))['{}']).toBeCloseTo(
      (-3 * (120 + 60 + 0)) / 120,
      12,
    );
    expect((await vector(data, 'irate(g[3m])', 2 * M))['{}']).toBeCloseTo(3 / 60, 15);
    // A drop is a counter reset for irate: the last value over the interval.
    expect((await vector(data, 'irate(g[90s])', 1 * M))['{}']).toBeCloseTo(4 / 60, 15);
  });

  it('one sample in range gives no rate', async () => {
    expect(await vector(requests, 'rate(http_requests_total[5m])', 0)).toEqual({});
  });
});

describe('selectors', () => {
  const data = load(M, 'm{a="1"} 1 2 _ _ _ _ _ _ 9');
  it('an instant selector reads the newest sample within 5 minutes (left-open lookback)', async () => {
    expect(await vector(data, 'm', 1 * M)).toEqual({ '{__name__="m",a="1"}': 2 });
    expect(await vector(data, 'm', 5 * M)).toEqual({ '{__name__="m",a="1"}': 2 });
    // At 6m the 1m sample is exactly 5 minutes old: outside (t − 5m, t].
    expect(await vector(data, 'm', 6 * M)).toEqual({});
    expect(await vector(data, 'm offset 7m', 8 * M)).toEqual({ '{__name__="m",a="1"}': 2 });
  });

  it('all four matchers, anchored regular expressions', async () => {
    const d = load(M, 'x{job="api"} 1\nx{job="api-2"} 2\nx{job="web"} 3');
    expect(Object.keys(await vector(d, 'x{job=~"api"}', 0))).toEqual(['{__name__="x",job="api"}']);
    expect(Object.keys(await vector(d, 'x{job!~"api.*"}', 0))).toEqual([
      '{__name__="x",job="web"}',
    ]);
    expect(Object.keys(await vector(d, 'x{job!="web"}', 0))).toHaveLength(2);
    expect(Object.keys(await vector(d, '{__name__="x",job="web"}', 0))).toHaveLength(1);
  });

  it('range query: one point per step from start, the scalar as the {} series', async () => {
    const result = await evaluate(parsePromQL('m'), memoryQuerier(data), {
      start: 30_000,
      end: 3 * M,
      step: 60_000,
      lookbackMs: 5 * M,
      limits: LIMITS,
      deadline: Number.MAX_SAFE_INTEGER,
    });
    expect(result.resultType).toBe('matrix');
    if (result.resultType !== 'matrix') return;
    expect(result.result[0]?.t).toEqual([30_000, 90_000, 150_000]);
    expect(result.result[0]?.v).toEqual([1, 2, 2]);
  });
});

describe('aggregations', () => {
  const d = load(
    M,
    `
req{job="a",instance="1"} 1
req{job="a",instance="2"} 5
req{job="b",instance="1"} 10
req{job="b",instance="2"} NaN
`,
  );
  it('sum, avg, min, max, count with by and without', async () => {
    expect(await vector(d, 'sum by (job) (req)', 0)).toEqual({ '{job="a"}': 6, '{job="b"}': NaN });
    expect(await vector(d, 'count without (instance) (req)', 0)).toEqual({
      '{job="a"}': 2,
      '{job="b"}': 2,
    });
    expect(await vector(d, 'avg(req{job="a"})', 0)).toEqual({ '{}': 3 });
    // NaN is replaced by any number in min/max.
    expect(await vector(d, 'max by (job) (req)', 0)).toEqual({ '{job="a"}': 5, '{job="b"}': 10 });
    expect(await vector(d, 'min(req)', 0)).toEqual({ '{}': 1 });
  });

  it('topk and bottomk keep the series labels, per group, NaN last', async () => {
    expect(await vector(d, 'topk(1, req)', 0)).toEqual({
      '{__name__="req",instance="1",job="b"}': 10,
    });
    expect(await vector(d, 'bottomk by (job) (1, req)', 0)).toEqual({
      '{__name__="req",instance="1",job="a"}': 1,
      '{__name__="req",instance="1",job="b"}': 10,
    });
    expect(await vector(d, 'topk(0, req)', 0)).toEqual({});
  });
});

describe('binary operators', () => {
  const d = load(
    M,
    `
a{job="x",i="1"} 1
a{job="x",i="2"} 4
b{job="x",i="1"} 10
b{job="x",i="2"} 20
c{job="x"} 100
`,
  );
  it('arithmetic between vectors matches on all labels but the name, which is dropped', async () => {
    expect(await vector(d, 'a + b', 0)).toEqual({ '{i="1",job="x"}': 11, '{i="2",job="x"}': 24 });
    expect(await vector(d, 'a / on(i) b', 0)).toEqual({ '{i="1"}': 0.1, '{i="2"}': 0.2 });
    expect(await vector(d, 'a * ignoring(i) c', 0).catch((e: PromError) => e.message)).toMatch(
      /many-to-one matching must be explicit/,
    );
  });

  it('comparisons filter and keep the name; bool gives 0/1 without it', async () => {
    expect(await vector(d, 'a > 2', 0)).toEqual({ '{__name__="a",i="2",job="x"}': 4 });
    expect(await vector(d, '2 < a', 0)).toEqual({ '{__name__="a",i="2",job="x"}': 4 });
    expect(await vector(d, 'a > bool 2', 0)).toEqual({
      '{i="1",job="x"}': 0,
      '{i="2",job="x"}': 1,
    });
    expect(await vector(d, 'b > on(i) a * 5', 0)).toEqual({ '{i="1"}': 10 });
    expect(await vector(d, 'b >= on(i) a * 5', 0)).toEqual({ '{i="1"}': 10, '{i="2"}': 20 });
    const scalar = await instant(d, '1 < bool 2', 0);
    expect(scalar).toEqual({ resultType: 'scalar', result: [0, 1] });
  });

  it('a unary minus binds below ^, as in Prometheus (lezer-promql lexes `-2` as one literal)', async () => {
    expect(await instant(d, '-2 ^ 2', 0)).toEqual({ resultType: 'scalar', result: [0, -4] });
    expect(await instant(d, '-2 ^ 3 ^ 2', 0)).toEqual({ resultType: 'scalar', result: [0, -512] });
    expect(await instant(d, '2 ^ -2 ^ 2', 0)).toEqual({
      resultType: 'scalar',
      result: [0, 1 / 16],
    });
    expect(await instant(d, '(-2) ^ 2', 0)).toEqual({ resultType: 'scalar', result: [0, 4] });
    expect(await vector(d, '-2 ^ a', 0)).toEqual({ '{i="1",job="x"}': -2, '{i="2",job="x"}': -16 });
  });

  it('offset binds to the selector before it, not to a whole binary expression', async () => {
    const series = load(M, `m{i="1"} 1 2 3`);
    expect(await vector(series, 'm - m offset 2m', 2 * M)).toEqual({ '{i="1"}': 2 });
    expect(await vector(series, 'm unless m offset 3m', 2 * M)).toEqual({
      '{__name__="m",i="1"}': 3,
    });
    expect(await vector(series, '-m offset 1m', 2 * M)).toEqual({ '{i="1"}': -2 });
    expect((await refusal(series, '(m + m) offset 1m')).message).toContain(
      'offset modifier must be preceded by an instant vector selector',
    );
  });

  it('set operators', async () => {
    expect(Object.keys(await vector(d, 'a and on(i) (b > 15)', 0))).toEqual([
      '{__name__="a",i="2",job="x"}',
    ]);
    expect(Object.keys(await vector(d, 'a unless on(i) (b > 15)', 0))).toEqual([
      '{__name__="a",i="1",job="x"}',
    ]);
    expect(Object.keys(await vector(d, 'c or a', 0))).toHaveLength(3);
  });

  it('duplicate series on the right of a one-to-one match are an execution error', async () => {
    const error = await refusal(d, 'c + on(job) a');
    expect(error.type).toBe('execution');
    expect(error.message).toMatch(
      /found duplicate series for the match group \{job="x"\} on the right hand-side/,
    );
    // The two series in label order, whichever came first (Prometheus sorts them likewise).
    expect((await refusal(d, 'c + ignoring(i) sum by (i) (b)')).message).toContain(
      '[{i="1"}, {i="2"}]',
    );
    const reversed = load(M, `b{job="x",i="2"} 20\nb{job="x",i="1"} 10\nc{job="x"} 100`);
    expect((await refusal(reversed, 'c + ignoring(i) sum by (i) (b)')).message).toContain(
      '[{i="1"}, {i="2"}]',
    );
  });
});

describe('functions', () => {
  const d = load(M, 'g{k="v"} -2.5 3 7.25');
  it('abs, clamp_min, clamp_max, round drop the name', async () => {
    expect(await vector(d, 'abs(g)', 0)).toEqual({ '{k="v"}': 2.5 });
    expect(await vector(d, 'clamp_min(g, 0)', 0)).toEqual({ '{k="v"}': 0 });
    expect(await vector(d, 'clamp_max(g, -3)', 0)).toEqual({ '{k="v"}': -3 });
    expect(await vector(d, 'round(g)', 0)).toEqual({ '{k="v"}': -2 });
    expect(await vector(d, 'round(g, 5)', 2 * M)).toEqual({ '{k="v"}': 5 });
  });

  it('*_over_time over (t − range, t]', async () => {
    expect(await vector(d, 'sum_over_time(g[2m])', 2 * M)).toEqual({ '{k="v"}': 10.25 });
    expect(await vector(d, 'avg_over_time(g[3m])', 2 * M)).toEqual({ '{k="v"}': 7.75 / 3 });
    expect(await vector(d, 'count_over_time(g[3m])', 2 * M)).toEqual({ '{k="v"}': 3 });
    expect(await vector(d, 'min_over_time(g[3m])', 2 * M)).toEqual({ '{k="v"}': -2.5 });
    expect(await vector(d, 'max_over_time(g[1m])', 2 * M)).toEqual({ '{k="v"}': 7.25 });
  });

  it('time, vector, scalar', async () => {
    expect(await instant(d, 'time()', 90_000)).toEqual({
      resultType: 'scalar',
      result: [90_000, 90],
    });
    expect(await vector(d, 'vector(time())', 90_000)).toEqual({ '{}': 90 });
    expect(await instant(d, 'scalar(g)', 0)).toEqual({ resultType: 'scalar', result: [0, -2.5] });
    expect(await instant(d, 'scalar(nothing)', 0)).toEqual({
      resultType: 'scalar',
      result: [0, NaN],
    });
  });

  it('label_replace keeps the name and expands Go templates', async () => {
    const s = load(M, 'up{job="api-server",src="a"} 1');
    expect(
      await vector(s, 'label_replace(up, "svc", "$1-${2}x", "job", "(\\\\w+)-(.*)")', 0),
    ).toEqual({ '{__name__="up",job="api-server",src="a",svc="api-serverx"}': 1 });
    // No match: unchanged; an empty result deletes the label.
    expect(await vector(s, 'label_replace(up, "src", "", "job", ".*")', 0)).toEqual({
      '{__name__="up",job="api-server"}': 1,
    });
  });

  it('a function that drops names into equal label sets is refused', async () => {
    const s = load(M, 'a{x="1"} 1\nb{x="1"} 2');
    const error = await refusal(s, 'abs({x="1"})');
    expect(error.message).toBe('vector cannot contain metrics with the same labelset');
  });
});

describe('what is not evaluated is refused, never guessed', () => {
  it.each([
    ['quantile_over_time(0.5, m[5m])', 'function "quantile_over_time"'],
    ['m[5m:1m]', 'subquery'],
    ['m @ 100', '@ modifier'],
    ['a + on(x) group_left b', 'group_left'],
    ['stddev(m)', 'aggregation "stddev"'],
  ])('%s answers 422 naming %s', async (query, part) => {
    const error = await refusal([], query);
    expect(error.type).toBe('execution');
    expect(error.message).toContain(part);
  });

  it.each([
    ['rate(m)', 'expected type range vector in call to function "rate", got instant vector'],
    ['sum(m[5m])', 'expected type instant vector in aggregation expression, got range vector'],
    ['1 > 2', 'comparisons between scalars must use BOOL modifier'],
    ['{a=""}', 'vector selector must contain at least one non-empty matcher'],
    ['m +', 'parse error'],
    ['topk(m)', 'wrong number of arguments'],
  ])('%s is bad_data: %s', async (query, message) => {
    const error = await refusal([], query);
    expect(error.type).toBe('bad_data');
    expect(error.message).toContain(message);
  });
});
