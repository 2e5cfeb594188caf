import { badData } from './promql/errors.js';
import { parsePromDuration } from './promql/go-syntax.js';

/** Prometheus' MinTime / MaxTime (ms), what an absent start/end of /series and /labels means. */
export const MIN_TIME = -9_223_309_901_257_974;
export const MAX_TIME = 9_223_309_901_257_974;
const MIN_TIME_TEXT = '-292273086-05-16T16:47:06Z';
const MAX_TIME_TEXT = '292277025-08-18T07:12:54.999999999Z';

export type Params = Readonly<Record<string, string | readonly string[] | undefined>>;

/** `invalid parameter "start": …`, as web/api/v1/api.go words a refused parameter. */
export const invalidParam = (name: string, message: string) =>
  badData(`invalid parameter "${name}": ${message}`);

/** The first value of a parameter (r.FormValue), '' when absent. */
export function first(params: Params, name: string): string {
  const v = params[name];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : (v[0] ?? '');
}

export function all(params: Params, name: string): string[] {
  const v = params[name];
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/** parseTime: float seconds (rounded to the millisecond) or RFC 3339; epoch ms. */
export function parseTime(name: string, text: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) && text.trim() !== '') {
    const seconds = Number(text);
    // Beyond ±8.64e15 ms no date exists to read points at.
    if (Number.isFinite(seconds) && Math.abs(seconds) <= 8.64e12) {
      const whole = Math.trunc(seconds);
      const frac = Math.round((seconds - whole) * 1000) / 1000;
      return whole * 1000 + Math.round(frac * 1000);
    }
  }
  if (text === MIN_TIME_TEXT) return MIN_TIME;
  if (text === MAX_TIME_TEXT) return MAX_TIME;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15) return ms;
  }
  throw invalidParam(name, `cannot parse "${text}" to a valid timestamp`);
}

/** parseDuration: float seconds or a Prometheus duration (`5m`); ms. */
export function parseDuration(name: string, text: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) && text.trim() !== '') {
    const seconds = Number(text);
    const ms = seconds * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 9.223372036854776e15) {
      throw invalidParam(name, `cannot parse "${text}" to a valid duration. It overflows int64`);
    }
    return ms;
  }
  const ms = parsePromDuration(text);
  if (ms !== undefined) return ms;
  throw invalidParam(name, `cannot parse "${text}" to a valid duration`);
}

/** A non-negative integer `limit` (0: no limit), as the series and labels endpoints take it. */
export function parseLimit(params: Params): number {
  const text = first(params, 'limit');
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) throw invalidParam('limit', 'limit must be a non-negative integer');
  return Number(text);
}
