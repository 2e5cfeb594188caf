import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromError } from '../promql/errors.js';
import { nativeHistogramPoint } from './native-histogram.js';
import { decodeWriteRequest, ProtobufError, type RemoteHistogram } from './remote-write-decode.js';
import { decodeWriteRequestReflection, encodeWriteRequest } from './remote-write-proto.js';
import { remoteWriteToOtlp } from './remote-write-otlp.js';

const DIMS = {
  project_id: 'p',
  module_id: 'm',
  artifact_id: 'a',
  execution_id: 'e',
  agent_id: 'none',
  service_name: 's',
  service_version: '1',
  deployment_environment_name: 'prod',
  cloud_region: 'eu',
  telemetry_origin: 'factory',
};

const histogram = (overrides: Partial<RemoteHistogram> = {}): RemoteHistogram => ({
  count: 0,
  sum: 0,
  schema: 0,
  zeroThreshold: 0,
  zeroCount: 0,
  negativeSpans: [],
  negativeDeltas: [],
  negativeCounts: [],
  positiveSpans: [],
  positiveDeltas: [],
  positiveCounts: [],
  resetHint: 0,
  timestamp: 0,
  customValues: [],
  ...overrides,
});

const span = fc.record({ offset: fc.integer({ min: -5, max: 5 }), length: fc.nat(4) });
const arbHistogram = fc.record({
  count: fc.nat(1_000_000),
  sum: fc.double({ noNaN: true }),
  schema: fc.integer({ min: -4, max: 8 }),
  zeroThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
  zeroCount: fc.nat(1000),
  negativeSpans: fc.array(span, { maxLength: 3 }),
  negativeDeltas: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 6 }),
  negativeCounts: fc.constant([]),
  positiveSpans: fc.array(span, { maxLength: 3 }),
  positiveDeltas: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 6 }),
  positiveCounts: fc.array(fc.double({ noNaN: true }), { maxLength: 3 }),
  resetHint: fc.integer({ min: 0, max: 3 }),
  timestamp: fc.integer({ min: -1e12, max: 4e12 }),
  customValues: fc.array(fc.double({ noNaN: true }), { maxLength: 3 }),
});
const arbRequest = fc.record({
  series: fc.array(
    fc.record({
      labels: fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
      samples: fc.array(
        fc.record({
          value: fc.double({ noNaN: true }),
          timestamp: fc.integer({ min: -1e12, max: 4e12 }),
        }),
        { maxLength: 4 },
      ),
      histograms: fc.array(arbHistogram, { maxLength: 2 }),
    }),
    { maxLength: 4 },
  ),
  metadata: fc.array(
    fc.record({ type: fc.integer({ min: 0, max: 7 }), family: fc.string(), unit: fc.string() }),
    { maxLength: 2 },
  ),
});

