import type { ServiceContext } from '@obs/service-kit';

/**
 * Attributes that name the callee of a client or producer span nobody answered with a server or
 * consumer span (a database, a broker, a third-party API), first present wins. peer.service is
 * the instrumentation's own name for the callee; then the system (postgresql, kafka), then the
 * host it called.
 */
export const PEER_ATTRIBUTES = [
  'peer.service',
  'db.system',
  'messaging.system',
  'rpc.service',
  'server.address',
  'net.peer.name',
] as const;

export interface ServiceMapQuery {
  /** Spans starting in [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly projectId?: string | undefined;
}

export interface ServiceEdge {
  caller: string;
  callee: string;
  /** `service` when the callee sent spans; `peer` when only the caller's span names it. */
  calleeKind: 'service' | 'peer';
  /** The attribute that named a peer callee (peer.service, db.system, ...); null for services. */
  peerAttribute: string | null;
  callCount: number;
  errorCount: number;
  p50Ms: number;
  p95Ms: number;
}

interface EdgeRow {
  caller: string;
  callee: string;
  peer_attribute: string | null;
  call_count: string;
  error_count: string;
  p50_ns: number;
  p95_ns: number;
}

/**
 * The dependency graph of the tenant's spans (one project's, when given). A call is a span pair:
 * a server or consumer span and its parent span when that parent is a client or producer span,
 * or belongs to another service; or a client or producer span no server or consumer span
 * answered, its callee named by PEER_ATTRIBUTES (skipped when none is set). An exporter's
 * retried copy of a span counts once. A call errs when either side's status is error; its
 * duration is the caller's span when that is a client or producer span (what the caller waited),
 * else the callee's. p50/p95 interpolate (percentile_cont).
 */
export async function serviceEdges(
  ctx: ServiceContext,
  tenantId: string,
  query: ServiceMapQuery,
): Promise<ServiceEdge[]> {
  const params: unknown[] = [tenantId, query.fromMs, query.toMs, [...PEER_ATTRIBUTES]];
  const project = query.projectId === undefined ? '' : `AND dimensions ->> 'projectId' = $5`;
  if (query.projectId !== undefined) params.push(query.projectId);
  const rows: EdgeRow[] = await ctx.dataSource.query(
    `WITH s AS MATERIALIZED (
       SELECT DISTINCT ON (trace_id, span_id) trace_id, span_id, parent_span_id, service, kind,
              status = 'error' AS failed, attributes,
              COALESCE(duration_ns, round(duration_ms * 1000000)::bigint) AS duration_ns
         FROM ${ctx.table('spans')}
        WHERE tenant_id = $1 AND start_ms >= $2::bigint AND start_ms < $3::bigint ${project}
        ORDER BY trace_id, span_id, seq
     ), calls AS (
       SELECT p.service AS caller, c.service AS callee, NULL::text AS peer_attribute,
              p.failed OR c.failed AS failed,
              CASE WHEN p.kind IN (3, 4) THEN p.duration_ns ELSE c.duration_ns END AS duration_ns
         FROM s c JOIN s p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
        WHERE c.kind IN (2, 5) AND (p.kind IN (3, 4) OR p.service <> c.service)
       UNION ALL
       SELECT p.service, peer.value, peer.key, p.failed, p.duration_ns
         FROM s p
         CROSS JOIN LATERAL (
           SELECT a.key, p.attributes ->> a.key AS value
             FROM unnest($4::text[]) WITH ORDINALITY AS a(key, n)
            WHERE p.attributes ->> a.key IS NOT NULL AND p.attributes ->> a.key <> ''
            ORDER BY a.n LIMIT 1
         ) peer
        WHERE p.kind IN (3, 4)
          AND NOT EXISTS (SELECT 1 FROM s c WHERE c.trace_id = p.trace_id
                             AND c.parent_span_id = p.span_id AND c.kind IN (2, 5))
     )
     SELECT caller, callee, peer_attribute, count(*) AS call_count,
            count(*) FILTER (WHERE failed) AS error_count,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ns) AS p50_ns,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ns) AS p95_ns
       FROM calls GROUP BY caller, callee, peer_attribute
      ORDER BY caller, callee, peer_attribute NULLS FIRST`,
    params,
  );
  return rows.map((r) => ({
    caller: r.caller,
    callee: r.callee,
    calleeKind: r.peer_attribute === null ? 'service' : 'peer',
    peerAttribute: r.peer_attribute,
    callCount: Number(r.call_count),
    errorCount: Number(r.error_count),
    p50Ms: Number(r.p50_ns) / 1e6,
    p95Ms: Number(r.p95_ns) / 1e6,
  }));
}
