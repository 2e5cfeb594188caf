import { ensure } from '../kernel/domain-error.js';
import { parseInstant, windowContaining, windowSize, type Window } from '../kernel/time.js';

/**
 * A series covers exactly one epoch-aligned tumbling window; a start that is not aligned would
 * make two series overlap and break "deterministic per (metricName, window, groupKey)".
 */
export function metricWindow(size: string, start: string): Window {
  const startMs = parseInstant(start, 'windowStart');
  const window = windowContaining(windowSize(size), startMs);
  ensure(
    window.start === startMs,
    'metric.window_misaligned',
    `windowStart must be aligned to a ${size} boundary`,
    { windowStart: start, alignedStart: new Date(window.start).toISOString() },
  );
  return window;
}
