import { execution } from './errors.js';
import { kahanSumInc } from './values.js';

/**
 * The range-vector functions over one series' samples in (rangeStart, rangeEnd], as
 * promql/functions.go computes them. `undefined`: no output element for this series.
 */

export interface RangeSamples {
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** extrapolatedRate: rate (isRate), increase (counter, not rate) and delta (neither). */
export function extrapolatedRate(
  s: RangeSamples,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = s.v.length;
  if (n < 2) return undefined;
  const firstT = s.t[0] as number;
  const lastT = s.t[n - 1] as number;
  const first = s.v[0] as number;
  let result = (s.v[n - 1] as number) - first;
  if (isCounter) {
    for (let i = 1; i < n; i++) {
      const prev = s.v[i - 1] as number;
      if ((s.v[i] as number) < prev) result += prev;
    }
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) {
    durationToStart = averageDurationBetweenSamples / 2;
  }
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeMs / 1000;
  return result * factor;
}

/** irate (instantValue with isRate): the last two samples, a drop read as a counter reset. */
export function irate(s: RangeSamples): number | undefined {
  const n = s.v.length;
  if (n < 2) return undefined;
  const last = s.v[n - 1] as number;
  const previous = s.v[n - 2] as number;
  const result = last < previous ? last : last - previous;
  const interval = (s.t[n - 1] as number) - (s.t[n - 2] as number);
  if (interval === 0) return undefined;
  return result / (interval / 1000);
}

export function sumOverTime(s: RangeSamples): number | undefined {
  if (s.v.length === 0) return undefined;
  let sum = 0;
  let c = 0;
  for (const f of s.v) [sum, c] = kahanSumInc(f, sum, c);
  if (!Number.isFinite(sum)) return sum;
  return sum + c;
}

/** avg_over_time: Kahan sum / count, switching to an incremental mean if the sum would overflow. */
export function avgOverTime(s: RangeSamples): number | undefined {
  if (s.v.length === 0) return undefined;
  let sum = 0;
  let mean = 0;
  let count = 0;
  let c = 0;
  let incremental = false;
  for (const f of s.v) {
    count++;
    if (!incremental) {
      const [newSum, newC] = kahanSumInc(f, sum, c);
      if (count === 1 || Number.isFinite(newSum) || Number.isNaN(newSum)) {
        sum = newSum;
        c = newC;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(f / count, q * mean, q * c);
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

export function minOverTime(s: RangeSamples): number | undefined {
  if (s.v.length === 0) return undefined;
  let min = s.v[0] as number;
  for (const f of s.v) if (f < min || Number.isNaN(min)) min = f;
  return min;
}

export function maxOverTime(s: RangeSamples): number | undefined {
  if (s.v.length === 0) return undefined;
  let max = s.v[0] as number;
  for (const f of s.v) if (f > max || Number.isNaN(max)) max = f;
  return max;
}

export function countOverTime(s: RangeSamples): number | undefined {
  return s.v.length === 0 ? undefined : s.v.length;
}

/** Go's math.Pow where it differs from JavaScript's `**` (1^NaN, (-1)^±Inf). */
export function goPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** round(v, to_nearest): math.Floor(f*inverse+0.5) / inverse, as Prometheus rounds. */
export function roundTo(f: number, toNearest: number): number {
  const inverse = 1 / toNearest;
  return Math.floor(f * inverse + 0.5) / inverse;
}

/**
 * Go's regexp.Expand template for label_replace: `$1`, `${1}`, `$name`, `${name}`, `$$`. A `$name`
 * takes the longest run of letters, digits and `_`; an unknown group expands to nothing.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const candidate = close < 0 ? '' : template.slice(i + 2, close);
      if (close >= 0 && /^\w+$/.test(candidate)) {
        name = candidate;
        i = close;
      }
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (m) {
        name = m[0];
        i += m[0].length;
      }
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    if (/^\d+$/.test(name)) out += match[Number(name)] ?? '';
    else out += match.groups?.[name] ?? '';
  }
  return out;
}

/** topk/bottomk's k: the scalar truncated to an integer, as Prometheus reads it. */
export function kOf(param: number): number {
  if (Number.isNaN(param) || Math.abs(param) > 9.223372036854776e18) {
    throw execution(`Scalar value ${param} overflows int64`);
  }
  return Math.trunc(param);
}
