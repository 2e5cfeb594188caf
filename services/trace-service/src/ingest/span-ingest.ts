import {
  OtlpBackpressureError,
  startConsumerSpan,
  type OtlpIngestResult,
  type OtlpTracesRequest,
  type ServiceContext,
  type Transaction,
} from '@obs/service-kit';
import type { TraceServiceConfig } from '../config.js';
import type { SpanWriter, StoredSpan } from '../span-store/span-store.port.js';
import { parseOtlpSpans } from './otlp-spans.js';

/** The most reasons named in partialSuccess.errorMessage (the rest are counted only). */
const MAX_REASONS = 10;
/** How long a count of the assembly backlog is trusted before it is read again (clock ms). */
const BACKLOG_TTL_MS = 1_000;
const RETRY_AFTER_SECONDS = 5;
/**
 * How long this process trusts that an operation (tenant, service, span name, kind) is in the
 * catalogue with a fresh enough last_seen_ms: a hot operation is written once per interval, not
 * once per batch, so concurrent batches rarely meet on its row.
 */
const OPERATION_TTL_MS = 600_000;
/** last_seen_ms is moved forward only by more than this (retention works in days). */
const LAST_SEEN_STEP_MS = 3_600_000;
const MAX_CACHED_OPERATIONS = 50_000;
/**
 * PostgreSQL's "insufficient resources" class: disk full, out of memory, too many connections.
 * The store cannot take the batch now, which OTLP answers with 503 and Retry-After.
 */
const STORE_FULL_CODES = new Set(['53000', '53100', '53200', '53300', '53400']);

/** Per trace of a batch: what the `traces` row learns from it. */
interface TraceDelta {
  trace_id: string;
  tenant_id: string;
  start_ms: number;
  end_ms: number;
  span_count: number;
  root_seen: boolean;
  root_span_id: string | null;
  root_span_name: string | null;
  project_id: string;
  module_id: string;
  service: string;
  execution_id: string;
  dimensions: StoredSpan['dimensions'];
}

/**
 * OTLP spans in: refused spans are named for partialSuccess; the rest are written to the span
 * store and their traces marked pending for assembly, in one transaction (a batch is stored
 * whole or not at all). The 200 comes after the commit.
 */
