import { keysetPage, type Page, type PageRequest, type ServiceContext } from '@obs/service-kit';
import { LogRecordReferenceEntity, toReference } from './log-record-reference.repository.js';
import type { LogReferenceView } from './log-record-reference.view.js';
import { viewOfReference } from './log-record-reference.view.js';

/** Read models over log_record_references, always within the caller's tenant. */

export interface ReferenceFilter {
  readonly tenantId: string;
  readonly traceId?: string;
  readonly executionId?: string;
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
  page: PageRequest,
): Promise<Page<LogReferenceView>> {
  const query = ctx.dataSource
    .getRepository(LogRecordReferenceEntity)
    .createQueryBuilder('r')
    .where('r.tenantId = :tenantId', { tenantId: filter.tenantId });
  if (filter.traceId !== undefined) {
    query.andWhere('r.traceId = :traceId', { traceId: filter.traceId });
  }
  if (filter.executionId !== undefined) {
    query.andWhere('r.executionId = :executionId', { executionId: filter.executionId });
  }
  return keysetPage(
    query,
    {
      sortColumn: 'r.time_ms',
      sortType: 'bigint',
      idColumn: 'r.id',
      idType: 'uuid',
      direction: 'ASC',
    },
    page,
    {
      toItem: (row) => viewOfReference(toReference(row), row.recordCount),
      positionOf: (row) => ({ sortKey: Number(row.timeMs), id: row.id }),
    },
  );
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
