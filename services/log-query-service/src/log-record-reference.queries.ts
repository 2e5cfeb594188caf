import { keysetCursor, toKeysetPage, type Page, type ServiceContext } from '@obs/service-kit';
import { toReference, type LogRecordReferenceRow } from './log-record-reference.repository.js';
import type { LogReferenceView } from './log-record-reference.view.js';
import { viewOfReference } from './log-record-reference.view.js';

/** Read models over log_record_references, always within the caller's tenant. */

export interface ReferenceFilter {
  readonly tenantId: string;
  readonly traceId?: string;
  readonly executionId?: string;
}

interface ReferenceSqlRow {
  id: string;
  tenant_id: string;
  trace_id: string;
  execution_id: string;
  project_id: string;
  module_id: string;
  level: string;
  timestamp: Date;
  time_ms: string;
  workspace_id: string;
  query_handle: string;
  dimensions: LogRecordReferenceRow['dimensions'];
  record_count: number;
}

function whereOf(filter: ReferenceFilter, params: unknown[]): string[] {
  params.push(filter.tenantId);
  const where = ['tenant_id = $1'];
  if (filter.traceId !== undefined) {
    params.push(filter.traceId);
    where.push(`trace_id = $${params.length}`);
  }
  if (filter.executionId !== undefined) {
    params.push(filter.executionId);
    where.push(`execution_id = $${params.length}`);
  }
  return where;
}

/** References oldest first, keyset-paged on (time_ms, id). */
export async function listReferences(
  ctx: ServiceContext,
  filter: ReferenceFilter,
  page: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<Page<LogReferenceView>> {
  const after = keysetCursor.decode(page.cursor);
  const params: unknown[] = [];
  const where = whereOf(filter, params);
  if (after) {
    params.push(after.sortKey, after.id);
    where.push(`(time_ms, id) > ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  const rows: ReferenceSqlRow[] = await ctx.dataSource.query(
    `SELECT id, tenant_id, trace_id, execution_id, project_id, module_id, level, timestamp, time_ms,
            workspace_id, query_handle, dimensions, record_count
       FROM ${ctx.table('log_record_references')}
      WHERE ${where.join(' AND ')}
      ORDER BY time_ms, id
      LIMIT $${params.length}`,
    params,
  );
  const views = rows.map((row) => {
    const mapped: LogRecordReferenceRow = {
      id: row.id,
      tenantId: row.tenant_id,
      traceId: row.trace_id,
      executionId: row.execution_id,
      projectId: row.project_id,
      moduleId: row.module_id,
      level: row.level,
      timestamp: row.timestamp,
      timeMs: row.time_ms,
      workspaceId: row.workspace_id,
      queryHandle: row.query_handle,
      dimensions: row.dimensions,
      recordCount: row.record_count,
    };
    return viewOfReference(toReference(mapped), mapped.recordCount);
  });
  return toKeysetPage(views, page.limit, (v) => ({ sortKey: Date.parse(v.timestamp), id: v.id }));
}

/** The stores holding a trace's or an execution's records: the workspaces its references name. */
export async function workspacesOf(
  ctx: ServiceContext,
  filter: ReferenceFilter,
): Promise<string[]> {
  const params: unknown[] = [];
  const where = whereOf(filter, params);
  const rows: { workspace_id: string }[] = await ctx.dataSource.query(
    `SELECT DISTINCT workspace_id FROM ${ctx.table('log_record_references')}
      WHERE ${where.join(' AND ')} ORDER BY workspace_id`,
    params,
  );
  return rows.map((r) => r.workspace_id);
}
