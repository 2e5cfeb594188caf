import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource } from 'typeorm';
import { CostSignalEntity } from './cost-signal.repository.js';
import { signalCursor } from './routes/cost-common.schemas.js';
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
  return keysetPage(
    query,
    {
      sortColumn: 's.period_start',
      sortType: 'timestamptz',
      idColumn: 's.id',
      idType: 'text',
      cursor: signalCursor,
    },
    page,
    {
      toItem: viewOfRow,
      positionOf: (row) => ({ sortKey: row.periodStart.getTime(), id: row.id }),
    },
  );
}
