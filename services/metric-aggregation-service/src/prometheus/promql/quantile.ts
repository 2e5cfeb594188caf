import { labelsKey, omit, withoutName, type Labels } from './labels.js';
import type { Sample } from './values.js';

/**
 * histogram_quantile over classic (`le`) buckets, as promql/quantile.go (BucketQuantile,
 * coalesceBuckets, ensureMonotonicAndIgnoreSmallDeltas) and engine.go (resetHistograms) compute
 * it in Prometheus 3: linear interpolation within a bucket, a natural lower bound of 0, the
 * second-highest bound when the rank falls in the +Inf bucket, NaN without a +Inf bucket, fewer
 * than two buckets or no observations, ±Inf for φ outside [0, 1].
 */

/** Relative deltas between buckets below this are float noise, not decreases (quantile.go). */
const SMALL_DELTA_TOLERANCE = 1e-12;
/** The smallest positive normal float64 (util/almost). */
const MIN_NORMAL = 2.2250738585072014e-308;

export interface Bucket {
  upperBound: number;
  count: number;
}

/** util/almost.Equal (no staleness markers reach the evaluator). */
function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Buckets of the same upper bound add up (they come from series differing only in `le` spelling). */
function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

/** Float noise is smoothed and decreases are removed, in place (a decrease never moves `prev`). */
function ensureMonotonic(buckets: Bucket[]): void {
  let prev = (buckets[0] as Bucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    const curr = b.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev) {
      b.count = prev;
      continue;
    }
    prev = curr;
  }
}

/** BucketQuantile. `buckets` is not modified. */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = input.map((b) => ({ ...b })).sort((a, b) => a.upperBound - b.upperBound);
  const top = sorted[sorted.length - 1];
  if (top === undefined || top.upperBound !== Infinity) return NaN;
  const buckets = coalesce(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over all but the last bucket: the first with count ≥ rank (n − 1 when none).
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b] as Bucket).count < rank) b++;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  const bucket = buckets[b] as Bucket;
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
  let bucketStart = 0;
  let count = bucket.count;
  if (b > 0) {
    const below = buckets[b - 1] as Bucket;
    bucketStart = below.upperBound;
    count -= below.count;
    rank -= below.count;
  }
  return bucketStart + (bucket.upperBound - bucketStart) * (rank / count);
}

/**
 * Go's strconv.ParseFloat for `le` values: decimal and exponent forms, `Inf`/`Infinity`/`NaN` in
 * any case with an optional sign, hexadecimal mantissas with a `p` exponent. undefined: not a
 * float (Prometheus skips that series with a warning).
 */
export function parseGoFloat(text: string): number | undefined {
  const m = /^([+-]?)(.*)$/s.exec(text) as RegExpExecArray;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2] as string;
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan') return m[1] === '' ? NaN : undefined;
  if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(body)) return sign * Number(body);
  const hex = /^0x(_?[0-9a-f])*(?:\.([0-9a-f_]*))?p([+-]?\d+)$/i.exec(body);
  if (hex) {
    const [mantissa = '', fraction = ''] = body
      .slice(2, body.toLowerCase().indexOf('p'))
      .replaceAll('_', '')
      .split('.');
    if (mantissa === '' && fraction === '') return undefined;
    const digits = mantissa + fraction;
    const value = digits === '' ? 0 : parseInt(digits, 16);
    return sign * value * 2 ** (Number(hex[3]) - 4 * fraction.length);
  }
  return undefined;
}

/**
 * funcHistogramQuantile over an instant vector of classic buckets: grouped by every label but
 * `le` (the name included, then dropped from the result), each group's buckets into
 * bucketQuantile. A sample whose `le` does not parse is skipped, as Prometheus skips it (with a
 * warning annotation this API does not return).
 */
export function histogramQuantile(q: number, input: readonly Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of input) {
    const upperBound = parseGoFloat(s.labels.le ?? '');
    if (upperBound === undefined) continue;
    const labels = omit(s.labels, ['le']);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels: withoutName(labels), buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: s.value });
  }
  return [...groups.values()].map((g) => ({
    labels: g.labels,
    value: bucketQuantile(q, g.buckets),
  }));
}
