import { DashboardDefinition, type DashboardDefinitionSnapshot, type Panel } from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface DashboardRow {
  id: string;
  tenantId: string;
  name: string;
  projectId: string;
  moduleId: string | null;
  panels: Panel[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One accepted definition of a dashboard, as it was at `version` (immutable once written). */
export interface DashboardVersionRow {
  dashboardId: string;
  version: number;
  tenantId: string;
  name: string;
  projectId: string;
  moduleId: string | null;
  panels: Panel[];
  recordedAt: Date;
}

export const DashboardEntity = new EntitySchema<DashboardRow>({
  name: 'Dashboard',
  tableName: 'dashboards',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    projectId: { type: 'text', name: 'project_id' },
    moduleId: { type: 'text', name: 'module_id', nullable: true },
    panels: { type: 'jsonb' },
    version: { type: 'integer' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
});

export const DashboardVersionEntity = new EntitySchema<DashboardVersionRow>({
  name: 'DashboardVersion',
  tableName: 'dashboard_versions',
  columns: {
    dashboardId: { type: 'uuid', name: 'dashboard_id', primary: true },
    version: { type: 'integer', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    name: { type: 'text' },
    projectId: { type: 'text', name: 'project_id' },
    moduleId: { type: 'text', name: 'module_id', nullable: true },
    panels: { type: 'jsonb' },
    recordedAt: { type: 'timestamptz', name: 'recorded_at' },
  },
});

const copyPanels = (panels: readonly Panel[]): Panel[] =>
  panels.map((p) => ({ ...p, groupBy: [...p.groupBy], layout: { ...p.layout } }));

export function toDashboardRow(
  snapshot: DashboardDefinitionSnapshot,
  version: number,
): DashboardRow {
  return {
    id: snapshot.dashboardId,
    tenantId: snapshot.tenantId,
    name: snapshot.name,
    projectId: snapshot.scope.projectId,
    moduleId: snapshot.scope.moduleId,
    panels: copyPanels(snapshot.panels),
    version,
    createdAt: new Date(snapshot.createdAt),
    updatedAt: new Date(snapshot.updatedAt),
  };
}

export function toVersionRow(snapshot: DashboardDefinitionSnapshot): DashboardVersionRow {
  return {
    dashboardId: snapshot.dashboardId,
    version: snapshot.version,
    tenantId: snapshot.tenantId,
    name: snapshot.name,
    projectId: snapshot.scope.projectId,
    moduleId: snapshot.scope.moduleId,
    panels: copyPanels(snapshot.panels),
    recordedAt: new Date(snapshot.updatedAt),
  };
}

/**
 * Row → snapshot with the row's version: the domain's version and the store's are one number.
 * `DashboardDefinition.rehydrate` re-checks every invariant, so a row edited by hand into an
 * impossible state fails loudly instead of being served.
 */
export function toSnapshot(row: DashboardRow): DashboardDefinitionSnapshot {
  return {
    dashboardId: row.id,
    tenantId: row.tenantId,
    name: row.name,
    scope: { projectId: row.projectId, moduleId: row.moduleId },
    panels: copyPanels(row.panels),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type DashboardStore = AggregateStore<DashboardDefinition, DashboardRow>;

/**
 * The dashboard's store. The domain bumps its version only for a real change; an update that
 * changed nothing leaves it at the stored version and nothing is written (no new version, no
 * event). Every save that is written appends the definition to the version history in the same
 * transaction, so history and dashboard never disagree.
 */
export function dashboardStore(dataSource: DataSource, uow: UnitOfWork): DashboardStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'dashboard',
    entity: DashboardEntity,
    toRow: (dashboard, version) => toDashboardRow(dashboard.toSnapshot(), version),
    toAggregate: (row) => DashboardDefinition.rehydrate(toSnapshot(row)),
    isUnchanged: (dashboard, storedVersion) => dashboard.version === storedVersion,
    async saveExtra(manager, dashboard) {
      await manager
        .getRepository(DashboardVersionEntity)
        .insert(toVersionRow(dashboard.toSnapshot()));
    },
  });
}
