import { badData } from '../promql/errors.js';
import type { BucketSpan, RemoteHistogram } from './remote-write-decode.js';

/**
 * A remote-write native histogram sample as the cumulative OTLP point the same ingest path takes:
 *
 * - exponential schemas −4…8 → an OTLP exponential histogram of scale = schema (the same bucket
 *   boundaries base^i, base = 2^(2^−schema); Prometheus' bucket i is (base^(i−1), base^i], OTLP's
 *   (base^i, base^(i+1)], so OTLP offsets are one less), zero bucket and threshold as sent;
 * - custom buckets (schema −53, NHCB) → an OTLP explicit-bucket histogram, its custom values the
 *   bounds, so it is queried back as `_bucket{le}`, `_sum`, `_count`.
 *
 * Counts arrive as deltas (integer histograms) or absolute (float histograms). undefined: a
 * staleness marker, skipped like a stale float sample. Refused with 400 (bad_data, naming the
 * series): gauge histograms (reset hint GAUGE: OTLP has no cumulative form for a distribution
 * that goes up and down), other schemas, fractional counts (OTLP counts are integers), custom
 * buckets beyond the custom values.
 */

export type HistogramPoint =
  | { readonly kind: 'histogram'; readonly point: Record<string, unknown> }
  | { readonly kind: 'exponentialHistogram'; readonly point: Record<string, unknown> };

const GAUGE_HINT = 3;
const CUSTOM_BUCKETS_SCHEMA = -53;

/** Bucket index → count, from spans and either deltas (running sum) or absolute counts. */
function buckets(
  spans: readonly BucketSpan[],
  deltas: readonly number[],
  counts: readonly number[],
): [number, number][] {
  const out: [number, number][] = [];
  const absolute = counts.length > 0;
  let index = 0;
  let k = 0;
  let running = 0;
  for (const span of spans) {
    index += span.offset;
    for (let j = 0; j < span.length; j++, k++, index++) {
      running = absolute ? (counts[k] ?? 0) : running + (deltas[k] ?? 0);
      if (running !== 0) out.push([index, running]);
    }
  }
  return out;
}

/** A dense run of counts from the lowest index: OTLP's { offset, bucketCounts }. */
function dense(sparse: readonly [number, number][], shift: number) {
  if (sparse.length === 0) return { offset: 0, bucketCounts: [] as string[] };
  const first = (sparse[0] as [number, number])[0];
  const last = (sparse[sparse.length - 1] as [number, number])[0];
  const counts = new Array<number>(last - first + 1).fill(0);
  for (const [i, c] of sparse) counts[i - first] = c;
  return { offset: first + shift, bucketCounts: counts.map(String) };
}

export function nativeHistogramPoint(
  h: RemoteHistogram,
  series: () => string,
): HistogramPoint | undefined {
  if (h.stale === true || Number.isNaN(h.count)) return undefined;
  const refuse = (why: string) => badData(`${why} (series ${series()})`);
  if (h.resetHint === GAUGE_HINT) throw refuse('gauge histograms are not accepted');
  const positive = buckets(h.positiveSpans, h.positiveDeltas, h.positiveCounts);
  const negative = buckets(h.negativeSpans, h.negativeDeltas, h.negativeCounts);
  const counts = [
    h.count,
    h.zeroCount,
    ...positive.map(([, c]) => c),
    ...negative.map(([, c]) => c),
  ];
  if (counts.some((c) => !Number.isInteger(c) || c < 0)) {
    throw refuse('native histograms with fractional or negative counts are not accepted');
  }
  const base = {
    timeUnixNano: (BigInt(h.timestamp) * 1_000_000n).toString(),
    count: String(h.count),
    sum: Number.isFinite(h.sum) ? h.sum : 0,
  };
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    const bounds = h.customValues;
    if (negative.length > 0 || positive.some(([i]) => i < 0 || i > bounds.length)) {
      throw refuse('custom-bucket histogram buckets beyond its custom values');
    }
    const bucketCounts = new Array<number>(bounds.length + 1).fill(0);
    for (const [i, c] of positive) bucketCounts[i] = c;
    return {
      kind: 'histogram',
      point: { ...base, explicitBounds: [...bounds], bucketCounts: bucketCounts.map(String) },
    };
  }
  if (!Number.isInteger(h.schema) || h.schema < -4 || h.schema > 8) {
    throw refuse(`native histogram schema ${h.schema} is not accepted (−4 to 8, or −53)`);
  }
  return {
    kind: 'exponentialHistogram',
    point: {
      ...base,
      scale: h.schema,
      zeroCount: String(h.zeroCount),
      zeroThreshold: h.zeroThreshold,
      positive: dense(positive, -1),
      negative: dense(negative, -1),
    },
  };
}
