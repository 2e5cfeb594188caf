import type { Span } from './span.entity.js';
import { traceStatusOf, type TraceStatus } from './trace-status.js';

export interface TraceSummary {
  readonly rootSpanName: string;
  /** Epoch milliseconds of the earliest span start. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly status: TraceStatus;
  readonly spanCount: number;
}

/**
 * Summarises a validated tree. Start and duration span every span, not just the root: clock skew
 * between hosts can put a child before its parent, and a trace view must still show the child.
 */
export function summarizeTrace(root: Span, spans: readonly Span[]): TraceSummary {
  let start = root.startedAt;
  let end = root.startedAt + root.durationMs;
  for (const s of spans) {
    start = Math.min(start, s.startedAt);
    end = Math.max(end, s.startedAt + s.durationMs);
  }
  return {
    rootSpanName: root.name,
    startedAt: start,
    durationMs: end - start,
    status: traceStatusOf(
      root.status,
      spans.map((s) => s.status),
    ),
    spanCount: spans.length,
  };
}
