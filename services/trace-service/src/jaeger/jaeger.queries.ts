import type { ServiceContext } from '@obs/service-kit';
import { SPAN_SELECT, toSpan, type SpanRow } from '../span-store/postgres-span-store.js';
import type { SequencedSpan } from '../span-store/span-store.port.js';

/** The service names of the tenant's spans, sorted. */
export async function listServices(ctx: ServiceContext, tenantId: string): Promise<string[]> {
  const rows: { service: string }[] = await ctx.dataSource.query(
    `SELECT DISTINCT service FROM ${ctx.table('operations')} WHERE tenant_id = $1 ORDER BY service`,
    [tenantId],
  );
  return rows.map((r) => r.service);
}

/** The (span name, kind) pairs of one service, by name then kind; one kind when given. */
export async function listOperations(
  ctx: ServiceContext,
  tenantId: string,
  service: string,
  kind?: number,
): Promise<{ name: string; kind: number }[]> {
  const params: unknown[] = [tenantId, service];
  if (kind !== undefined) params.push(kind);
  return ctx.dataSource.query(
    `SELECT name, kind FROM ${ctx.table('operations')}
      WHERE tenant_id = $1 AND service = $2 ${kind === undefined ? '' : 'AND kind = $3'}
      ORDER BY name, kind`,
    params,
  );
}

export interface SpanSearch {
  readonly service: string;
  readonly operation?: string | undefined;
  /** Attribute equalities, compared as text with the span's, its resource's or an event's. */
  readonly tags: readonly (readonly [key: string, value: string])[];
  /** `error=true` / `error=false` in Jaeger's tags: the span's status, not an attribute. */
  readonly error?: boolean | undefined;
  /** Span start, epoch microseconds, both inclusive. */
  readonly startUs: number;
  readonly endUs: number;
  /** Span duration bounds in nanoseconds, inclusive. */
  readonly minNs?: bigint | undefined;
  readonly maxNs?: bigint | undefined;
  readonly limit: number;
}

/**
 * Jaeger's search: the traces holding one span that meets every condition at once (its service,
 * name, start, duration and each tag), newest such span first, at most `limit`. Every value is a
 * bound parameter, tag keys included.
 */
export async function searchTraceIds(
  ctx: ServiceContext,
  tenantId: string,
  search: SpanSearch,
): Promise<string[]> {
  const params: unknown[] = [tenantId, search.service];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [
    's.tenant_id = $1',
    's.service = $2',
    // The millisecond column narrows by index; the microsecond one decides.
    `s.start_ms BETWEEN ${bind(Math.floor(search.startUs / 1000))}::bigint AND ${bind(Math.floor(search.endUs / 1000))}::bigint`,
    `COALESCE(s.start_us, s.start_ms * 1000) BETWEEN ${bind(search.startUs)}::bigint AND ${bind(search.endUs)}::bigint`,
  ];
  if (search.operation !== undefined) where.push(`s.name = ${bind(search.operation)}`);
  const duration = 'COALESCE(s.duration_ns, round(s.duration_ms * 1000000)::bigint)';
  if (search.minNs !== undefined && search.minNs !== 0n) {
    where.push(`${duration} >= ${bind(search.minNs.toString())}::bigint`);
  }
  if (search.maxNs !== undefined && search.maxNs !== 0n) {
    where.push(`${duration} <= ${bind(search.maxNs.toString())}::bigint`);
  }
  if (search.error !== undefined) where.push(`s.status = ${bind(search.error ? 'error' : 'ok')}`);
  for (const [key, value] of search.tags) {
    const k = bind(key);
    const v = bind(value);
    where.push(`(s.attributes ->> ${k}::text = ${v}::text
      OR COALESCE(s.resource, jsonb_build_object('service.name', s.service)) ->> ${k}::text = ${v}::text
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(s.events) e
                  WHERE e -> 'attributes' ->> ${k}::text = ${v}::text))`);
  }
  const rows: { trace_id: string }[] = await ctx.dataSource.query(
    `SELECT s.trace_id, max(COALESCE(s.start_us, s.start_ms * 1000)) AS at
       FROM ${ctx.table('spans')} s WHERE ${where.join(' AND ')}
      GROUP BY s.trace_id ORDER BY at DESC, s.trace_id DESC LIMIT ${bind(search.limit)}`,
    params,
  );
  return rows.map((r) => r.trace_id);
}

/** The spans of several traces of the tenant, grouped by trace, in start order. */
export async function spansOfTraces(
  ctx: ServiceContext,
  tenantId: string,
  traceIds: readonly string[],
): Promise<Map<string, SequencedSpan[]>> {
  const byTrace = new Map<string, SequencedSpan[]>(traceIds.map((id) => [id, []]));
  if (traceIds.length === 0) return byTrace;
  const rows: SpanRow[] = await ctx.dataSource.query(
    `SELECT ${SPAN_SELECT} FROM ${ctx.table('spans')}
      WHERE tenant_id = $1 AND trace_id = ANY($2::text[])
      ORDER BY trace_id, start_ms, span_id, seq`,
    [tenantId, traceIds],
  );
  for (const row of rows) byTrace.get(row.trace_id)?.push(toSpan(row));
  return byTrace;
}