export class SpanIngest {
  private backlog: { readonly at: number; readonly full: boolean } | undefined;
  /** Operation key → clock time it was last written by this process. */
  private readonly operations = new Map<string, number>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: TraceServiceConfig,
    private readonly writer: SpanWriter,
  ) {}

  async ingest(request: OtlpTracesRequest, tenantId: string): Promise<OtlpIngestResult> {
    const parsed = parseOtlpSpans(request, tenantId);
    if (parsed.spans.length > 0) {
      await this.refuseWhenFull();
      const now = this.ctx.clock();
      const { span, context } = startConsumerSpan('ingest OTLP spans', {});
      let written: string[] = [];
      try {
        await this.ctx.uow.run({ context }, async (tx) => {
          // Trace rows first, in traceId order: they are the lock that orders a batch against
          // assembly and against other batches of the same traces (no deadlock, no lost span).
          await this.markPending(tx, parsed.spans, now);
          await this.writer.write(tx, parsed.spans, now);
          written = await this.recordOperations(tx, parsed.spans, now);
        });
        for (const key of written) this.operations.set(key, now);
      } catch (error) {
        throw storeFull(error) ? new OtlpBackpressureError(RETRY_AFTER_SECONDS) : error;
      } finally {
        span.end();
      }
    }
    const reasons = parsed.reasons.slice(0, MAX_REASONS);
    if (parsed.reasons.length > MAX_REASONS) {
      reasons.push(`and ${parsed.reasons.length - MAX_REASONS} more`);
    }
    return reasons.length === 0
      ? { rejected: parsed.rejected }
      : { rejected: parsed.rejected, errorMessage: reasons.join('; ') };
  }

  /** 503 while more traces wait for assembly than TRACE_MAX_PENDING_TRACES. */
  private async refuseWhenFull(): Promise<void> {
    const now = this.ctx.clock();
    if (
      this.backlog === undefined ||
      now - this.backlog.at >= BACKLOG_TTL_MS ||
      this.backlog.full
    ) {
      const limit = this.config.maxPendingTraces;
      const [row]: { n: string }[] = await this.ctx.dataSource.query(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${this.ctx.table('traces')} WHERE pending LIMIT $1) AS backlog`,
        [limit],
      );
      this.backlog = { at: now, full: Number(row?.n ?? 0) >= limit };
    }
    if (this.backlog.full) {
      throw new OtlpBackpressureError(
        RETRY_AFTER_SECONDS,
        `${this.config.maxPendingTraces} traces are waiting for assembly; retry later`,
      );
    }
  }

  /**
   * The operations catalogue the Jaeger API lists (services, span names per kind), upserted in
   * the batch's transaction for the operations this process has not written lately, in key
   * order (no deadlock between batches). @returns the keys written.
   */
  private async recordOperations(
    tx: Transaction,
    spans: readonly StoredSpan[],
    now: number,
  ): Promise<string[]> {
    const due = new Map<
      string,
      { tenant_id: string; service: string; name: string; kind: number; last_seen_ms: number }
    >();
    for (const span of spans) {
      const key = `${span.tenantId}\u0000${span.service}\u0000${span.name}\u0000${span.kind}`;
      const at = this.operations.get(key);
      if (at !== undefined && now - at < OPERATION_TTL_MS) continue;
      const row = due.get(key);
      if (row === undefined) {
        due.set(key, {
          tenant_id: span.tenantId,
          service: span.service,
          name: span.name,
          kind: span.kind,
          last_seen_ms: span.startMs,
        });
      } else row.last_seen_ms = Math.max(row.last_seen_ms, span.startMs);
    }
    if (due.size === 0) return [];
    if (this.operations.size + due.size > MAX_CACHED_OPERATIONS) this.operations.clear();
    const keys = [...due.keys()].sort();
    const operations = this.ctx.table('operations');
    await tx.manager.query(
      `INSERT INTO ${operations} AS o (tenant_id, service, name, kind, last_seen_ms)
       SELECT tenant_id, service, name, kind, last_seen_ms
         FROM json_populate_recordset(NULL::${operations}, $1::json)
       ON CONFLICT (tenant_id, service, name, kind) DO UPDATE
         SET last_seen_ms = excluded.last_seen_ms
         WHERE o.last_seen_ms < excluded.last_seen_ms - $2::bigint`,
      [JSON.stringify(keys.map((key) => due.get(key))), LAST_SEEN_STEP_MS],
    );
    return keys;
  }

  private async markPending(
    tx: Transaction,
    spans: readonly StoredSpan[],
    now: number,
  ): Promise<void> {
    const deltas = new Map<string, TraceDelta>();
    for (const span of spans) {
      const end = span.startMs + span.durationMs;
      const isRoot = span.parentSpanId === null;
      const delta = deltas.get(span.traceId);
      if (delta === undefined) {
        deltas.set(span.traceId, {
          trace_id: span.traceId,
          tenant_id: span.tenantId,
          start_ms: span.startMs,
          end_ms: end,
          span_count: 1,
          root_seen: isRoot,
          root_span_id: isRoot ? span.spanId : null,
          root_span_name: isRoot ? span.name : null,
          ...searchDimensions(span),
        });
        continue;
      }
      delta.start_ms = Math.min(delta.start_ms, span.startMs);
      delta.end_ms = Math.max(delta.end_ms, end);
      delta.span_count += 1;
      if (isRoot && !delta.root_seen) {
        Object.assign(delta, {
          root_seen: true,
          root_span_id: span.spanId,
          root_span_name: span.name,
          ...searchDimensions(span),
        });
      }
    }
    const rows = [...deltas.values()].sort((a, b) =>
      a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0,
    );
    const traces = this.ctx.table('traces');
    // Until the root arrives a trace is searchable by its first spans' dimensions; the root's
    // then win, as the assembled record carries the root's.
    const fromRoot = (column: string) =>
      `${column} = CASE WHEN NOT t.root_seen AND excluded.root_seen THEN excluded.${column} ELSE t.${column} END`;
    await tx.manager.query(
      `INSERT INTO ${traces} AS t (tenant_id, trace_id, status, root_span_id, root_span_name,
              start_ms, end_ms, duration_ms, span_count, project_id, module_id, service,
              execution_id, dimensions, root_seen, pending, last_span_at)
       SELECT tenant_id, trace_id, 'assembling', root_span_id, root_span_name, start_ms, end_ms,
              end_ms - start_ms, span_count, project_id, module_id, service, execution_id,
              dimensions, root_seen, true, $2
         FROM json_populate_recordset(NULL::${traces}, $1::json) ORDER BY trace_id
       ON CONFLICT (tenant_id, trace_id) DO UPDATE SET
         start_ms = LEAST(t.start_ms, excluded.start_ms),
         end_ms = GREATEST(t.end_ms, excluded.end_ms),
         duration_ms = GREATEST(t.end_ms, excluded.end_ms) - LEAST(t.start_ms, excluded.start_ms),
         span_count = t.span_count + excluded.span_count,
         ${['root_span_id', 'root_span_name', 'project_id', 'module_id', 'service', 'execution_id', 'dimensions'].map(fromRoot).join(',\n         ')},
         root_seen = t.root_seen OR excluded.root_seen,
         pending = true,
         last_span_at = GREATEST(t.last_span_at, excluded.last_span_at)`,
      [JSON.stringify(rows), now],
    );
  }
}

function searchDimensions(span: StoredSpan) {
  return {
    project_id: span.dimensions.projectId,
    module_id: span.dimensions.moduleId,
    service: span.service,
    execution_id: span.dimensions.executionId,
    dimensions: span.dimensions,
  };
}

function storeFull(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown }; code?: unknown } | null)?.driverError
    ?.code;
  return typeof code === 'string' && STORE_FULL_CODES.has(code);
}
