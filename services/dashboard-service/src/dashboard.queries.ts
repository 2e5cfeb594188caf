import type { PanelReferences } from '@obs/domain';
import { keysetPage, type Page, type PageRequest } from '@obs/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DashboardEntity,
  DashboardVersionEntity,
  toSnapshot,
  type DashboardRow,
  type DashboardVersionRow,
} from './dashboard.repository.js';
import { panelView, viewOfSnapshot, type DashboardView, type PanelView } from './dashboard.view.js';

/** Read models: plain queries over the tables, always within the caller's tenant. */

export interface DashboardFilters extends PageRequest {
  readonly projectId?: string | undefined;
  readonly moduleId?: string | undefined;
}

export interface VersionView {
  readonly dashboardId: string;
  readonly version: number;
  readonly name: string;
  readonly scope: { projectId: string; moduleId: string | null };
  readonly panels: PanelView[];
  readonly recordedAt: string;
}

export const viewOfRow = (row: DashboardRow): DashboardView => viewOfSnapshot(toSnapshot(row));

function viewOfVersion(row: DashboardVersionRow): VersionView {
  return {
    dashboardId: row.dashboardId,
    version: row.version,
    name: row.name,
    scope: { projectId: row.projectId, moduleId: row.moduleId },
    panels: row.panels.map(panelView),
    recordedAt: row.recordedAt.toISOString(),
  };
}

/** One dashboard row of the tenant; another tenant's id is as unknown as a missing one. */
export function findDashboardRow(
  dataSource: DataSource,
  tenantId: string,
  id: string,
): Promise<DashboardRow | null> {
  return dataSource.getRepository(DashboardEntity).findOneBy({ id, tenantId });
}

/** The tenant's dashboards, newest first, keyset-paged on (created_at, id). */
export async function listDashboards(
  dataSource: DataSource,
  tenantId: string,
  filters: DashboardFilters,
): Promise<Page<DashboardView>> {
  const query = dataSource
    .getRepository(DashboardEntity)
    .createQueryBuilder('d')
    .where('d.tenant_id = :tenantId', { tenantId });
  if (filters.projectId !== undefined)
    query.andWhere('d.project_id = :projectId', { projectId: filters.projectId });
  if (filters.moduleId !== undefined)
    query.andWhere('d.module_id = :moduleId', { moduleId: filters.moduleId });
  // created_at is written from the service clock in whole milliseconds, as the cursor holds it.
  return keysetPage(
    query,
    { sortColumn: 'd.created_at', sortType: 'timestamptz', idColumn: 'd.id', idType: 'uuid' },
    filters,
    { toItem: viewOfRow, positionOf: (row) => ({ sortKey: row.createdAt.getTime(), id: row.id }) },
  );
}

/**
 * Whether another dashboard of the tenant holds the name in the scope (case-insensitive, as the
 * unique index `dashboards_name_uq` has it, which also settles a race between two writers).
 * Read through `manager`: inside a command, the row's own transaction.
 */
export function nameTaken(
  manager: EntityManager,
  tenantId: string,
  dashboard: {
    readonly name: string;
    readonly scope: { readonly projectId: string; readonly moduleId?: string | null };
    /** The dashboard being changed, which may keep its own name. */
    readonly exceptId?: string;
  },
): Promise<boolean> {
  const query = manager
    .getRepository(DashboardEntity)
    .createQueryBuilder('d')
    .where('d.tenant_id = :tenantId AND d.project_id = :projectId', {
      tenantId,
      projectId: dashboard.scope.projectId,
    })
    .andWhere("coalesce(d.module_id, '') = :moduleId", {
      moduleId: dashboard.scope.moduleId ?? '',
    })
    .andWhere('lower(d.name) = lower(:name)', { name: dashboard.name.trim() });
  if (dashboard.exceptId !== undefined)
    query.andWhere('d.id <> :exceptId', { exceptId: dashboard.exceptId });
  return query.getExists();
}

/** The references a stored dashboard already holds (they resolved when they were added). */
export function referencesOf(
  panels: readonly { metric: string | null; sloId: string | null }[],
): PanelReferences {
  return {
    knownMetrics: new Set(panels.flatMap((p) => (p.metric === null ? [] : [p.metric]))),
    knownSloIds: new Set(panels.flatMap((p) => (p.sloId === null ? [] : [p.sloId]))),
  };
}

/**
 * The dashboard's versions, newest first, or undefined when the tenant has no such dashboard.
 * The cursor carries the last version served.
 */
export async function listVersions(
  dataSource: DataSource,
  tenantId: string,
  dashboardId: string,
  page: PageRequest,
): Promise<Page<VersionView> | undefined> {
  const exists = await dataSource
    .getRepository(DashboardEntity)
    .existsBy({ id: dashboardId, tenantId });
  if (!exists) return undefined;
  // The cursor is `<version>.<dashboard id>`: the id part keeps the kit's one cursor shape.
  const query = dataSource
    .getRepository(DashboardVersionEntity)
    .createQueryBuilder('v')
    .where('v.tenant_id = :tenantId AND v.dashboard_id = :dashboardId', { tenantId, dashboardId });
  return keysetPage(
    query,
    { sortColumn: 'v.version', sortType: 'bigint', idColumn: 'v.dashboard_id', idType: 'uuid' },
    page,
    { toItem: viewOfVersion, positionOf: (row) => ({ sortKey: row.version, id: row.dashboardId }) },
  );
}

export async function findVersion(
  dataSource: DataSource,
  tenantId: string,
  dashboardId: string,
  version: number,
): Promise<VersionView | undefined> {
  const row = await dataSource
    .getRepository(DashboardVersionEntity)
    .findOneBy({ dashboardId, tenantId, version });
  return row ? viewOfVersion(row) : undefined;
}
