import type { SloStatus } from '@obs/domain';
import {
  keysetCursor,
  keysetPage,
  toKeysetPage,
  type Page,
  type PageRequest,
} from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import { SloEntity, toSloSnapshot, type SloRow } from './slo-definition.repository.js';
import {
  statusOfSnapshot,
  viewOfSnapshot,
  type BudgetBurnEvent,
  type SloStatusView,
  type SloView,
} from './slo.view.js';

/** Read models: plain queries over the table, always within the caller's tenant. */

export interface SloFilter {
  readonly projectId?: string;
  readonly status?: SloStatus;
}

const viewOfRow = (row: SloRow): SloView => viewOfSnapshot(toSloSnapshot(row), row.version);

function findRow(dataSource: DataSource, tenantId: string, id: string): Promise<SloRow | null> {
  return dataSource.getRepository(SloEntity).findOneBy({ id, tenantId });
}

/** One SLO of the tenant; another tenant's id is as unknown as a missing one. */
export async function findSlo(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<SloView | undefined> {
  const row = await findRow(dataSource, tenantId, id);
  return row ? viewOfRow(row) : undefined;
}

export async function findSloStatus(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<SloStatusView | undefined> {
  const row = await findRow(dataSource, tenantId, id);
  return row ? statusOfSnapshot(toSloSnapshot(row), row.version) : undefined;
}

/** The tenant's SLOs, newest first, keyset-paged on (created_at, id). */
export function listSlos(
  dataSource: DataSource,
  tenantId: string,
  filter: SloFilter,
  page: PageRequest,
): Promise<Page<SloView>> {
  const query = dataSource
    .getRepository(SloEntity)
    .createQueryBuilder('s')
    .where('s.tenantId = :tenantId', { tenantId });
  if (filter.projectId) query.andWhere('s.projectId = :projectId', { projectId: filter.projectId });
  if (filter.status) query.andWhere('s.status = :status', { status: filter.status });
  return keysetPage(
    query,
    { sortColumn: 's.created_at', sortType: 'timestamptz', idColumn: 's.id', idType: 'uuid' },
    page,
    { toItem: viewOfRow, positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }) },
  );
}

/**
 * The SLO's BudgetBurnEvents, newest first, or undefined when the tenant has no such SLO. The
 * cursor carries the timestamp (epoch ms) of the last point served. Paged in memory, not by
 * keysetPage: the events are a jsonb array on the SLO's row (a day at most), not rows.
 */
export async function listBurnEvents(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  page: PageRequest,
): Promise<Page<BudgetBurnEvent> | undefined> {
  const row = await findRow(dataSource, tenantId, id);
  if (!row) return undefined;
  const before = keysetCursor.decode(page.cursor)?.sortKey ?? Number.POSITIVE_INFINITY;
  const newestFirst = [...toSloSnapshot(row).burnEvents]
    .reverse()
    .filter((event) => Date.parse(event.timestamp) < before);
  return toKeysetPage(newestFirst.slice(0, page.limit + 1), page.limit, (event) => ({
    sortKey: Date.parse(event.timestamp),
    id,
  }));
}
