import type { QualityWindow } from '@obs/domain';

const DAY_MS = 86_400_000;

/**
 * The window a consumed signal is scored in when nobody asked for another: the UTC calendar day
 * of its event time (not the wall clock), so replaying the same events scores the same windows.
 */
export function dayWindowOf(instant: string): QualityWindow {
  const start = Math.floor(Date.parse(instant) / DAY_MS) * DAY_MS;
  return { start: new Date(start).toISOString(), end: new Date(start + DAY_MS).toISOString() };
}

/** Time span a signal touches: a point (feedback, breach, check) or an incident's life. */
export interface TouchedSpan {
  readonly from: string;
  /** null: still open, so every later window is touched too. */
  readonly to: string | null;
}
