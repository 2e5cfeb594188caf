import type { ServiceContext } from '@obs/service-kit';
import { traceCursor } from './routes/trace.schemas.js';
import { TRACE_ROW_COLUMNS, type TraceRow } from './trace-record.mapping.js';

export interface TraceSearch {
  readonly projectId?: string | undefined;
  readonly moduleId?: string | undefined;
  readonly service?: string | undefined;
  readonly executionId?: string | undefined;
  readonly status?: string | undefined;
  readonly minDurationMs?: number | undefined;
  readonly maxDurationMs?: number | undefined;
  /** Epoch ms, inclusive. */
  readonly fromMs?: number | undefined;
  /** Epoch ms, exclusive. */
  readonly toMs?: number | undefined;
  /** Span attribute equality, compared as text (`200` matches the number 200). */
  readonly attributes: readonly (readonly [key: string, value: string])[];
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export async function findTrace(
  ctx: ServiceContext,
  tenantId: string,
  traceId: string,
): Promise<TraceRow | undefined> {
  const rows: TraceRow[] = await ctx.dataSource.query(
    `SELECT ${TRACE_ROW_COLUMNS} FROM ${ctx.table('traces')} WHERE tenant_id = $1 AND trace_id = $2`,
    [tenantId, traceId],
  );
  return rows[0];
}

/**
 * Newest first by (start, traceId), keyset-paged. Every value is a bound parameter; the keys of
 * attribute filters too (`attributes ->> $n`), so no input ever becomes SQL text.
 */
export async function searchTraces(
  ctx: ServiceContext,
  tenantId: string,
  search: TraceSearch,
): Promise<{ items: TraceRow[]; nextCursor: string | null }> {
  const params: unknown[] = [tenantId];
  const where = ['t.tenant_id = $1'];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push(`t.${column} = ${bind(value)}`);
  };
  equal('project_id', search.projectId);
  equal('module_id', search.moduleId);
  equal('service', search.service);
  equal('execution_id', search.executionId);
  equal('status', search.status);
  if (search.minDurationMs !== undefined)
    where.push(`t.duration_ms >= ${bind(search.minDurationMs)}`);
  if (search.maxDurationMs !== undefined)
    where.push(`t.duration_ms <= ${bind(search.maxDurationMs)}`);
  if (search.fromMs !== undefined) where.push(`t.start_ms >= ${bind(search.fromMs)}::bigint`);
  if (search.toMs !== undefined) where.push(`t.start_ms < ${bind(search.toMs)}::bigint`);
  for (const [key, value] of search.attributes) {
    where.push(
      `EXISTS (SELECT 1 FROM ${ctx.table('spans')} s WHERE s.tenant_id = t.tenant_id AND s.trace_id = t.trace_id AND s.attributes ->> ${bind(key)}::text = ${bind(value)}::text)`,
    );
  }
  const position = traceCursor.decode(search.cursor);
  if (position !== undefined) {
    where.push(
      `(t.start_ms, t.trace_id) < (${bind(position.sortKey)}::bigint, ${bind(position.id)}::text)`,
    );
  }
  const rows: TraceRow[] = await ctx.dataSource.query(
    `SELECT ${TRACE_ROW_COLUMNS.split(', ')
      .map((c) => `t.${c}`)
      .join(', ')} FROM ${ctx.table('traces')} t
      WHERE ${where.join(' AND ')}
      ORDER BY t.start_ms DESC, t.trace_id DESC LIMIT ${bind(search.limit + 1)}`,
    params,
  );
  const items = rows.slice(0, search.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > search.limit && last !== undefined
        ? traceCursor.encode(Number(last.start_ms), last.trace_id)
        : null,
  };
}
