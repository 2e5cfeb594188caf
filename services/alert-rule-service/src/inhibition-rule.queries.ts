import type { InhibitionRuleSnapshot } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import {
  InhibitionRuleEntity,
  toInhibitionRuleSnapshot,
  type InhibitionRuleRow,
} from './inhibition-rule.repository.js';

/** An inhibition rule as the API shows it. */
export function inhibitionRuleView(s: InhibitionRuleSnapshot, version: number) {
  return {
    id: s.inhibitionRuleId,
    sourceMatchers: s.sourceMatchers.map((m) => ({ ...m })),
    targetMatchers: s.targetMatchers.map((m) => ({ ...m })),
    equal: [...s.equal],
    comment: s.comment,
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export type InhibitionRuleView = ReturnType<typeof inhibitionRuleView>;

const viewOfRow = (row: InhibitionRuleRow): InhibitionRuleView =>
  inhibitionRuleView(toInhibitionRuleSnapshot(row), row.version);

export async function findInhibitionRule(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<InhibitionRuleView | undefined> {
  const row = await dataSource.getRepository(InhibitionRuleEntity).findOneBy({ id, tenantId });
  return row ? viewOfRow(row) : undefined;
}

/** Newest first, keyset-paged on (created_at, id). */
export function listInhibitionRules(
  dataSource: DataSource,
  tenantId: string,
  page: PageRequest,
): Promise<Page<InhibitionRuleView>> {
  const query = dataSource
    .getRepository(InhibitionRuleEntity)
    .createQueryBuilder('r')
    .where('r.tenant_id = :tenantId', { tenantId });
  return keysetPage(
    query,
    { sortColumn: 'r.created_at', sortType: 'timestamptz', idColumn: 'r.id', idType: 'uuid' },
    page,
    {
      toItem: viewOfRow,
      positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
    },
  );
}

/** The tenant's inhibition rules, read in the caller's transaction. */
export async function tenantInhibitionRules(
  manager: EntityManager,
  tenantId: string,
): Promise<InhibitionRuleSnapshot[]> {
  const rows = await manager
    .getRepository(InhibitionRuleEntity)
    .find({ where: { tenantId }, order: { id: 'ASC' } });
  return rows.map(toInhibitionRuleSnapshot);
}