describe('the static decoder (protobufjs/minimal) against protobufjs reflection over remote.proto', () => {
  it('decodes every request as the reflection decoder does', () => {
    fc.assert(
      fc.property(arbRequest, (request) => {
        const bytes = encodeWriteRequest(request);
        expect(decodeWriteRequest(bytes)).toEqual(decodeWriteRequestReflection(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every truncation of a request with a ProtobufError, never another error', () => {
    fc.assert(
      fc.property(arbRequest, fc.nat(), (request, cut) => {
        const bytes = encodeWriteRequest(request);
        if (bytes.length === 0) return;
        const end = cut % bytes.length;
        try {
          decodeWriteRequest(bytes.subarray(0, end));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a native histogram: integer deltas, float counts, custom values, the stale sum', () => {
    const h = {
      count: 7,
      sum: 12.5,
      schema: 3,
      zeroThreshold: 1e-128,
      zeroCount: 1,
      positiveSpans: [
        { offset: -2, length: 2 },
        { offset: 3, length: 1 },
      ],
      positiveDeltas: [2, 1, -2],
      resetHint: 2,
      timestamp: 1_767_225_600_123,
    };
    const bytes = encodeWriteRequest({
      series: [{ labels: { __name__: 'h' }, samples: [], histograms: [h] }],
    });
    const series = decodeWriteRequest(bytes).series[0];
    expect(series?.histograms).toBe(1);
    expect(series?.nativeHistograms?.[0]).toEqual(histogram(h));
    // The sum's 8 bytes follow its tag (field 3, wire type 1: 0x19): write the StaleNaN there.
    const at = bytes.indexOf(0x19) + 1;
    new DataView(bytes.buffer).setBigUint64(at, 0x7ff0000000000002n, true);
    expect(decodeWriteRequest(bytes).series[0]?.nativeHistograms?.[0]?.stale).toBe(true);
  });
});

describe('native histograms → OTLP points', () => {
  const where = () => '{__name__="h"}';

  it('an exponential schema becomes an exponential histogram of that scale, offsets one less', () => {
    const point = nativeHistogramPoint(
      histogram({
        count: 7,
        sum: 12.5,
        schema: 3,
        zeroCount: 1,
        zeroThreshold: 0.001,
        positiveSpans: [
          { offset: -2, length: 2 },
          { offset: 3, length: 1 },
        ],
        // Counts 2, 3 at indexes −2, −1; 1 at index 3.
        positiveDeltas: [2, 1, -2],
        negativeSpans: [{ offset: 0, length: 1 }],
        negativeCounts: [0],
        timestamp: 5,
      }),
      where,
    );
    expect(point).toEqual({
      kind: 'exponentialHistogram',
      point: {
        timeUnixNano: '5000000',
        count: '7',
        sum: 12.5,
        scale: 3,
        zeroCount: '1',
        zeroThreshold: 0.001,
        positive: { offset: -3, bucketCounts: ['2', '3', '0', '0', '0', '1'] },
        negative: { offset: 0, bucketCounts: [] },
      },
    });
  });

  it('custom buckets (schema −53) become an explicit-bucket histogram over the custom values', () => {
    const point = nativeHistogramPoint(
      histogram({
        count: 6,
        sum: 3,
        schema: -53,
        customValues: [0.1, 0.5, 1],
        positiveSpans: [
          { offset: 0, length: 1 },
          { offset: 1, length: 2 },
        ],
        positiveCounts: [1, 2, 3],
      }),
      where,
    );
    expect(point).toEqual({
      kind: 'histogram',
      point: {
        timeUnixNano: '0',
        count: '6',
        sum: 3,
        explicitBounds: [0.1, 0.5, 1],
        bucketCounts: ['1', '0', '2', '3'],
      },
    });
  });

  it('a stale histogram is skipped; gauge histograms, other schemas, fractional counts refused naming the series', () => {
    expect(nativeHistogramPoint(histogram({ stale: true, sum: NaN }), where)).toBeUndefined();
    for (const [h, words] of [
      [histogram({ resetHint: 3 }), 'gauge histograms are not accepted'],
      [histogram({ schema: 9 }), 'native histogram schema 9 is not accepted'],
      [histogram({ count: 1.5 }), 'fractional or negative counts'],
      [
        histogram({
          schema: -53,
          customValues: [1],
          positiveSpans: [{ offset: 2, length: 1 }],
          positiveDeltas: [1],
        }),
        'beyond its custom values',
      ],
    ] as const) {
      let error: unknown;
      try {
        nativeHistogramPoint(h, where);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PromError);
      expect((error as PromError).type).toBe('bad_data');
      expect((error as PromError).message).toContain(words);
      expect((error as PromError).message).toContain('{__name__="h"}');
    }
  });

  it('remoteWriteToOtlp: a series of native histograms is one cumulative histogram metric under its name', () => {
    const { request, samples, skipped } = remoteWriteToOtlp(
      {
        series: [
          {
            labels: { __name__: 'rpc_duration_seconds', job: 'api', ...DIMS },
            samples: [],
            histograms: 2,
            nativeHistograms: [
              histogram({
                count: 1,
                sum: 0.5,
                positiveSpans: [{ offset: 0, length: 1 }],
                positiveDeltas: [1],
                timestamp: 1,
              }),
              histogram({ stale: true, sum: NaN, timestamp: 2 }),
            ],
          },
        ],
        metadata: [],
      },
      't1',
    );
    expect([samples, skipped]).toEqual([2, 1]);
    const metrics = request.resourceMetrics?.[0]?.scopeMetrics?.[0]?.metrics ?? [];
    expect(metrics).toHaveLength(1);
    expect(metrics[0]?.name).toBe('rpc_duration_seconds');
    expect(metrics[0]?.exponentialHistogram?.aggregationTemporality).toBe(2);
    expect(metrics[0]?.exponentialHistogram?.dataPoints).toHaveLength(1);
  });
});
