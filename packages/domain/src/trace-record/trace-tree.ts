import { ensure } from '../kernel/domain-error.js';

/** The part of a span the tree rules look at; plain strings so unchecked input can be tested. */
export interface TraceTreeNode {
  readonly traceId: string;
  readonly tenantId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly durationMs: number;
}

/**
 * Proves a set of spans is one well-formed trace and returns its root. Checks run in a fixed
 * order (per-span fields, then roots, then parents, then cycles) so the same bad input always
 * reports the same code:
 * - every span has the trace's traceId and tenantId, a finite durationMs ≥ 0, a unique spanId;
 * - exactly one root (parentSpanId null);
 * - every parentSpanId names a span of the set;
 * - every span is reachable from the root, i.e. there is no cycle.
 */
export function validateTraceTree<T extends TraceTreeNode>(
  spans: readonly T[],
  traceId: string,
  tenantId: string,
): T {
  const byId = new Map<string, T>();
  for (const s of spans) {
    ensure(s.traceId === traceId, 'trace.trace_id_mismatch', 'a span belongs to another trace', {
      spanId: s.spanId,
      expected: traceId,
      actual: s.traceId,
    });
    ensure(s.tenantId === tenantId, 'trace.tenant_mismatch', 'a span belongs to another tenant', {
      spanId: s.spanId,
    });
    ensure(Number.isFinite(s.durationMs), 'trace.invalid_duration', 'durationMs must be finite', {
      spanId: s.spanId,
    });
    ensure(s.durationMs >= 0, 'trace.negative_duration', 'durationMs must be ≥ 0', {
      spanId: s.spanId,
      durationMs: s.durationMs,
    });
    ensure(!byId.has(s.spanId), 'trace.duplicate_span', 'two spans share a spanId', {
      spanId: s.spanId,
    });
    byId.set(s.spanId, s);
  }

  const roots = spans.filter((s) => s.parentSpanId === null);
  const [root] = roots;
  ensure(root !== undefined, 'trace.missing_root', 'a trace needs a root span (no parent)');
  ensure(roots.length === 1, 'trace.multiple_roots', 'a trace has exactly one root span', {
    rootSpanIds: roots.map((s) => s.spanId),
  });

  const children = new Map<string, T[]>();
  for (const s of spans) {
    if (s.parentSpanId === null) continue;
    ensure(byId.has(s.parentSpanId), 'trace.orphan_span', "a span's parent is not in the trace", {
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
    });
    const siblings = children.get(s.parentSpanId) ?? [];
    siblings.push(s);
    children.set(s.parentSpanId, siblings);
  }

  // With one root and every parent present, each span not reachable from the root must sit on
  // (or hang below) a parent cycle.
  const reached = new Set<string>([root.spanId]);
  const queue: string[] = [root.spanId];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of children.get(next) ?? []) {
      reached.add(child.spanId);
      queue.push(child.spanId);
    }
  }
  ensure(reached.size === spans.length, 'trace.cycle', 'spans form a parent cycle', {
    unreachableSpanIds: spans.map((s) => s.spanId).filter((id) => !reached.has(id)),
  });
  return root;
}

/** The timing of a span, as the containment rule reads it. */
export interface TimedTraceNode {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/**
 * The first span (in the given order) that starts before its parent or ends after it, beyond
 * `toleranceMs`; undefined when every child lies inside its parent. Spans whose parent is absent
 * are the orphan rule's business, not this one's.
 */
export function findChildOutsideParent<T extends TimedTraceNode>(
  spans: readonly T[],
  toleranceMs: number,
): T | undefined {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return spans.find((s) => {
    const parent = s.parentSpanId === null ? undefined : byId.get(s.parentSpanId);
    if (parent === undefined) return false;
    const starts = s.startedAt < parent.startedAt - toleranceMs;
    const ends = s.startedAt + s.durationMs > parent.startedAt + parent.durationMs + toleranceMs;
    return starts || ends;
  });
}
