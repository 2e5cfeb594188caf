import type { TraceStatus } from '@obs/domain';
import { copyField, copyRows, type ServiceContext, type Transaction } from '@obs/service-kit';
import type {
  SequencedSpan,
  SpanDetail,
  SpanReader,
  SpanWriter,
  StoredSpan,
  StoredSpanEvent,
} from './span-store.port.js';

/** The columns a span row is written with, in this order (the bench's COPY uses them too). */
export const SPAN_COLUMNS = [
  'tenant_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'start_ms',
  'duration_ms',
  'status',
  'status_message',
  'service',
  'dimensions',
  'attributes',
  'events',
  'received_at',
  'start_us',
  'duration_ns',
  'resource',
  'detail',
] as const;

/** The span columns a read selects (SpanRow), for every query that maps rows with toSpan. */
export const SPAN_SELECT = `seq, tenant_id, trace_id, span_id, parent_span_id, name, kind, start_ms,
  duration_ms, status, status_message, service, dimensions, attributes, events, start_us,
  duration_ns, resource, detail`;

export interface SpanRow {
  seq: string;
  tenant_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  start_ms: string;
  duration_ms: number;
  status: string;
  status_message: string | null;
  service: string;
  dimensions: StoredSpan['dimensions'];
  attributes: StoredSpan['attributes'];
  events: StoredSpanEvent[];
  start_us: string | null;
  duration_ns: string | null;
  resource: SpanDetail['resource'] | null;
  detail: Omit<SpanDetail, 'startUs' | 'durationNs' | 'resource'> | null;
}

/** One span as the JSON object json_populate_recordset reads (keys are the column names). */
export function spanRecord(span: StoredSpan, receivedAt: number): Record<string, unknown> {
  return {
    tenant_id: span.tenantId,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    start_ms: span.startMs,
    duration_ms: span.durationMs,
    status: span.status,
    status_message: span.statusMessage,
    service: span.service,
    dimensions: span.dimensions,
    attributes: span.attributes,
    events: span.events,
    received_at: receivedAt,
    start_us: span.detail?.startUs ?? null,
    duration_ns: span.detail?.durationNs ?? null,
    resource: span.detail?.resource ?? null,
    detail: span.detail === null ? null : detailColumn(span.detail),
  };
}

/** The detail column: the span's detail less what has columns of its own. */
function detailColumn(detail: SpanDetail): Omit<SpanDetail, 'startUs' | 'durationNs' | 'resource'> {
  const { startUs: _s, durationNs: _d, resource: _r, ...rest } = detail;
  return rest;
}

/**
 * The spans of one resource share one dimensions object: its COPY text is built once, not once
 * per span (it is the largest field of a typical span row).
 */
const sharedText = new WeakMap<object, string>();
function sharedField(value: object): string {
  let text = sharedText.get(value);
  if (text === undefined) {
    text = copyField(value);
    sharedText.set(value, text);
  }
  return text;
}

/** A span as one line of COPY text, in SPAN_COLUMNS order (the bench's baseline uses it too). */
export function spanCopyLine(span: StoredSpan, receivedAt: number): string {
  const record = spanRecord(span, receivedAt);
  return SPAN_COLUMNS.map((column) =>
    column === 'dimensions'
      ? sharedField(span.dimensions)
      : column === 'resource' && span.detail !== null
        ? sharedField(span.detail.resource)
        : copyField(record[column]),
  ).join('\t');
}

/**
 * The default span store: the service's own `spans` table. A batch is written with COPY FROM
 * STDIN on the transaction's own connection (so it commits or rolls back with the batch's trace
 * rows): the cheapest bulk path PostgreSQL has, one text stream, no per-row statement.
 */
export class PostgresSpanStore implements SpanReader, SpanWriter {
  private readonly table: string;

  constructor(private readonly ctx: ServiceContext) {
    this.table = ctx.table('spans');
  }

  async write(tx: Transaction, spans: readonly StoredSpan[], receivedAt: number): Promise<void> {
    let text = '';
    for (const span of spans) text += `${spanCopyLine(span, receivedAt)}\n`;
    await copyRows(tx, this.table, SPAN_COLUMNS, text);
  }

  async spansOf(
    tenantId: string,
    traceId: string,
    tx?: Transaction,
  ): Promise<readonly SequencedSpan[]> {
    const manager = tx?.manager ?? this.ctx.dataSource.manager;
    const rows: SpanRow[] = await manager.query(
      `SELECT ${SPAN_SELECT}
         FROM ${this.table} WHERE tenant_id = $1 AND trace_id = $2
        ORDER BY start_ms, span_id, seq`,
      [tenantId, traceId],
    );
    return rows.map(toSpan);
  }
}

/** A span row as the store's span (rows of any query selecting SPAN_SELECT). */
export function toSpan(row: SpanRow): SequencedSpan {
  return {
    seq: Number(row.seq),
    tenantId: row.tenant_id,
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    kind: row.kind,
    startMs: Number(row.start_ms),
    durationMs: row.duration_ms,
    status: row.status as TraceStatus,
    statusMessage: row.status_message,
    service: row.service,
    dimensions: row.dimensions,
    attributes: row.attributes,
    events: row.events,
    detail:
      row.start_us === null || row.duration_ns === null || row.resource === null
        ? null
        : {
            ...row.detail,
            startUs: Number(row.start_us),
            durationNs: Number(row.duration_ns),
            resource: row.resource,
          },
  };
}
