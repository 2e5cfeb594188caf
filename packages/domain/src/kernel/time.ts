import { ensure } from './domain-error.js';

/** ISO-8601 UTC instant; the domain keeps time as epoch milliseconds internally. */
export function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  ensure(Number.isFinite(ms), 'time.invalid_instant', `${field} must be an ISO-8601 instant`, {
    field,
  });
  return ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** A half-open interval [from, to) with from ≤ to. */
export function timeRange(from: number, to: number): TimeRange {
  ensure(
    Number.isFinite(from) && Number.isFinite(to) && from <= to,
    'time.invalid_range',
    'time range must have from ≤ to',
    { from, to },
  );
  return { from, to };
}

export function rangeContains(range: TimeRange, instant: number): boolean {
  return instant >= range.from && instant < range.to;
}

export const WINDOWS = ['1m', '5m', '1h', '1d'] as const;
export type WindowSize = (typeof WINDOWS)[number];

const WINDOW_MS: Readonly<Record<WindowSize, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export function windowSize(value: string): WindowSize {
  ensure(
    (WINDOWS as readonly string[]).includes(value),
    'window.invalid',
    `window must be one of ${WINDOWS.join(', ')}`,
    {
      value,
    },
  );
  return value as WindowSize;
}

export function windowMs(size: WindowSize): number {
  return WINDOW_MS[size];
}

/** A tumbling window aligned to the epoch: [start, start + size). */
export interface Window {
  readonly size: WindowSize;
  readonly start: number;
  readonly end: number;
}

export function windowContaining(size: WindowSize, instant: number): Window {
  const ms = WINDOW_MS[size];
  const start = Math.floor(instant / ms) * ms;
  return { size, start, end: start + ms };
}

/** A positive rolling duration in minutes (SLO windows, quality windows). */
export function positiveMinutes(value: number, code: string, field: string): number {
  ensure(
    Number.isInteger(value) && value > 0,
    code,
    `${field} must be a positive whole number of minutes`,
    {
      field,
      value,
    },
  );
  return value;
}
