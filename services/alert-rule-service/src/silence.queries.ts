import { silenceStateAt, type SilenceSnapshot, type SilenceState } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import { SilenceEntity, toSilenceSnapshot, type SilenceRow } from './silence.repository.js';

/** A silence as the API shows it, with its state at the time of the answer. */
export function silenceView(s: SilenceSnapshot, version: number, at: number) {
  return {
    id: s.silenceId,
    matchers: s.matchers.map((m) => ({ ...m })),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    createdBy: s.createdBy,
    comment: s.comment,
    state: silenceStateAt(s, at),
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export type SilenceView = ReturnType<typeof silenceView>;

const viewOfRow = (row: SilenceRow, at: number): SilenceView =>
  silenceView(toSilenceSnapshot(row), row.version, at);

export async function findSilence(
  dataSource: DataSource,
  tenantId: string,
  id: string,
  at: number,
): Promise<SilenceView | undefined> {
  const row = await dataSource.getRepository(SilenceEntity).findOneBy({ id, tenantId });
  return row ? viewOfRow(row, at) : undefined;
}

/** Newest first, keyset-paged on (created_at, id); `state` as of `at`. */
export function listSilences(
  dataSource: DataSource,
  tenantId: string,
  filters: { readonly state?: SilenceState | undefined },
  page: PageRequest,
  at: number,
): Promise<Page<SilenceView>> {
  const query = dataSource
    .getRepository(SilenceEntity)
    .createQueryBuilder('s')
    .where('s.tenant_id = :tenantId', { tenantId });
  const now = new Date(at);
  if (filters.state === 'active')
    query.andWhere('s.starts_at <= :now AND s.ends_at > :now', { now });
  if (filters.state === 'pending') query.andWhere('s.starts_at > :now', { now });
  if (filters.state === 'expired') query.andWhere('s.ends_at <= :now', { now });
  return keysetPage(
    query,
    { sortColumn: 's.created_at', sortType: 'timestamptz', idColumn: 's.id', idType: 'uuid' },
    page,
    {
      toItem: (row) => viewOfRow(row, at),
      positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }),
    },
  );
}

/** The tenant's silences active at `at`, read in the caller's transaction. */
export async function activeSilences(
  manager: EntityManager,
  tenantId: string,
  at: number,
): Promise<SilenceSnapshot[]> {
  const now = new Date(at);
  const rows = await manager
    .getRepository(SilenceEntity)
    .createQueryBuilder('s')
    .where('s.tenant_id = :tenantId AND s.ends_at > :now AND s.starts_at <= :now', {
      tenantId,
      now,
    })
    .orderBy('s.id', 'ASC')
    .getMany();
  return rows.map(toSilenceSnapshot);
}
