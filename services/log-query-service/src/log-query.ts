import { DomainError } from '@obs/domain';
import {
  HttpProblem,
  keysetCursor,
  notFound,
  toKeysetPage,
  type Page,
  type ServiceContext,
} from '@obs/service-kit';
import type { LogAnalyticsLogStore } from './log-store/log-analytics-log-store.js';
import type { LogStoreQuery, StoredLogRecord } from './log-store/log-store.port.js';
import { LOCAL_WORKSPACE_ID, type PostgresLogStore } from './log-store/postgres-log-store.js';
import { workspacesOf } from './log-record-reference.queries.js';
import type { LogQueryBody } from './routes/log.schemas.js';

export const LOG_QUERY_CODES = ['log_query.target_required', 'log_query.invalid_range'];

/** The stores a reference can point to: this service's Postgres, or a Log Analytics workspace. */
export interface LogStores {
  readonly local: PostgresLogStore;
  readonly logAnalytics: LogAnalyticsLogStore | undefined;
}

/**
 * A log query: the caller's tenant's references of the trace (or execution) say which stores hold
 * its records; each store is asked for the page after the cursor, and the answers are merged in
 * (time, id) order. No reference in the tenant is a 404, so another tenant's trace looks exactly
 * like an unknown one.
 */
export async function queryLogs(
  ctx: ServiceContext,
  stores: LogStores,
  tenantId: string,
  body: LogQueryBody,
): Promise<Page<StoredLogRecord>> {
  if ((body.traceId === undefined) === (body.executionId === undefined)) {
    throw new DomainError(
      'log_query.target_required',
      'give exactly one of traceId and executionId',
    );
  }
  const fromMs = Date.parse(body.from);
  const toMs = Date.parse(body.to);
  if (!(fromMs < toMs)) throw new DomainError('log_query.invalid_range', 'from must be before to');
  const target =
    body.traceId !== undefined
      ? { traceId: body.traceId }
      : { executionId: body.executionId as string };
  const workspaces = await workspacesOf(ctx, { tenantId, ...target });
  if (workspaces.length === 0) {
    throw notFound(
      body.traceId !== undefined ? 'trace' : 'execution',
      body.traceId ?? body.executionId ?? '',
    );
  }
  const after = keysetCursor.decode(body.cursor);
  const query: LogStoreQuery = {
    tenantId,
    ...target,
    fromMs,
    toMs,
    minLevel: body.minSeverity,
    ...(body.text === undefined ? {} : { text: body.text }),
    ...(after === undefined ? {} : { after: { timeMs: after.sortKey, id: after.id } }),
    limit: body.limit + 1,
  };
  const answers = await Promise.all(
    workspaces.map((workspaceId) => {
      if (workspaceId === LOCAL_WORKSPACE_ID) return stores.local.query(query);
      if (stores.logAnalytics === undefined) {
        throw new HttpProblem(
          503,
          'log_store_unavailable',
          'Service Unavailable',
          `records are in Log Analytics workspace ${workspaceId}, and LOG_ANALYTICS_WORKSPACE_ID is not configured`,
        );
      }
      return stores.logAnalytics.query(workspaceId, query);
    }),
  );
  const merged = answers
    .flat()
    .sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, body.limit + 1);
  return toKeysetPage(merged, body.limit, (r) => ({ sortKey: r.timeMs, id: r.id }));
}
