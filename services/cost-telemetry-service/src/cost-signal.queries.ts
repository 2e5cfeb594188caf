import { keysetCursor, toKeysetPage, type Page } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import { CostSignalEntity } from './cost-signal.repository.js';
import { viewOfRow, type CostSignalView } from './cost-signal.view.js';
import type { PeriodKind } from './periods.js';

/** Read models over the signal rows, always within the caller's tenant. */

export interface SignalFilter {
  readonly projectId?: string;
  readonly period?: PeriodKind;
  /** Periods starting at or after this instant. */
  readonly from?: string;
  /** Periods starting before this instant. */
  readonly to?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/*
 * The kit's keyset cursor is `<integer>.<uuid>`; a signal id is `cost_<32 hex>`, so the cursor
 * carries the same 128 bits written as a UUID. Their order is the order of the ids.
 */
const uuidOfSignalId = (id: string): string => {
  const hex = id.slice('cost_'.length);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const signalIdOfUuid = (uuid: string): string => `cost_${uuid.replaceAll('-', '')}`;

export async function findSignal(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<CostSignalView | undefined> {
  const row = await dataSource.getRepository(CostSignalEntity).findOneBy({ id, tenantId });
  return row ? viewOfRow(row) : undefined;
}

/** Newest period first (periodStart, then id); the cursor is the last item's position. */
export async function listSignals(
  dataSource: DataSource,
  tenantId: string,
  filter: SignalFilter,
  page: PageRequest,
): Promise<Page<CostSignalView>> {
  const query = dataSource
    .getRepository(CostSignalEntity)
    .createQueryBuilder('s')
    .where('s.tenantId = :tenantId', { tenantId });
  if (filter.projectId) query.andWhere('s.projectId = :projectId', { projectId: filter.projectId });
  if (filter.period) query.andWhere('s.periodKind = :period', { period: filter.period });
  if (filter.from) query.andWhere('s.periodStart >= :from', { from: new Date(filter.from) });
  if (filter.to) query.andWhere('s.periodStart < :to', { to: new Date(filter.to) });
  const after = keysetCursor.decode(page.cursor);
  if (after) {
    query.andWhere('(s.period_start, s.id) < (CAST(:start AS timestamptz), CAST(:id AS text))', {
      start: new Date(after.sortKey),
      id: signalIdOfUuid(after.id),
    });
  }
  const rows = await query
    .orderBy('s.periodStart', 'DESC')
    .addOrderBy('s.id', 'DESC')
    .limit(page.limit + 1)
    .getMany();
  return toKeysetPage(rows.map(viewOfRow), page.limit, (view) => ({
    sortKey: Date.parse(view.periodStart),
    id: uuidOfSignalId(view.id),
  }));
}
