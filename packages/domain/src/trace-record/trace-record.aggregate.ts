import { AggregateRoot } from '../shared/aggregate-root.js';
import { DomainError, ensure } from '../shared/domain-error.js';
import {
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
  type TraceId,
} from '../shared/ids.js';
import {
  telemetryDimensions,
  type TelemetryDimensions,
  type TelemetryDimensionsInput,
} from '../shared/telemetry-dimensions.js';
import { parseInstant, toIso } from '../shared/time.js';
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
import { validateTraceTree } from './trace-tree.js';

export interface RecordTraceInput {
  readonly traceId: string;
  readonly tenantId: string;
  /** Resource dimensions of the root span's service (DESIGN.md section 5). */
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
}

interface TraceState {
  readonly spans: readonly Span[];
  readonly summary: TraceSummary;
}

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
    return TraceRecord.build(
      snapshot,
      snapshot.spans,
      parseInstant(snapshot.recordedAt, 'recordedAt'),
      parseInstant(snapshot.updatedAt, 'updatedAt'),
    );
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
    return { spans: ordered, summary: summarizeTrace(root, ordered) };
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
    };
  }
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
