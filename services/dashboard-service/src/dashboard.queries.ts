import type { PanelReferences } from '@obs/domain';
import { keysetCursor, toKeysetPage, type Page } from '@obs/service-kit';
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

export interface DashboardFilters {
  readonly projectId?: string;
  readonly moduleId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
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
    .where('d.tenant_id = :tenantId', { tenantId })
    .orderBy('d.created_at', 'DESC')
    .addOrderBy('d.id', 'DESC')
    .limit(filters.limit + 1);
  if (filters.projectId !== undefined)
    query.andWhere('d.project_id = :projectId', { projectId: filters.projectId });
  if (filters.moduleId !== undefined)
    query.andWhere('d.module_id = :moduleId', { moduleId: filters.moduleId });
  // created_at is written from the service clock in whole milliseconds, as the cursor holds it.
  const after = keysetCursor.decode(filters.cursor);
  if (after) {
    query.andWhere('(d.created_at, d.id) < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))', {
      createdAt: new Date(after.sortKey),
      id: after.id,
    });
  }
  const rows = await query.getMany();
  return toKeysetPage(rows.map(viewOfRow), filters.limit, (view) => ({
    sortKey: Date.parse(view.createdAt),
    id: view.id,
  }));
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
  // A cursor of another dashboard is simply a position in this one.
  const before = keysetCursor.decode(page.cursor)?.sortKey;
  const query = dataSource
    .getRepository(DashboardVersionEntity)
    .createQueryBuilder('v')
    .where('v.tenant_id = :tenantId AND v.dashboard_id = :dashboardId', { tenantId, dashboardId })
    .orderBy('v.version', 'DESC')
    .limit(page.limit + 1);
  if (before !== undefined) query.andWhere('v.version < CAST(:before AS bigint)', { before });
  const rows = await query.getMany();
  return toKeysetPage(rows.map(viewOfVersion), page.limit, (v) => ({
    sortKey: v.version,
    id: dashboardId,
  }));
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
