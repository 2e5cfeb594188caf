import { describe, expect, it } from 'vitest';
import { evaluate } from './engine.js';
import { PromError } from './errors.js';
import { parsePromQL } from './parse.js';
import { bucketQuantile, parseGoFloat } from './quantile.js';
import { load, memoryQuerier } from './test-querier.js';
import type { SeriesData } from './values.js';

const M = 60_000;

/** Equal within 1e-12, NaN and infinities equal to themselves. */
function close(actual: number | undefined, expected: number): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) expect(actual).toBe(expected);
  else expect(actual).toBeCloseTo(expected, 12);
}

async function vector(data: SeriesData[], query: string, at: number) {
  const result = await evaluate(parsePromQL(query), memoryQuerier(data), {
    start: at,
    end: at,
    step: 0,
    lookbackMs: 5 * M,
    limits: { maxSamples: 1_000_000, maxSeries: 1_000 },
    deadline: Number.MAX_SAFE_INTEGER,
  });
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

// Prometheus' promql/promqltest/testdata/histograms.test (v3), the classic-bucket cases.
const data = load(
  5 * M,
  `
testhistogram_bucket{le="0.1",start="positive"} 0+5x10
testhistogram_bucket{le=".2",start="positive"} 0+7x10
testhistogram_bucket{le="1e0",start="positive"} 0+11x10
testhistogram_bucket{le="+Inf",start="positive"} 0+12x10
testhistogram_bucket{le="-.2",start="negative"} 0+1x10
testhistogram_bucket{le="-0.1",start="negative"} 0+2x10
testhistogram_bucket{le="0.3",start="negative"} 0+2x10
testhistogram_bucket{le="+Inf",start="negative"} 0+3x10
testhistogram2_bucket{le="0"} 0+0x10
testhistogram2_bucket{le="2"} 0+1x10
testhistogram2_bucket{le="4"} 0+2x10
testhistogram2_bucket{le="6"} 0+3x10
testhistogram2_bucket{le="+Inf"} 0+3x10
testhistogram3_bucket{le="0",start="positive"} 0+0x10
testhistogram3_bucket{le="0.1",start="positive"} 0+5x10
testhistogram3_bucket{le=".2",start="positive"} 0+7x10
testhistogram3_bucket{le="1e0",start="positive"} 0+11x10
testhistogram3_bucket{le="+Inf",start="positive"} 0+11x10
testhistogram3_bucket{le="-.25",start="negative"} 0+0x10
testhistogram3_bucket{le="-.2",start="negative"} 0+1x10
testhistogram3_bucket{le="-0.1",start="negative"} 0+2x10
testhistogram3_bucket{le="0.3",start="negative"} 0+2x10
testhistogram3_bucket{le="+Inf",start="negative"} 0+2x10
request_duration_seconds_bucket{job="job1",instance="ins1",le="0.1"} 0+1x10
request_duration_seconds_bucket{job="job1",instance="ins1",le="0.2"} 0+3x10
request_duration_seconds_bucket{job="job1",instance="ins1",le="+Inf"} 0+4x10
request_duration_seconds_bucket{job="job1",instance="ins2",le="0.1"} 0+2x10
request_duration_seconds_bucket{job="job1",instance="ins2",le="0.2"} 0+5x10
request_duration_seconds_bucket{job="job1",instance="ins2",le="+Inf"} 0+6x10
request_duration_seconds_bucket{job="job2",instance="ins1",le="0.1"} 0+3x10
request_duration_seconds_bucket{job="job2",instance="ins1",le="0.2"} 0+4x10
request_duration_seconds_bucket{job="job2",instance="ins1",le="+Inf"} 0+6x10
request_duration_seconds_bucket{job="job2",instance="ins2",le="0.1"} 0+4x10
request_duration_seconds_bucket{job="job2",instance="ins2",le="0.2"} 0+7x10
request_duration_seconds_bucket{job="job2",instance="ins2",le="+Inf"} 0+9x10
mixed_bucket{job="job1",instance="ins1",le="0.1"} 0+1x10
mixed_bucket{job="job1",instance="ins1",le="0.2"} 0+1x10
mixed_bucket{job="job1",instance="ins1",le="2e-1"} 0+1x10
mixed_bucket{job="job1",instance="ins1",le="2.0e-1"} 0+1x10
mixed_bucket{job="job1",instance="ins1",le="+Inf"} 0+4x10
mixed_bucket{job="job1",instance="ins2",le="+inf"} 0+0x10
mixed_bucket{job="job1",instance="ins2",le="+Inf"} 0+0x10
nonmonotonic_bucket{le="0.1"} 0+2x10
nonmonotonic_bucket{le="1"} 0+1x10
nonmonotonic_bucket{le="10"} 0+5x10
nonmonotonic_bucket{le="100"} 0+4x10
nonmonotonic_bucket{le="1000"} 0+9x10
nonmonotonic_bucket{le="+Inf"} 0+8x10
`,
);

describe('histogram_quantile over classic buckets (promqltest histograms.test)', () => {
  it.each([
    ['histogram_quantile(0, testhistogram3_bucket)', 0, -0.25],
    ['histogram_quantile(0.25, testhistogram3_bucket)', 0.055, -0.225],
    ['histogram_quantile(0.5, testhistogram3_bucket)', 0.125, -0.2],
    ['histogram_quantile(0.75, testhistogram3_bucket)', 0.45, -0.15],
    ['histogram_quantile(1, testhistogram3_bucket)', 1, -0.1],
    ['histogram_quantile(-0.1, testhistogram_bucket)', -Infinity, -Infinity],
    ['histogram_quantile(1.01, testhistogram_bucket)', Infinity, Infinity],
    ['histogram_quantile(NaN, testhistogram_bucket)', NaN, NaN],
    ['histogram_quantile(0, testhistogram_bucket)', 0, -0.2],
    ['histogram_quantile(1, testhistogram_bucket)', 1, 0.3],
    ['histogram_quantile(0.2, testhistogram_bucket)', 0.048, -0.2],
    ['histogram_quantile(0.5, testhistogram_bucket)', 0.15, -0.15],
    ['histogram_quantile(0.8, testhistogram_bucket)', 0.72, 0.3],
    ['histogram_quantile(0.2, rate(testhistogram_bucket[10m]))', 0.048, -0.2],
    ['histogram_quantile(0.5, rate(testhistogram_bucket[10m]))', 0.15, -0.15],
    ['histogram_quantile(0.8, rate(testhistogram_bucket[10m]))', 0.72, 0.3],
  ])('%s at 50m', async (query, positive, negative) => {
    const out = await vector(data, query, 50 * M);
    expect(Object.keys(out).sort()).toEqual(['{start="negative"}', '{start="positive"}']);
    close(out['{start="positive"}'], positive);
    close(out['{start="negative"}'], negative);
  });

  it.each([
    ['histogram_quantile(1/6, testhistogram2_bucket)', 7, 1],
    ['histogram_quantile(0.5, testhistogram2_bucket)', 7, 3],
    ['histogram_quantile(5/6, testhistogram2_bucket)', 7, 5],
    ['histogram_quantile(1/6, rate(testhistogram2_bucket[15m]))', 47, 1],
    ['histogram_quantile(0.5, rate(testhistogram2_bucket[15m]))', 47, 3],
    ['histogram_quantile(5/6, rate(testhistogram2_bucket[15m]))', 47, 5],
    ['histogram_quantile(0.3, sum(rate(request_duration_seconds_bucket[10m])) by (le))', 50, 0.075],
    [
      'histogram_quantile(0.5, sum(rate(request_duration_seconds_bucket[10m])) by (le))',
      50,
      0.1277777777777778,
    ],
    [
      'histogram_quantile(0.5, avg(rate(request_duration_seconds_bucket[10m])) by (le))',
      50,
      0.1277777777777778,
    ],
    ['histogram_quantile(0.01, nonmonotonic_bucket)', 50, 0.0045],
    ['histogram_quantile(0.5, nonmonotonic_bucket)', 50, 8.5],
    ['histogram_quantile(0.99, nonmonotonic_bucket)', 50, 979.75],
  ])(
    '%s at %im: the middle of a bucket, aggregated, forced monotonic',
    async (query, at, value) => {
      const out = await vector(data, query, at * M);
      expect(Object.keys(out)).toEqual(['{}']);
      expect(out['{}']).toBeCloseTo(value, 12);
    },
  );

  it('groups by every label but le (sum by (le, job, instance) equals the unaggregated rate)', async () => {
    const expected = {
      '{instance="ins1",job="job1"}': 0.15,
      '{instance="ins2",job="job1"}': 0.13333333333333333,
      '{instance="ins1",job="job2"}': 0.1,
      '{instance="ins2",job="job2"}': 0.11666666666666667,
    };
    for (const query of [
      'histogram_quantile(0.5, sum(rate(request_duration_seconds_bucket[10m])) by (le, job, instance))',
      'histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m]))',
    ]) {
      const out = await vector(data, query, 50 * M);
      expect(Object.keys(out).sort()).toEqual(Object.keys(expected).sort());
      for (const [k, v] of Object.entries(expected)) expect(out[k]).toBeCloseTo(v, 12);
    }
    const byJob = await vector(
      data,
      'histogram_quantile(0.3, sum(rate(request_duration_seconds_bucket[10m])) by (le, job))',
      50 * M,
    );
    expect(byJob['{job="job1"}']).toBeCloseTo(0.1, 12);
    expect(byJob['{job="job2"}']).toBeCloseTo(0.0642857142857143, 12);
  });

  it('le spellings of one bound coalesce; a histogram without observations is NaN', async () => {
    for (const [q, v] of [
      [0.5, 0.15],
      [0.75, 0.2],
      [1, 0.2],
    ] as const) {
      const out = await vector(data, `histogram_quantile(${q}, rate(mixed_bucket[10m]))`, 50 * M);
      expect(out['{instance="ins1",job="job1"}']).toBeCloseTo(v, 12);
      expect(out['{instance="ins2",job="job1"}']).toBeNaN();
    }
  });

  it('no input, no output; the name is dropped; series without le or with a bad le are skipped', async () => {
    expect(await vector(data, 'histogram_quantile(0.5, non_existent)', 50 * M)).toEqual({});
    const odd = load(
      M,
      `
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_bucket{le="x"} 7
h_bucket 9
`,
    );
    expect(await vector(odd, 'histogram_quantile(0.5, h_bucket)', 0)).toEqual({ '{}': 1 });
  });

  it('two histograms that differ only by name give duplicate label sets: execution error', async () => {
    const two = load(
      M,
      `
a_bucket{le="1"} 1
a_bucket{le="+Inf"} 1
b_bucket{le="1"} 1
b_bucket{le="+Inf"} 1
`,
    );
    await expect(
      vector(two, 'histogram_quantile(0.5, {__name__=~"a_bucket|b_bucket"})', 0),
    ).rejects.toSatisfy((e) => e instanceof PromError && e.type === 'execution');
  });
});

describe('bucketQuantile edge cases (quantile.go)', () => {
  it('needs a +Inf bucket and at least two buckets', () => {
    expect(bucketQuantile(0.5, [{ upperBound: 1, count: 3 }])).toBeNaN();
    expect(bucketQuantile(0.5, [{ upperBound: Infinity, count: 3 }])).toBeNaN();
    expect(bucketQuantile(0.5, [])).toBeNaN();
  });

  it('the +Inf bucket answers the second-highest bound; a non-positive lowest bound is returned as is', () => {
    const buckets = [
      { upperBound: 1, count: 1 },
      { upperBound: Infinity, count: 10 },
    ];
    expect(bucketQuantile(0.99, buckets)).toBe(1);
    expect(bucketQuantile(0.05, buckets)).toBe(0.5);
    expect(
      bucketQuantile(0.1, [
        { upperBound: -1, count: 5 },
        { upperBound: Infinity, count: 10 },
      ]),
    ).toBe(-1);
  });

  it('float noise between buckets is smoothed, not read as a decrease', () => {
    const q = bucketQuantile(0.5, [
      { upperBound: 1, count: 10 },
      { upperBound: 2, count: 10 * (1 - 1e-14) },
      { upperBound: 3, count: 20 },
      { upperBound: Infinity, count: 20 },
    ]);
    expect(q).toBe(1);
  });
});

describe('parseGoFloat (strconv.ParseFloat)', () => {
  it.each([
    ['1', 1],
    ['.2', 0.2],
    ['1e0', 1],
    ['2.0e-1', 0.2],
    ['+Inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['0x1p-2', 0.25],
    ['-5', -5],
  ])('%s is %d', (text, value) => expect(parseGoFloat(text)).toBe(value));

  it.each(['', 'x', '1_000', '+NaN', '1e', '0x10'])('%j is not a float', (text) =>
    expect(parseGoFloat(text)).toBeUndefined(),
  );

  it('NaN is NaN', () => expect(parseGoFloat('NaN')).toBeNaN());
});
