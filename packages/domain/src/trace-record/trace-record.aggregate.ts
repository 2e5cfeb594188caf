import { AggregateRoot } from '../kernel/aggregate-root.js';
import { DomainError, ensure } from '../kernel/domain-error.js';
import {
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
  type TraceId,
} from '../kernel/ids.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../kernel/telemetry-dimensions.js';
import { parseInstant, toIso } from '../kernel/time.js';
import {
  sameSpan,
  span,
  spanSnapshot,
  type Span,
  type SpanInput,
  type SpanSnapshot,
} from './span.entity.js';
import { TRACE_RECORD_AGGREGATE_TYPE, type TraceRecordEvent } from './trace-record.events.js';
import type { TraceStatus } from './trace-status.js';
import { summarizeTrace, type TraceSummary } from './trace-summary.js';
import { findChildOutsideParent, validateTraceTree } from './trace-tree.js';

export interface RecordTraceInput {
  readonly traceId: string;
  readonly tenantId: string;
  /** Resource dimensions of the root span's service (docs/design.md#dimensions). */
  readonly dimensions: TelemetryDimensionsInput;
  readonly spans: readonly SpanInput[];
  /** Event time at which the trace was judged complete (root present, TRACE_IDLE_MS elapsed). */
  readonly recordedAt: string;
}

export interface TraceRecordSnapshot {
  traceId: string;
  tenantId: string;
  projectId: string;
  moduleId: string;
  rootSpanName: string;
  startedAt: string;
  durationMs: number;
  status: TraceStatus;
  spanCount: number;
  dimensions: TelemetryDimensions;
  spans: SpanSnapshot[];
  recordedAt: string;
  updatedAt: string;
  /** Set when assembly found a broken tree: the record keeps its spans with status `error`. */
  problem?: TraceProblem;
}

/** Why an assembled trace is broken: the tree rule's code and its message. */
export interface TraceProblem {
  readonly code: string;
  readonly message: string;
}

interface TraceState {
  readonly spans: readonly Span[];
  readonly summary: TraceSummary;
  readonly problem: TraceProblem | null;
}

/**
 * The tree rules whose failure assembly records (as a broken trace) instead of refusing: the spans
 * arrived from real senders and are evidence, so they are kept.
 */
const TREE_CODES: ReadonlySet<string> = new Set([
  'trace.missing_root',
  'trace.multiple_roots',
  'trace.orphan_span',
  'trace.cycle',
  'trace.duplicate_span',
  'trace.child_outside_parent',
]);

/**
 * A recorded distributed trace. Spans arrive over several OTLP batches; the record is created once
 * the root is present and later spans are merged with `addSpans`, re-proving the whole tree each
 * time so a late span can never leave it malformed.
 */
export class TraceRecord extends AggregateRoot<TraceRecordEvent> {
  private constructor(
    private readonly id: TraceId,
    private readonly tenant: TenantId,
    private readonly dims: TelemetryDimensions,
    private state: TraceState,
    private readonly recordedAtMs: number,
    private updatedAtMs: number,
  ) {
    super();
  }

  static create(input: RecordTraceInput): TraceRecord {
    const recordedAt = parseInstant(input.recordedAt, 'recordedAt');
    const record = TraceRecord.build(input, input.spans, recordedAt, recordedAt);
    record.recordTraceRecorded(recordedAt);
    return record;
  }

  /** Rebuilds from storage without events; the tree is re-proved so corrupt rows fail loudly. */
  static rehydrate(snapshot: TraceRecordSnapshot): TraceRecord {
    const recordedAt = parseInstant(snapshot.recordedAt, 'recordedAt');
    const updatedAt = parseInstant(snapshot.updatedAt, 'updatedAt');
    if (snapshot.problem === undefined) {
      return TraceRecord.build(snapshot, snapshot.spans, recordedAt, updatedAt);
    }
    const { id, tenant, dims } = TraceRecord.identity(snapshot);
    const spans = snapshot.spans.map(span);
    return new TraceRecord(
      id,
      tenant,
      dims,
      TraceRecord.broken(spans, snapshot.problem),
      recordedAt,
      updatedAt,
    );
  }

  /**
   * What the assembly job calls: a well-formed tree (every span inside its parent, within the
   * millisecond the start times are kept at) is recorded as `create` records it; a broken one
   * (several roots, orphans, a cycle, a child outside its parent, two different spans with one
   * spanId) is recorded with status `error` and the reason, its spans kept. TraceRecorded either way.
   */
  static assemble(input: RecordTraceInput): TraceRecord {
    const recordedAt = parseInstant(input.recordedAt, 'recordedAt');
    const { id, tenant, dims } = TraceRecord.identity(input);
    const record = new TraceRecord(
      id,
      tenant,
      dims,
      TraceRecord.assess(id, tenant, input.spans.map(span)),
      recordedAt,
      recordedAt,
    );
    record.recordTraceRecorded(recordedAt);
    return record;
  }

