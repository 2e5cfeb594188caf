/**
 * Numbers as Prometheus writes them in API responses: sample values as Go's
 * strconv.FormatFloat(f, 'f', -1, 64) (shortest round-trip digits, never an exponent; `+Inf`,
 * `-Inf`, `NaN`), timestamps as seconds with the milliseconds as a fraction.
 */
export function formatValue(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Object.is(f, -0)) return '-0';
  const text = String(f);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const [int = '', frac = ''] = mantissa.split('.');
  const digits = int + frac;
  const point = int.length + exponent;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/** Epoch ms as Prometheus' JSON timestamp: seconds, milliseconds as a fraction. */
export function formatTime(ms: number): number {
  return ms / 1000;
}
