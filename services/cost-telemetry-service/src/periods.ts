import type { CostPeriod } from '@obs/domain';

/** A CostSignal covers one UTC calendar day or one UTC calendar month. */
export const PERIOD_KINDS = ['day', 'month'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

const DAY_MS = 86_400_000;

/** The start of the period of `kind` containing the instant, as epoch ms. */
export function periodStartOf(kind: PeriodKind, instantMs: number): number {
  const at = new Date(instantMs);
  return kind === 'day'
    ? Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
    : Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
}

/** The start of the period `offset` periods after the one starting at `startMs` (negative: before). */
export function shiftPeriod(kind: PeriodKind, startMs: number, offset: number): number {
  if (kind === 'day') return startMs + offset * DAY_MS;
  const at = new Date(startMs);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1);
}

/** The half-open period [start, end) starting at `startMs`, as the domain takes it. */
export function periodOf(kind: PeriodKind, startMs: number): CostPeriod {
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(shiftPeriod(kind, startMs, 1)).toISOString(),
  };
}

/** Which kind a stored period is: one UTC day, or else one UTC month. */
export function kindOfPeriod(period: CostPeriod): PeriodKind {
  const start = Date.parse(period.start);
  return Date.parse(period.end) - start === DAY_MS && periodStartOf('day', start) === start
    ? 'day'
    : 'month';
}

/** `YYYY-MM-DD` of a UTC day start (the rollup's date column). */
export function dayKey(startMs: number): string {
  return new Date(startMs).toISOString().slice(0, 10);
}