  /**
   * Assembly of late spans: merges them (identical retries ignored) and re-judges the whole tree,
   * so a late parent can mend a broken record and a late orphan can break a sound one. Records
   * TraceRecorded again when anything was added.
   * @returns how many spans were new.
   */
  reassemble(inputs: readonly SpanInput[], at: string): number {
    const when = parseInstant(at, 'at');
    const held = new Set(this.state.spans.map((s) => spanKey(s)));
    const fresh = inputs.map(span).filter((s) => !held.has(spanKey(s)));
    if (fresh.length === 0) return 0;
    this.state = TraceRecord.assess(this.id, this.tenant, [...this.state.spans, ...fresh]);
    this.updatedAtMs = Math.max(this.updatedAtMs, when);
    this.recordTraceRecorded(when);
    return new Set(fresh.map(spanKey)).size;
  }

  private static identity(ids: {
    readonly traceId: string;
    readonly tenantId: string;
    readonly dimensions: TelemetryDimensionsInput;
  }): { id: TraceId; tenant: TenantId; dims: TelemetryDimensions } {
    const id = toTraceId(ids.traceId);
    const tenant = toTenantId(ids.tenantId);
    const dims = Object.freeze(telemetryDimensions(ids.dimensions));
    ensure(
      dims.tenantId === tenant,
      'trace.tenant_mismatch',
      'dimensions belong to another tenant',
      { tenantId: tenant, dimensionTenantId: dims.tenantId },
    );
    return { id, tenant, dims };
  }

  private static assess(id: TraceId, tenant: TenantId, all: readonly Span[]): TraceState {
    const { spans, conflict } = dedupeKeepingConflicts(all);
    if (conflict !== null) return TraceRecord.broken(spans, conflict);
    try {
      const state = TraceRecord.prove(id, tenant, spans);
      const outside = findChildOutsideParent(state.spans, CONTAINMENT_TOLERANCE_MS);
      if (outside === undefined) return state;
      return TraceRecord.broken(spans, {
        code: 'trace.child_outside_parent',
        message: `span ${outside.spanId} lies outside its parent ${outside.parentSpanId}`,
      });
    } catch (error) {
      if (error instanceof DomainError && TREE_CODES.has(error.code)) {
        return TraceRecord.broken(spans, { code: error.code, message: error.message });
      }
      throw error;
    }
  }

  /** A broken tree's summary: the earliest parentless span (else the earliest span) as its root. */
  private static broken(spans: readonly Span[], problem: TraceProblem): TraceState {
    const ordered = [...spans].sort(
      (a, b) => a.startedAt - b.startedAt || compare(a.spanId, b.spanId),
    );
    const root = ordered.find((s) => s.parentSpanId === null) ?? ordered[0];
    ensure(root !== undefined, 'trace.missing_root', 'a trace needs at least one span');
    const summary = summarizeTrace(root, ordered);
    return {
      spans: ordered,
      summary: { ...summary, status: 'error' },
      problem: { code: problem.code, message: problem.message },
    };
  }

  private static build(
    ids: {
      readonly traceId: string;
      readonly tenantId: string;
      readonly dimensions: TelemetryDimensionsInput;
    },
    spanInputs: readonly SpanInput[],
    recordedAt: number,
    updatedAt: number,
  ): TraceRecord {
    const id = toTraceId(ids.traceId);
    const tenant = toTenantId(ids.tenantId);
    const dims = Object.freeze(telemetryDimensions(ids.dimensions));
    ensure(
      dims.tenantId === tenant,
      'trace.tenant_mismatch',
      'dimensions belong to another tenant',
      {
        tenantId: tenant,
        dimensionTenantId: dims.tenantId,
      },
    );
    const spans = dedupe(spanInputs.map(span));
    return new TraceRecord(
      id,
      tenant,
      dims,
      TraceRecord.prove(id, tenant, spans),
      recordedAt,
      updatedAt,
    );
  }

  private static prove(id: TraceId, tenant: TenantId, spans: readonly Span[]): TraceState {
    const root = validateTraceTree(spans, id, tenant);
    // Stored order must not depend on arrival order.
    const ordered = [...spans].sort(
      (a, b) => a.startedAt - b.startedAt || compare(a.spanId, b.spanId),
    );
    return { spans: ordered, summary: summarizeTrace(root, ordered), problem: null };
  }

