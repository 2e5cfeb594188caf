import { getEvent, type PayloadOf } from '@obs/event-envelope';
import { describe, expect, it } from 'vitest';
import type { CumulativePoint } from './cumulative.js';
import { spanMetricPoints, spanMetricStreams } from './span-metrics-points.js';

type Payload = PayloadOf<'SpanMetricsRecorded'>;
const EXAMPLE = getEvent('SpanMetricsRecorded', 1).example.payload as Payload;
const TENANT = EXAMPLE.series[0]?.dimensions.tenantId as string;
const AT = Date.parse(EXAMPLE.observedAt);

const payload = (
  observedAt: number,
  calls: number,
  bucket: number,
  extra: Partial<Payload> = {},
) => {
  const series = EXAMPLE.series[0] as Payload['series'][number];
  const bucketCounts = series.bucketCounts.map((_, i) => (i === bucket ? calls : 0));
  return {
    ...EXAMPLE,
    observedAt: new Date(observedAt).toISOString(),
    series: [{ ...series, calls, durationSumMs: calls * 10, bucketCounts }],
    ...extra,
  };
};

/** Applies payloads in order, keeping the totals as cumulative_streams would. */
function run(...payloads: Payload[]) {
  const store = new Map<string, CumulativePoint | undefined>();
  return payloads.map((p) => {
    const out = spanMetricPoints(TENANT, p, store);
    for (const { id, point } of out.totals) store.set(id, point);
    return out;
  });
}

describe('span metrics as points', () => {
  it('labels both streams with the dimensions and span.name, span.kind, status.code', () => {
    const streams = spanMetricStreams(TENANT, EXAMPLE.series[0] as Payload['series'][number]);
    expect(streams.calls).toMatchObject({
      metricName: 'traces.service.calls',
      unit: '{call}',
      kind: 'sum',
      promType: 'counter',
      attributes: {
        'span.name': 'POST /v1/payments',
        'span.kind': 'SPAN_KIND_SERVER',
        'status.code': 'STATUS_CODE_ERROR',
      },
    });
    expect(streams.calls.labels).toMatchObject({ service: 'payments-api', projectId: 'checkout' });
    expect(streams.duration).toMatchObject({
      metricName: 'traces.service.duration',
      unit: 'ms',
      kind: 'histogram',
      promType: 'histogram',
    });
  });

  it('gives the windows each run’s deltas and Prometheus the running totals', () => {
    const [first, second] = run(payload(AT, 3, 5), payload(AT + 1_000, 2, 7));
    const [calls1, duration1] = first?.points ?? [];
    const [calls2, duration2] = second?.points ?? [];
    expect([calls1?.value, calls1?.prom, calls2?.value, calls2?.prom]).toEqual([3, 3, 2, 5]);
    expect(calls2?.contribution).toEqual({ kind: 'value', value: 2 });
    expect(duration2?.contribution).toMatchObject({
      kind: 'distribution',
      distribution: { count: 2, sum: 20 },
    });
    expect(duration1?.prom).toMatchObject({ count: 3, sum: 30 });
    const total = duration2?.prom as { count: number; sum: number; buckets: number[] };
    expect([total.count, total.sum, total.buckets[5], total.buckets[7]]).toEqual([5, 50, 3, 2]);
    // The total keeps its start across runs.
    expect(second?.totals[0]?.point.startNs).toBe(first?.totals[0]?.point.startNs);
  });

  it('never moves a stream back in time: an older event is written at the stream’s last time', () => {
    const [, older] = run(payload(AT + 5_000, 1, 0), payload(AT, 1, 0));
    expect(older?.points.map((p) => p.at)).toEqual([AT + 5_000, AT + 5_000]);
    expect(older?.points[0]?.prom).toBe(2);
  });

  it('restarts the histogram total when the bucket layout changes', () => {
    const [, changed] = run(
      payload(AT, 4, 0),
      payload(AT + 1_000, 1, 0, { durationBoundsMs: [1, 2, 3] }),
    );
    expect(changed?.points[1]?.prom).toMatchObject({ count: 1, bounds: [1, 2, 3] });
    expect(changed?.totals.find((t) => t.point.state.kind === 'histogram')?.point.startNs).toBe(
      BigInt(AT + 1_000) * 1_000_000n,
    );
  });

  it('refuses a series of another tenant', () => {
    expect(() => spanMetricPoints('someone-else', payload(AT, 1, 0), new Map())).toThrow(
      expect.objectContaining({ code: 'telemetry.tenant_mismatch' }),
    );
  });
});
