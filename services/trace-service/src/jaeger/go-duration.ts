/**
 * Go's time.Duration text, both ways, because the Jaeger API speaks it: search parameters
 * (`minDuration=1.5ms`) are parsed with time.ParseDuration, and clock-skew warnings print a
 * duration with Duration.String. Durations are bigint nanoseconds, as Go's int64.
 */

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_INT64 = 2n ** 63n - 1n;

/** The grammar time.ParseDuration accepts (also the OpenAPI pattern of such parameters). */
export const GO_DURATION_PATTERN = '^[-+]?(0|((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)$';
const GRAMMAR = new RegExp(GO_DURATION_PATTERN);
const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/gy;

/**
 * time.ParseDuration, except that a value beyond int64 nanoseconds (about 292 years) is capped
 * rather than refused: the filter it feeds means the same. Undefined for text Go refuses.
 */
export function parseGoDuration(text: string): bigint | undefined {
  if (!GRAMMAR.test(text)) return undefined;
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  let total = 0n;
  PART.lastIndex = 0;
  for (let m = PART.exec(rest); m !== null; m = PART.exec(rest)) {
    const whole = m[1] ?? '';
    const fraction = m[2] ?? '';
    const unit = UNITS[m[3] as string] as bigint;
    total += BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') {
      // Go keeps the fraction's digits as far as they matter, truncating.
      const scale = 10n ** BigInt(fraction.length);
      total += (BigInt(fraction) * unit) / scale;
    }
    if (total > MAX_INT64) return sign * MAX_INT64;
  }
  return sign * total;
}

/** Duration.String: "1.5ms", "2µs", "1h2m3.004s", "0s", "-250ns". */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const negative = ns < 0n;
  let u = negative ? -ns : ns;
  const sign = negative ? '-' : '';
  if (u < 1_000_000_000n) {
    // Less than a second: one unit, with a fraction.
    if (u < 1_000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${fractional(u, 3)}µs`;
    return `${sign}${fractional(u, 6)}ms`;
  }
  const seconds = fractional(u % 60_000_000_000n, 9);
  u /= 60_000_000_000n;
  let text = `${seconds}s`;
  if (u > 0n) {
    text = `${u % 60n}m${text}`;
    u /= 60n;
    if (u > 0n) text = `${u}h${text}`;
  }
  return `${sign}${text}`;
}

/** `v` / 10^digits as Go prints it: the integer part, then the fraction without trailing zeros. */
function fractional(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const fraction = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}
