import { kqlLong, kqlString } from '@obs/service-kit';

/** The most spans one trace read returns (App Insights' own limit per query is 500,000 rows). */
export const MAX_TRACE_SPANS = 10_000;

/**
 * The spans of one trace in a workspace-based Application Insights resource: server spans are
 * AppRequests, client and internal ones AppDependencies, both keyed by OperationId = traceId.
 * The tenant is the `tenant.id` the exporter wrote into Properties (custom dimensions). The text
 * below the `let` bindings never changes; the values are bound by kql-literals.
 */
export const SPANS_QUERY_BODY = `union
  (AppRequests | extend Kind = 2, Type = ""),
  (AppDependencies | extend Kind = 3)
| where OperationId == traceId
| where tostring(Properties["tenant.id"]) == tenantId
| extend StartMs = datetime_diff('millisecond', TimeGenerated, datetime(1970-01-01T00:00:00.000Z))
| project Id, ParentId, OperationId, Name, Kind, StartMs, DurationMs, Success, ResultCode, AppRoleName, Properties
| order by StartMs asc, Id asc
| take maxSpans`;

export function buildSpansQuery(tenantId: string, traceId: string): string {
  return [
    `let tenantId = ${kqlString(tenantId)};`,
    `let traceId = ${kqlString(traceId)};`,
    `let maxSpans = ${kqlLong(MAX_TRACE_SPANS)};`,
    SPANS_QUERY_BODY,
  ].join('\n');
}