  /**
   * Merges late spans. A span already held is ignored when identical (an exporter retry) and
   * refused when it differs. Records TraceRecorded again with the new summary when anything was
   * added, so consumers keyed by traceId converge on the latest projection.
   * @returns how many spans were new.
   */
  addSpans(inputs: readonly SpanInput[], at: string): number {
    const when = parseInstant(at, 'at');
    const held = new Map(this.state.spans.map((s) => [s.spanId, s]));
    const fresh = dedupe(inputs.map(span)).filter((s) => {
      const existing = held.get(s.spanId);
      if (existing === undefined) return true;
      ensure(
        sameSpan(existing, s),
        'trace.duplicate_span',
        'a different span with this spanId exists',
        {
          spanId: s.spanId,
        },
      );
      return false;
    });
    if (fresh.length === 0) return 0;
    const next = TraceRecord.prove(this.id, this.tenant, [...this.state.spans, ...fresh]);
    this.state = next;
    this.updatedAtMs = Math.max(this.updatedAtMs, when);
    this.recordTraceRecorded(when);
    return fresh.length;
  }

  private recordTraceRecorded(at: number): void {
    const s = this.state.summary;
    this.record({
      eventType: 'TraceRecorded',
      aggregateType: TRACE_RECORD_AGGREGATE_TYPE,
      aggregateId: this.id,
      tenantId: this.tenant,
      traceId: this.id,
      occurredAt: toIso(at),
      payload: {
        traceId: this.id,
        projectId: this.dims.projectId,
        moduleId: this.dims.moduleId,
        rootSpanName: s.rootSpanName,
        startedAt: toIso(s.startedAt),
        durationMs: s.durationMs,
        status: s.status,
        spanCount: s.spanCount,
        dimensions: { ...this.dims },
      },
    });
  }

  get traceId(): TraceId {
    return this.id;
  }
  get tenantId(): TenantId {
    return this.tenant;
  }
  get projectId(): string {
    return this.dims.projectId;
  }
  get moduleId(): string {
    return this.dims.moduleId;
  }
  get dimensions(): TelemetryDimensions {
    return this.dims;
  }
  get rootSpanName(): string {
    return this.state.summary.rootSpanName;
  }
  get startedAt(): string {
    return toIso(this.state.summary.startedAt);
  }
  get durationMs(): number {
    return this.state.summary.durationMs;
  }
  get status(): TraceStatus {
    return this.state.summary.status;
  }
  get spanCount(): number {
    return this.state.summary.spanCount;
  }
  get spans(): readonly Span[] {
    return this.state.spans;
  }
  /** Null for a sound tree; the reason for a broken one (its status is then `error`). */
  get problem(): TraceProblem | null {
    return this.state.problem;
  }

  toSnapshot(): TraceRecordSnapshot {
    const s = this.state.summary;
    return {
      traceId: this.id,
      tenantId: this.tenant,
      projectId: this.dims.projectId,
      moduleId: this.dims.moduleId,
      rootSpanName: s.rootSpanName,
      startedAt: toIso(s.startedAt),
      durationMs: s.durationMs,
      status: s.status,
      spanCount: s.spanCount,
      dimensions: { ...this.dims },
      spans: this.state.spans.map(spanSnapshot),
      recordedAt: toIso(this.recordedAtMs),
      updatedAt: toIso(this.updatedAtMs),
      ...(this.state.problem === null ? {} : { problem: { ...this.state.problem } }),
    };
  }
}

/**
 * Start times are kept at millisecond precision and durations are not, so a child starting in
 * its parent's first millisecond can appear to end up to 1 ms after it.
 */
const CONTAINMENT_TOLERANCE_MS = 1;

function spanKey(s: Span): string {
  return JSON.stringify(spanSnapshot(s));
}

/**
 * Collapses identical copies; of two different spans with one spanId both are kept (evidence)
 * and the conflict is named, which makes the trace broken.
 */
function dedupeKeepingConflicts(spans: readonly Span[]): {
  spans: Span[];
  conflict: TraceProblem | null;
} {
  const seen = new Map<string, Span[]>();
  let conflict: TraceProblem | null = null;
  for (const s of spans) {
    const copies = seen.get(s.spanId) ?? [];
    if (copies.some((c) => sameSpan(c, s))) continue;
    if (copies.length > 0 && conflict === null) {
      conflict = {
        code: 'trace.duplicate_span',
        message: `two different spans share the spanId ${s.spanId}`,
      };
    }
    copies.push(s);
    seen.set(s.spanId, copies);
  }
  return { spans: [...seen.values()].flat(), conflict };
}

/** Collapses identical copies inside one batch; a differing copy is a conflict. */
function dedupe(spans: readonly Span[]): Span[] {
  const seen = new Map<string, Span>();
  for (const s of spans) {
    const earlier = seen.get(s.spanId);
    if (earlier === undefined) seen.set(s.spanId, s);
    else if (!sameSpan(earlier, s)) {
      throw new DomainError('trace.duplicate_span', 'two different spans share a spanId', {
        spanId: s.spanId,
      });
    }
  }
  return [...seen.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
