import { ensure } from '../kernel/domain-error.js';

/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl` (no time zone database of our
 * own): the offset of a zone at an instant comes from `Intl.DateTimeFormat`, and a local date and
 * time becomes an instant the way Temporal's `disambiguation: 'compatible'` does it (and the way
 * calendars do): a wall time that happens twice (clocks go back) is its earlier occurrence, and a
 * wall time that never happens (clocks go forward) moves forward by the gap (02:30 on a spring-
 * forward night in Berlin is 03:30 CEST).
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * An IANA time zone name Intl knows (`Europe/Berlin`, `UTC`), trimmed and kept as written (ICU
 * would canonicalise `Asia/Kolkata` to `Asia/Calcutta`), or a DomainError
 * `schedule.invalid_time_zone`.
 */
export function timeZone(value: string): string {
  let known: string | undefined;
  try {
    known =
      typeof value === 'string' && value.trim() !== '' && value.length <= 64
        ? (new Intl.DateTimeFormat('en-US', { timeZone: value.trim() }), value.trim())
        : undefined;
  } catch {
    known = undefined;
  }
  ensure(
    known !== undefined,
    'schedule.invalid_time_zone',
    'timeZone must be an IANA time zone name such as Europe/Berlin',
    { timeZone: value },
  );
  return known;
}

/** A calendar date `YYYY-MM-DD` that exists (no 2024-02-30). */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function localDate(value: string, field: string, code: string): LocalDate {
  const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
  const valid =
    year !== undefined &&
    month !== undefined &&
    day !== undefined &&
    year >= 1970 &&
    month >= 1 &&
    month <= 12 &&
    new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
  ensure(valid, code, `${field} must be a calendar date YYYY-MM-DD (1970 or later)`, { field });
  return { year, month, day };
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** Minutes after local midnight of an `HH:MM` (24-hour) time. */
export function localTime(value: string, field: string, code: string): number {
  const match = typeof value === 'string' ? TIME_PATTERN.exec(value) : null;
  ensure(match !== null, code, `${field} must be a 24-hour time HH:MM`, { field });
  return Number(match[1]) * 60 + Number(match[2]);
}

export function formatLocalTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The zone's offset from UTC at an instant, in ms (+3 600 000 for CET). */
export function offsetAt(timeZone: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  // Intl drops sub-second parts; the offset is whole seconds (whole minutes in every zone today).
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/** The local wall clock of an instant in a zone, as a UTC-epoch number ("wall ms"). */
export function wallClockOf(timeZone: string, instantMs: number): number {
  return instantMs + offsetAt(timeZone, instantMs);
}

/**
 * The instant a local date and time happens in the zone, with Temporal's `compatible`
 * disambiguation: the earlier of two occurrences (clocks went back), or the wall time moved
 * forward by the gap when it never happens (clocks went forward).
 */
export function zonedInstant(timeZone: string, date: LocalDate, minutes: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MS_PER_MINUTE;
  // The offsets a day either side: around a transition these are the before and after offsets.
  const before = offsetAt(timeZone, wall - MS_PER_DAY);
  const after = offsetAt(timeZone, wall + MS_PER_DAY);
  const candidates = [wall - before, wall - after].filter(
    (instant) => instant + offsetAt(timeZone, instant) === wall,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap: with the offset in force before it, the wall time lands after the transition.
  return wall - before;
}

/** The local calendar date of an instant in the zone. */
export function localDateOf(timeZone: string, instantMs: number): LocalDate {
  const wall = new Date(wallClockOf(timeZone, instantMs));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** `date` plus `days` calendar days (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round(
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) /
      MS_PER_DAY,
  );
}
